"""Raw published files -> processed Parquet tables and a manifest.

:func:`build` recognises every file in a folder by its content (cheap signatures: sheet
names, first rows, a CSV's header line), reads and cleans it with each reader that knows
it, validates the tidy tables against their schemas and writes ``<table>.parquet`` and
``manifest.json``.

Keeps going. A file that fails does not stop the others: it is listed (file, sheet,
column, row, problem) in the result and the manifest (:func:`failures`), nothing new is
taken from it, and the rows the previous build took from it are kept. ``strict=True`` is
all or nothing. Raw files are opened read-only and never modified.

Atomic and locked. The processed folder holds versions, each complete::

    <out>/current -> v-<fingerprint>     symlink, swapped in one atomic rename
    <out>/v-<fingerprint>/               manifest.json + <table>.parquet, never edited
    <out>/pieces/<key>/                  one file's tidy tables, reused while it is unchanged
    <out>/.lock                          held (fcntl) by the one build writing here

A build writes a new version into a temporary folder, renames it and then swaps the
``current`` link, so a build killed at any moment leaves ``current`` wholly old or wholly
new. Temporary folders a killed build left behind are removed by the next build. A
second build on the same folder waits for the first (and says so). Readers resolve
``current`` once (:func:`resolve`, :meth:`msp_analysis.tables.Tables.load`) and read
every table and the manifest from that one version.

Fast. Every file is fingerprinted by its SHA-256. When no file, no file name and no
reader code changed, the previous build is reused as it is (nothing is read or written);
otherwise only the files whose fingerprint changed are read, the others come from their
cached pieces (``pieces/<sha256 of content>-<name>-<code key>``).

Same observation in two files. Where two files publish the same observation (the same
keys in :data:`msp_analysis.schemas.TABLE_KEYS`), one release wins by a written rule, never by file-name
order: see :func:`release_of`. Observations whose figures differ are reported in the
manifest (``conflicts``).

:func:`load` reads one processed table back.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from msp_analysis import __version__, config
from msp_analysis.errors import SourceError, UnknownLayoutError
from msp_analysis.schemas import TABLE_KEYS

if TYPE_CHECKING:  # pandas, pandera and the readers load only when a file must be read
    import pandas as pd

log = logging.getLogger(__name__)

DEMO_MARKER = "DEMO_DATA.txt"
IGNORED = {".md", ".txt", ".json", ".yml", ".yaml", ".py", ".gitkeep"}
CURRENT = "current"
PIECES = "pieces"
MANIFEST = "manifest.json"
#: processed-folder layout version: bump when the manifest or piece format changes
FORMAT = 2


class BuildError(SourceError):
    """A build could not write anything (``--strict`` with a bad file, or no readable file)."""


@dataclass
class BuildResult:
    """What a build did: tables written, files read, skipped and failed, and whether it
    reused the previous build as it was (``reused``)."""

    out_dir: Path
    tables: dict[str, int] = field(default_factory=dict)
    files: list[dict] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failures: list[dict] = field(default_factory=list)
    conflicts: list[dict] = field(default_factory=list)
    demo: bool = False
    reused: bool = False
    files_read: int = 0  # files parsed in this run (the rest came from cached pieces)

    @property
    def ok(self) -> bool:
        """True when every file this tool recognises was read."""
        return not self.failures


#: test hook: called with the name of each step of writing a build (see tests/unit/test_store_atomic.py)
_HOOK: Callable[[str], None] | None = None


def _step(name: str) -> None:
    if _HOOK is not None:
        _HOOK(name)


def failure_record(exc: SourceError, file: str, **extra) -> dict:
    """One failed file as the manifest lists it: where (file, sheet, column, row) and what."""
    return {
        "file": exc.file or file,
        "sheet": exc.sheet,
        "column": exc.column,
        "row": exc.row,
        "problem": exc.problem,
        "message": str(exc),
        **extra,
    }


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _candidates(raw_dir: Path) -> list[Path]:
    return sorted(
        p
        for p in raw_dir.rglob("*")
        if p.is_file()
        and p.suffix.lower() not in IGNORED
        and not any(
            part.startswith(".") for part in p.relative_to(raw_dir).parts
        )  # hidden files and folders (.partial)
    )


_CODE_PARTS = ("sources", "schemas.py", "geography.py", "errors.py", "store.py", "data")


@lru_cache(maxsize=1)
def code_key() -> str:
    """Fingerprint of the code and reference data that turn a file into tidy tables.

    Covers the readers, schemas, geography, errors, this module and the package data,
    so a changed reader never reuses pieces cached by the old one.
    """
    pkg = Path(__file__).resolve().parent
    h = hashlib.sha256(f"{__version__}|{FORMAT}".encode())
    for part in _CODE_PARTS:
        root = pkg / part
        paths = sorted(root.rglob("*")) if root.is_dir() else [root]
        for p in paths:
            if p.is_file() and p.suffix in {".py", ".csv", ".yml", ".yaml", ".json"}:
                h.update(str(p.relative_to(pkg)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def _piece_key(name: str, digest: str) -> str:
    named = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{digest[:32]}-{named}-{code_key()}"


def _fingerprint(fps: dict[str, str], demo: bool) -> str:
    h = hashlib.sha256(f"{code_key()}|demo={demo}".encode())
    for name, digest in sorted(fps.items()):
        h.update(f"{name}\0{digest}\n".encode())
    return h.hexdigest()[:20]


# --------------------------------------------------------------------------------------
# which release wins


_REVISION = re.compile(
    r"(?:^|[^a-z0-9])(?:v(?:ersion)?[\s_-]?(\d{1,2})|(revised|revision|corrected|updated))(?=$|[^a-z0-9])",
    re.I,
)
_PUBLISHED = re.compile(
    r"(?:published|released|publication date)\D{0,12}(\d{1,2}\s+[A-Z][a-z]+\s+\d{4}|\d{4}-\d{2}-\d{2})",
)


def revision_of(text: str) -> int:
    """Revision marker in a file name or title: 'v2' -> 2, 'revised'/'corrected' -> 1, else 0.

    >>> revision_of("ascof_measures_2020-21_open_data_v2.xlsx"), revision_of("T34 (revised)")
    (2, 1)
    """
    best = 0
    for m in _REVISION.finditer(str(text)):
        best = max(best, int(m.group(1)) if m.group(1) else 1)
    return best


def release_of(frame: pd.DataFrame, file: str, titles: list[str] | tuple = ()) -> tuple:
    """The written rule for which of two files publishing the same observation wins.

    Compared in order, the larger wins:

    1. the latest data year the file covers (a 2022-23 release that repeats 2021-22
       figures supersedes the 2021-22 release);
    2. its publication date, where the file states one (a ``publication_date`` or
       ``release_date`` column a reader kept, or 'Published 12 May 2023' in one of the
       file's table titles);
    3. its revision marker: 'v2', 'version 3', 'revised', 'corrected', 'updated' in the
       file name or a table title (v2 beats v1 beats none).

    ``titles`` are the titles of the file's tables as published (the ``title`` column of
    a reader's raw frame, or its ``attrs['title']``; the build records them per file).

    When all three tie, neither file says which is later: the build keeps the first by
    content hash (stable, never by name) and reports the conflict as undecided.

    Returns:
        A tuple ``(latest_year, publication_date ISO text or '', revision)``.
    """
    import pandas as pd

    years = frame["year"].dropna() if "year" in frame else pd.Series(dtype="Int64")
    latest = int(years.max()) if len(years) else 0
    published = ""
    if "release_date" in frame:  # a file-level release date a reader kept
        dates = pd.to_datetime(frame["release_date"], errors="coerce").dropna()
        if len(dates):
            published = dates.max().date().isoformat()
    titles = [str(t) for t in titles]
    for t in titles:
        m = _PUBLISHED.search(t)
        if m:
            date = pd.to_datetime(m.group(1), errors="coerce", dayfirst=True)
            if pd.notna(date):
                published = max(published, date.date().isoformat())
    revision = max([revision_of(file), *(revision_of(t) for t in titles)])
    return (latest, published, revision)


# --------------------------------------------------------------------------------------
# reading the processed folder


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


def _previous(out_dir: Path) -> dict:
    """The manifest of the build already in ``out_dir`` (empty when there is none or it is unreadable)."""
    try:
        return manifest(out_dir)
    except (FileNotFoundError, ValueError, OSError):
        return {}


# --------------------------------------------------------------------------------------
# the lock and the clean-up of what a killed build left


@contextmanager
def _locked(out_dir: Path, *, wait: bool) -> Iterator[None]:
    """Hold ``<out>/.lock`` (fcntl) for one build; a second build waits (or refuses)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    fh = open(out_dir / ".lock", "a+")  # noqa: SIM115 - held open for the whole build
    try:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX: no lock, said so
            log.warning("file locks are not available here: run one build at a time")
            yield
            return
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                raise BuildError(
                    f"another build is writing to {out_dir.name} (lock {out_dir.name}/.lock); "
                    "try again when it has finished"
                ) from None
            log.warning("another build is writing to %s; waiting for it to finish", out_dir.name)
            fcntl.flock(fh, fcntl.LOCK_EX)
        yield
    finally:
        fh.close()  # releases the lock


def _clean_stale(out_dir: Path) -> None:
    """Remove what a killed build left: temporary folders and links (we hold the lock)."""
    for p in [*out_dir.glob(".tmp-*"), *(out_dir / PIECES).glob(".tmp-*")]:
        if p.is_symlink() or p.is_file():
            p.unlink(missing_ok=True)
        else:
            shutil.rmtree(p, ignore_errors=True)
            log.info("removed %s left by an interrupted build", p.name)


def _prune(out_dir: Path, keep_versions: set[str], keep_pieces: set[str]) -> None:
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


# --------------------------------------------------------------------------------------
# one file -> its pieces (cached)


def _read_file(path: Path, found) -> tuple[dict[str, pd.DataFrame], list[dict], list[str]]:
    """Tidy, validated tables from one file (every reader that knows it), with its manifest rows.

    Raises:
        SourceError: the file (or one of its tables) cannot be read, cleaned or validated.
    """
    import pandas as pd

    from msp_analysis import schemas
    from msp_analysis.sources import table_name

    pieces: dict[str, pd.DataFrame] = {}
    entries = []
    titles: set[str] = set()
    for reader, layout in found:
        raw = reader.read(path)
        if "title" in raw:
            titles.update(raw["title"].dropna().astype(str).unique()[:50])
        if raw.attrs.get("title"):
            titles.add(str(raw.attrs["title"]))
        tidy = reader.clean(raw)
        table = table_name(reader, layout)
        tidy = schemas.validate(table, tidy, file=path.name)
        if table in pieces:  # two readers of one file fill one table: its keys once more
            both = pd.concat([pieces[table], tidy], ignore_index=True)
            pieces[table] = schemas.validate(table, both, file=path.name)
        else:
            pieces[table] = tidy
        entries.append(
            {
                "file": path.name,
                "bytes": path.stat().st_size,
                "reader": reader.__name__.rsplit(".", 1)[-1],
                "layout": layout,
                "table": table,
                "rows_read": len(raw),
                "rows_kept": len(tidy),
                "rows_suppressed": int(tidy["suppressed"].sum()) if "suppressed" in tidy else 0,
            }
        )
    return pieces, entries, sorted(titles)[:50]


def _piece(
    path: Path, digest: str, out_dir: Path, strict: bool, writer=None
) -> tuple[dict, dict | None]:
    """One file's outcome, from its cached piece or by reading it (then cached).

    Returns ``(meta, frames)`` where meta has ``entries`` (manifest rows), ``tables``
    (names), ``failure`` (a record or None), ``unrecognised`` (bool) and ``key``; ``frames``
    are the tables when the file was parsed in this run (None when it came from the cache).
    """
    key = _piece_key(path.name, digest)
    folder = out_dir / PIECES / key
    meta_path = folder / "meta.json"
    if meta_path.exists():
        try:
            return json.loads(meta_path.read_text()), None
        except ValueError:
            shutil.rmtree(folder, ignore_errors=True)
    from msp_analysis.sources import readers_for

    meta: dict = {"key": key, "entries": [], "tables": [], "failure": None, "unrecognised": False}
    frames: dict = {}
    try:
        found = readers_for(path)
        if not found:
            meta["unrecognised"] = True
        else:
            frames, meta["entries"], meta["titles"] = _read_file(path, found)
    except SourceError as exc:
        meta["failure"] = failure_record(exc, path.name)
    except Exception as exc:  # a reader bug: this file fails, the others still build
        if strict:
            raise
        log.info("%s: unexpected error", path.name, exc_info=True)
        err = SourceError(
            f"unexpected {type(exc).__name__} while reading ({exc}); this is a bug in "
            "msp-analysis: please report it with the output of `msp -v data`",
            file=path,
        )
        meta["failure"] = failure_record(err, path.name)
        meta["bug"] = True
    for e in meta["entries"]:
        e["sha256"] = digest
        e["piece"] = key
    meta["tables"] = sorted(frames)
    if meta.get("bug"):
        return meta, frames  # not cached: the next run tries again (and shows the traceback)
    _save_piece(out_dir, folder, meta, frames, path.name, writer)
    return meta, frames


def _save_piece(out_dir: Path, folder: Path, meta: dict, frames: dict, name: str, writer) -> None:
    """Write one file's piece into a temporary folder and rename it into place (in the
    ``writer`` thread when given: Parquet encoding releases the GIL, so the next file is
    parsed meanwhile)."""
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=out_dir / PIECES))

    def save() -> None:
        for table, frame in frames.items():
            # a piece is read whole, never filtered: no column statistics to compute
            frame.to_parquet(tmp / f"{table}.parquet", index=False, write_statistics=False)
        (tmp / "meta.json").write_text(json.dumps(meta, indent=1, default=str))
        tmp.chmod(0o755)
        _into_place(tmp, folder)
        _step(f"piece {name}")

    if writer is None:
        save()
    else:
        writer.append(writer.pool.submit(save))


def _into_place(tmp: Path, target: Path) -> None:
    """Rename a finished temporary folder to ``target`` in one step; where ``target`` is
    already there (its name is its content's fingerprint, so it holds the same), drop ``tmp``."""
    try:
        os.rename(tmp, target)
    except OSError:
        if not target.is_dir():
            raise
        shutil.rmtree(tmp, ignore_errors=True)


def _piece_frames(out_dir: Path, meta: dict) -> dict[str, pd.DataFrame]:
    import pandas as pd

    folder = out_dir / PIECES / meta["key"]
    return {t: pd.read_parquet(folder / f"{t}.parquet") for t in meta["tables"]}


# --------------------------------------------------------------------------------------
# the build


def build(
    raw_dir: str | Path | None = None,
    out_dir: str | Path | None = None,
    *,
    progress: bool = True,
    strict: bool = False,
    wait: bool = True,
    workers: int | None = None,
) -> BuildResult:
    """Build every processed table from the files in ``raw_dir``, past any bad file.

    A file that cannot be read, cleaned or validated contributes nothing new: its failure
    (file, sheet, column, row, what was expected) is listed in the result and in the
    manifest, and the rows the previous build in ``out_dir`` took from that file are kept,
    so one bad download never loses a source. A file no reader recognises is skipped and
    listed; one that a previous build read but no reader now recognises is a failure.
    When nothing changed since the last build, that build is reused as it is.

    Args:
        raw_dir: folder of published files (default :func:`config.raw_dir`).
        out_dir: folder for Parquet tables (default :func:`config.processed_dir`).
        progress: show a progress bar on stderr.
        strict: all or nothing: any failure raises and nothing is written.
        wait: when another build holds the folder, wait for it (else raise BuildError).
        workers: processes reading files at once (default: one per core this process may
            use, at most one per file to read; 1 reads every file in this process).

    Returns:
        A :class:`BuildResult` with row counts per table and per file, and the failures
        (check :attr:`BuildResult.ok`).

    Raises:
        BuildError: ``strict`` and a file failed, or no file could be read at all;
            nothing is written.
        FileNotFoundError: ``raw_dir`` does not exist.
    """
    raw_dir = Path(raw_dir or config.raw_dir())
    out_dir = Path(out_dir or config.processed_dir())
    if not raw_dir.is_dir():
        raise FileNotFoundError(
            f"raw data folder {raw_dir} does not exist (run `msp demo` or point --raw at your files)"
        )
    demo = (raw_dir / DEMO_MARKER).exists()
    files = _candidates(raw_dir)
    fps = {p.name: sha256(p) for p in files}
    fingerprint = _fingerprint(fps, demo)
    prev = _previous(out_dir)
    if prev.get("fingerprint") == fingerprint:
        return _reuse(prev, out_dir, strict)
    with _locked(out_dir, wait=wait):
        prev = _previous(out_dir)  # another build may have finished while we waited
        if prev.get("fingerprint") == fingerprint:
            return _reuse(prev, out_dir, strict)
        _clean_stale(out_dir)
        (out_dir / PIECES).mkdir(exist_ok=True)
        with _system_allocator():
            return _build_locked(
                raw_dir, out_dir, files, fps, fingerprint, demo, prev, progress, strict, workers
            )


@contextmanager
def _system_allocator() -> Iterator[None]:
    """Arrow allocates from the C library's allocator while a build runs (the previous pool
    is restored after). Arrow's default pool hands freed memory back to the system at once
    and has fresh (huge) pages zero-filled when it needs memory again: in a cold build of
    ../shared/data that was about 1.4 CPU-seconds of kernel time out of 11."""
    import pyarrow as pa

    previous = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield
    finally:
        pa.set_memory_pool(previous)


def _reuse(prev: dict, out_dir: Path, strict: bool) -> BuildResult:
    result = BuildResult(
        out_dir=out_dir,
        tables={t: info["rows"] for t, info in prev.get("tables", {}).items()},
        files=prev.get("files", []),
        skipped=prev.get("skipped", []),
        failures=prev.get("failures", []),
        conflicts=prev.get("conflicts", []),
        demo=bool(prev.get("demo")),
        reused=True,
    )
    if strict and result.failures:
        raise BuildError(
            f"{len(result.failures)} problem(s); nothing was written (--strict):\n- "
            + "\n- ".join(f["message"] for f in result.failures)
        )
    log.info("no file changed since the build of %s: reused it", prev.get("built_at"))
    return result


class _Writer(list):
    """Pieces being written in one background thread; :meth:`wait` re-raises any error."""

    def __init__(self) -> None:
        super().__init__()
        from concurrent.futures import ThreadPoolExecutor

        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="msp-piece")

    def wait(self) -> None:
        try:
            for future in self:
                future.result()
        finally:
            self.pool.shutdown(wait=True)


def _read_all(
    files,
    fps,
    out_dir,
    strict,
    progress,
    writer,
    result,
    fresh,
    keep_pieces,
    metas,
    prev_files,
    prev_failed,
    workers=None,
) -> None:
    """Every file's piece (cached or read), its failure or its skip, into ``result``.

    The files to read are read in worker processes when more than one is to be read and
    more than one core is free (:func:`_read_in_pool`); their outcomes are then taken in
    file order, as a serial build takes them, so the manifest is the same either way.
    """
    from tqdm.auto import tqdm

    todo = [p for p in files if not _cached(out_dir, p, fps[p.name])]
    n = _pool_size(len(todo), workers)
    bar = tqdm(total=len(files), desc="msp data", unit="file", disable=not progress, leave=False)
    pooled = {}
    if n > 1:
        bar.update(len(files) - len(todo))  # cached pieces: nothing to read
        pooled = _read_in_pool(todo, fps, out_dir, strict, n, bar, writer)
    for path in files:
        if path.name in pooled:
            meta, frames = pooled[path.name]
        else:
            bar.set_postfix_str(path.name[:40])
            meta, frames = _piece(path, fps[path.name], out_dir, strict, writer)
            bar.update()
        keep_pieces.add(meta["key"])
        result.files_read += frames is not None
        if frames:
            fresh[meta["key"]] = frames
        if meta["unrecognised"]:
            if path.name not in prev_files and not prev_failed.get(path.name, {}).get("kept_piece"):
                log.warning("%s: no reader knows this file; skipped", path.name)
                result.skipped.append(path.name)
                continue
            from msp_analysis.sources import known_layouts

            exc = UnknownLayoutError(
                "no reader recognises this file any more, though an earlier build read it",
                known_layouts(),
                file=path,
            )
            meta = {**meta, "failure": failure_record(exc, path.name)}
        if meta["failure"]:
            result.failures.append(dict(meta["failure"]))
            log.error("%s", meta["failure"]["message"])
            continue
        metas.append(meta)
        result.files.extend(meta["entries"])
    bar.close()


def _cached(out_dir: Path, path: Path, digest: str) -> bool:
    return (out_dir / PIECES / _piece_key(path.name, digest) / "meta.json").exists()


def _pool_size(n_files: int, workers: int | None) -> int:
    """Worker processes for ``n_files`` files to read: 1 (read here) unless it pays."""
    if _HOOK is not None:  # the test hook lives in this process: read every file here
        return 1
    if workers is None:
        if hasattr(os, "process_cpu_count"):  # Python 3.13
            workers = os.process_cpu_count() or 1
        elif hasattr(os, "sched_getaffinity"):
            workers = len(os.sched_getaffinity(0))
        else:
            workers = os.cpu_count() or 1
    return max(1, min(workers, n_files))


def _read_cost(path: Path) -> int:
    """Rough cost of reading a file, to start the costliest first (so no long file is left
    to run alone at the end): its size, three times over for a zip-compressed workbook
    (.xlsx, .xlsm, .ods hold 3-10 times their size in XML). Only the order depends on it."""
    size = path.stat().st_size
    return 3 * size if path.suffix.lower() in {".xlsx", ".xlsm", ".ods"} else size


def _pool_context():
    """fork where the platform has it (workers share the imported readers at no cost),
    else spawn (each worker imports them once)."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def _pool_init(level: int, disabled: int) -> None:
    """A worker logs into a list (:func:`_piece_in_worker` returns it to the parent, which
    logs it as its own), at the parent's level, and allocates as the parent does
    (:func:`_system_allocator`; a spawned worker does not inherit it)."""
    import pyarrow as pa

    pa.set_memory_pool(pa.system_memory_pool())
    root = logging.getLogger()
    root.handlers[:] = [_Collect()]
    root.setLevel(level)
    logging.disable(disabled)


class _Collect(logging.Handler):
    """Log records of one file, kept to be sent to the parent (message formatted, so they
    pickle)."""

    records: ClassVar[list[logging.LogRecord]] = []

    def emit(self, record: logging.LogRecord) -> None:
        record.msg, record.args = record.getMessage(), None
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        _Collect.records.append(record)


def _piece_in_worker(path: Path, digest: str, out_dir: Path, strict: bool):
    """:func:`_piece` in a worker process: the piece is written to ``pieces/`` there; the
    parent gets its meta, whether it was parsed, and the log records."""
    _Collect.records = []
    start = time.perf_counter()
    try:
        meta, frames = _piece(path, digest, out_dir, strict)
    finally:
        from msp_analysis.sources import _parsing

        _parsing.close_workbooks()
    log.info("%s: read in %.2f s (process %d)", path.name, time.perf_counter() - start, os.getpid())
    return meta, frames is not None, _Collect.records


def _read_in_pool(
    todo: list[Path], fps, out_dir: Path, strict: bool, n: int, bar, writer=None
) -> dict:
    """Read ``todo`` in ``n`` processes: this one and ``n - 1`` workers, costliest first.

    The files wait in one queue; each worker takes the next when it finishes one, and so
    does this process between collecting what the workers finished. A worker writes its
    file's piece (as :func:`_piece` does here) and this process reads the tables back
    from it; a worker's log records are logged here, in one block, when it is done.
    Returns ``{file name: (meta, frames)}`` for every file in ``todo`` (``frames`` as
    :func:`_piece` returns them). A file whose worker died (killed, out of memory) is read
    here instead.

    Raises:
        Exception: with ``strict``, a reader's unexpected error (the other files stop).
    """
    import gc
    import threading
    from collections import deque
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    # import the readers and the schemas' pandera before the workers fork, so none of them
    # imports them again
    import pandera.pandas  # noqa: F401
    import pyarrow.parquet  # noqa: F401

    import msp_analysis.schemas
    import msp_analysis.sources  # noqa: F401

    queue = deque(sorted(todo, key=lambda p: (-_read_cost(p), p.name)))
    done: dict = {}
    running: dict = {}  # future -> file, for the files the workers hold
    lock = threading.Lock()
    stop = threading.Event()
    start = time.perf_counter()
    log.info("reading %d files in %d processes", len(todo), n)
    root = logging.getLogger()
    # Objects alive now (the imported modules) are left out of garbage collection until the
    # files are read: no process scans them again, and a forked worker's collections do
    # not write to (and so copy) the pages it shares with this process (Python's gc.freeze
    # advice for fork). This took about 1 CPU-second off a cold build of ../shared/data.
    gc.freeze()
    pool = ProcessPoolExecutor(
        max_workers=n - 1,
        mp_context=_pool_context(),
        initializer=_pool_init,
        initargs=(root.getEffectiveLevel(), logging.root.manager.disable),
    )

    def feed(_finished=None) -> None:
        """Give a worker the next file (called again as each of its files finishes)."""
        with lock:
            if stop.is_set() or not queue:
                return
            path = queue.popleft()
            try:
                future = pool.submit(_piece_in_worker, path, fps[path.name], out_dir, strict)
            except Exception:  # the pool is shut down or broken: this process reads it
                queue.appendleft(path)
                return
            running[future] = path
        future.add_done_callback(feed)

    def finish(path: Path, meta: dict, frames) -> None:
        done[path.name] = (meta, frames)
        bar.set_postfix_str(path.name[:40])
        bar.update()

    def collect(futures) -> None:
        for future in futures:
            with lock:
                path = running.pop(future)
            try:
                meta, parsed, records = future.result()
            except BrokenProcessPool:  # a worker died: this process reads its file
                log.warning("%s: its reading process stopped; reading it here", path.name)
                with lock:
                    queue.append(path)
                continue
            for record in records:
                logging.getLogger(record.name).handle(record)
            frames = None
            if parsed:  # a reader bug's file is not cached: it has no piece to read
                frames = {} if meta.get("bug") else _piece_frames(out_dir, meta)
            finish(path, meta, frames)

    from concurrent.futures.process import BrokenProcessPool

    try:
        for _ in range(n - 1):
            feed()
        while True:
            with lock:
                ready = [f for f in running if f.done()]
            collect(ready)
            with lock:
                path = queue.popleft() if queue else None
                waiting = list(running)
            if path is not None:
                began = time.perf_counter()
                finish(path, *_piece(path, fps[path.name], out_dir, strict, writer))
                log.info(
                    "%s: read in %.2f s (process %d)",
                    path.name,
                    time.perf_counter() - began,
                    os.getpid(),
                )
            elif waiting:
                wait(waiting, timeout=1.0, return_when=FIRST_COMPLETED)
            else:
                break
    except BaseException:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        gc.unfreeze()
    stop.set()
    pool.shutdown(wait=True)
    log.info("read %d files in %.2f s", len(done), time.perf_counter() - start)
    return done


def _build_locked(raw_dir, out_dir, files, fps, fingerprint, demo, prev, progress, strict, workers):
    prev_files = {f["file"]: f for f in prev.get("files", [])}
    prev_failed = {f["file"]: f for f in prev.get("failures", [])}
    result = BuildResult(out_dir=out_dir, demo=demo)
    metas: list[dict] = []
    fresh: dict[str, dict] = {}  # tables of the files parsed in this run, by piece key
    keep_pieces: set[str] = set()  # pieces this build rests on (and failed files' outcomes)

    writer = _Writer()
    try:
        _read_all(
            files,
            fps,
            out_dir,
            strict,
            progress,
            writer,
            result,
            fresh,
            keep_pieces,
            metas,
            prev_files,
            prev_failed,
            workers,
        )
    finally:
        writer.wait()
        if result.files_read:
            from msp_analysis.sources import _parsing

            _parsing.close_workbooks()
    if result.failures and strict:
        raise BuildError(
            f"{len(result.failures)} problem(s) in {raw_dir.name}; nothing was written (--strict):"
            "\n- " + "\n- ".join(f["message"] for f in result.failures)
        )

    # what each table rests on: the pieces of the files read, and of failed files' kept rows
    sources: dict[str, list[_Part]] = {}
    for meta in metas:
        file = meta["entries"][0]["file"]
        part = _Part(meta["key"], file, fps[file], meta.get("titles", []), meta, fresh, out_dir)
        for table in meta["tables"]:
            sources.setdefault(table, []).append(part)
    same_kind = bool(prev.get("demo")) == demo  # never keep real rows in a DEMO build
    for failure in result.failures:
        part = None
        if same_kind:
            part = _kept(out_dir, prev, prev_files, prev_failed, failure["file"], fresh)
        kept = part.rows() if part else {}
        failure["kept_previous_rows"] = kept
        failure["kept_piece"] = part.key if part and kept else None
        failure["kept_from_build"] = (
            prev_failed.get(failure["file"], {}).get("kept_from_build") or prev.get("built_at")
            if kept
            else None
        )
        if part and part.key:
            keep_pieces.add(part.key)
        for table in kept:
            sources.setdefault(table, []).append(part)
        if kept:
            log.warning(
                "%s failed; kept its %s rows from the build of %s",
                failure["file"],
                sum(kept.values()),
                failure["kept_from_build"],
            )
    if not sources:
        problems = "".join(f"\n- {f['message']}" for f in result.failures)
        raise BuildError(
            f"no published file this tool knows could be read in {raw_dir}; nothing was written"
            + problems
        )
    start = time.perf_counter()
    # the new version's folder: each table is written there as soon as it is merged
    tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=out_dir))
    tmp.chmod(0o755)
    try:
        tables, reused, signatures = _merge_and_save(sources, prev, demo, result, out_dir, tmp)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.info("merged and wrote %d tables in %.2f s", len(tables), time.perf_counter() - start)
    _write(
        tmp, tables, reused, signatures, result, raw_dir, out_dir, fingerprint, prev, keep_pieces
    )
    return result


def _merge_and_save(
    sources: dict, prev: dict, demo: bool, result: BuildResult, out_dir: Path, tmp: Path
) -> tuple[dict[str, pd.DataFrame], dict[str, dict], dict[str, list[str]]]:
    """Every table from its parts, written to ``tmp`` in a thread (Parquet encoding releases
    the GIL) while the next table is merged; a table whose parts are all as in the previous
    build is that build's file, as it is (``reused``, linked later).

    Returns:
        ``(tables, reused, signatures)``; ``result`` gets each table's rows, conflicts and
        rows superseded.
    """
    from concurrent.futures import ThreadPoolExecutor

    prev_dir = resolve(out_dir) if prev else None
    prev_ok = prev.get("code_key") == code_key() and bool(prev.get("demo")) == demo
    prev_superseded = {
        (f["file"], f["table"]): f["rows_superseded"]
        for f in prev.get("files", [])
        if f.get("rows_superseded")
    }
    tables: dict[str, pd.DataFrame] = {}
    reused: dict[str, dict] = {}
    signatures: dict[str, list[str]] = {}

    def save(name: str) -> None:
        frame = tables[name]
        # min/max statistics for the numeric columns only: a table is one row group, so
        # no reader can skip anything by them, and on text they are a third of the write
        numeric = [c for c in frame.columns if frame[c].dtype.kind in "biufmM"]
        frame.to_parquet(tmp / f"{name}.parquet", index=False, write_statistics=numeric)
        _step(f"table {name}")

    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="msp-table")
    saving = []
    try:
        for table, parts in sorted(sources.items()):
            signatures[table] = sorted(p.key or f"rows-of:{p.file}" for p in parts)
            info = prev.get("tables", {}).get(table, {})
            if (
                prev_ok
                and prev_dir is not None
                and info.get("pieces") == signatures[table]
                and all(p.key for p in parts)
                and (prev_dir / f"{table}.parquet").exists()
            ):
                reused[table] = {**info, "path": prev_dir / f"{table}.parquet"}
                result.tables[table] = info["rows"]
                result.conflicts.extend(c for c in prev.get("conflicts", []) if c["table"] == table)
                for f in result.files:
                    if f["table"] == table and (f["file"], table) in prev_superseded:
                        f["rows_superseded"] = prev_superseded[(f["file"], table)]
                continue
            loaded = [(p, p.frame(table)) for p in parts]
            frame, superseded, conflicts = _merge(
                table, [(release_of(f, p.file, p.titles), p.digest, f) for p, f in loaded]
            )
            if demo:
                frame["source"] = "DEMO - " + frame["source"].astype(str)
            tables[table] = frame
            saving.append(pool.submit(save, table))
            result.tables[table] = len(frame)
            result.conflicts.extend(conflicts)
            for f in result.files:
                if f["table"] == table and f["file"] in superseded:
                    f["rows_superseded"] = superseded[f["file"]]
        for future in saving:
            future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    return tables, reused, signatures


@dataclass
class _Part:
    """One file's contribution to the tables: a cached piece (``key``), or rows an older
    build kept in its tables (``rows_of``, no key)."""

    key: str | None
    file: str
    digest: str
    titles: list
    meta: dict | None
    fresh: dict
    out_dir: Path
    rows_of: dict | None = None

    def frame(self, table: str) -> pd.DataFrame:
        if self.rows_of is not None:
            return self.rows_of[table]
        assert self.key is not None  # a part without rows_of is a cached piece
        if self.key in self.fresh:
            return self.fresh[self.key][table]
        import pandas as pd

        return pd.read_parquet(self.out_dir / PIECES / self.key / f"{table}.parquet")

    def rows(self) -> dict[str, int]:
        if self.rows_of is not None:
            return {t: len(f) for t, f in self.rows_of.items()}
        out: dict[str, int] = {}
        for e in (self.meta or {}).get("entries", []):
            out[e["table"]] = out.get(e["table"], 0) + e["rows_kept"]
        return out


def _kept(out_dir, prev, prev_files, prev_failed, file, fresh) -> _Part | None:
    """The rows an earlier build took from ``file``: its cached piece, else the tables."""
    key = (prev_files.get(file) or {}).get("piece") or (prev_failed.get(file) or {}).get(
        "kept_piece"
    )
    if key and (out_dir / PIECES / key / "meta.json").exists():
        meta = json.loads((out_dir / PIECES / key / "meta.json").read_text())
        digest = (prev_files.get(file) or {}).get("sha256", "")
        return _Part(key, file, digest, meta.get("titles", []), meta, fresh, out_dir)
    kept = {}  # an older build without pieces: take its rows from the tables
    for table, info in prev.get("tables", {}).items():
        if file in info.get("source_files", []):
            frame = load(table, out_dir)
            rows = frame[frame["source_file"] == file]
            if len(rows):
                kept[table] = rows.reset_index(drop=True)
    if not kept:
        return None
    return _Part(None, file, "", [], None, fresh, out_dir, rows_of=kept)


def _merge(table: str, parts: list) -> tuple[pd.DataFrame, dict[str, int], list[dict]]:
    """One table from every file's piece; where files share an observation, the later
    release (:func:`release_of`) wins and differing figures are reported."""
    import pandas as pd

    keys = TABLE_KEYS[table]
    # the winning release first; content hash (never the name) only orders exact ties
    ordered = sorted(parts, key=lambda p: (p[0], p[1]), reverse=True)
    if len(ordered) == 1:
        return ordered[0][2].reset_index(drop=True), {}, []
    frame = pd.concat([p[2] for p in ordered], ignore_index=True)
    dup = _repeated(frame, keys, [len(p[2]) for p in ordered])
    if not dup.any():
        return frame, {}, []
    superseded = frame.loc[dup, "source_file"].value_counts().to_dict()
    conflicts = _conflicts(
        table, frame, keys, dup, {p[2]["source_file"].iat[0]: p[0] for p in ordered if len(p[2])}
    )
    log.info(
        "%s: %d observations also in a later release; the later release is kept",
        table,
        int(dup.sum()),
    )
    return frame[~dup].reset_index(drop=True), {k: int(v) for k, v in superseded.items()}, conflicts


def _repeated(frame: pd.DataFrame, keys: list[str], sizes: list[int]) -> pd.Series:
    """``frame.duplicated(keys, keep="first")`` for a frame of parts stacked in order (each
    part's keys unique, as its schema checked), looking only at rows that can repeat: those
    whose year and table (cheap labels to group by) more than one part publishes."""
    import numpy as np
    import pandas as pd

    block = [k for k in ("year", "table_ref", "form") if k in keys]
    if not block or len(sizes) < 2 or not len(frame):
        return frame.duplicated(keys, keep="first")
    part = np.repeat(np.arange(len(sizes)), sizes)
    group = np.zeros(len(frame), dtype="int64")
    for k in block:
        codes = pd.factorize(frame[k], use_na_sentinel=False)[0]
        group = pd.factorize(group * (codes.max() + 1) + codes)[0]
    shared = pd.Series(part).groupby(group).nunique().to_numpy()[group] > 1
    dup = np.zeros(len(frame), dtype=bool)
    if shared.any():
        dup[shared] = frame.loc[shared, keys].duplicated(keep="first").to_numpy()
    return pd.Series(dup, index=frame.index)


def _conflicts(table, frame, keys, dup, releases) -> list[dict]:
    """Pairs of files that publish the same observations with different figures."""
    winners = frame[~dup & frame.duplicated(keys, keep=False)]
    losers = frame[dup]
    if not len(losers) or "value" not in frame:
        return []
    cols = [*keys, "source_file", "value"]
    pair = losers[cols].merge(winners[cols], on=keys, suffixes=("_lost", "_won"))
    same = (pair["value_lost"] == pair["value_won"]) | (
        pair["value_lost"].isna() & pair["value_won"].isna()
    )
    differ = pair[~same]
    out = []
    for (lost, won), g in differ.groupby(["source_file_lost", "source_file_won"]):
        rule = _which_rule(releases.get(won), releases.get(lost))
        ex = g.iloc[0]
        out.append(
            {
                "table": table,
                "kept": won,
                "dropped": lost,
                "observations": len(g),
                "rule": rule,
                "example": {
                    **{k: (None if pd_isna(ex[k]) else str(ex[k])) for k in keys},
                    "value_kept": None if pd_isna(ex["value_won"]) else float(ex["value_won"]),
                    "value_dropped": None if pd_isna(ex["value_lost"]) else float(ex["value_lost"]),
                },
            }
        )
        log.warning(
            "%s: %s and %s publish %d of the same observations with different figures; "
            "kept %s (%s)",
            table,
            won,
            lost,
            len(g),
            won,
            rule,
        )
    return out


def pd_isna(v) -> bool:
    import pandas as pd

    return bool(pd.isna(v))


def _which_rule(won, lost) -> str:
    if won is None or lost is None:
        return "undecided: release unknown"
    names = ("later data year", "later publication date", "later revision marker")
    for name, a, b in zip(names, won, lost, strict=True):
        if a != b:
            return f"{name} ({a} over {b})"
    return "undecided: neither file says which is later (kept the first by content hash)"


def _write(
    tmp: Path,
    tables,
    reused,
    signatures,
    result,
    raw_dir: Path,
    out_dir: Path,
    fingerprint,
    prev,
    keep_pieces,
) -> None:
    """Complete the new version folder ``tmp`` (which holds the merged ``tables``
    already) and switch ``current`` to it in one atomic rename.

    Tables in ``reused`` are the previous version's files, linked (or copied) as they are.
    """
    start = time.perf_counter()
    for name, info in reused.items():
        try:
            os.link(info["path"], tmp / f"{name}.parquet")
        except OSError:  # no hard links here: copy
            shutil.copy2(info["path"], tmp / f"{name}.parquet")
        _step(f"table {name}")
    version = f"v-{fingerprint}"
    replaces = prev.get("version")
    m = {
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "code_version": __version__,
        "code_key": code_key(),
        "format": FORMAT,
        "fingerprint": fingerprint,
        "version": version,
        "replaces": replaces,
        "raw_dir": raw_dir.name,
        "demo": result.demo,
        "label": "DEMO" if result.demo else "published data",
        "files": result.files,
        "skipped": result.skipped,
        "failures": result.failures,
        "conflicts": result.conflicts,
        "tables": {
            name: {
                "rows": len(f),
                "columns": list(f.columns),
                "source_files": sorted(f["source_file"].dropna().astype(str).unique().tolist()),
                "bytes": (tmp / f"{name}.parquet").stat().st_size,
                "pieces": signatures[name],
            }
            for name, f in tables.items()
        }
        | {name: {k: v for k, v in info.items() if k != "path"} for name, info in reused.items()},
    }
    m["tables"] = dict(sorted(m["tables"].items()))
    (tmp / MANIFEST).write_text(json.dumps(m, indent=2, default=str))
    _step("manifest")
    _into_place(tmp, out_dir / version)  # already there: the same build (a file put back)
    _step("version in place")
    link = out_dir / f".tmp-link-{os.getpid()}"
    link.unlink(missing_ok=True)
    os.symlink(version, link)
    os.replace(link, out_dir / CURRENT)  # the one atomic switch
    _step("switched")
    _prune(out_dir, {version, replaces or ""}, keep_pieces | set(_pieces_of(prev)))
    _step("pruned")
    log.info(
        "wrote the manifest and switched %s to %s in %.2f s",
        out_dir,
        version,
        time.perf_counter() - start,
    )


def _pieces_of(m: dict) -> set[str]:
    """Pieces a manifest's build rests on (kept so its version can still be rebuilt from)."""
    keys = {f.get("piece") for f in m.get("files", [])}
    keys |= {f.get("kept_piece") for f in m.get("failures", [])}
    return {k for k in keys if k}


def ensure(
    raw_dir: str | Path, cache_root: str | Path | None = None, *, progress: bool = False
) -> Path:
    """Processed tables for ``raw_dir``, built once and rebuilt only when its files change.

    Each raw folder has its own processed folder ``<processed>/cache/<name>-<path hash>``;
    :func:`build` there reuses the previous build when no file's content changed and
    re-reads only the files that did. Returns that build's version folder, which never
    changes once written, so a caller caching tables by this path never sees stale ones.
    """
    raw = Path(raw_dir).resolve()
    if not raw.is_dir():
        raise FileNotFoundError(f"raw data folder {raw_dir} does not exist")
    root = Path(cache_root) if cache_root else config.processed_dir() / "cache"
    out = root / f"{raw.name}-{hashlib.sha256(str(raw).encode()).hexdigest()[:12]}"
    result = build(raw, out, progress=progress)
    for f in result.failures:
        log.warning(
            "%s (rows from an earlier build kept: %s)",
            f["message"],
            f.get("kept_previous_rows") or "none",
        )
    return resolve(out)
