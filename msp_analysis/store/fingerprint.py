"""Fingerprints: of a file (SHA-256 of its content), of the code that reads files
(:func:`code_key`), of one file's cached piece and of a whole build.

A build is reused when its fingerprint (every file's name and content, the code key and
whether the folder is DEMO data) is the previous build's; a piece is reused while its
file's content, name and the code key are unchanged.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from msp_analysis import __version__

DEMO_MARKER = "DEMO_DATA.txt"
IGNORED = {".md", ".txt", ".json", ".yml", ".yaml", ".py", ".gitkeep"}
#: processed-folder layout version: bump when the manifest or piece format changes
FORMAT = 2


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def candidates(raw_dir: Path) -> list[Path]:
    """The files in ``raw_dir`` a build looks at (sorted): not notes, code or hidden files."""
    return sorted(
        p
        for p in raw_dir.rglob("*")
        if p.is_file()
        and p.suffix.lower() not in IGNORED
        and not any(
            part.startswith(".") for part in p.relative_to(raw_dir).parts
        )  # hidden files and folders (.partial)
    )


_CODE_PARTS = ("sources", "schemas.py", "geography.py", "errors.py", "store", "data")


@lru_cache(maxsize=1)
def code_key() -> str:
    """Fingerprint of the code and reference data that turn a file into tidy tables.

    Covers the readers, schemas, geography, errors, the store package and the package data,
    so a changed reader never reuses pieces cached by the old one.
    """
    pkg = Path(__file__).resolve().parent.parent  # the msp_analysis package
    h = hashlib.sha256(f"{__version__}|{FORMAT}".encode())
    for part in _CODE_PARTS:
        root = pkg / part
        paths = sorted(root.rglob("*")) if root.is_dir() else [root]
        for p in paths:
            if p.is_file() and p.suffix in {".py", ".csv", ".yml", ".yaml", ".json"}:
                h.update(str(p.relative_to(pkg)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def piece_key(name: str, digest: str) -> str:
    """The cache key of one file's piece: its content, its name (every row carries it) and the code key."""
    named = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{digest[:32]}-{named}-{code_key()}"


def build_fingerprint(fps: dict[str, str], demo: bool) -> str:
    """The fingerprint of a whole build: every file's name and SHA-256, the code key, DEMO or not."""
    h = hashlib.sha256(f"{code_key()}|demo={demo}".encode())
    for name, digest in sorted(fps.items()):
        h.update(f"{name}\0{digest}\n".encode())
    return h.hexdigest()[:20]
