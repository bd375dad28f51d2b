"""The processed folder: its versions, the ``current`` pointer, reading a build back, and
removing what is no longer needed.

Layout::

    <out>/current                        a small text file: the name of the current version
    <out>/v-<fingerprint>/               manifest.json + <table>.parquet, never edited
    <out>/pieces/<key>/                  one file's tidy tables (:mod:`msp_analysis.store.pieces`)

``current`` is replaced whole in one ``os.replace`` (:func:`switch_to`), which is atomic on
Windows as on POSIX: no symbolic link, so the folder works where links do not (Windows
without developer mode, OneDrive and SharePoint, zip archives, copy tools that follow
links) and any copy of it reads the same build. Readers resolve ``current`` once
(:func:`resolve`) and read every table and the manifest from that one version.

Folders written by earlier versions of this tool are still read: ``current`` as a symbolic
link to the version, or, in a copy that followed that link, a plain folder holding the
build; the next build replaces either with the pointer file. Everything that knows what
``current`` is lives in this module.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from msp_analysis import atomic, config
from msp_analysis.schemas import TABLE_KEYS
from msp_analysis.store import steps

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

CURRENT = "current"
PIECES = "pieces"
MANIFEST = "manifest.json"


#: a version folder's name
VERSION = re.compile(r"v-[0-9a-f]{20}")


def resolve(processed_dir: str | Path | None = None) -> Path:
    """The folder holding the current build's tables and manifest (one consistent version).

    Reads the ``current`` pointer once. Also reads what earlier versions of this tool
    wrote: ``current`` as a symbolic link, or as the plain folder a copy made of that link;
    and tables and manifest at the top of the folder (the first, unversioned layout).
    """
    base = Path(processed_dir or config.processed_dir())
    current = base / CURRENT
    if current.is_symlink():  # written by an earlier version of this tool
        return base / os.readlink(current)
    if current.is_dir():  # a copy that followed that link: the build itself
        return current
    name = _pointer(current)
    return base / name if name else base


def _pointer(current: Path) -> str | None:
    """The version a pointer file names (None when there is none, or it is not a version:
    a damaged copy reads as no build, and the next build writes a good one)."""
    try:
        text = current.read_text(encoding="utf-8", errors="replace").strip()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
    except OSError:  # held by another program for a moment (Windows): read it once more
        time.sleep(0.05)
        try:
            text = current.read_text(encoding="utf-8", errors="replace").strip()
        except OSError:
            return None
    # a symbolic link a copy tool saved as a text file holds the same name
    return text if VERSION.fullmatch(text) else None


def has_build(processed_dir: str | Path | None = None) -> bool:
    """True when the folder holds a complete build."""
    return (resolve(processed_dir) / MANIFEST).exists()


def manifest(processed_dir: str | Path | None = None) -> dict:
    """The manifest of the last build."""
    path = resolve(processed_dir) / MANIFEST
    if not path.exists():
        raise FileNotFoundError(
            f"no processed data at {Path(processed_dir or config.processed_dir())}: "
            "run `make data` (or `msp data`) first"
        )
    return json.loads(path.read_text())


def failures(processed_dir: str | Path | None = None) -> list[dict]:
    """Files the last build could not read (file, sheet, column, row, problem, message).

    Each record also says which tables kept that file's rows from an earlier build
    (``kept_previous_rows``), so a plan can say which sources are missing or out of date.
    Empty when every file was read.
    """
    return list(manifest(processed_dir).get("failures", []))


def load(name: str, processed_dir: str | Path | None = None) -> pd.DataFrame:
    """One processed table, e.g. ``load('salt')``.

    For several tables from one consistent build, resolve the folder once
    (``folder = resolve(dir)``) or use :meth:`msp_analysis.tables.Tables.load`.

    Raises:
        FileNotFoundError: the table was not built (message says how to build it).
    """
    import pandas as pd

    path = resolve(processed_dir) / f"{name}.parquet"
    if not path.exists():
        known = sorted(TABLE_KEYS)
        raise FileNotFoundError(
            f"table '{name}' not found in {Path(processed_dir or config.processed_dir())} "
            f"(tables: {', '.join(known)}); run `make data` (or `msp data --raw DIR`) to build it"
        )
    return pd.read_parquet(path)


def previous(out_dir: Path) -> dict:
    """The manifest of the build already in ``out_dir`` (empty when there is none or it is unreadable)."""
    try:
        return manifest(out_dir)
    except (FileNotFoundError, ValueError, OSError):
        return {}


def clean_stale(out_dir: Path) -> None:
    """Remove what a killed build left: temporary folders, pointer files and (written by
    earlier versions of this tool) links (we hold the lock)."""
    for p in [*out_dir.glob(".tmp-*"), *(out_dir / PIECES).glob(".tmp-*")]:
        if p.is_symlink() or p.is_file():
            p.unlink(missing_ok=True)
        else:
            shutil.rmtree(p, ignore_errors=True)
            log.info("removed %s left by an interrupted build", p.name)


def prune(out_dir: Path, keep_versions: set[str], keep_pieces: set[str]) -> None:
    """Remove versions and pieces no longer needed (the current and previous versions stay)."""
    for v in out_dir.glob("v-*"):
        if v.name not in keep_versions and re.fullmatch(r"v-[0-9a-f]{20}", v.name):
            shutil.rmtree(v, ignore_errors=True)
    for p in (out_dir / PIECES).glob("*"):
        if p.name not in keep_pieces and re.fullmatch(r"[0-9a-f]{32}-[0-9a-f]{8}-\w+", p.name):
            shutil.rmtree(p, ignore_errors=True)
    # tables and manifest of the older, unversioned layout, superseded by `current` (only
    # the files this tool writes: anything else in the folder is the user's and stays)
    legacy = out_dir / MANIFEST
    if legacy.exists():
        for name in TABLE_KEYS:
            (out_dir / f"{name}.parquet").unlink(missing_ok=True)
        legacy.unlink(missing_ok=True)


def into_place(tmp: Path, target: Path) -> None:
    """Rename a finished temporary folder to ``target`` in one step; where ``target`` is
    already there (its name is its content's fingerprint, so it holds the same), drop ``tmp``."""
    try:
        os.rename(tmp, target)
    except OSError:
        if not target.is_dir():
            raise
        shutil.rmtree(tmp, ignore_errors=True)


def switch_to(out_dir: Path, version: str) -> None:
    """Point ``current`` at ``version`` in one atomic replace of the pointer file.

    Where ``current`` is an earlier version's symbolic link, the replace puts the file in
    its place; where it is a folder (a copy that followed that link), the folder is moved
    aside first and removed after.
    """
    current = out_dir / CURRENT
    tmp = out_dir / f".tmp-current-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp.write_text(version + "\n", encoding="utf-8")
    aside = None
    try:
        if current.is_dir() and not current.is_symlink():
            aside = atomic.aside_name(current)
            atomic.replace(current, aside)
        atomic.replace(tmp, current)  # the one atomic switch
    finally:
        tmp.unlink(missing_ok=True)
        if aside is not None:
            shutil.rmtree(aside, ignore_errors=True)
    steps.step("switched")
