"""One file -> its piece: the file's tidy, validated tables and manifest rows, cached in
``<out>/pieces/<key>/`` and reused while the file's content, its name and the code key are
unchanged (:func:`msp_analysis.store.fingerprint.piece_key`); and the parts a table is
merged from (a piece, or rows an older build kept for a file that now fails).
"""

from __future__ import annotations

import json
import logging
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from msp_analysis.errors import SourceError
from msp_analysis.store import steps
from msp_analysis.store.fingerprint import piece_key
from msp_analysis.store.outcome import failure_record
from msp_analysis.store.versions import PIECES, into_place, load

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)


def read_file(path: Path, found) -> tuple[dict[str, pd.DataFrame], list[dict], list[str]]:
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
        years = tidy["year"].dropna() if "year" in tidy else pd.Series(dtype="Int64")
        entries.append(
            {
                "file": path.name,
                "bytes": path.stat().st_size,
                "reader": reader.__name__.rsplit(".", 1)[-1],
                "layout": layout,
                "year": int(years.max()) if len(years) else None,  # the latest it covers
                "table": table,
                "rows_read": len(raw),
                "rows_kept": len(tidy),
                "rows_suppressed": int(tidy["suppressed"].sum()) if "suppressed" in tidy else 0,
            }
        )
    return pieces, entries, sorted(titles)[:50]


def piece_of(
    path: Path, digest: str, out_dir: Path, strict: bool, writer=None
) -> tuple[dict, dict | None]:
    """One file's outcome, from its cached piece or by reading it (then cached).

    Returns ``(meta, frames)`` where meta has ``entries`` (manifest rows), ``tables``
    (names), ``failure`` (a record or None), ``unrecognised`` (bool) and ``key``; ``frames``
    are the tables when the file was parsed in this run (None when it came from the cache).
    """
    key = piece_key(path.name, digest)
    folder = out_dir / PIECES / key
    meta_path = folder / "meta.json"
    if meta_path.exists():
        try:
            return json.loads(meta_path.read_text()), None
        except ValueError:
            shutil.rmtree(folder, ignore_errors=True)
    from msp_analysis.sources import _parsing, readers_for

    meta: dict = {"key": key, "entries": [], "tables": [], "failure": None, "unrecognised": False}
    frames: dict = {}
    try:
        found = readers_for(path)
        if not found:
            meta["unrecognised"] = True
            meta["skip_reason"] = _why_not_read(path)
        else:
            frames, meta["entries"], meta["titles"] = read_file(path, found)
    except SourceError as exc:
        if _parsing.named_as_data(path):
            meta["failure"] = failure_record(exc, path.name)
        else:  # not named as a data file (notes.txt, README): what it is not, no failure
            meta["unrecognised"] = True
            meta["skip_reason"] = f"not a table a reader knows ({exc.problem})"
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
    if meta["entries"]:  # read as a catalogued release but not the published file?
        from msp_analysis.store.published import unpublished

        meta["unpublished"] = unpublished(meta["entries"])
    meta["tables"] = sorted(frames)
    if meta.get("bug"):
        return meta, frames  # not cached: the next run tries again (and shows the traceback)
    save_piece(out_dir, folder, meta, frames, path.name, writer)
    return meta, frames


def _why_not_read(path: Path) -> str:
    """Why no reader took a file: what its content is, in a few words."""
    from msp_analysis.sources import _parsing

    kind = _parsing.file_kind(path)
    if kind is None:
        return "not a spreadsheet or a text table"
    return f"a {'text file' if kind == 'text' else 'workbook'} no reader knows"


def save_piece(out_dir: Path, folder: Path, meta: dict, frames: dict, name: str, writer) -> None:
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
        into_place(tmp, folder)
        steps.step(f"piece {name}")

    if writer is None:
        save()
    else:
        writer.append(writer.pool.submit(save))


def piece_frames(out_dir: Path, meta: dict) -> dict[str, pd.DataFrame]:
    import pandas as pd

    folder = out_dir / PIECES / meta["key"]
    return {t: pd.read_parquet(folder / f"{t}.parquet") for t in meta["tables"]}


def is_cached(out_dir: Path, path: Path, digest: str) -> bool:
    return (out_dir / PIECES / piece_key(path.name, digest) / "meta.json").exists()


class PieceWriter(list):
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


@dataclass
class Part:
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
    vanished: bool = False  # rows of a file no longer in the folder: they lose every tie

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


def kept_part(out_dir, prev, prev_files, prev_failed, file, fresh) -> Part | None:
    """The rows an earlier build took from ``file``: its cached piece, else the tables."""
    key = (prev_files.get(file) or {}).get("piece") or (prev_failed.get(file) or {}).get(
        "kept_piece"
    )
    if key and (out_dir / PIECES / key / "meta.json").exists():
        meta = json.loads((out_dir / PIECES / key / "meta.json").read_text())
        digest = (prev_files.get(file) or {}).get("sha256", "")
        return Part(key, file, digest, meta.get("titles", []), meta, fresh, out_dir)
    kept = {}  # an older build without pieces: take its rows from the tables
    for table, info in prev.get("tables", {}).items():
        if file in info.get("source_files", []):
            frame = load(table, out_dir)
            rows = frame[frame["source_file"] == file]
            if len(rows):
                kept[table] = rows.reset_index(drop=True)
    if not kept:
        return None
    return Part(None, file, "", [], None, fresh, out_dir, rows_of=kept)
