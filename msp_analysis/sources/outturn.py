"""MHCLG (formerly DCLG) local authority revenue outturn: RS, RSX and RO3, by council.

This is the council's statutory outturn (the "RO" returns), not ASC-FR: money in
£ thousands as published. Layouts this reader knows (see :data:`LAYOUTS`):

- ``mhclg-rs``: Revenue Outturn Summary, 2011-12 on (``.xls`` to 2014-15, ``.xlsx``
  2017-18): sheets ``RS LA Data <year> (1)``, ``(2)`` ...; the sheet whose title row says
  "Net current expenditure" is read; header row (``E-code`` in column A) on row 6 or 7;
  one column per service (``Adult Social Care`` its own column), ``Class``; an ONS code
  column from 2014-15 (before that, the E-code is matched through
  ``data/old_council_codes.csv``).
- ``mhclg-rsx``: Revenue Outturn Service Expenditure Summary: one sheet ``RSX_LA_Data_<year>``;
  per service the columns C1-C7 (employees, running expenses, total expenditure, sales
  fees and charges, other income, total income, net current expenditure). The header is
  either a single row (``Adult Social Care - Total Expenditure (C3 = C1 + C2)``) or, as in
  2022-23 and 2023-24, hidden rows of variable codes (``RSX-asc-tot-exp``) and cell
  references (``C3R360``) above it.
- ``mhclg-ro3``: Social Care and Public Health (RO3): as RSX, with a service-group row
  above the column names; adult social care by primary support reason and age
  (18-64 / 65+), C1-C7. Only the adult social care columns are kept.

Each file holds one row per local authority of every kind (districts, police, fire,
parks ...). Rows kept: the 153 councils with adult social care responsibilities, the
predecessor councils of older years, and the published England row (``ENGLAND``, which
sums every authority; for adult social care, only councils spend). Reading stops at
the England row: the class-breakdown table below it is not per council. ``[x]`` (not
received in time) and ``n/a`` become missing values flagged ``suppressed`` with the
marker kept, never zero.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from msp_analysis import geography
from msp_analysis.errors import SourceError, UnknownLayoutError
from msp_analysis.sources import _parsing as P

log = logging.getLogger(__name__)

SOURCE = "MHCLG revenue outturn"
TABLE = "outturn"

LAYOUTS: dict[str, str] = {
    "mhclg-rs": "MHCLG/DCLG Revenue Outturn Summary (RS) by LA: sheets 'RS LA Data <year> (n)', "
    "E-code, [ONS Code], Local authority, Class, one column per service; 2011-12 onwards",
    "mhclg-rsx": "MHCLG Revenue Outturn Service Expenditure Summary (RSX) by LA: sheet "
    "'RSX_LA_Data_<year>', per service C1-C7, single- or multi-row header",
    "mhclg-ro3": "MHCLG Revenue Outturn Social Care and Public Health (RO3) by LA: sheet "
    "'RO3_LA_Data_<year>', adult social care by primary support reason and age, C1-C7",
}

_SHEET = {
    "mhclg-rs": re.compile(r"^RS\s*LA\s*Data(?![a-z])", re.I),
    "mhclg-rsx": re.compile(r"^RSX[\s_]*LA[\s_]*Data(?![a-z])", re.I),
    "mhclg-ro3": re.compile(r"^RO3[\s_]*LA[\s_]*Data(?![a-z])", re.I),
}
_FORM = {"mhclg-rs": "RS", "mhclg-rsx": "RSX", "mhclg-ro3": "RO3"}

#: The RO column numbers C1-C7 and what they hold.
COLUMNS_C: dict[int, str] = {
    1: "employees",
    2: "running_expenses",
    3: "total_expenditure",
    4: "sales_fees_and_charges",
    5: "other_income",
    6: "total_income",
    7: "net_current_expenditure",
}
_C_NAMES = (
    r"Employees|Running Expenses|Total Expenditure|Sales,? Fees and Charges|Other Income|"
    r"Total Income|Net Current Expenditure"
)
_C_IN_LABEL = re.compile(r"\(\s*C(\d)\b")
_CELL_REF = re.compile(r"^C(\d)R(\d+)$")
_SPLIT_SERVICE = re.compile(rf"^(.*?)\s*-?\s*({_C_NAMES})\b", re.I)
_ID_HEADERS = {
    "e-code",
    "ons code",
    "local authority",
    "notes",
    "class",
    "detailed class",
    "certified",
    "region",
}
_AGE = [
    (re.compile(r"\s*-\s*adults\s*\(18\s*[-\u2013]\s*64\)\s*$", re.I), "18 to 64"),
    (re.compile(r"\s*-\s*older people\s*\(65\+\)\s*$", re.I), "65 and over"),
]

#: Columns of the tidy ``outturn`` table, in order.
OUT_COLUMNS = [
    "la_code",
    "area_type",
    "la_name",
    "ecode",
    "year",
    "year_label",
    "form",
    "service",
    "line",
    "age_band",
    "measure",
    "value",
    "unit",
    "suppressed",
    "marker",
    "source",
    "source_file",
    "source_sheet",
    "source_row",
    "source_column",
]


@lru_cache(maxsize=1)
def old_codes() -> pd.DataFrame:
    """Old council codes (outturn E-codes, ASC-FR council numbers) -> ONS codes, with sources."""
    with resources.files("msp_analysis.data").joinpath("old_council_codes.csv").open("rb") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


def _ecode_lookup() -> dict[str, str]:
    lk = old_codes()
    lk = lk[lk["scheme"] == "outturn_ecode"]
    return dict(zip(lk["old_code"], lk["la_code"]))


@lru_cache(maxsize=1)
def _council_codes() -> frozenset[str]:
    c = geography.councils(status=None)
    return frozenset(c.loc[c["status"].isin(["current", "predecessor"]), "la_code"])


def _open(path: Path):
    """The opened workbook, shared with every other reader's detect (opened once per file)."""
    return P.workbook(path)


def detect(path: str | Path) -> str | None:
    """Which outturn layout the file is in, from its sheet names; None if not outturn."""
    p = Path(path)
    if not P.is_spreadsheet(p):
        return None
    try:
        names = [str(n).strip() for n in _open(P.check_readable(p)).sheet_names]
    except SourceError:
        return None
    for layout, pattern in _SHEET.items():
        if any(pattern.match(n) for n in names):
            return layout
    return None


def _rows(book, sheet: str) -> list[list]:
    return book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)


def _header_row(rows: list[list], *, file: str, sheet: str) -> int:
    for i, r in enumerate(rows[:20]):
        if r and str(r[0]).strip().lower() == "e-code":
            return i
    raise SourceError(
        "no header row: expected 'E-code' in column A within the first 20 rows",
        file=file,
        sheet=sheet,
    )


def _pick_rs_sheet(book, names: list[str], file: str) -> str:
    """The RS data sheet of net current expenditure (title row says so)."""
    candidates = [n for n in names if _SHEET["mhclg-rs"].match(n.strip())]
    for name in candidates:
        rows = _rows(book, name)[:6]
        text = " ".join(str(c) for r in rows for c in r[:3])
        if re.search(r"net current expenditure", text, re.I):
            return name
    raise SourceError(
        "no RS data sheet titled 'Net current expenditure' among "
        + ", ".join(repr(n) for n in candidates),
        file=file,
    )


def read(path: str | Path) -> pd.DataFrame:
    """The outturn data sheet as published: one row per cell kept, with its header labels.

    Only the one data sheet needed is parsed. Columns: ``source_row``, ``source_column``
    (1-based), ``ecode``, ``ons_code``, ``name``, ``header`` (column name), ``group``
    (service-group row above it, RO3), ``ref`` (cell reference such as ``C3R360``, where
    published), ``cell`` (as published).

    Raises:
        UnknownLayoutError: not an outturn file this reader knows.
        SourceError: no header row, or the England row is missing.
    """
    p = P.check_readable(path)
    layout = detect(p)
    if layout is None:
        raise UnknownLayoutError("this file is not a revenue outturn file", LAYOUTS, file=p)
    book = _open(p)
    names = [str(n) for n in book.sheet_names]
    if layout == "mhclg-rs":
        sheet = _pick_rs_sheet(book, names, p.name)
    else:
        sheet = next(n for n in names if _SHEET[layout].match(n.strip()))
    rows = _rows(book, sheet)
    h = _header_row(rows, file=p.name, sheet=sheet)
    width = max(len(r) for r in rows[: h + 1])
    rows = [list(r) + [""] * (width - len(r)) for r in rows]
    head = [P.tidy_label(c) or "" for c in rows[h]]
    low = [c.lower() for c in head]
    ons_col = low.index("ons code") if "ons code" in low else None
    name_col = low.index("local authority") if "local authority" in low else None
    if name_col is None:
        raise SourceError(
            "no 'Local authority' column in the header row", file=p.name, sheet=sheet, row=h + 1
        )
    last_id = max(j for j, c in enumerate(low) if c in _ID_HEADERS)
    # Rows above the header: a service-group row (RO3) and a cell-reference row (C3R360).
    ref_row = next(
        (
            r
            for r in range(max(0, h - 5), h)
            if any(_CELL_REF.match(str(c).strip()) for c in rows[r])
        ),
        None,
    )
    group_row = (
        h - 1 if h >= 1 and any(str(c).strip() for c in rows[h - 1][last_id + 1 :]) else None
    )
    if group_row is not None and group_row == ref_row:
        group_row = None
    groups = []
    current = ""
    for j in range(width):
        g = P.tidy_label(rows[group_row][j]) if group_row is not None else None
        if g and not re.fullmatch(r"[\d.]+", g) and not _CELL_REF.match(g):
            current = g
        groups.append(current if j > last_id else "")
    value_cols = [
        j
        for j in range(last_id + 1, width)
        if head[j] or (ref_row is not None and rows[ref_row][j])
    ]
    if layout == "mhclg-rs":  # money columns run to NET CURRENT EXPENDITURE; flags follow
        nce = [j for j in value_cols if re.match(r"net current expenditure", head[j], re.I)]
        if nce:
            value_cols = [j for j in value_cols if j <= nce[0]]
    quiet = [
        j
        for j in value_cols
        if P.carries_no_figures(head[j])
        or P.words_only(pd.Series([rows[i][j] for i in range(h + 1, min(len(rows), h + 60))]))
    ]
    P.note_no_figures(p.name, [head[j] or P.column_letter(j + 1) for j in quiet], sheet=sheet)
    value_cols = [j for j in value_cols if j not in quiet]
    # Data rows: down to the England row (the class breakdown below it is not per council).
    end = None
    for i in range(h + 1, len(rows)):
        r = rows[i]
        name = str(r[name_col]).strip().upper()
        ons = str(r[ons_col]).strip() if ons_col is not None else ""
        if name == "ENGLAND" or ons == geography.ENGLAND_CODE:
            end = i
            break
    england_published = end is not None
    if end is None:  # no England row: every row with an E-code; England is built in clean()
        end = len(rows) - 1
    data = [
        i
        for i in range(h + 1, end + 1)
        if str(rows[i][0]).strip() or (england_published and i == end)
    ]
    refs = [str(rows[ref_row][j]).strip() if ref_row is not None else "" for j in value_cols]
    if layout == "mhclg-ro3":  # only the adult social care block is needed
        cols = pd.DataFrame(
            {
                "source_column": [j + 1 for j in value_cols],
                "header": [head[j] for j in value_cols],
                "group": [groups[j] for j in value_cols],
                "ref": refs,
            }
        )
        keep = _is_asc_block(_service_and_measure(cols, layout)).to_numpy()
        value_cols = [c for c, k in zip(value_cols, keep) if k]
        refs = [r for r, k in zip(refs, keep) if k]
    # Build the long frame column-major with numpy (one row per published cell).
    n_r, n_c = len(data), len(value_cols)
    cells = np.empty((n_c, n_r), dtype=object)
    for a, i in enumerate(data):
        r = rows[i]
        for b, j in enumerate(value_cols):
            cells[b, a] = r[j]
    ecode = [str(rows[i][0]).strip() for i in data]
    ons_codes = [str(rows[i][ons_col]).strip() if ons_col is not None else "" for i in data]
    names = [str(rows[i][name_col]).strip() for i in data]
    raw = pd.DataFrame(
        {
            "source_row": np.tile(np.array(data, dtype="int64") + 1, n_c),
            "source_column": np.repeat(np.array(value_cols, dtype="int64") + 1, n_r),
            "ecode": pd.Series(np.tile(np.array(ecode, dtype=object), n_c), dtype=object),
            "ons_code": pd.Series(np.tile(np.array(ons_codes, dtype=object), n_c), dtype=object),
            "name": pd.Series(np.tile(np.array(names, dtype=object), n_c), dtype=object),
            "header": pd.Series(
                np.repeat(np.array([head[j] for j in value_cols], dtype=object), n_r), dtype=object
            ),
            "group": pd.Series(
                np.repeat(np.array([groups[j] for j in value_cols], dtype=object), n_r),
                dtype=object,
            ),
            "ref": pd.Series(np.repeat(np.array(refs, dtype=object), n_r), dtype=object),
            "cell": pd.Series(cells.ravel(), dtype=object),
        }
    )
    title = " ".join(str(c) for r in rows[:h] for c in r[:3] if str(c).strip())
    raw.attrs.update(
        source_file=p.name,
        source_sheet=sheet,
        layout=layout,
        title=title,
        year=P.fy_start(sheet) or P.last_fy_in(title),
        england_published=england_published,
        header_row=h + 1,
    )
    return raw


def _la_codes(raw: pd.DataFrame, file: str, sheet: str) -> pd.Series:
    """ONS code per row: as published, else from the E-code lookup; England by its row."""
    ons = P.area_codes(
        raw["ons_code"], file=file, sheet=sheet, column="ONS Code", rows=raw["source_row"]
    )
    ons = ons.where(ons.str.match(r"^E\d{8}$"), "")
    lookup = _ecode_lookup()
    from_e = raw["ecode"].map(lookup).fillna("")
    code = ons.where(ons != "", from_e)
    england = (raw["name"].str.upper() == "ENGLAND") | (ons == geography.ENGLAND_CODE)
    code = code.where(~england, geography.ENGLAND_CODE)
    # A published ONS code and the E-code lookup must agree where both exist. One known
    # slip: RS 2017-18 gives North Yorkshire (E2721) the code E10000022, which is no
    # council's; where the published code is no council's, the E-code decides (logged).
    clash = (ons != "") & (from_e != "") & (ons != from_e)
    slip = clash & ~ons.isin(_council_codes())
    for i in raw[slip].drop_duplicates("source_row").index:
        log.warning(
            "%s row %d: ONS code %s is no council's; E-code %s gives %s",
            file,
            int(raw.loc[i, "source_row"]),
            ons[i],
            raw.loc[i, "ecode"],
            from_e[i],
        )
    code = code.where(~slip, from_e)
    clash = clash & ~slip
    if clash.any():
        i = clash[clash].index[0]
        raise SourceError(
            f"E-code {raw.loc[i, 'ecode']} is {from_e[i]} in old_council_codes.csv but the file "
            f"says {ons[i]}",
            file=file,
            sheet=sheet,
            column="ONS Code",
            row=int(raw.loc[i, "source_row"]),
        )
    return code


def _service_and_measure(raw: pd.DataFrame, layout: str) -> pd.DataFrame:
    """Per value column: service label, line number, age band, measure."""
    cols = raw.drop_duplicates("source_column")[["source_column", "header", "group", "ref"]]
    out = []
    for source_column, header, group, ref in zip(
        cols["source_column"], cols["header"], cols["group"], cols["ref"]
    ):
        line = ""
        measure: str | None
        if layout == "mhclg-rs":
            measure = "net_current_expenditure"
            service = header
        else:
            m = _CELL_REF.match(ref)
            if m:
                cnum: int | None = int(m.group(1))
                line = m.group(2)
            else:
                mm = _C_IN_LABEL.search(header)
                cnum = int(mm.group(1)) if mm else None
            measure = COLUMNS_C.get(cnum) if cnum is not None else None
            ms = _SPLIT_SERVICE.match(header)
            if ms and ms.group(1).strip(" -"):  # 'Adult Social Care - Total Expenditure (C3)'
                service = ms.group(1).strip(" -")
            elif ms and group:  # 'Total Expenditure (C3)' under a service-group row (RO3)
                service = group
            else:  # a memorandum column named in full
                service = header
        service = re.sub(r"\s*\[note \w+\]", "", service, flags=re.I).strip()
        age = "Total"
        for pattern, band in _AGE:
            if pattern.search(service):
                service, age = pattern.sub("", service).strip(), band
        if re.fullmatch(r"total adult social care", service, re.I):
            service = "Adult Social Care"
        service = re.sub(r"^Subcategory:\s*", "", service)
        out.append(
            {
                "source_column": source_column,
                "service": service,
                "line": line,
                "age_band": age,
                "measure": measure,
            }
        )
    return pd.DataFrame(out)


def _is_asc_block(services: pd.DataFrame) -> pd.Series:
    """RO3 columns from the first adult social care line to the adult social care total."""
    s = services.sort_values("source_column")["service"].str.lower()
    start = s.str.startswith("physical support")
    end = s == "adult social care"
    if not start.any() or not end.any():
        return pd.Series(False, index=services.index)
    first = s[start].index[0]
    pos = list(s.index)
    i0 = pos.index(first)
    i1 = max(pos.index(k) for k in s[end].index)
    keep = set(pos[i0 : i1 + 1])
    return services.index.to_series().isin(keep)


def clean(raw: pd.DataFrame) -> pd.DataFrame:
    """Tidy outturn table: one row per council (and England) x year x form x service x measure.

    Raises:
        SourceError: a cell that is neither a number nor a known marker, no year in the
            sheet name or title, or a column whose C1-C7 number cannot be found (message
            names file, sheet, column and row). A key published twice is found by the
            schema (:func:`msp_analysis.schemas.validate`).
    """
    meta = dict(raw.attrs)
    raw = raw.copy(deep=False)
    raw.attrs = {}  # pandas deep-copies attrs on every operation: keep them aside
    file = meta.get("source_file", "")
    sheet = meta.get("source_sheet", "")
    layout = meta.get("layout")
    if layout not in LAYOUTS:
        raise UnknownLayoutError(f"raw frame has layout {layout!r}", LAYOUTS, file=file)
    year = meta.get("year")
    if year is None:
        raise SourceError("no financial year in the sheet name or title", file=file, sheet=sheet)
    per_row = raw.drop_duplicates("source_row")[["source_row", "ecode", "ons_code", "name"]]
    row_code = _la_codes(per_row.reset_index(drop=True), file, sheet)
    code = raw["source_row"].map(dict(zip(per_row["source_row"], row_code)))
    keep = code.isin(_council_codes()) | (code == geography.ENGLAND_CODE)
    n_auth = raw.loc[raw["source_column"] == raw["source_column"].min(), "ecode"].shape[0]
    frame = raw[keep].assign(la_code=code[keep])
    cols = _service_and_measure(frame, layout)
    if cols["measure"].isna().any():
        bad = cols[cols["measure"].isna()].iloc[0]
        raise SourceError(
            "cannot tell which of C1-C7 this column is (no cell reference like 'C3R360' "
            "and no '(C3' in the column name)",
            file=file,
            sheet=sheet,
            column=str(frame.loc[frame["source_column"] == bad["source_column"], "header"].iloc[0]),
        )
    if layout == "mhclg-ro3":
        cols = cols[_is_asc_block(cols)]
        if cols.empty:
            raise SourceError(
                "no adult social care columns (from 'Physical support' to 'TOTAL ADULT SOCIAL "
                "CARE') in the RO3 sheet",
                file=file,
                sheet=sheet,
            )
    frame = frame.merge(cols, on="source_column", how="inner")
    parsed = P.parse_numbers(
        frame["cell"], file=file, column=frame["header"], rows=frame["source_row"], sheet=sheet
    )
    councils = frame["la_code"].where(frame["la_code"] != geography.ENGLAND_CODE)
    out = pd.DataFrame(
        {
            "la_code": frame["la_code"].astype("string"),
            "area_type": geography.area_type(frame["la_code"]),
            "la_name": frame["la_code"]
            .map({c: geography.council_name(c) for c in frame["la_code"].unique()})
            .astype("string"),
            "ecode": frame["ecode"].replace("", pd.NA).astype("string"),
            "year": pd.Series(int(year), index=frame.index, dtype="Int64"),
            "form": _FORM[layout],
            "service": frame["service"].astype("string"),
            "line": frame["line"].replace("", pd.NA).astype("string"),
            "age_band": frame["age_band"].astype("string"),
            "measure": frame["measure"].astype("string"),
            "value": parsed.value,
            "unit": "£ thousands",
            "suppressed": parsed.suppressed,
            "marker": parsed.marker,
            "source": f"{SOURCE} ({_FORM[layout]})",
            "source_file": file,
            "source_sheet": sheet,
            "source_row": frame["source_row"].astype("int64"),
            "source_column": frame["source_column"].astype("int64"),
        }
    )
    out["year_label"] = P.fy_labels(out["year"])
    if not meta.get("england_published", True):
        eng = england_from_councils(out)
        eng = eng.assign(
            ecode=pd.NA,
            source=out["source"].iloc[0],
            source_file=file,
            source_sheet=sheet,
            source_row=int(meta.get("header_row", 1)),
            source_column=0,
        )
        log.warning("%s: no ENGLAND row published; England built as the sum of councils", file)
        out = pd.concat([out, eng[out.columns]], ignore_index=True)
    out = out[OUT_COLUMNS].reset_index(drop=True)
    log.info(
        "%s [%s]: %d authorities in the file; %d councils kept (+ England), %d cells, "
        "%d not submitted or suppressed",
        file,
        sheet,
        n_auth,
        int(councils.nunique()),
        len(out),
        int(out["suppressed"].sum()),
    )
    return out


def england_from_councils(frame: pd.DataFrame) -> pd.DataFrame:
    """England rows built by summing the councils, where a file publishes no England row.

    Returned rows carry ``marker`` 'sum of councils' so they are never mistaken for a
    published figure; a sum with any council missing is itself missing.
    """
    councils = frame[frame["area_type"] == "council"]
    keys = ["year", "year_label", "form", "service", "line", "age_band", "measure", "unit"]
    agg = (
        councils.groupby(keys, dropna=False)["value"]
        .agg(lambda s: s.sum() if s.notna().all() else np.nan)
        .reset_index()
    )
    agg["la_code"] = geography.ENGLAND_CODE
    agg["area_type"] = "england"
    agg["la_name"] = "England"
    agg["suppressed"] = False
    agg["marker"] = "sum of councils"
    return agg
