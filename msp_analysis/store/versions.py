"""The processed folder: its versions, the ``current`` pointer, reading a build back, and
removing what is no longer needed.

Layout::

    <out>/current -> v-<fingerprint>     symlink, swapped in one atomic rename (:func:`switch_to`)
    <out>/v-<fingerprint>/               manifest.json + <table>.parquet, never edited
    <out>/pieces/<key>/                  one file's tidy tables (:mod:`msp_analysis.store.pieces`)

Readers resolve ``current`` once (:func:`resolve`) and read every table and the manifest
from that one version. Everything that knows the pointer is a symlink is in this module.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from msp_analysis import config
from msp_analysis.schemas import TABLE_KEYS
from msp_analysis.store import steps

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

CURRENT = "current"
PIECES = "pieces"
MANIFEST = "manifest.json"


def resolve(processed_dir: str | Path | None = None) -> Path:
    """The folder holding the current build's tables and manifest (one consistent version).

    Follows the ``current`` link once; a folder written by an older version of this tool
    (tables and manifest at the top) is its own version.
    """
    base = Path(processed_dir or config.processed_dir())
    link = base / CURRENT
    if link.is_symlink() or link.is_dir():
        return base / os.readlink(link) if link.is_symlink() else link
    return base


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
    """Remove what a killed build left: temporary folders and links (we hold the lock)."""
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
    """Point ``current`` at ``version`` in one atomic rename (a new link, renamed over the old)."""
    link = out_dir / f".tmp-link-{os.getpid()}"
    link.unlink(missing_ok=True)
    os.symlink(version, link)
    os.replace(link, out_dir / CURRENT)  # the one atomic switch
    steps.step("switched")
