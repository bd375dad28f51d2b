"""Shared parsing rules for published statistics.

One place for: suppression markers, numbers stored as text, header-row detection,
financial-year labels, label tidying and opening files of any published format.
Nothing here writes anything.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from msp_analysis.errors import LayoutNearMiss, SourceError

log = logging.getLogger(__name__)

#: Stands in a cell that holds a formula saved without its calculated value.
NO_CACHED_VALUE = "[no cached value]"

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
    NO_CACHED_VALUE: "formula saved without its calculated value (the file was written by a "
    "program that does not calculate; open and re-save it in a spreadsheet program)",
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
    # Published tables repeat a few thousand values (0, ':', '[c]') over hundreds of thousands
    # of cells: where they do, each distinct cell is parsed once and taken back by position.
    codes, distinct = pd.factorize(cells, use_na_sentinel=False)
    if len(cells) > 1 and len(distinct) <= len(cells) // 2:
        try:
            once = parse_numbers(
                pd.Series(distinct, dtype=cells.dtype),
                file=file,
                column="",
                blank_is_missing=blank_is_missing,
            )
        except SourceError:
            pass  # parsed cell by cell below, so the message names the cell's column and row
        else:
            return Parsed(
                pd.Series(once.value.to_numpy()[codes], index=idx),
                pd.Series(once.suppressed.to_numpy()[codes], index=idx),
                pd.Series(once.marker.array.take(codes), index=idx),
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


#: an ONS (GSS) area code: a country letter and 8 digits (E06000054)
GSS_CODE = re.compile(r"^[EWSNK]\d{8}$")
_GSS_ANY_CASE = re.compile(r"^[EWSNK]\d{8}$", re.I)
#: text that is meant as an area code but is not one: a letter O for a zero, a digit lost
_CODE_LIKE = re.compile(r"^[EWSNK]\d{2}[0-9A-Z]{4,8}$", re.I)
_EDGE_SPACE = " \t\r\n\u00a0\u200b\ufeff"


def area_codes(
    cells: pd.Series,
    *,
    file: str | Path,
    column: str,
    rows: pd.Series | None = None,
    sheet: str | None = None,
) -> pd.Series:
    """ONS area codes as the readers key them: spaces around a code (non-breaking too)
    trimmed and lower-case letters upper-cased, with one note saying how many cells that
    changed; every other cell stripped of its edge spaces (names, notes, blanks stay text).

    A council's code typed in lower case by hand (``e06000054``) is that council's code,
    never a row that vanishes while another area takes its place.

    Raises:
        SourceError: a cell meant as an area code that is not one (``E06000O54`` with a
            letter O, ``E0600054`` a digit short), naming its row.
    """
    codes, distinct = pd.factorize(cells, use_na_sentinel=True)
    if not len(distinct):
        return cells
    tidy: list[object] = []
    changed = np.zeros(len(distinct), dtype=bool)
    for i, value in enumerate(distinct):
        text = str(value).strip(_EDGE_SPACE)
        if _GSS_ANY_CASE.match(text):
            code = text.upper()
            changed[i] = code != str(value)
        elif _CODE_LIKE.match(text):
            at = int(np.flatnonzero(codes == i)[0])
            raise SourceError(
                f"{text!r} is not an ONS area code (a letter and 8 digits, such as E06000054)",
                file=file,
                sheet=sheet,
                column=column,
                row=int(rows.iloc[at]) if rows is not None else None,
            )
        else:
            code = text if isinstance(value, str) else value
        tidy.append(code)
    out = pd.Series(
        pd.array(tidy, dtype=object).take(codes, allow_fill=True), index=cells.index, dtype=object
    )
    if changed.any():
        first = int(np.flatnonzero(changed[codes] & (codes >= 0))[0])
        n = int((changed[codes] & (codes >= 0)).sum())
        where = f"{Path(str(file)).name}{f' sheet {sheet}' if sheet else ''} column {column!r}"
        row = f" row {int(rows.iloc[first])}" if rows is not None else ""
        log.warning(
            "%s: %d area code(s) written in lower case or with spaces, read as ONS codes "
            "(%r at%s read as %s)",
            where,
            n,
            str(cells.iloc[first]),
            row or " the first",
            out.iloc[first],
        )
    return out


#: Header words of columns that carry no figures: a release may add such columns anywhere
#: (a return's status, its certification, notes, flags); they are left out, with a note.
NO_FIGURES = re.compile(
    r"\b(status|certif\w*|notes?|footnotes?|flags?|comments?|remarks?|data quality)\b", re.I
)


def carries_no_figures(label: object) -> bool:
    """True for a column header that names no figure (``Status``, ``Certified``, ``Notes``,
    ``Data quality flag``): see :data:`NO_FIGURES`."""
    return label is not None and bool(NO_FIGURES.search(str(label)))


def note_no_figures(file: str | Path, labels: list[str], sheet: str | None = None) -> None:
    """One note naming the columns left out because they carry no figures."""
    if labels:
        log.warning(
            "%s%s: column(s) %s carry no figures (status, certification, notes or flags): not read",
            Path(str(file)).name,
            f" sheet {sheet}" if sheet else "",
            ", ".join(repr(str(x)) for x in dict.fromkeys(labels)),
        )


def words_only(cells: pd.Series) -> bool:
    """True when a column's cells are all words (a status, a certification, a note): no
    cell a number or a marker, and at least one not blank. Stops at the first number."""
    words = False
    for v in cells.to_numpy(dtype=object):
        if v is None:
            continue
        if isinstance(v, (int, float, np.number)):
            if v == v:  # a number (NaN is a blank)
                return False
            continue
        text = str(v).strip()
        if not text:
            continue
        if text.lower() in MARKERS or _NUMBER.match(text.replace(",", "").lstrip("£")):
            return False
        words = True
    return words


def column_letter(n: int) -> str:
    """A spreadsheet column's letters from its 1-based number: 6 -> 'F', 27 -> 'AA'."""
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


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


def year_ranges(years, label=None) -> str:
    """Consecutive years as short ranges of their labels: [2015, 2016, 2018] -> '2015-16 to
    2016-17, 2018-19' (``label`` maps a year to its label; financial years by default)."""
    label = label or fy_label
    ys = sorted({int(y) for y in years})
    runs: list[list[int]] = []
    for y in ys:
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(
        label(r[0]) if len(r) == 1 else f"{label(r[0])} to {label(r[-1])}" for r in runs
    )


def fy_ranges(years) -> str:
    """Financial years as short ranges: [2015, 2016, 2018, 2019] -> '2015-16 to 2016-17, 2018-19 to
    2019-20' (a single year stays one label)."""
    return year_ranges(years)


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
    head = frame.iloc[:max_rows].to_numpy(dtype=object)
    if column is not None:
        if column >= head.shape[1]:
            return None
        head = head[:, [column]]
    for r, row in enumerate(head):
        for v in row:
            if isinstance(v, str) and v.strip().lower() == want:
                return r
    return None


SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
TEXT_SUFFIXES = {".csv", ".txt"}
#: the kind of file each data extension says it is (any other name, '.txt' too, is told by
#: its content alone)
_SUFFIX_KIND = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xls": "xls", ".ods": "ods", ".csv": "text"}
SPREADSHEET_KINDS = frozenset({"xlsx", "xls", "ods"})
_KIND_NAMES = {"xlsx": "Excel (.xlsx)", "xls": "Excel 97-2003 (.xls)", "ods": "OpenDocument (.ods)"}


_OLE2 = bytes.fromhex("D0CF11E0A1B11AE1")
_ZIP = b"PK\x03\x04"


def file_kind(path: str | Path) -> str | None:
    """What a file is by its content, whatever its name ends with: 'xlsx', 'xls', 'ods',
    'text' (a table of text, such as a CSV) or None (anything else: a PDF, an image).

    A file whose content says nothing (damaged, truncated, empty) is the kind its extension
    names, so the reader that opens it says what is wrong; a ``.txt`` or ``.csv`` that holds
    a workbook (Windows "Save as" offers ``.txt``; a download saved without its name) is
    read as that workbook, with a note.
    """
    p = Path(path)
    try:
        key = _file_key(p)
    except OSError:
        return _SUFFIX_KIND.get(p.suffix.lower())
    return _kind(key)


def named_as_data(path: str | Path) -> bool:
    """True when a file's name says it is a data file (.csv, .xlsx, .xlsm, .xls, .ods): such
    a file that cannot be read is a failure; any other is skipped with the reason."""
    return Path(path).suffix.lower() in _SUFFIX_KIND


def is_spreadsheet(path: str | Path) -> bool:
    """True for a workbook (.xlsx, .xls, .ods), told by its content (:func:`file_kind`)."""
    return file_kind(path) in SPREADSHEET_KINDS


def is_text(path: str | Path) -> bool:
    """True for a text table (CSV), told by its content (:func:`file_kind`)."""
    return file_kind(path) == "text"


@lru_cache(maxsize=256)
def _kind(key: tuple[str, int, int]) -> str | None:
    p = Path(key[0])
    named = _SUFFIX_KIND.get(p.suffix.lower())
    with open(p, "rb") as fh:
        head = fh.read(4096)
    found = _content_kind(p, head)
    if found == "xls" and _encrypted(p):
        return "xlsx"  # a password-protected .xlsx (check_readable says so)
    if found in (None, "other") or (found == "text" and named in SPREADSHEET_KINDS):
        return named  # nothing to tell by: the extension decides (and its reader says why)
    if found in SPREADSHEET_KINDS and named != found:
        log.warning(
            "%s is an %s workbook by its content (its name ends '%s'): read as one",
            p.name,
            _KIND_NAMES[found],
            p.suffix or "(no extension)",
        )
    return found


def _encrypted(p: Path) -> bool:
    return "EncryptedPackage".encode("utf-16-le") in p.read_bytes()[: 1 << 20]


def _content_kind(p: Path, head: bytes) -> str | None:
    if not head:
        return None
    if head[:8] == _OLE2:
        return "xls"  # an encrypted .xlsx is an OLE2 container too: check_readable says so
    if head[:4] == _ZIP:
        import zipfile

        try:
            with zipfile.ZipFile(p) as z:
                names = set(z.namelist())
                mimetype = z.read("mimetype")[:80] if "mimetype" in names else b""
        except (zipfile.BadZipFile, OSError, EOFError, KeyError):
            return None  # damaged: the extension decides
        if "xl/workbook.xml" in names:
            return "xlsx"
        if b"opendocument.spreadsheet" in mimetype:
            return "ods"
        return "other"
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "text"  # UTF-16 text: the text reader says how to save it
    if b"\x00" in head:
        return "other"
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not a character cut at the end of the sample
            text = head.decode("cp1252", "replace")
        else:
            text = head[: exc.start].decode("utf-8")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n\f")
    return "text" if controls == 0 else "other"


def check_readable(path: str | Path) -> Path:
    """Fail early, with the file named, on a missing, empty, truncated or encrypted file.

    Raises:
        SourceError: the file is missing, 0 bytes, password-protected, or not the kind of
            file its name says (an ``.xlsx`` / ``.ods`` that is not a zip archive, an ``.xls``
            that is not an Excel 97-2003 compound file).
    """
    p = Path(path)
    if not p.exists():
        raise SourceError("file not found", file=p)
    if p.stat().st_size == 0:
        raise SourceError("file is empty (0 bytes)", file=p)
    _check_container(_file_key(p))  # once per file version: detect and read ask many times
    return p


@lru_cache(maxsize=64)
def _check_container(key: tuple[str, int, int]) -> None:
    """:func:`check_readable`'s look inside a spreadsheet (zip or OLE2 header, encryption),
    for one (path, mtime, size); an error is raised again each time (it is not cached).
    The kind of file is told by its content where it can be (:func:`file_kind`), else by
    its extension."""
    p = Path(key[0])
    kind = _kind(key)
    named = p.suffix if p.suffix.lower() in _SUFFIX_KIND else f".{kind}"
    if kind in {"xlsx", "ods"}:
        import zipfile

        with open(p, "rb") as fh:
            head = fh.read(8)
        if head == _OLE2:  # an OLE2 container told as .xlsx: only a password does that
            raise SourceError(
                "is password-protected (encrypted): save an unprotected copy and try again",
                file=p,
            )
        if not zipfile.is_zipfile(p):
            raise SourceError(
                "is not a valid spreadsheet: the file is truncated or not really "
                f"{named} (an {named} file is a zip archive)",
                file=p,
            )
        try:
            with zipfile.ZipFile(p) as z:
                names = z.namelist()
                manifest = (
                    z.read("META-INF/manifest.xml") if "META-INF/manifest.xml" in names else b""
                )
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise SourceError(f"is a damaged zip archive ({exc})", file=p) from exc
        if b"encryption-data" in manifest:
            raise SourceError(
                "is password-protected (encrypted): save an unprotected copy and try again",
                file=p,
            )
    elif kind == "xls":
        with open(p, "rb") as fh:
            head = fh.read(8)
        if head != _OLE2:
            raise SourceError(
                "is not a valid Excel 97-2003 (.xls) file: its first bytes are not an OLE2 "
                "header (the file is damaged, truncated or not really .xls)",
                file=p,
            )


def check_spreadsheet(path: str | Path) -> list[str]:
    """Sheet names of a file named as a spreadsheet; an error if it cannot be opened at all.

    A spreadsheet in the raw folder that cannot be opened is never skipped as "unknown":
    it is damaged, truncated or encrypted, and the build says so.
    """
    p = check_readable(path)
    if file_kind(p) in {"xlsx", "ods"}:
        import zipfile

        try:
            with zipfile.ZipFile(p) as z:
                bad = z.testzip()
        except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as exc:
            raise SourceError(f"is a damaged zip archive ({exc})", file=p) from exc
        if bad is not None:
            raise SourceError(f"is damaged: part {bad!r} of the archive fails its checksum", file=p)
    names = sheet_names(p)
    if not names:
        raise SourceError("has no sheets", file=p)
    return names


def _file_key(path: Path) -> tuple[str, int, int]:
    st = path.stat()
    return (str(path.resolve()), st.st_mtime_ns, st.st_size)


@dataclass
class _Book:
    """One open spreadsheet: the calamine workbook pandas parses from, and the sheets
    parsed so far (each at most once)."""

    excel: pd.ExcelFile
    frames: dict[str, pd.DataFrame]
    uncached: dict[str, list[tuple[int, int]]] | None = None


class _SheetsOnce:
    """A calamine workbook that loads each sheet once: calamine parses a whole sheet to
    give any row of it, so the rows ``detect`` looked at are not parsed again by the read."""

    def __init__(self, book) -> None:
        self._book = book
        self._sheets: dict = {}

    def get_sheet_by_name(self, name: str):
        if name not in self._sheets:
            self._sheets[name] = self._book.get_sheet_by_name(name)
        return self._sheets[name]

    def __getattr__(self, attr: str):
        return getattr(self._book, attr)


@lru_cache(maxsize=2)
def _open_book(key: tuple[str, int, int]) -> _Book:
    """The workbook, opened once per (path, mtime, size): recognising a file (sheet names,
    first rows) and then reading it, by one reader or two, never opens it again."""
    source: str | io.BytesIO = key[0]
    if _SUFFIX_KIND.get(Path(key[0]).suffix.lower()) != _kind(key):
        # calamine tells a workbook by its extension when given a path, by its content when
        # given the bytes: a workbook under another name is opened from its bytes
        source = io.BytesIO(Path(key[0]).read_bytes())
    excel = pd.ExcelFile(source, engine="calamine")
    reader = getattr(excel, "_reader", None)  # pandas' calamine reader: share its sheets
    if reader is not None and hasattr(reader, "book"):
        reader.book = _SheetsOnce(reader.book)
    return _Book(excel, {})


def _workbook(
    key: tuple[str, int, int], sheets: list[str] | None = None
) -> dict[str, pd.DataFrame]:
    """Sheets of a workbook (every sheet when ``sheets`` is None), each parsed once and
    cached with the open workbook. Callers must not modify the frames.

    Only empty cells are missing: text such as ``n/a`` or ``NA`` stays text (pandas would
    otherwise turn it into a plain NaN, losing the marker). A formula cell saved without
    its calculated value reads as :data:`NO_CACHED_VALUE`, never as an empty cell.
    """
    book = _open_book(key)
    names = list(book.excel.sheet_names) if sheets is None else list(sheets)
    missing = [n for n in names if n not in book.frames]
    if missing:
        parsed = pd.read_excel(
            book.excel, sheet_name=missing, header=None, keep_default_na=False, na_values=[""]
        )
        if book.uncached is None:
            book.uncached = uncached_formulas(key[0])
        for sheet, frame in parsed.items():
            cells = book.uncached.get(sheet)
            book.frames[sheet] = _mark_uncached(frame, cells, key[0], sheet) if cells else frame
    return {n: book.frames[n] for n in names}


def _mark_uncached(frame: pd.DataFrame, cells, file: str, sheet: str) -> pd.DataFrame:
    rows = max(r for r, _ in cells) + 1
    cols = max(c for _, c in cells) + 1
    if rows > frame.shape[0] or cols > frame.shape[1]:
        frame = frame.reindex(
            index=range(max(rows, frame.shape[0])), columns=range(max(cols, frame.shape[1]))
        )
    frame = frame.astype(object)
    for r, c in cells:
        if pd.isna(frame.iat[r, c]):
            frame.iat[r, c] = NO_CACHED_VALUE
    log.warning(
        "%s sheet %s: %d formula cell(s) saved without a value, kept as %s",
        Path(file).name,
        sheet,
        len(cells),
        NO_CACHED_VALUE,
    )
    return frame


_XLSX_FORMULA_NO_VALUE = re.compile(
    r'<c r="([A-Z]+)(\d+)"[^>]*>\s*(?:<f[^>]*/>|<f[^>]*>[^<]*</f>)\s*(?:<v\s*/>|<v>\s*</v>)?\s*</c>'
)


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def uncached_formulas(path: str | Path) -> dict[str, list[tuple[int, int]]]:
    """(row, column) 0-based of formula cells that carry no calculated value, per sheet.

    Spreadsheet programs save a formula's last result beside it; files written by
    scripts often do not, and every reader then sees an empty cell. Checked for
    ``.xlsx``/``.xlsm`` (``<f>`` without ``<v>``); ``.xls`` always stores the result.
    """
    p = Path(path)
    if file_kind(p) != "xlsx":
        return {}
    import zipfile

    out: dict[str, list[tuple[int, int]]] = {}
    with zipfile.ZipFile(p) as z:
        try:
            wb = z.read("xl/workbook.xml").decode("utf-8", "replace")
            rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
        except KeyError:
            return {}
        targets = {
            m.group(1): m.group(2)
            for m in re.finditer(r'<Relationship [^>]*?Id="([^"]+)"[^>]*?Target="([^"]+)"', rels)
        }
        targets.update(
            {
                m.group(2): m.group(1)
                for m in re.finditer(
                    r'<Relationship [^>]*?Target="([^"]+)"[^>]*?Id="([^"]+)"', rels
                )
            }
        )
        for m in re.finditer(r'<sheet [^>]*?name="([^"]+)"[^>]*?r:id="([^"]+)"', wb):
            target = targets.get(m.group(2))
            if not target:
                continue
            member = target.lstrip("/") if target.startswith("/") else "xl/" + target
            try:
                xml = z.read(member).decode("utf-8", "replace")
            except KeyError:
                continue
            if "<f" not in xml:
                continue
            cells = [
                (int(c.group(2)) - 1, _col_index(c.group(1)))
                for c in _XLSX_FORMULA_NO_VALUE.finditer(xml)
            ]
            if cells:
                name = m.group(1).replace("&amp;", "&").replace("&apos;", "'")
                out[name] = cells
    return out


def close_workbooks() -> None:
    """Forget the open workbooks and their parsed sheets (frees their memory)."""
    _open_book.cache_clear()


def workbook(path: str | Path):
    """The opened python-calamine workbook (``sheet_names``, ``get_sheet_by_name``), cached
    by (path, mtime, size) and shared with :func:`read_sheets`: every reader's ``detect``
    and the ``read`` that follows share one open (an .ods is parsed when opened), and each
    sheet is loaded once.

    Raises:
        SourceError: the file cannot be opened as a spreadsheet.
    """
    p = check_readable(path)
    try:
        return _open_book(_file_key(p)).excel.book
    except Exception as exc:  # calamine raises its own error types
        raise SourceError(f"cannot be opened as a spreadsheet ({exc})", file=p) from exc


def sheet_names(path: str | Path) -> list[str]:
    """Sheet names of a spreadsheet (read once per file)."""
    return [str(n) for n in workbook(path).sheet_names]


#: the same as :func:`workbook` (the name some readers use)
calamine_workbook = workbook


def sheet_names_or_none(path: str | Path) -> list[str] | None:
    """Sheet names, or None when the file cannot be opened as a spreadsheet (for ``detect``)."""
    try:
        return sheet_names(path)
    except SourceError:
        return None


def sheet_head(path: str | Path, sheet: str, nrows: int = 20) -> pd.DataFrame:
    """The first ``nrows`` rows of one sheet, no header, blanks missing: a cheap signature
    for ``detect`` (the rest of the sheet is not parsed)."""
    book = workbook(path)
    try:
        rows = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False, nrows=nrows)
    except Exception as exc:
        raise SourceError(
            f"cannot be read as a spreadsheet ({exc})", file=path, sheet=sheet
        ) from exc
    return pd.DataFrame(rows, dtype=object).replace("", np.nan) if rows else pd.DataFrame()


def read_sheets(path: str | Path, sheets: list[str] | None = None) -> dict[str, pd.DataFrame]:
    """Read sheets with no header, every cell as published (numbers stay numbers).

    Uses the calamine engine, which reads .xlsx, .xls and .ods alike and fast. Only the
    sheets asked for are parsed (all when ``sheets`` is None), each once per file.
    """
    p = check_readable(path)
    try:
        return _workbook(_file_key(p), sheets)
    except Exception as exc:
        raise SourceError(f"cannot be read as a spreadsheet ({exc})", file=p) from exc


def _text_encoding(p: Path, raw: bytes) -> str:
    """'utf-8-sig' or 'cp1252'; UTF-16 and binary files are errors (they would misread)."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in raw[:4096]:
        kind = (
            "UTF-16" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or raw[1:2] == b"\x00" else "binary"
        )
        raise SourceError(
            f"is {kind}, not UTF-8 text (Excel's 'Unicode text' saves UTF-16): "
            "save it as 'CSV UTF-8 (comma delimited)'",
            file=p,
            row=1,
        )
    try:
        raw.decode("utf-8-sig")
        return "utf-8-sig"
    except UnicodeDecodeError:
        return "cp1252"


_DELIMITERS = {";": "semicolons", "\t": "tabs", "|": "vertical bars"}


def _check_header_line(p: Path, line: str) -> None:
    import csv

    fields = next(csv.reader([line])) if line.strip() else []
    if len(fields) == 1:
        for d, name in _DELIMITERS.items():
            if line.count(d) >= 2:
                raise SourceError(
                    f"fields are separated by {name}, not commas: save it as comma-separated CSV",
                    file=p,
                    row=1,
                )


def read_text_table(path: str | Path, **kwargs) -> pd.DataFrame:
    """Read a CSV as published: every cell text, blanks kept as '', BOM removed.

    Reads UTF-8 (with or without BOM) and falls back to Windows-1252, which is what
    Excel writes on Windows; the encoding used is logged. Errors, each naming the file
    and row: UTF-16 or binary content, fields separated by something other than commas,
    a row with more or fewer fields than the header, and a last line with no line ending
    (the file was cut short mid-row).
    """
    p = check_readable(path)
    raw = p.read_bytes()
    encoding = _text_encoding(p, raw)
    if encoding != "utf-8-sig":
        log.warning("%s is not UTF-8; read as Windows-1252", p.name)
    first = raw.split(b"\n", 1)[0].decode(encoding, "replace")
    if not first.strip():
        raise SourceError("the first line is blank: the header must be on line 1", file=p, row=1)
    _check_header_line(p, first)
    n_lines = raw.count(b"\n") + (0 if raw.endswith(b"\n") else 1)
    if not raw.endswith(b"\n"):
        raise SourceError(
            "the last line has no line ending: the file looks cut short in the middle of a row",
            file=p,
            row=n_lines,
        )
    try:
        frame = pd.read_csv(
            p,
            dtype=str,
            keep_default_na=False,
            encoding=encoding,
            on_bad_lines="error",
            skip_blank_lines=False,
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
    # pandas pads short rows with blanks; count every row's fields against the header's.
    # A short or blank row ends in a blank cell once padded: with none, there is none to find.
    if len(frame.columns) > 1 and not (frame[frame.columns[-1]] == "").any():
        return frame
    import csv
    import io

    skiprows = kwargs.get("skiprows")
    skip = skiprows if isinstance(skiprows, int) else 0
    reader = csv.reader(io.StringIO(raw.decode(encoding)))
    for _ in range(skip):
        next(reader, None)
    width = len(next(reader, []))
    first_short = None  # short rows are allowed only as a block of notes below the table
    for line, fields in enumerate(reader, start=2 + skip):
        if len(fields) != width:
            if first_short is None:
                first_short = (line, fields)
        elif first_short is not None:
            at, short = first_short
            problem = (
                "is a blank line inside the table"
                if not short
                else f"has {len(short)} field(s) where the header has {width}"
            )
            raise SourceError(f"{problem}: the file is damaged or cut short", file=p, row=at)
    return frame


def text_header(path: str | Path) -> list[str]:
    """The header fields of a CSV, BOM and quotes removed, without reading the body.

    Raises:
        SourceError: the file is empty, UTF-16 or binary, its first line is blank while
            later lines are not, or its fields are separated by ';', tabs or '|'.
    """
    p = check_readable(path)
    with open(p, "rb") as fh:
        head = fh.read(1 << 16)
    encoding = _text_encoding(p, head)
    lines = head.split(b"\n")
    line = lines[0].decode(encoding, "replace")
    if not line.strip():
        later = next((k for k, x in enumerate(lines[1:20], start=2) if x.strip()), None)
        if later is not None:
            raise SourceError(
                f"the first line is blank and the text starts on line {later}: "
                "the header must be on line 1",
                file=p,
                row=1,
            )
        return []
    _check_header_line(p, line)
    import csv

    return [f.strip().lstrip("\ufeff") for f in next(csv.reader([line]))]


def has_columns(columns, required: set[str], *, layout: str, file) -> bool:
    """True when every ``required`` column is present; an error when all but one are.

    Used by ``detect``: a file with most of a layout's signature columns is that layout
    with a column deleted or renamed, never "a file no reader knows".

    Raises:
        LayoutNearMiss: one signature column is missing (the message names it).
    """
    have = {str(c).strip() for c in columns}
    missing = sorted(required - have)
    if not missing:
        return True
    if len(required) >= 3 and len(missing) == 1:
        close = [
            c
            for c in have
            if c.lower().replace("_", "").replace(" ", "")
            == missing[0].lower().replace("_", "").replace(" ", "")
        ]
        hint = f"; found {close[0]!r}, which looks renamed" if close else ""
        raise LayoutNearMiss(
            f"looks like layout {layout} but its required column is missing (deleted or "
            f"renamed){hint}",
            file=file,
            column=missing[0],
            row=1,
        )
    return False


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
