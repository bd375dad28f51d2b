"""The build: every file's piece (cached or read), each table merged from its parts,
written into a new version folder with its manifest, then switched in.

:func:`build` for one processed folder; :func:`ensure` for the processed folder of a raw
folder (one per raw folder, under ``<processed>/cache``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from msp_analysis import __version__, cache, config
from msp_analysis.errors import UnknownLayoutError
from msp_analysis.store import pieces, steps
from msp_analysis.store.fingerprint import (
    DEMO_MARKER,
    FORMAT,
    build_fingerprint,
    candidates,
    not_data,
    office_lock_files,
    sha256,
)
from msp_analysis.store.locking import locked
from msp_analysis.store.merge import merge, release_of
from msp_analysis.store.outcome import BuildError, BuildResult, failure_record
from msp_analysis.store.pieces import Part, PieceWriter, is_cached, kept_part
from msp_analysis.store.pool import pool_size, read_in_pool, system_allocator
from msp_analysis.store.versions import (
    MANIFEST,
    PIECES,
    clean_stale,
    into_place,
    previous,
    prune,
    resolve,
    switch_to,
)

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)


def build(
    raw_dir: str | Path | None = None,
    out_dir: str | Path | None = None,
    *,
    progress: bool = True,
    strict: bool = False,
    wait: bool = True,
    workers: int | None = None,
    verify: bool = False,
    forget_missing: bool = False,
) -> BuildResult:
    """Build every processed table from the files in ``raw_dir``, past any bad file.

    A file that cannot be read, cleaned or validated contributes nothing new: its failure
    (file, sheet, column, row, what was expected) is listed in the result and in the
    manifest, and the rows the previous build in ``out_dir`` took from that file are kept,
    so one bad download never loses a source. Every file is looked at whatever its name
    ends with; one no reader recognises is skipped and listed with the reason; one that a
    previous build read but no reader now recognises is a failure. A file a previous build
    took rows from that is no longer in the folder is a failure too, its rows kept, unless
    another file now gives every one of them (a later release, the same file renamed) or
    ``forget_missing``. A file read as a release in the catalogue whose content is not the
    published file's is listed (``unpublished``) with a warning, or is a failure with
    ``verify``. When nothing changed since the last build, that build is reused as it is.

    Args:
        raw_dir: folder of published files (default :func:`config.raw_dir`).
        out_dir: folder for Parquet tables (default :func:`config.processed_dir`).
        progress: show a progress bar on stderr.
        strict: all or nothing: any failure raises and nothing is written.
        wait: when another build holds the folder, wait for it (else raise BuildError).
        workers: processes reading files at once (default: one per core this process may
            use, at most one per file to read; 1 reads every file in this process).
        verify: a file that is not the published file of its catalogued release fails.
        forget_missing: the rows of files no longer in the folder go (the user removed
            them on purpose).

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
    files = candidates(raw_dir)
    fps = {p.name: sha256(p) for p in files}
    options = {"verify": verify, "forget_missing": forget_missing}
    fingerprint = build_fingerprint(fps, demo, options)
    prev = previous(out_dir)
    if prev.get("fingerprint") == fingerprint:
        return _reuse(prev, out_dir, strict)
    with locked(out_dir, wait=wait):
        prev = previous(out_dir)  # another build may have finished while we waited
        if prev.get("fingerprint") == fingerprint:
            return _reuse(prev, out_dir, strict)
        clean_stale(out_dir)
        (out_dir / PIECES).mkdir(exist_ok=True)
        with system_allocator():
            return _build_locked(
                raw_dir,
                out_dir,
                files,
                fps,
                fingerprint,
                demo,
                prev,
                progress,
                strict,
                workers,
                options,
            )


def _reuse(prev: dict, out_dir: Path, strict: bool) -> BuildResult:
    result = BuildResult(
        out_dir=out_dir,
        tables={t: info["rows"] for t, info in prev.get("tables", {}).items()},
        files=prev.get("files", []),
        skipped=prev.get("skipped", []),
        skip_reasons=prev.get("skip_reasons", {}),
        failures=prev.get("failures", []),
        conflicts=prev.get("conflicts", []),
        unpublished=prev.get("unpublished", []),
        notes=prev.get("notes", []),
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


def _read_all(
    files, fps, out_dir, *, strict, progress, writer, result, prev_files, prev_failed, workers=None
) -> tuple[list[dict], dict[str, dict], set[str]]:
    """Every file's piece (cached or read), its failure or its skip, into ``result``; returns
    the pieces' manifests (``metas``), the tables of the files parsed in this run by piece key
    (``fresh``) and the pieces the build rests on, failed files' outcomes included.

    The files to read are read in worker processes when more than one is to be read and
    more than one core is free (:func:`read_in_pool`); their outcomes are then taken in
    file order, as a serial build takes them, so the manifest is the same either way.
    """
    from tqdm.auto import tqdm

    metas: list[dict] = []
    fresh: dict[str, dict] = {}
    keep_pieces: set[str] = set()

    todo = [p for p in files if not is_cached(out_dir, p, fps[p.name])]
    n = pool_size(len(todo), workers)
    bar = tqdm(total=len(files), desc="msp data", unit="file", disable=not progress, leave=False)
    pooled = {}
    if n > 1:
        bar.update(len(files) - len(todo))  # cached pieces: nothing to read
        pooled = read_in_pool(todo, fps, out_dir, strict, n, bar, writer)
    for path in files:
        if path.name in pooled:
            meta, frames = pooled[path.name]
        else:
            bar.set_postfix_str(path.name[:40])
            meta, frames = pieces.piece_of(path, fps[path.name], out_dir, strict, writer)
            bar.update()
        keep_pieces.add(meta["key"])
        result.files_read += frames is not None
        if frames:
            fresh[meta["key"]] = frames
        if meta["unrecognised"]:
            if path.name not in prev_files and not prev_failed.get(path.name, {}).get("kept_piece"):
                reason = meta.get("skip_reason") or "no reader knows this file"
                log.info("%s: %s; skipped", path.name, reason)  # listed in the result
                result.skipped.append(path.name)
                result.skip_reasons[path.name] = reason
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
    return metas, fresh, keep_pieces


def _build_locked(
    raw_dir, out_dir, files, fps, fingerprint, demo, prev, progress, strict, workers, options
):
    prev_files = {f["file"]: f for f in prev.get("files", [])}
    prev_failed = {f["file"]: f for f in prev.get("failures", [])}
    result = BuildResult(out_dir=out_dir, demo=demo)
    for lock_file in office_lock_files(raw_dir):
        reason = not_data(raw_dir, lock_file) or ""
        result.skipped.append(lock_file.name)
        result.skip_reasons[lock_file.name] = reason
    writer = PieceWriter()
    try:
        # fresh: tables of the files parsed in this run, by piece key; keep_pieces: the pieces
        # this build rests on (and failed files' outcomes)
        metas, fresh, keep_pieces = _read_all(
            files,
            fps,
            out_dir,
            strict=strict,
            progress=progress,
            writer=writer,
            result=result,
            prev_files=prev_files,
            prev_failed=prev_failed,
            workers=workers,
        )
    finally:
        writer.wait()
        if result.files_read:
            from msp_analysis.sources import _parsing

            _parsing.close_workbooks()
    if not demo:
        _check_published(result, metas, options["verify"])
    if result.failures and strict:
        raise BuildError(
            f"{len(result.failures)} problem(s) in {raw_dir.name}; nothing was written (--strict):"
            "\n- " + "\n- ".join(f["message"] for f in result.failures)
        )

    # what each table rests on: the pieces of the files read, and of failed files' kept rows
    sources: dict[str, list[Part]] = {}
    for meta in metas:
        file = meta["entries"][0]["file"]
        part = Part(meta["key"], file, fps[file], meta.get("titles", []), meta, fresh, out_dir)
        for table in meta["tables"]:
            sources.setdefault(table, []).append(part)
    same_kind = bool(prev.get("demo")) == demo  # never keep real rows in a DEMO build
    vanished = _vanished(prev, fps, result) if same_kind else []
    if options["forget_missing"]:
        for name in vanished:
            result.notes.append(f"{name}: no longer in the folder; its rows were let go")
            log.warning("%s: no longer in the folder; its rows were let go", name)
        vanished = []
    for name in vanished:
        part = kept_part(out_dir, prev, prev_files, prev_failed, name, fresh)
        if part is None:
            continue
        part.vanished = True
        if part.key:
            keep_pieces.add(part.key)
        for table in part.rows():
            sources.setdefault(table, []).append(part)
    for failure in result.failures:
        part = None
        if same_kind:
            part = kept_part(out_dir, prev, prev_files, prev_failed, failure["file"], fresh)
        if part and failure.get("unpublished") and part.digest == fps.get(failure["file"]):
            part = None  # the previous rows came from this same file: nothing good to keep
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
        tables, reused, signatures, left = _merge_and_save(
            sources, prev, demo, result, out_dir, tmp
        )
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.info("merged and wrote %d tables in %.2f s", len(tables), time.perf_counter() - start)
    _lost_rows(vanished, left, sources, prev, prev_failed, raw_dir, result)
    _write(
        tmp, tables, reused, signatures, result, raw_dir, out_dir, fingerprint, prev, keep_pieces
    )
    return result


def _merge_and_save(
    sources: dict, prev: dict, demo: bool, result: BuildResult, out_dir: Path, tmp: Path
) -> tuple[
    dict[str, pd.DataFrame], dict[str, dict], dict[str, list[str]], dict[str, dict[str, int]]
]:
    """Every table from its parts, written to ``tmp`` in a thread (Parquet encoding releases
    the GIL) while the next table is merged; a table whose parts are all as in the previous
    build is that build's file, as it is (``reused``, linked later). The parts of files no
    longer in the folder lose to every other part.

    Returns:
        ``(tables, reused, signatures, left)``; ``left``: for each file no longer in the
        folder, the rows of each merged table still its own. ``result`` gets each table's
        rows, conflicts and rows superseded.
    """
    from concurrent.futures import ThreadPoolExecutor

    prev_dir = resolve(out_dir) if prev else None
    prev_ok = prev.get("code_key") == cache.code_key("readers") and bool(prev.get("demo")) == demo
    prev_superseded = {
        (f["file"], f["table"]): f["rows_superseded"]
        for f in prev.get("files", [])
        if f.get("rows_superseded")
    }
    tables: dict[str, pd.DataFrame] = {}
    reused: dict[str, dict] = {}
    signatures: dict[str, list[str]] = {}
    left: dict[str, dict[str, int]] = {}  # file no longer there -> table -> its rows kept

    def save(name: str) -> None:
        frame = tables[name]
        # min/max statistics for the numeric columns only: a table is one row group, so
        # no reader can skip anything by them, and on text they are a third of the write
        numeric = [c for c in frame.columns if frame[c].dtype.kind in "biufmM"]
        frame.to_parquet(tmp / f"{name}.parquet", index=False, write_statistics=numeric)
        steps.step(f"table {name}")

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
            frame, superseded, conflicts = merge(
                table,
                [
                    (_GONE if p.vanished else release_of(f, p.file, p.titles), p.digest, f)
                    for p, f in loaded
                ],
            )
            gone = {p.file for p in parts if p.vanished}
            if gone:
                counts = frame["source_file"].value_counts()
                for name in gone:
                    left.setdefault(name, {})[table] = int(counts.get(name, 0))
                conflicts = [c for c in conflicts if c["dropped"] not in gone]
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
    return tables, reused, signatures, left


#: the release of a file no longer in the folder: below every file that is there
_GONE = (-1, "", -1)


def _vanished(prev: dict, fps: dict[str, str], result: BuildResult) -> list[str]:
    """Files the previous build took rows from that are not in the folder now, their
    content not there under another name either (a renamed file is read under its new
    name). A file that failed before and is gone now still has rows to keep."""
    here = set(fps.values())
    named = set(fps)
    out = []
    took = {f["file"]: f.get("sha256") for f in prev.get("files", [])}
    took |= {f["file"]: None for f in prev.get("failures", []) if f.get("kept_previous_rows")}
    for name, digest in sorted(took.items()):
        if name in named:
            continue
        if digest and digest in here:
            renamed = next(n for n, d in sorted(fps.items()) if d == digest)
            result.notes.append(f"{name} is now {renamed}: the same file, renamed")
            continue
        out.append(name)
    return out


def _rows_in(prev: dict, prev_failed: dict, name: str, table: str) -> int:
    """Rows the previous build's ``table`` held from file ``name``."""
    if name in prev_failed:
        return (prev_failed[name].get("kept_previous_rows") or {}).get(table, 0)
    return sum(
        f.get("rows_kept", 0) - f.get("rows_superseded", 0)
        for f in prev.get("files", [])
        if f["file"] == name and f["table"] == table
    )


def _lost_rows(vanished, left, sources, prev, prev_failed, raw_dir: Path, result) -> None:
    """A file no longer in the folder whose rows no other file gives is a failure naming
    the rows kept; one whose every row another file now gives is a note."""
    for name in vanished:
        tables = {t for t, parts in sources.items() if any(p.file == name for p in parts)}
        kept = {}
        for table in sorted(tables):
            if name in left and table in left[name]:
                n = left[name][table]
            else:  # the table was reused as it was: the file's rows in the build before
                n = _rows_in(prev, prev_failed, name, table)
            if n:
                kept[table] = n
        if not kept:
            result.notes.append(f"{name}: no longer in the folder; other files give all its rows")
            log.warning("%s is no longer in the folder; other files give all its rows", name)
            continue
        built = prev_failed.get(name, {}).get("kept_from_build") or prev.get("built_at")
        rows = ", ".join(f"{n:,} {t}" for t, n in kept.items())
        message = (
            f"file '{name}': no longer in {raw_dir.name}, and no file there gives the rows it "
            f"gave the build of {built} ({rows} rows); they are kept. Put it back, or run "
            "`msp data --forget-missing` if you removed it on purpose"
        )
        part = next(p for parts in sources.values() for p in parts if p.file == name)
        result.failures.append(
            {
                "file": name,
                "sheet": None,
                "column": None,
                "row": None,
                "problem": "no longer in the folder",
                "message": message,
                "kept_previous_rows": kept,
                "kept_piece": part.key,
                "kept_from_build": built,
                "missing": True,
            }
        )
        log.error("%s", message)


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
        steps.step(f"table {name}")
    version = f"v-{fingerprint}"
    replaces = prev.get("version")
    m = {
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "code_version": __version__,
        "code_key": cache.code_key("readers"),
        "format": FORMAT,
        "fingerprint": fingerprint,
        "version": version,
        "replaces": replaces,
        "raw_dir": raw_dir.name,
        "demo": result.demo,
        "label": "DEMO" if result.demo else "published data",
        "files": result.files,
        "skipped": result.skipped,
        "skip_reasons": result.skip_reasons,
        "failures": result.failures,
        "conflicts": result.conflicts,
        "unpublished": result.unpublished,
        "notes": result.notes,
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
    steps.step("manifest")
    into_place(tmp, out_dir / version)  # already there: the same build (a file put back)
    steps.step("version in place")
    switch_to(out_dir, version)
    prune(out_dir, {version, replaces or ""}, keep_pieces | set(_pieces_of(prev)))
    steps.step("pruned")
    log.info(
        "wrote the manifest and switched %s to %s in %.2f s",
        out_dir,
        version,
        time.perf_counter() - start,
    )


def _check_published(result: BuildResult, metas: list[dict], verify: bool) -> None:
    """Files read as a catalogued release that are not the published file: listed with a
    warning, or (``verify``) failures whose rows are not taken."""
    # checked as each file was read, and kept with its piece (the catalogue is in the code key)
    found = [u for meta in metas for u in meta.get("unpublished", [])]
    result.unpublished = found
    bad = {u["file"]: u for u in found}
    for u in found:
        if verify:
            failure = {
                "file": u["file"],
                "sheet": None,
                "column": None,
                "row": None,
                "problem": "not the published file",
                "message": u["message"] + " (--verify)",
                "unpublished": True,
            }
            result.failures.append(failure)
            log.error("%s", failure["message"])
        else:
            log.warning("%s", u["message"])
    if verify and bad:
        metas[:] = [m for m in metas if m["entries"][0]["file"] not in bad]
        result.files[:] = [f for f in result.files if f["file"] not in bad]


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
    if result.reused and result.failures and (out, len(result.failures)) not in _SAID:
        # a new build logged each failure as it found it; a reused one says them once here
        _SAID.add((out, len(result.failures)))
        for f in result.failures:
            kept = sum((f.get("kept_previous_rows") or {}).values())
            log.warning(
                "%s%s",
                f["message"],
                f" (its {kept:,} rows from an earlier build are used)"
                if kept and not f.get("missing")
                else "",
            )
    return resolve(out)


#: reused builds whose failures this process has said already (a plan asks several times)
_SAID: set[tuple[Path, int]] = set()
