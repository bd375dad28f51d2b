"""ONS Annual Survey of Hours and Earnings (ASHE): pay by local authority, Tables 7 and 8.

Layout (``ons-ashe-geography-table``), recognised by content, never by file name: a
workbook (``.xls`` up to 2020, the same table as ``.xlsx`` since) with a ``Notes`` sheet
and one sheet per group of jobs, each titled like ``Table 8.7a   Annual pay - Gross (£) -
For male full-time employee jobs: United Kingdom, 2020``. The group (all, male, female x
all, full-time, part-time) is read from that title, not from the sheet's name. Under the
title a three-row header ends in ``Description``, ``Code``, ``(thousand)`` (number of jobs),
``Median``, annual % change, ``Mean``, annual % change and the percentiles 10 ... 90.

- **Suppression**: ``x`` (coefficient of variation over 20%: unreliable), ``..``
  (disclosive), ``:`` (not applicable) and ``-`` (nil or negligible) stand in place of a
  number. Each becomes a missing value with ``suppressed`` and its ``marker``.
- **Quality**: ONS colours each estimate by its coefficient of variation (CV) and puts the
  key beside the table (``CV <= 5%`` precise, ``CV > 5% and <= 10%`` reasonably precise,
  ``CV > 10% and <= 20%`` acceptable). The key's own cells carry the colours, so each
  estimate's colour is matched against the key of the same sheet and kept as ``quality``
  (missing where the file carries no colours, e.g. a copy re-saved as CSV or .ods). Table
  8.7a carries no CV figures (those are Table 8.7b, a workbook of their own), so the colour
  is the only grade in the file. Each distinct fill is worked out once per workbook and each
  cell looked up by its format index (in .xls, xlrd's XF table), never cell by cell.
- **Codes**: the 2015 tables give no code for the UK, England and the regions; England
  and the regions are coded from their names. Councils are on the boundaries of the
  year (Bournemouth, Poole and Dorset county to 2018; Northamptonshire to 2019; Cumbria,
  North Yorkshire and Somerset as counties throughout). A median cannot be added up or
  split, so ``la_code`` stays the code published; ``la_code_current`` names the council of
  today that covers the same area where there is one, and ``boundary_note`` says why
  there is none (see :func:`msp_analysis.geography.same_area_current`).
- **Provisional**: ONS publishes each year's tables first as provisional (file name
  ``PROV - ...``) and revises them a year later; ``provisional`` is True for a file whose
  name or title says so.

Kept areas: England, regions, upper-tier councils and the districts that today's
councils are made of (as :mod:`msp_analysis.sources.population` keeps them). Scotland,
Wales, Northern Ireland, the UK totals, metropolitan counties, other districts and
``Not Classified`` are dropped (logged). ASHE "by home" is where employees live: use it for
the local labour market a care employer competes in, not as care workers' own pay.
"""

from __future__ import annotations

import logging
import re
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from msp_analysis import geography
from msp_analysis.errors import SourceError, UnknownLayoutError
from msp_analysis.sources import _parsing as P

log = logging.getLogger(__name__)

SOURCE = "ONS Annual Survey of Hours and Earnings"
TABLE = "ashe_pay"
LAYOUT = "ons-ashe-geography-table"

LAYOUTS: dict[str, str] = {
    LAYOUT: "ONS ASHE Table 7.x/8.x by local authority (.xls to 2020, .xlsx since): sheets All, "
    "Male, Female, Full-Time, Part-Time, Male Full-Time, ...; title 'Table 8.7a  Annual pay - "
    "Gross (£) - For ... employee jobs: United Kingdom, YYYY'; header Description, Code, number "
    "of jobs (thousand), Median, % change, Mean, % change, percentiles 10..90; 2015 onwards",
}

_TITLE = re.compile(
    r"^\s*Table\s+(?P<ref>[78]\.\d+)(?P<kind>[ab])\s+(?P<pay>.+?)\s*(?:\((?P<unit>[^)]*)\))?\s*-\s*"
    r"For\s+(?P<group>.*?)\s*employee\s+jobs\w?\s*:\s*(?P<area>.+?),?\s+(?P<year>(?:19|20)\d{2})\s*$",
    re.I | re.S,
)
_SEX = {"": "All", "all": "All", "male": "Male", "female": "Female"}
_PATTERN = {"": "All", "full-time": "Full-time", "part-time": "Part-time"}
_GSS = re.compile(r"^E\d{8}$")

#: the pay a table measures (from its title) -> unit of its estimates
_UNITS = (
    (re.compile(r"annual pay", re.I), "£ a year"),
    (re.compile(r"weekly pay", re.I), "£ a week"),
    (re.compile(r"hourly pay", re.I), "£ an hour"),
    (re.compile(r"hours", re.I), "hours a week"),
)
#: the ASHE quality key (text of a key cell -> quality class)
_KEY = (
    (re.compile(r"^\s*CV\s*<=?\s*5\s*%", re.I), "precise (CV up to 5%)"),
    (re.compile(r"^\s*CV\s*>\s*5\s*%\s*and\s*<=?\s*10\s*%", re.I), "reasonably precise (CV 5-10%)"),
    (re.compile(r"^\s*CV\s*>\s*10\s*%\s*and\s*<=?\s*20\s*%", re.I), "acceptable (CV 10-20%)"),
)
UNRELIABLE = "unreliable (CV over 20%): not published"
_MARKER_QUALITY = {
    "x": UNRELIABLE,
    "..": "disclosive: not published",
    ":": "not applicable",
    "-": "nil or negligible",
}

TIDY_COLUMNS = [
    "la_code",
    "area_type",
    "la_name",
    "region_code",
    "la_code_current",
    "boundary_note",
    "year",
    "year_label",
    "provisional",
    "table_ref",
    "pay",
    "geography_basis",
    "sex",
    "working_pattern",
    "statistic",
    "percentile",
    "value",
    "unit",
    "suppressed",
    "marker",
    "quality",
    "source",
    "source_file",
    "source_sheet",
    "source_row",
    "source_column",
]


# ---------------------------------------------------------------- detection ------------


def _title_of(head: pd.DataFrame) -> str | None:
    if head.empty:
        return None
    for v in head.iloc[:4, 0]:
        if isinstance(v, str) and re.match(r"\s*Table\s+[78]\.\d+[ab]\b", v, re.I):
            return v
    return None


def _header_row(frame: pd.DataFrame, max_rows: int = 12) -> int | None:
    """0-based row whose first two cells are 'Description' and 'Code'."""
    for i in range(min(max_rows, len(frame))):
        a, b = (frame.iat[i, 0], frame.iat[i, 1]) if frame.shape[1] > 1 else (None, None)
        if str(a).strip().lower() == "description" and str(b).strip().lower() == "code":
            return i
    return None


def detect(path: str | Path) -> str | None:
    """The ASHE layout when a sheet has an ASHE estimates title over a Description/Code
    header; None otherwise (a coefficient-of-variation table, ``... b``, is not estimates)."""
    p = Path(path)
    if not P.is_spreadsheet(p):
        return None
    for name in P.sheet_names_or_none(p) or []:
        if name.strip().lower() == "notes":
            continue
        try:
            head = P.sheet_head(p, name, 8)
        except SourceError:
            return None
        title = _title_of(head)
        if title is None:
            return None  # every ASHE data sheet starts with its title: this is not ASHE
        m = _TITLE.match(title)
        if m and m.group("kind").lower() == "a" and _header_row(head) is not None:
            return LAYOUT
        return None
    return None


# ---------------------------------------------------------------- reading --------------


def read(path: str | Path) -> pd.DataFrame:
    """Every data sheet of the workbook as published: one row a published cell.

    Columns: ``sheet``, ``title``, ``source_row`` and ``source_column`` (1-based),
    ``description``, ``code``, ``header`` (the column's header rows joined), ``cell`` (as
    published) and ``fill`` (the quality class read from the cell's colour, or missing).

    Raises:
        SourceError: a data sheet without its title or header row, or a title that does
            not say which jobs and which year it covers.
    """
    p = P.check_readable(path)
    if detect(p) is None:
        raise UnknownLayoutError(
            "this file is not an ASHE table this reader knows", LAYOUTS, file=p
        )
    names = [n for n in P.sheet_names(p) if n.strip().lower() != "notes"]
    sheets = P.read_sheets(p, names)
    fills = _quality_by_colour(p, names)
    frames = []
    for name in names:
        frame = sheets[name]
        if frame.empty or frame.dropna(how="all").empty:
            continue
        title = _title_of(frame)
        hdr = _header_row(frame)
        if title is None or hdr is None:
            raise SourceError(
                "this sheet has no ASHE title ('Table 8.7a ...') or no header row starting "
                "'Description', 'Code' in its first rows",
                file=p,
                sheet=name,
                column="A",
            )
        header = _column_headers(frame, hdr)
        body = frame.iloc[hdr + 1 :]
        desc = body.iloc[:, 0]
        body = body[desc.notna() & ~desc.astype(str).str.match(r"^\s*$")]
        cols = [j for j in header if j >= 2]
        n_rows, n_cols = len(body), len(cols)
        rows_1 = body.index.to_numpy() + 1
        cell = body.iloc[:, cols].to_numpy(dtype=object).ravel()
        r_rep = np.repeat(rows_1, n_cols)
        c_rep = np.tile(np.array(cols) + 1, n_rows)
        frames.append(
            pd.DataFrame(
                {
                    "sheet": name,
                    "title": title.strip(),
                    "source_row": r_rep,
                    "source_column": c_rep,
                    "description": np.repeat(desc.loc[body.index].astype(str).to_numpy(), n_cols),
                    "code": np.repeat(
                        P.area_codes(
                            body.iloc[:, 1],
                            file=p.name,
                            sheet=name,
                            column="Code",
                            rows=pd.Series(rows_1, index=body.index),
                        )
                        .map(lambda v: "" if pd.isna(v) else str(v).strip())
                        .to_numpy(),
                        n_cols,
                    ),
                    "header": np.tile(np.array([header[j] for j in cols], dtype=object), n_rows),
                    "cell": cell,
                    "fill": pd.array(_at(fills.get(name), r_rep, c_rep), dtype="string"),
                }
            )
        )
    if not frames:
        raise SourceError("no sheet holds an ASHE table", file=p)
    raw = pd.concat(frames, ignore_index=True)
    raw.attrs.update(source_file=p.name, layout=LAYOUT)
    return raw


def _column_headers(frame: pd.DataFrame, hdr: int) -> dict[int, str]:
    """Column index -> its header, the header row and the two rows above joined
    ('Number of jobsb (thousand)', 'Annual percentage change', '10', 'Median')."""
    out: dict[int, str] = {}
    top = max(0, hdr - 2)
    for j in range(frame.shape[1]):
        parts = []
        for i in range(top, hdr + 1):
            v = frame.iat[i, j]
            if isinstance(v, float) and v.is_integer():
                v = int(v)
            text = P.tidy_label(v)
            if text and not (i < hdr and text.lower() == "percentiles"):
                parts.append(text)
        if parts:
            out[j] = " ".join(parts)
    return out


# ---------------------------------------------------------------- quality colours -------


def _quality_by_colour(p: Path, sheets: list[str]) -> dict[str, np.ndarray]:
    """Sheet -> the quality class of each cell (an array of rows x columns from A1; None
    where the cell's fill matches no key cell's fill in the same sheet). Empty where the file
    carries no colours or no key."""
    kind = P.file_kind(p)  # by content: a workbook saved under another name is read too
    if kind not in ("xls", "xlsx"):
        return {}
    try:
        fills = _xls_fills(p, sheets) if kind == "xls" else _xlsx_fills(p, sheets)
        out: dict[str, np.ndarray] = {}
        for sheet, (texts, ids, sigs) in fills.items():
            key: dict[tuple, str] = {}
            for (r, c), text in texts.items():
                fill = ids[r - 1, c - 1] if r <= ids.shape[0] and c <= ids.shape[1] else -1
                for pattern, quality in _KEY:
                    if pattern.match(text) and fill >= 0:
                        key.setdefault(sigs[fill], quality)
            if not key:
                log.warning(
                    "%s sheet %s: no quality key beside the table; quality not kept", p.name, sheet
                )
                continue
            # one quality per fill, then every cell's at once (-1, a cell with no fill: None)
            by_fill = np.array([key.get(sig) for sig in sigs] + [None], dtype=object)
            out[sheet] = by_fill[ids]
    except Exception as exc:  # colours are a help, never a reason to refuse the figures
        log.warning("%s: cell colours could not be read (%s); quality not kept", p.name, exc)
        return {}
    return out


def _at(grid: np.ndarray | None, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """The grid's values at 1-based (row, column) pairs; None outside it (or with no grid)."""
    found = np.full(len(rows), None, dtype=object)
    if grid is not None:
        inside = (rows <= grid.shape[0]) & (cols <= grid.shape[1])
        found[inside] = grid[rows[inside] - 1, cols[inside] - 1]
    return found


def _plain(sig: tuple) -> tuple:
    """A fill with no pattern and a solid white fill look the same on the page."""
    return (
        ("none",)
        if sig[0] in (0, None, "none") or sig in {(1, "FFFFFF"), ("solid", "FFFFFF")}
        else sig
    )


#: one sheet's colours: {(row, column) 1-based: text} of the cells that could be the key
#: ('CV ...'), each cell's fill as an index into the fills (rows x columns from A1, -1 for
#: a cell with no fill), and the fills (pattern, colour) by index
Fills = tuple[dict[tuple[int, int], str], np.ndarray, list[tuple]]


def _xls_fills(p: Path, sheets: list[str]) -> dict[str, Fills]:
    """The fills of an .xls workbook: one per XF record of the file (each cell names one),
    read once, so each cell costs an array lookup, not a format lookup of its own."""
    import xlrd

    book = xlrd.open_workbook(str(p), formatting_info=True, on_demand=True)
    try:
        colour = book.colour_map
        sigs = []
        for xf in book.xf_list:
            bg = xf.background
            rgb = colour.get(bg.pattern_colour_index)
            hexed = "".join(f"{v:02X}" for v in rgb) if rgb else str(bg.pattern_colour_index)
            sigs.append(_plain((bg.fill_pattern, hexed) if bg.fill_pattern else (0,)))
        out = {}
        for name in sheets:
            sh = book.sheet_by_name(name)
            texts = {
                (r + 1, c + 1): v
                for r in range(sh.nrows)
                for c, v in enumerate(sh.row_values(r))
                if isinstance(v, str) and "CV" in v
            }
            out[name] = (texts, _xf_grid(sh), sigs)
            book.unload_sheet(name)
        return out
    finally:
        book.release_resources()


def _xf_grid(sh) -> np.ndarray:
    """Each cell's XF index as xlrd's ``Sheet.cell_xf_index`` gives it (the cell's own, else
    its row's, else its column's, else 15, the default), for the whole sheet at once."""
    shape = (sh.nrows, sh.ncols)
    rows = getattr(sh, "_cell_xf_indexes", None)  # xlrd's own table (formatting_info=True)
    if rows is None or len(rows) != sh.nrows or any(len(r) != sh.ncols for r in rows):
        cells = [sh.cell_xf_index(r, c) for r in range(sh.nrows) for c in range(sh.ncols)]
        return np.array(cells, dtype=np.int64).reshape(shape)
    grid = np.array(rows, dtype=np.int64).reshape(shape)
    row_xf = np.array(
        [getattr(sh.rowinfo_map.get(r), "xf_index", -1) for r in range(sh.nrows)], dtype=np.int64
    )
    col_xf = np.array(
        [getattr(sh.colinfo_map.get(c), "xf_index", 15) for c in range(sh.ncols)], dtype=np.int64
    )
    col_xf[col_xf == -1] = 15
    fallback = np.where(row_xf[:, None] > -1, row_xf[:, None], col_xf[None, :])
    return np.where(grid > -1, grid, fallback)


def _xlsx_fills(p: Path, sheets: list[str]) -> dict[str, Fills]:
    import openpyxl

    book = openpyxl.load_workbook(p, read_only=True)
    try:
        out = {}
        for name in sheets:
            texts: dict[tuple[int, int], str] = {}
            cells: list[tuple[int, int, int]] = []
            index: dict[tuple, int] = {}
            for row in book[name].iter_rows():
                for cell in row:
                    f = getattr(cell, "fill", None)
                    if f is None:  # an empty cell of a read-only sheet
                        continue
                    kind = f.patternType or "none"
                    rgb = (
                        f.fgColor.rgb if isinstance(f.fgColor.rgb, str) else str(f.fgColor.indexed)
                    )
                    sig = _plain((kind, rgb[-6:].upper()) if kind != "none" else (0,))
                    cells.append((cell.row, cell.column, index.setdefault(sig, len(index))))
                    if isinstance(cell.value, str) and "CV" in cell.value:
                        texts[(cell.row, cell.column)] = cell.value
            shape = (
                max((r for r, _, _ in cells), default=0),
                max((c for _, c, _ in cells), default=0),
            )
            ids = np.full(shape, -1, dtype=np.int64)
            for r, c, i in cells:
                ids[r - 1, c - 1] = i
            out[name] = (texts, ids, list(index))
        return out
    finally:
        book.close()


# ---------------------------------------------------------------- cleaning -------------


def _statistic(header: str, previous: str | None) -> tuple[str, int | None] | None:
    h = header.lower()
    if "number of jobs" in h or h.startswith("(thousand)"):
        return "jobs", None
    if h == "median":
        return "median", 50
    if h == "mean":
        return "mean", None
    if "change" in h and previous in {"median", "mean"}:
        return f"{previous}_change", None
    m = re.fullmatch(r"(\d{1,2})(?:th)?(?: percentile)?", h)
    if m and 0 < int(m.group(1)) < 100:
        return f"p{int(m.group(1))}", int(m.group(1))
    return None


def _area_code(code: str, name: str) -> str | None:
    """The published code; for the 2015 tables' uncoded England and region rows, their code."""
    if code:
        return code
    n = re.sub(r"\s+", " ", name).strip().lower()
    if n == "england":
        return geography.ENGLAND_CODE
    regions = {v.lower(): k for k, v in geography.REGIONS.items()}
    regions["east"] = "E12000006"
    return regions.get(n)


def clean(raw: pd.DataFrame) -> pd.DataFrame:
    """Tidy ASHE pay: area x year x group of jobs x statistic (jobs, median, mean, the
    percentiles and the annual % changes), with quality, suppression and provenance."""
    file = raw.attrs.get("source_file", "")
    P.require_columns(raw, ["sheet", "title", "header", "cell", "code", "description"], file=file)
    provisional_file = bool(re.search(r"(^|[^a-z])prov(isional)?([^a-z]|$)", file, re.I))
    # each sheet: its title says the table, the jobs and the year
    meta = {}
    for sheet, title in raw.drop_duplicates("sheet")[["sheet", "title"]].itertuples(index=False):
        m = _TITLE.match(title)
        group = (m.group("group") if m else "").lower().split()
        sex = next((_SEX[w] for w in group if w in _SEX), "All")
        pattern = next((_PATTERN[w] for w in group if w in _PATTERN), "All")
        unknown = [w for w in group if w not in _SEX and w not in _PATTERN]
        unit = next((u for rx, u in _UNITS if m and rx.search(m.group("pay"))), None)
        if m is None or unknown or unit is None:
            raise SourceError(
                f"the title {title!r} does not say which table, jobs, pay and year it covers "
                "(expected e.g. 'Table 8.7a Annual pay - Gross (£) - For male full-time employee "
                "jobs: United Kingdom, 2020')",
                file=file,
                sheet=sheet,
                column="A",
                row=1,
            )
        meta[sheet] = {
            "table_ref": m.group("ref") + m.group("kind").lower(),
            "pay": re.sub(r"\s+", " ", m.group("pay")).strip(" -"),
            "geography_basis": "home" if m.group("ref").startswith("8") else "workplace",
            "sex": sex,
            "working_pattern": pattern,
            "year": int(m.group("year")),
            "unit": unit,
            "provisional": provisional_file or "provisional" in title.lower(),
        }
    years = {v["year"] for v in meta.values()}
    if len(years) > 1:
        sheet = next(s for s, v in meta.items() if v["year"] != min(years))
        raise SourceError(
            f"the sheets' titles give different years ({', '.join(map(str, sorted(years)))})",
            file=file,
            sheet=sheet,
            column="A",
            row=1,
        )
    groups = {(v["sex"], v["working_pattern"]) for v in meta.values()}
    if len(groups) < len(meta):
        seen: dict[tuple[str, str], str] = {}
        for s, v in meta.items():
            g = (str(v["sex"]), str(v["working_pattern"]))
            if g in seen:
                raise SourceError(
                    f"sheets {seen[g]!r} and {s!r} both hold {g[0].lower()} "
                    f"{g[1].lower()} jobs (the title of one of them is wrong)",
                    file=file,
                    sheet=s,
                    column="A",
                    row=1,
                )
            seen[g] = s

    # each column: its statistic (by header, in order: a change follows its median / mean)
    stats: dict[tuple[str, int], tuple[str, int | None]] = {}
    for sheet, cols in raw.drop_duplicates(["sheet", "source_column"]).groupby("sheet", sort=False):
        previous = None
        for col, header in sorted(zip(cols["source_column"], cols["header"])):
            s = _statistic(str(header), previous)
            if s is None:
                raise SourceError(
                    f"column header {header!r} is not a number of jobs, median, mean, annual "
                    "change or percentile",
                    file=file,
                    sheet=sheet,
                    column=str(header),
                )
            stats[(sheet, col)] = s
            previous = s[0]
        found = {stats[(sheet, c)][0] for c in cols["source_column"]}
        for need in ("jobs", "median", "mean"):
            if need not in found:
                raise SourceError(
                    f"no {need} column", file=file, sheet=sheet, column=need.capitalize()
                )
    dup = pd.Series(list(stats.items())).map(lambda kv: (kv[0][0], kv[1][0])).duplicated()
    if dup.any():
        (sheet, col), (stat, _) = list(stats.items())[int(dup[dup].index[0])]
        raise SourceError(
            f"two columns hold the {stat} statistic", file=file, sheet=sheet, column=str(col)
        )

    # areas: the codes published, England and regions named in the 2015 tables
    published = raw["code"].astype("string")
    uncoded = published.fillna("").eq("")
    named = {d: _area_code("", d) for d in raw.loc[uncoded, "description"].unique()}
    codes = published.mask(uncoded, raw["description"].map(named)).astype("string")
    area = _area_types(codes)
    keep = area.isin(["england", "region", "council", "district"]).to_numpy().copy()
    dropped = raw.loc[~keep, "description"].nunique()
    bad = (
        codes.str.match(r"^E\d{8}$").fillna(False)
        & area.eq("council")
        & ~codes.isin(geography.known_codes())
    )
    if bad.any():
        i = bad[bad].index[0]
        raise SourceError(
            f"area code {codes[i]!r} ({raw.loc[i, 'description'].strip()}) is not a council this "
            "tool knows",
            file=file,
            sheet=raw.loc[i, "sheet"],
            column="Code",
            row=int(raw.loc[i, "source_row"]),
        )
    # ONS left the annual changes blank from 2018 on: not published, so no row (never a zero)
    blank = raw["cell"].isna() | raw["cell"].astype(str).str.strip().eq("")
    changes = raw["header"].astype(str).str.lower().str.contains("change")
    keep &= ~(blank & changes).to_numpy()
    raw, codes, area = raw[keep], codes[keep], area[keep]
    col_stat = [stats[(s, c)] for s, c in zip(raw["sheet"], raw["source_column"])]
    statistic = pd.Series([s for s, _ in col_stat], index=raw.index, dtype="string")
    percentile = pd.array([p for _, p in col_stat], dtype="Int64")
    sheet_meta = pd.DataFrame.from_dict(meta, orient="index")
    m = sheet_meta.loc[raw["sheet"]].set_index(raw.index)
    parsed = P.parse_numbers(
        raw["cell"], file=file, column=raw["header"], rows=raw["source_row"], sheet=raw["sheet"]
    )
    is_change = statistic.str.endswith("_change")
    unit = (
        m["unit"]
        .where(~is_change, "% change on a year")
        .where(statistic != "jobs", "thousand jobs")
    )
    marker = parsed.marker
    quality = raw["fill"].where(~parsed.suppressed, marker.str.strip().map(_MARKER_QUALITY))
    quality = quality.where(~is_change)  # ONS's colours grade the levels, not the changes
    current = {c: _same_area_current(c) for c in codes.unique()}
    out = pd.DataFrame(
        {
            "la_code": codes,
            "area_type": area,
            "la_name": raw["description"].str.strip().str.replace(r"\s+", " ", regex=True),
            "region_code": codes.map(
                {
                    c: geography.region_of(c) or (c if c in geography.REGIONS else None)
                    for c in current
                }
            ).astype("string"),
            "la_code_current": codes.map({c: v[0] for c, v in current.items()}).astype("string"),
            "boundary_note": codes.map({c: v[1] for c, v in current.items()}).astype("string"),
            "year": m["year"].astype("Int64"),
            "provisional": m["provisional"].astype(bool),
            "table_ref": m["table_ref"].astype("string"),
            "pay": m["pay"].astype("string"),
            "geography_basis": m["geography_basis"].astype("string"),
            "sex": m["sex"].astype("string"),
            "working_pattern": m["working_pattern"].astype("string"),
            "statistic": statistic,
            "percentile": percentile,
            "value": parsed.value,
            "unit": unit.astype("string"),
            "suppressed": parsed.suppressed,
            "marker": marker,
            "quality": quality.astype("string"),
            "source": SOURCE,
            "source_file": file,
            "source_sheet": raw["sheet"].astype("string"),
            "source_row": raw["source_row"].astype("int64"),
            "source_column": raw["source_column"].astype("int64"),
        }
    )
    out["year_label"] = out["year"].astype("string")
    out = out[TIDY_COLUMNS].reset_index(drop=True)
    log.info(
        "%s: %d ASHE rows for %d areas (%d areas outside England's councils dropped), "
        "%d suppressed",
        file,
        len(out),
        out["la_code"].nunique(),
        dropped,
        int(out["suppressed"].sum()),
    )
    return out


@cache
def _same_area_current(code: str) -> tuple[str | None, str | None]:
    """:func:`geography.same_area_current`, once a process for each code (six files a build
    ask it of the same 450 codes; each answer filters the boundary tables)."""
    return geography.same_area_current(code)


def _area_types(codes: pd.Series) -> pd.Series:
    """'england', 'region', 'council', 'district' (a part of a council created since 2019)
    or 'other' (dropped: Wales, Scotland, NI, UK totals, metropolitan counties, districts)."""
    area = geography.area_type(codes.fillna(""))
    part = codes.isin(geography.part_district_codes()).fillna(False)
    return area.where(~part, "district").astype("string")


__all__ = ["LAYOUTS", "TABLE", "clean", "detect", "read"]
