"""Raw published files -> processed Parquet tables and a manifest.

:func:`build` recognises every file in a folder by its content, reads and cleans it
with each reader that knows it, validates the tidy tables against their schemas and
writes ``<table>.parquet`` and ``manifest.json``. A file that fails does not stop the
others: it is listed (file, sheet, column, row, problem) in the result and in the
manifest (:func:`failures`), nothing new is taken from it, and the rows the previous
build took from it are kept. ``strict=True`` is all or nothing. Raw files are opened
read-only and never modified.

:func:`load` reads one processed table back.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from msp_analysis import __version__, config, schemas
from msp_analysis.errors import SourceError, UnknownLayoutError
from msp_analysis.sources import known_layouts, readers_for, table_name

log = logging.getLogger(__name__)

DEMO_MARKER = "DEMO_DATA.txt"
IGNORED = {".md", ".txt", ".json", ".yml", ".yaml", ".py", ".gitkeep"}

#: Keys that identify one observation in each table, across files. Where two files
#: (say two releases) publish the same observation, the later release is kept.
TABLE_KEYS: dict[str, list[str]] = {
    "ascfr": [
        "la_code",
        "year",
        "table_ref",
        "measure",
        "care_type",
        "support_setting",
        "age_band",
        "primary_support_reason",
        "purpose",
        "provision",
        "carer_support_type",
        "data_type",
    ],
    "salt": [
        "la_code",
        "year",
        "table_ref",
        "measure",
        "care_type",
        "support_setting",
        "age_band",
        "primary_support_reason",
        "purpose",
        "provision",
        "route_of_access",
        "what_happened_next",
    ],
    "ascof": ["la_code", "year", "measure_code", "framework", "disaggregation", "measure_type"],
    "population": ["la_code", "year", "estimate", "sex", "age_label"],
    "population_projections": ["la_code", "year", "estimate", "sex", "age_label"],
    "workforce": ["la_code", "year", "sector", "service", "job_role", "measure"],
    "cqc_ratings": ["location_id", "service_group", "domain"],
    "cqc_locations": ["location_id"],
    "outturn": ["la_code", "year", "form", "service", "age_band", "measure"],
}


class BuildError(SourceError):
    """A build could not write anything (``--strict`` with a bad file, or no readable file)."""


@dataclass
class BuildResult:
    """What a build did: tables written, files read, files skipped, files that failed."""

    out_dir: Path
    tables: dict[str, int] = field(default_factory=dict)
    files: list[dict] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failures: list[dict] = field(default_factory=list)
    demo: bool = False

    @property
    def ok(self) -> bool:
        """True when every file this tool recognises was read."""
        return not self.failures


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


def _release(frame: pd.DataFrame) -> int:
    years = frame["year"].dropna() if "year" in frame else pd.Series(dtype="Int64")
    return int(years.max()) if len(years) else 0


def _previous(out_dir: Path) -> dict:
    """The manifest of the build already in ``out_dir`` (empty when there is none or it is unreadable)."""
    try:
        return manifest(out_dir)
    except (FileNotFoundError, ValueError):
        return {}


def _kept_rows(out_dir: Path, prev: dict, file: str) -> dict[str, pd.DataFrame]:
    """The rows a previous build in ``out_dir`` took from ``file``, per table."""
    kept = {}
    for table, info in prev.get("tables", {}).items():
        if file in info.get("source_files", []) and (out_dir / f"{table}.parquet").exists():
            frame = load(table, out_dir)
            rows = frame[frame["source_file"] == file]
            if len(rows):
                kept[table] = rows.reset_index(drop=True)
    return kept


def _read_file(path: Path, found, demo: bool) -> tuple[dict[str, pd.DataFrame], list[dict]]:
    """Tidy, validated tables from one file (every reader that knows it), with its manifest rows.

    Raises:
        SourceError: the file (or one of its tables) cannot be read, cleaned or validated.
    """
    digest = sha256(path)
    pieces: dict[str, pd.DataFrame] = {}
    entries = []
    for reader, layout in found:
        raw = reader.read(path)
        tidy = reader.clean(raw)
        table = table_name(reader, layout)
        tidy = schemas.validate(table, tidy, file=path.name)
        if demo:
            tidy = tidy.assign(source="DEMO - " + tidy["source"].astype(str))
        tidy = tidy.assign(release=_release(tidy))
        pieces[table] = (
            pd.concat([pieces[table], tidy], ignore_index=True) if table in pieces else tidy
        )
        entries.append(
            {
                "file": path.name,
                "sha256": digest,
                "bytes": path.stat().st_size,
                "reader": reader.__name__.rsplit(".", 1)[-1],
                "layout": layout,
                "table": table,
                "rows_read": len(raw),
                "rows_kept": len(tidy),
                "rows_suppressed": int(tidy["suppressed"].sum()) if "suppressed" in tidy else 0,
            }
        )
    return pieces, entries


def build(
    raw_dir: str | Path | None = None,
    out_dir: str | Path | None = None,
    *,
    progress: bool = True,
    strict: bool = False,
) -> BuildResult:
    """Build every processed table from the files in ``raw_dir``, past any bad file.

    A file that cannot be read, cleaned or validated contributes nothing new: its failure
    (file, sheet, column, row, what was expected) is listed in the result and in the
    manifest, and the rows the previous build in ``out_dir`` took from that file are kept,
    so one bad download never loses a source. A file no reader recognises is skipped and
    listed; one that a previous build read but no reader now recognises is a failure.

    Args:
        raw_dir: folder of published files (default :func:`config.raw_dir`).
        out_dir: folder for Parquet tables (default :func:`config.processed_dir`).
        progress: show a progress bar on stderr.
        strict: all or nothing: any failure raises and nothing is written.

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
    result = BuildResult(out_dir=out_dir, demo=demo)
    prev = _previous(out_dir)
    prev_files = {f["file"] for f in prev.get("files", [])}
    pieces: dict[str, list[pd.DataFrame]] = {}

    from tqdm.auto import tqdm

    bar = tqdm(files, desc="msp data", unit="file", disable=not progress, leave=False)
    for path in bar:
        bar.set_postfix_str(path.name[:40])
        try:
            found = readers_for(path)
            if not found:
                if path.name not in prev_files:
                    log.warning("%s: no reader knows this file; skipped", path.name)
                    result.skipped.append(path.name)
                    continue
                raise UnknownLayoutError(
                    "no reader recognises this file any more, though the previous build read it",
                    known_layouts(),
                    file=path,
                )
            file_pieces, entries = _read_file(path, found, demo)
        except SourceError as exc:
            result.failures.append(failure_record(exc, path.name))
            log.error("%s", exc)
            continue
        except Exception as exc:  # a reader bug: this file fails, the others still build
            if strict:
                raise
            log.info("%s: unexpected error", path.name, exc_info=True)
            err = SourceError(
                f"unexpected {type(exc).__name__} while reading ({exc}); this is a bug in "
                "msp-analysis: please report it with the output of `msp -v data`",
                file=path,
            )
            result.failures.append(failure_record(err, path.name))
            log.error("%s", err)
            continue
        for table, frame in file_pieces.items():
            pieces.setdefault(table, []).append(frame)
        result.files.extend(entries)
    bar.close()
    if result.failures and strict:
        raise BuildError(
            f"{len(result.failures)} problem(s) in {raw_dir.name}; nothing was written (--strict):"
            "\n- " + "\n- ".join(f["message"] for f in result.failures)
        )
    for failure in result.failures:
        same_kind = bool(prev.get("demo")) == demo  # never keep real rows in a DEMO build
        kept = _kept_rows(out_dir, prev, failure["file"]) if same_kind else {}
        failure["kept_previous_rows"] = {t: len(f) for t, f in kept.items()}
        failure["kept_from_build"] = prev.get("built_at") if kept else None
        for table, frame in kept.items():
            release = _release(frame)
            pieces.setdefault(table, []).append(frame.assign(release=release))
        if kept:
            log.warning(
                "%s failed; kept its %s rows from the build of %s",
                failure["file"],
                sum(len(f) for f in kept.values()),
                prev.get("built_at"),
            )
    if not pieces:
        problems = "".join(f"\n- {f['message']}" for f in result.failures)
        raise BuildError(
            f"no published file this tool knows could be read in {raw_dir}; nothing was written"
            + problems
        )

    tables: dict[str, pd.DataFrame] = {}
    for table, parts in pieces.items():
        frame = pd.concat(parts, ignore_index=True)
        keys = TABLE_KEYS[table]
        frame = frame.sort_values("release", ascending=False, kind="stable")
        dup = frame.duplicated(keys, keep="first")
        if dup.any():
            log.info(
                "%s: %d observations also in a later release; the later release is kept",
                table,
                int(dup.sum()),
            )
            for f in result.files:
                if f["table"] == table:
                    f["rows_superseded"] = int((dup & (frame["source_file"] == f["file"])).sum())
        tables[table] = frame[~dup].drop(columns="release").reset_index(drop=True)
        result.tables[table] = len(tables[table])
    _write(tables, result, raw_dir, out_dir)
    return result


def failures(processed_dir: str | Path | None = None) -> list[dict]:
    """Files the last build could not read (file, sheet, column, row, problem, message).

    Each record also says which tables kept that file's rows from an earlier build
    (``kept_previous_rows``), so a plan can say which sources are missing or out of date.
    Empty when every file was read.
    """
    return list(manifest(processed_dir).get("failures", []))


def _write(
    tables: dict[str, pd.DataFrame], result: BuildResult, raw_dir: Path, out_dir: Path
) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".build-", dir=out_dir))
    try:
        for name, frame in tables.items():
            frame.to_parquet(tmp / f"{name}.parquet", index=False)
        manifest = {
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "code_version": __version__,
            "raw_dir": raw_dir.name,
            "demo": result.demo,
            "label": "DEMO" if result.demo else "published data",
            "files": result.files,
            "skipped": result.skipped,
            "failures": result.failures,
            "tables": {
                name: {
                    "rows": len(f),
                    "columns": list(f.columns),
                    "source_files": sorted(f["source_file"].unique().tolist()),
                }
                for name, f in tables.items()
            },
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2))
        for name in tables:
            os.replace(tmp / f"{name}.parquet", out_dir / f"{name}.parquet")
        for stale in out_dir.glob("*.parquet"):
            if stale.stem not in tables:
                stale.unlink()
        os.replace(tmp / "manifest.json", out_dir / "manifest.json")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    log.info("wrote %d tables to %s", len(tables), out_dir)


def ensure(
    raw_dir: str | Path, cache_root: str | Path | None = None, *, progress: bool = False
) -> Path:
    """Processed tables for ``raw_dir``, built once and reused while its files are unchanged.

    Tables go to ``<processed>/cache/<folder name>-<fingerprint>``, where the fingerprint
    covers every file's name, size and modification time, so notebooks and commands
    that name a raw folder never rebuild needlessly and never mix two folders.
    """
    raw = Path(raw_dir).resolve()
    if not raw.is_dir():
        raise FileNotFoundError(f"raw data folder {raw_dir} does not exist")
    h = hashlib.sha256()
    for p in _candidates(raw):
        st = p.stat()
        h.update(f"{p.relative_to(raw)}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    h.update((raw / DEMO_MARKER).exists().__repr__().encode())
    root = Path(cache_root) if cache_root else config.processed_dir() / "cache"
    out = root / f"{raw.name}-{h.hexdigest()[:12]}"
    if not (out / "manifest.json").exists():
        build(raw, out, progress=progress)
    return out


def manifest(processed_dir: str | Path | None = None) -> dict:
    """The manifest of the last build."""
    path = Path(processed_dir or config.processed_dir()) / "manifest.json"
    if not path.exists():
        raise FileNotFoundError(
            f"no processed data at {path.parent}: run `make data` (or `msp data`) first"
        )
    return json.loads(path.read_text())


def load(name: str, processed_dir: str | Path | None = None) -> pd.DataFrame:
    """One processed table, e.g. ``load('salt')``.

    Raises:
        FileNotFoundError: the table was not built (message says how to build it).
    """
    path = Path(processed_dir or config.processed_dir()) / f"{name}.parquet"
    if not path.exists():
        known = sorted(TABLE_KEYS)
        raise FileNotFoundError(
            f"table '{name}' not found in {path.parent} (tables: {', '.join(known)}); "
            "run `make data` (or `msp data --raw DIR`) to build it"
        )
    return pd.read_parquet(path)
