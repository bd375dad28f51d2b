"""Shared parsing rules for published statistics.

One place for: suppression markers, numbers stored as text, header-row detection,
financial-year labels, label tidying and opening files of any published format.
Nothing here writes anything.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from msp_analysis.errors import SourceError

log = logging.getLogger(__name__)

#: Markers publishers put in numeric cells instead of a number, with their meaning.
#: Each becomes a missing value with ``suppressed=True``; none ever becomes zero.
MARKERS: dict[str, str] = {
    "[c]": "confidential / suppressed small number",
    "[x]": "not available / not submitted",
    "[z]": "not applicable",
    "[u]": "low reliability",
    "[low]": "low figure, suppressed",
    "[n]": "no appropriate estimation (MHCLG outturn class totals)",
    "*": "suppressed",
    ":": "not available",
    "..": "not available",
    "-": "nil or not applicable",
    "x": "not available",
    "c": "suppressed",
    "n/a": "not applicable",
}

_NUMBER = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")
_THOUSANDS = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$")
FY_LABEL = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*(?:-|to|/)\s*((?:19|20)?\d{2})(?!\d)")


@dataclass(frozen=True)
class Parsed:
    """Numbers parsed from a column of published cells."""

    value: pd.Series  # float64, NaN where suppressed or blank
    suppressed: pd.Series  # bool: a marker stood in the cell
    marker: pd.Series  # the marker as published, or <NA>


def parse_numbers(
    cells: pd.Series,
    *,
    file: str | Path,
    column: str | pd.Series,
    rows: pd.Series | None = None,
    sheet: str | pd.Series | None = None,
    blank_is_missing: bool = True,
) -> Parsed:
    """Parse published cells into floats, markers into flagged missing values.

    Accepts numbers, numeric text, text with thousands separators (``1,234``), a
    trailing ``%`` (kept as the published number, not divided) and the markers in
    :data:`MARKERS`. Anything else is an error naming the file, column and row.

    Args:
        cells: the cells as published (object, str or numeric dtype).
        file: file name for messages.
        column: column header (or a Series of headers, one per cell) for messages.
        rows: 1-based source row per cell, for messages.
        sheet: sheet name (or Series of sheet names) for messages.
        blank_is_missing: blank cells become missing (not suppressed) when True,
            else they are an error.

    Returns:
        Parsed value, suppressed and marker series aligned with ``cells``.

    Raises:
        SourceError: a cell holds text that is neither a number nor a known marker.
    """
    idx = cells.index
    if pd.api.types.is_numeric_dtype(cells.dtype) and not pd.api.types.is_bool_dtype(cells.dtype):
        value = cells.astype("float64")
        return Parsed(
            value, pd.Series(False, index=idx), pd.Series(pd.NA, index=idx, dtype="string")
        )

    as_num = pd.to_numeric(cells, errors="coerce")
    # Python floats and ints inside an object column come through to_numeric directly.
    value = as_num.astype("float64")
    text = cells.where(as_num.isna())
    text = text[text.notna()].astype(str).str.strip()
    suppressed = pd.Series(False, index=idx)
    marker = pd.Series(pd.NA, index=idx, dtype="string")
    if len(text):
        lowered = text.str.lower()
        is_marker = lowered.isin(MARKERS.keys())
        suppressed.loc[is_marker[is_marker].index] = True
        marker.loc[is_marker[is_marker].index] = text[is_marker]
        rest = text[~is_marker]
        blank = rest == ""
        if not blank_is_missing and blank.any():
            _raise_bad(
                rest[blank].index[0],
                "",
                "blank cell where a number is required",
                file,
                column,
                rows,
                sheet,
            )
        rest = rest[~blank]
        if len(rest):
            cleaned = (
                rest.str.replace("\u00a3", "", regex=False)
                .str.replace("%", "", regex=False)
                .str.strip()
            )
            thousands = cleaned.str.match(_THOUSANDS)
            cleaned = cleaned.where(~thousands, cleaned.str.replace(",", "", regex=False))
            ok = cleaned.str.match(_NUMBER)
            if not ok.all():
                first = ok[~ok].index[0]
                _raise_bad(
                    first,
                    rest.loc[first],
                    f"is not a number and not a known marker (known markers: {', '.join(MARKERS)})",
                    file,
                    column,
                    rows,
                    sheet,
                )
            value.loc[cleaned.index] = cleaned.astype("float64")
    return Parsed(value, suppressed, marker)


def _raise_bad(i, cell, problem, file, column, rows, sheet) -> None:
    col = column.loc[i] if isinstance(column, pd.Series) else column
    sh = sheet.loc[i] if isinstance(sheet, pd.Series) else sheet
    row = int(rows.loc[i]) if rows is not None else None
    raise SourceError(f"value {cell!r} {problem}", file=file, sheet=sh, column=str(col), row=row)


def tidy_label(label: object) -> str | None:
    """Tidy a header label: newlines become ': ', trailing spaces and doubled spaces go."""
    if label is None or (isinstance(label, float) and np.isnan(label)):
        return None
    text = str(label)
    if isinstance(label, float) and label.is_integer():
        text = str(int(label))
    parts = [p.strip() for p in text.replace("\r", "\n").split("\n")]
    parts = [p for p in parts if p]
    out = ": ".join(parts)
    out = re.sub(r"\s+", " ", out).strip()
    return out or None


_AGE_BANDS = {
    "18 to 64": "18 to 64",
    "18-64": "18 to 64",
    "65 and over": "65 and over",
    "65+": "65 and over",
    "total": "Total",
}


def tidy_age_band(label: str) -> str:
    """One spelling per age band: '65 and Over' and '65 and over' are the same band."""
    return _AGE_BANDS.get(label.strip().lower(), label.strip())


def fy_start(label: object) -> int | None:
    """Financial-year start year from '2021-22', '2021 to 2022', '2021/22' (None if absent)."""
    if label is None:
        return None
    m = FY_LABEL.search(str(label))
    if not m:
        return None
    start = int(m.group(1))
    end = m.group(2)
    end_full = int(end) if len(end) == 4 else (start // 100) * 100 + int(end)
    if len(end) == 2 and end_full < start:  # '1999-00', '2099-00'
        end_full += 100
    if end_full != start + 1:
        return None
    return start


def fy_label(start: int) -> str:
    """'2021-22' for 2021."""
    return f"{start}-{(start + 1) % 100:02d}"


def fy_labels(years: pd.Series) -> pd.Series:
    """Vectorised :func:`fy_label` (missing years stay missing)."""
    uniq = {y: fy_label(int(y)) for y in years.dropna().unique()}
    return years.map(uniq).astype("string")


def last_fy_in(text: str) -> int | None:
    """Start year of the last financial-year label in a title ("..., 2020-21 and 2021-22")."""
    found = [fy_start(m.group(0)) for m in FY_LABEL.finditer(str(text))]
    found = [f for f in found if f is not None]
    return found[-1] if found else None


def find_header_row(
    frame: pd.DataFrame, first_cell: str, *, column: int | None = 0, max_rows: int = 40
) -> int | None:
    """0-based index of the first row whose cell (in ``column``, or any column) equals ``first_cell``.

    Comparison ignores case and surrounding spaces, so 'Region code ' matches.
    """
    want = first_cell.strip().lower()
    head = frame.iloc[:max_rows]
    cols = [column] if column is not None else range(head.shape[1])
    for r in range(len(head)):
        for c in cols:
            if c >= head.shape[1]:
                continue
            v = head.iat[r, c]
            if isinstance(v, str) and v.strip().lower() == want:
                return r
    return None


SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
TEXT_SUFFIXES = {".csv", ".txt"}


def check_readable(path: str | Path) -> Path:
    """Fail early, with the file named, on a missing, empty or truncated file."""
    p = Path(path)
    if not p.exists():
        raise SourceError("file not found", file=p)
    if p.stat().st_size == 0:
        raise SourceError("file is empty (0 bytes)", file=p)
    if p.suffix.lower() in {".xlsx", ".xlsm", ".ods"}:
        import zipfile

        if not zipfile.is_zipfile(p):
            raise SourceError(
                "is not a valid spreadsheet: the file is truncated or not really "
                f"{p.suffix} (an {p.suffix} file is a zip archive)",
                file=p,
            )
    return p


def _file_key(path: Path) -> tuple[str, int, int]:
    st = path.stat()
    return (str(path.resolve()), st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=2)
def _workbook(key: tuple[str, int, int]) -> dict[str, pd.DataFrame]:
    """Every sheet of a workbook, cached by (path, mtime, size) so that recognising a
    file and then reading it opens it once. Callers must not modify the frames."""
    return pd.read_excel(key[0], sheet_name=None, header=None, engine="calamine")


def sheet_names(path: str | Path) -> list[str]:
    """Sheet names of a spreadsheet."""
    p = check_readable(path)
    from python_calamine import CalamineWorkbook

    try:
        return list(CalamineWorkbook.from_path(str(p)).sheet_names)
    except Exception as exc:  # calamine raises its own error types
        raise SourceError(f"cannot be opened as a spreadsheet ({exc})", file=p) from exc


def sheet_names_or_none(path: str | Path) -> list[str] | None:
    """Sheet names, or None when the file cannot be opened as a spreadsheet (for ``detect``)."""
    try:
        return sheet_names(path)
    except SourceError:
        return None


def read_sheets(path: str | Path, sheets: list[str] | None = None) -> dict[str, pd.DataFrame]:
    """Read sheets with no header, every cell as published (numbers stay numbers).

    Uses the calamine engine, which reads .xlsx, .xls and .ods alike and fast.
    """
    p = check_readable(path)
    try:
        book = _workbook(_file_key(p))
    except Exception as exc:
        raise SourceError(f"cannot be read as a spreadsheet ({exc})", file=p) from exc
    if sheets is None:
        return dict(book)
    return {name: book[name] for name in sheets}


def read_text_table(path: str | Path, **kwargs) -> pd.DataFrame:
    """Read a CSV as published: every cell text, blanks kept as '', BOM removed.

    Tries UTF-8 (with or without BOM) and falls back to Windows-1252, which is what
    Excel writes on Windows; the encoding used is logged. A row with more or fewer
    fields than the header is an error naming the row.
    """
    p = check_readable(path)
    raw = p.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        break
    else:  # pragma: no cover - cp1252 decodes nearly anything
        raise SourceError("cannot be decoded as UTF-8 or Windows-1252 text", file=p)
    if encoding != "utf-8-sig":
        log.warning("%s is not UTF-8; read as Windows-1252", p.name)
    try:
        frame = pd.read_csv(
            p,
            dtype=str,
            keep_default_na=False,
            encoding=encoding,
            on_bad_lines="error",
            **kwargs,
        )
    except pd.errors.ParserError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise SourceError(
            f"is not a well-formed CSV ({exc})", file=p, row=int(m.group(1)) if m else None
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise SourceError("has no header row (empty or truncated)", file=p) from exc
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    # 1-based line number in the file: header is line 1, first data row is line 2.
    frame.insert(0, "source_row", np.arange(2, len(frame) + 2))
    return frame


def text_header(path: str | Path) -> list[str]:
    """The header fields of a CSV, BOM and quotes removed, without reading the body."""
    p = check_readable(path)
    with open(p, "rb") as fh:
        first = fh.readline()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            line = first.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    import csv

    return [f.strip().lstrip("\ufeff") for f in next(csv.reader([line]))] if line.strip() else []


def require_columns(
    frame: pd.DataFrame, required: list[str], *, file, sheet=None, layout: str = ""
) -> None:
    """Raise naming the first missing column, and what columns there are."""
    have = set(frame.columns)
    for col in required:
        if col not in have:
            close = [
                c
                for c in frame.columns
                if isinstance(c, str) and c.lower().replace(" ", "") == col.lower().replace(" ", "")
            ]
            hint = f"; found {close[0]!r}, which looks renamed" if close else ""
            raise SourceError(
                f"required column is missing{' for layout ' + layout if layout else ''}{hint}. "
                f"Columns present: {', '.join(map(str, frame.columns[:30]))}",
                file=file,
                sheet=sheet,
                column=col,
            )


def check_unique(
    frame: pd.DataFrame, keys: list[str], *, file, sheet=None, row_col: str = "source_row"
) -> None:
    """Raise naming both rows of the first duplicated key."""
    dup = frame.duplicated(keys, keep=False)
    if dup.any():
        first = frame[dup].sort_values(keys).head(2)
        rows = first[row_col].tolist() if row_col in first else []
        key = {k: first.iloc[0][k] for k in keys}
        raise SourceError(
            f"duplicate key {key} (rows {rows}): the same observation is published twice",
            file=file,
            sheet=sheet if isinstance(sheet, str) else None,
            column=", ".join(keys),
            row=int(rows[0]) if rows else None,
        )
