"""Every stored result, and the one rule for when it is stale.

A stored result is reused while the data it came from and the code that computed it are
unchanged; otherwise it is computed again. The data side is where the result is kept; the
code side is a *code key* (:func:`code_key`): the SHA-256 of the path and the content of
every file of the code it depends on, never their sizes or modification times, so a copied
folder or a fresh checkout of the same code reuses what was stored, and any edit to that
code (a reader, a schema, a constant such as the store's ``FORMAT``) is a new key.

=================================  =================================================  ==========
stored result                      where (the data side)                              code key
=================================  =================================================  ==========
one published file's tidy tables   ``<processed>/pieces/<file sha256>-<name>-<key>/`` ``readers``
a data build (reused as it is)     ``<processed>/<version>/``, by its fingerprint     ``readers``
a result derived from a build      ``<version>/derived/<key>/<name>.pkl``             ``package``
(indicators of every area, series, (:meth:`msp_analysis.tables.Tables.derived`;
the backtest, a council's          :func:`derived_dir`)
benchmarks, the warm-up mark)
=================================  =================================================  ==========

The two scopes (:data:`SCOPES`): ``readers`` is what turns a published file into tidy
tables (the readers, schemas, geography and its council values, errors, financial years, the
store and the package's reference data: every module the readers import but the plumbing of
:data:`PLUMBING`); ``package`` is every code and data file of the package, since any of it
may change a figure derived from the tables.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import re
from functools import cache
from pathlib import Path
from typing import Any

from msp_analysis import atomic

log = logging.getLogger(__name__)

PACKAGE_DIR = Path(__file__).resolve().parent
#: the files of the package a code key reads (code, reference data, settings)
CODE_SUFFIXES = frozenset({".py", ".csv", ".yml", ".yaml", ".json"})
#: scope -> the parts of the package (folders or files) whose content makes its code key
SCOPES: dict[str, tuple[str, ...]] = {
    "readers": (
        "sources",
        "schemas.py",
        "geography.py",
        "council.py",
        "errors.py",
        "years.py",
        "store",
        "data",
    ),
    "package": (".",),
}
#: modules the readers import that change no table: where files go, how they are written
PLUMBING = frozenset({"__init__.py", "atomic.py", "cache.py", "config.py", "lifeline.py"})
#: folder (inside a processed version folder) holding the results derived from its tables
DERIVED = "derived"
#: returned by :func:`read` when there is no stored result to use
ABSENT = object()


def tree_key(root: Path, parts: tuple[str, ...] = (".",)) -> str:
    """SHA-256 (16 hex digits) of the relative path and content of every code file
    (:data:`CODE_SUFFIXES`) under ``parts`` of ``root``, in a stable order."""
    h = hashlib.sha256()
    files: set[Path] = set()
    for part in parts:
        base = root / part
        found = base.rglob("*") if base.is_dir() else [base]
        files.update(p for p in found if p.suffix in CODE_SUFFIXES and p.is_file())
    for p in sorted(files, key=lambda p: p.relative_to(root).as_posix()):
        if "__pycache__" in p.parts:
            continue
        h.update(p.relative_to(root).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()[:16]


@cache
def code_key(scope: str = "package") -> str:
    """The code key of ``scope`` (see :data:`SCOPES`), computed once per process."""
    return tree_key(PACKAGE_DIR, SCOPES[scope])


def derived_dir(version_dir: str | Path) -> Path:
    """Where results derived from the build in ``version_dir`` are stored for this code."""
    return Path(version_dir) / DERIVED / code_key("package")


def file_name(key) -> str:
    """A stored result's file name from its key (a name, or a tuple of parts)."""
    text = "-".join(str(k) for k in key) if isinstance(key, tuple) else str(key)
    return re.sub(r"[^A-Za-z0-9_.=-]+", "_", text) + ".pkl"


def read(path: Path) -> Any:
    """The result stored at ``path``, or :data:`ABSENT` (none, or a damaged copy: recomputed)."""
    if not path.exists():
        return ABSENT
    try:
        with path.open("rb") as fh:
            return pickle.load(fh)  # written by this package's own code (below)
    except Exception as exc:  # a damaged file is recomputed, never fatal
        log.warning("recomputing %s: stored copy unreadable (%s)", path.name, exc)
        return ABSENT


def write(path: Path, value: Any) -> None:
    """Store ``value`` at ``path`` (pickled, atomically); a failure is only logged."""

    def dump(tmp: Path) -> None:
        with tmp.open("wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)

    try:
        atomic.write_with(path, dump)
    except Exception as exc:  # a read-only data folder: the result stays in memory
        log.info("could not store %s (%s); kept in memory only", path.name, exc)
