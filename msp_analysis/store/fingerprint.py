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
#: processed-folder layout version: bump when the manifest or piece format changes (its
#: value is in this file's content, and so in the readers' code key)
FORMAT = 3


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def candidates(raw_dir: Path) -> list[Path]:
    """The files in ``raw_dir`` a build looks at (sorted): every file, whatever its name ends
    with (each is told by its content), but hidden ones (``.partial``, ``.DS_Store``), the
    DEMO marker and the lock files Office keeps beside an open workbook (:func:`not_data`)."""
    return sorted(p for p in _files(raw_dir) if not_data(raw_dir, p) is None)


def not_data(raw_dir: Path, path: Path) -> str | None:
    """Why a file in the raw folder is never read (None for a file that is looked at)."""
    parts = path.relative_to(raw_dir).parts
    if any(part.startswith(".") for part in parts):
        return "hidden"
    if path.name == DEMO_MARKER and path.parent == raw_dir:
        return "the DEMO marker"
    if path.name.startswith("~$"):
        return "the lock file Office keeps while a workbook is open"
    return None


def office_lock_files(raw_dir: Path) -> list[Path]:
    """Office's lock files in the folder (``~$name.xlsx``): listed as skipped, never read."""
    return sorted(p for p in _files(raw_dir) if p.name.startswith("~$"))


def _files(raw_dir: Path) -> list[Path]:
    return [p for p in raw_dir.rglob("*") if p.is_file()]


def piece_key(name: str, digest: str) -> str:
    """The cache key of one file's piece: its content, its name (every row carries it) and the code key."""
    named = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{digest[:32]}-{named}-{cache.code_key('readers')}"


def build_fingerprint(fps: dict[str, str], demo: bool, options: dict | None = None) -> str:
    """The fingerprint of a whole build: every file's name and SHA-256, the code key, DEMO or
    not, and the options that change what is built (``verify``, ``forget_missing``: each
    only when set, so a build without them keeps its fingerprint)."""
    chosen = sorted(k for k, v in (options or {}).items() if v)
    key = cache.code_key("readers")
    h = hashlib.sha256(f"{key}|demo={demo}{''.join('|' + k for k in chosen)}".encode())
    for name, digest in sorted(fps.items()):
        h.update(f"{name}\0{digest}\n".encode())
    return h.hexdigest()[:20]
