"""Fingerprints: of a file (SHA-256 of its content), of one file's cached piece and of a
whole build, each with the code key of the readers (:func:`msp_analysis.cache.code_key`).

A build is reused when its fingerprint (every file's name and content, the code key and
whether the folder is DEMO data) is the previous build's; a piece is reused while its
file's content, name and the code key are unchanged.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from msp_analysis import cache

DEMO_MARKER = "DEMO_DATA.txt"
IGNORED = {".md", ".txt", ".json", ".yml", ".yaml", ".py", ".gitkeep"}
#: processed-folder layout version: bump when the manifest or piece format changes (its
#: value is in this file's content, and so in the readers' code key)
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


def piece_key(name: str, digest: str) -> str:
    """The cache key of one file's piece: its content, its name (every row carries it) and the code key."""
    named = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{digest[:32]}-{named}-{cache.code_key('readers')}"


def build_fingerprint(fps: dict[str, str], demo: bool) -> str:
    """The fingerprint of a whole build: every file's name and SHA-256, the code key, DEMO or not."""
    h = hashlib.sha256(f"{cache.code_key('readers')}|demo={demo}".encode())
    for name, digest in sorted(fps.items()):
        h.update(f"{name}\0{digest}\n".encode())
    return h.hexdigest()[:20]
