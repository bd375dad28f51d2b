"""ONS population: mid-year estimates and subnational projections, by age.

Layouts (see :data:`LAYOUTS`), recognised by sheet names and first rows, never by file name:

- ``ons-mye2-workbook``: ONS MYE2 "population by single year of age and sex for local
  authorities in the UK", mid-2011 onwards, alone or inside the full "population
  estimates for the UK" workbook. The sheets have been called ``Persons UK`` /
  ``Males UK`` / ``Females UK `` (mid-2015 and before), ``MYE2 - All`` / ``- M`` / ``- F``
  (mid-2016, mid-2017), ``MYE2-All`` / ``MYE2 - Males`` / ``MYE2 - Females`` (mid-2018)
  and ``MYE2 - Persons`` / ``- Males`` / ``- Females`` (mid-2019 on, the accessible layout
  with cover, contents and notes sheets). The header row moves (row 3, 5 or 8) and is
  found by its ``Code`` cell (any case); the geography column is ``Geography``,
  ``Geography1`` or absent; age headers are numbers (``0.0``) or text (``'0'``); the last
  age column (``90`` or ``90+``) is everyone aged 90 and over. The year is read from the
  sheet title ("... mid-2017").
- ``ons-myeb-workbook``: the accessible "MYEB" detailed time series (cover, contents and
  notes sheets; long table ``MYEB1``: ``ladcode``, ``laname``, ``country``, ``sex``
  (1 male, 2 female, or M/F), ``age`` (90 = 90 and over), ``population_2011`` ...), local
  authority districts of England and Wales, every year in one sheet.
- ``nomis-mye-csv``: a Nomis API CSV export: GEOGRAPHY_NAME, GEOGRAPHY_CODE, DATE_NAME,
  GENDER_NAME, C_AGE_NAME ('Age 0' ... 'Aged 90+', 'All Ages'), OBS_VALUE.
- ``ons-snpp-csv``: ONS subnational population projections, the long CSV: AREA_CODE,
  AREA_NAME, COMPONENT, SEX, AGE_GROUP ('0'..'89', '90 and over', 'All ages'), then one
  column per year.
- ``ons-snpp-table-csv``: an SNPP table as CSV: CODE, AREA, AGE GROUP (5-year groups
  '0-4' ... '85-89', '90+', or single years), 'All ages', one column per year; also as
  re-saved by third parties (an extra unnamed row-index column first, years written as
  floats). Without a SEX column the table is persons (ONS Table 2 "persons").
- ``ons-snpp-workbook``: the same table as the publisher's xls/xlsx, sheets ``Persons``,
  ``Males``, ``Females`` (header row found by its CODE and AGE GROUP cells).

The tidy table has ``age`` (a single year; 90 means 90 and over, missing for wider
groups and for the total), and the range it covers, ``age_from`` and ``age_to`` (missing
``age_to`` = open-ended, e.g. 90+; both missing for 'All ages'), so bands can be built
from 5-year groups without guessing.

Kept areas: England (E92), regions (E12), upper-tier councils (unitary authorities E06,
metropolitan districts E08, London boroughs E09, counties E10), told apart by code
prefix, which works with or without a geography column. Districts (E07) are dropped so
nothing is counted twice, except the districts today's councils are made of
(:func:`geography.successor_parts`: Christchurch, Dorset's, the Northamptonshires' and
Cumbria's districts), kept with ``area_type`` 'district' so the series can build BCP,
Dorset, North and West Northamptonshire, Cumberland and Westmorland and Furness exactly.
Metropolitan counties (E11), Wales, Scotland, Northern Ireland and UK totals are dropped.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd

from msp_analysis import geography
from msp_analysis.errors import SourceError, UnknownLayoutError
from msp_analysis.sources import _parsing as P

log = logging.getLogger(__name__)

SOURCE_MYE = "ONS mid-year population estimates"
SOURCE_SNPP = "ONS subnational population projections"
TABLE = "population"
PROJECTIONS_TABLE = "population_projections"

LAYOUTS: dict[str, str] = {
    "ons-mye2-workbook": "ONS MYE2 workbook, sheets 'Persons UK'/'Males UK'/'Females UK', 'MYE2 - All/M/F', "
    "'MYE2-All', 'MYE2 - Persons/Males/Females' (Code, Name, [Geography|Geography1], All ages, "
    "0..89, 90 or 90+; header row found by 'Code'), mid-2011 onwards",
    "ons-myeb-workbook": "ONS MYEB detailed time series workbook (Cover sheet, Contents, Notes; long table "
    "MYEB1: ladcode, laname, country, sex, age, population_YYYY ...)",
    "nomis-mye-csv": "Nomis CSV export of mid-year estimates (GEOGRAPHY_NAME, GEOGRAPHY_CODE, DATE_NAME, "
    "GENDER_NAME, C_AGE_NAME, OBS_VALUE)",
    "ons-snpp-csv": "ONS subnational population projections CSV (AREA_CODE, AREA_NAME, COMPONENT, SEX, "
    "AGE_GROUP, one column per year), 2014-based onwards",
    "ons-snpp-table-csv": "ONS SNPP table as CSV (CODE, AREA, AGE GROUP '0-4'..'90+' or single years, "
    "'All ages', one column per year; a re-saved copy's unnamed index column and float years too)",
    "ons-snpp-workbook": "ONS SNPP table workbook, sheets 'Persons'/'Males'/'Females' (CODE, AREA, "
    "AGE GROUP, one column per year)",
}

#: Layouts whose rows are projections (table ``population_projections``).
PROJECTION_LAYOUTS = frozenset({"ons-snpp-csv", "ons-snpp-table-csv", "ons-snpp-workbook"})

_SEX = {
    "persons": "Persons",
    "person": "Persons",
    "all": "Persons",
    "all persons": "Persons",
    "total": "Persons",
    "males": "Males",
    "male": "Males",
    "m": "Males",
    "1": "Males",
    "females": "Females",
    "female": "Females",
    "f": "Females",
    "2": "Females",
}

_GSS = re.compile(r"^[EWSNK]\d{8}$")
_MYE2_SHEET = re.compile(
    r"^(?:mye\s?2\s*-\s*(?P<a>all|persons|m|males|f|females)|(?P<b>persons|males|females)\s+uk)$",
    re.I,
)
_SNPP_SHEETS = {"persons", "males", "females"}
_MYE2_COLUMNS = {
    "code": "Code",
    "name": "Name",
    "geography": "Geography",
    "geography1": "Geography",
    "all ages": "All ages",
}
_ID_COLS = ["source_row", "sheet", "title", "sex", "year", "Code", "Name", "Geography"]
TIDY_COLUMNS = [
    "la_code",
    "area_type",
    "la_name",
    "region_code",
    "year",
    "year_label",
    "estimate",
    "sex",
    "age",
    "age_from",
    "age_to",
    "age_label",
    "value",
    "unit",
    "suppressed",
    "marker",
    "source",
    "source_file",
    "source_row",
    "source_column",
]


# ---------------------------------------------------------------- detection ------------


def _mye2_sex(sheet: str) -> str | None:
    m = _MYE2_SHEET.match(sheet.strip())
    if not m:
        return None
    return _SEX[(m.group("a") or m.group("b")).lower()]


def _first_rows(path: Path, sheet: str, nrows: int) -> list[list]:
    """The first rows of one sheet, read with calamine (no full parse)."""
    try:
        return P.workbook(path).get_sheet_by_name(sheet).to_python(nrows=nrows)
    except Exception as exc:  # calamine raises its own error types
        raise SourceError(f"cannot read the sheet ({exc})", file=path, sheet=sheet) from exc


def _all_rows(path: Path, sheet: str) -> list[list]:
    try:
        return P.workbook(path).get_sheet_by_name(sheet).to_python()
    except Exception as exc:
        raise SourceError(f"cannot read the sheet ({exc})", file=path, sheet=sheet) from exc


def _norm(cell: object) -> str:
    return re.sub(r"[\s_]+", " ", str(cell)).strip().lower()


def _snpp_header_row(rows: list[list]) -> int | None:
    """Row holding CODE/AREA_CODE and AGE GROUP/AGE_GROUP cells, if any."""
    for i, row in enumerate(rows):
        cells = {_norm(c) for c in row}
        if ({"code", "area code"} & cells) and "age group" in cells:
            return i
    return None


def detect(path: str | Path) -> str | None:
    """Which population layout the file is in, by content; None if not population."""
    p = Path(path)
    if P.is_text(p):
        cols = set(P.text_header(p))
        signatures = {
            "nomis-mye-csv": {"GEOGRAPHY_CODE", "C_AGE_NAME", "OBS_VALUE"},
            "ons-snpp-csv": {"AREA_CODE", "AGE_GROUP", "SEX"},
        }
        for layout, required in signatures.items():
            if P.has_columns(cols, required, layout=layout, file=p):
                return layout
        # 'code' and 'area' are common words: all three or it is not this layout (no near miss)
        if {"code", "area", "age group"} <= {_norm(c) for c in cols}:
            return "ons-snpp-table-csv"
        return None
    if P.is_spreadsheet(p):
        names = P.sheet_names_or_none(p) or []
        if any(_mye2_sex(n) for n in names):
            return "ons-mye2-workbook"
        if any(n.strip().upper() == "MYEB1" for n in names):
            return "ons-myeb-workbook"
        snpp = [n for n in names if n.strip().lower() in _SNPP_SHEETS]
        if snpp:
            try:
                head = _first_rows(p, snpp[0], 15)
            except SourceError:
                return None
            if _snpp_header_row(head) is not None:
                return "ons-snpp-workbook"
    return None


# ---------------------------------------------------------------- reading --------------


def read(path: str | Path) -> pd.DataFrame:
    """The population file as published: sheets stacked, header found, cells as published."""
    p = P.check_readable(path)
    layout = detect(p)
    if layout is None:
        raise UnknownLayoutError(
            "this file is not a population file this reader knows", LAYOUTS, file=p
        )
    if layout == "ons-mye2-workbook":
        raw = _read_mye2(p)
    elif layout == "ons-myeb-workbook":
        raw = _read_myeb(p)
    elif layout == "ons-snpp-workbook":
        raw = _read_snpp_workbook(p)
    else:
        raw = P.read_text_table(p)
    raw.attrs["source_file"] = p.name
    raw.attrs["layout"] = layout
    return raw


def _mye2_label(cell: object) -> str | None:
    label = P.tidy_label(cell)
    if label is None:
        return None
    return _MYE2_COLUMNS.get(label.lower(), label)


def _title_year(rows: list[list]) -> tuple[str, int | None]:
    for row in rows:
        for cell in row:
            m = re.search(r"mid-?\s?(\d{4})", str(cell), flags=re.I)
            if m:
                return str(cell).strip(), int(m.group(1))
    return "", None


def _cover_year(p: Path) -> int | None:
    """The year on the workbook's first (cover) sheet ('June 2021' or 'mid-2021'), if any."""
    first = P.sheet_names(p)[0]
    if _mye2_sex(first):
        return None
    for row in _first_rows(p, first, 10):
        for v in row:
            m = re.search(r"(?:mid-|June )(\d{4})", str(v), flags=re.I)
            if m:
                return int(m.group(1))
    return None


def _check_every_age(out: pd.DataFrame, file: str, column: str) -> None:
    """Every area has every sex and every age the file has anywhere: a file cut short at a
    line ending (or with rows deleted) loses ages or sexes, and that is an error.

    Raises:
        SourceError: naming the area, what is missing and the last row read for it.
    """
    ages = out.groupby(["la_code", "year", "sex"])["age_label"].agg(frozenset)
    full = frozenset().union(*ages)
    sexes = out.groupby(["la_code", "year"])["sex"].agg(frozenset)
    all_sexes = frozenset().union(*sexes)
    for (code, year), have in sexes.items():
        if have != all_sexes:
            missing = ", ".join(sorted(all_sexes - have))
            last = int(out.loc[out["la_code"] == code, "source_row"].max())
            raise SourceError(
                f"{code} {year} has no rows for {missing}: the file is cut short or rows "
                "were deleted",
                file=file,
                column="GENDER_NAME",
                row=last,
            )
    for (code, year, sex), have in ages.items():
        if have != full:
            gone = sorted(full - have, key=lambda a: (len(a), a))
            last = int(out.loc[(out["la_code"] == code) & (out["sex"] == sex), "source_row"].max())
            raise SourceError(
                f"{code} {year} {sex} lacks {len(gone)} of {len(full)} ages "
                f"({', '.join(gone[:5])}{' ...' if len(gone) > 5 else ''}): the file is cut "
                "short or rows were deleted",
                file=file,
                column=column,
                row=last,
            )


def _read_mye2(p: Path) -> pd.DataFrame:
    names = P.sheet_names(p)
    sheets = [n for n in names if _mye2_sex(n)]
    odd = [n for n in names if re.match(r"MYE ?2\b", n.strip()) and n not in sheets]
    if odd:
        raise SourceError(
            f"sheet {odd[0]!r} is not Persons, Males or Females (renamed?)", file=p, sheet=odd[0]
        )
    cover = _cover_year(p)
    frames = []
    for name in sheets:
        rows = _all_rows(p, name)
        hdr = next(
            (i for i, r in enumerate(rows[:40]) if r and _norm(r[0]) == "code"),
            None,
        )
        if hdr is None:
            raise SourceError(
                "no header row starting 'Code' in the first 40 rows",
                file=p,
                sheet=name,
                column="Code",
            )
        title, year = _title_year(rows[:hdr])
        if year is None:
            raise SourceError(
                "cannot find 'mid-YYYY' in the title above the header row", file=p, sheet=name
            )
        if cover is not None and year != cover:
            raise SourceError(
                f"the sheet title says mid-{year} but the workbook's cover says {cover}: {title!r}",
                file=p,
                sheet=name,
                column="A",
                row=next(i for i, r in enumerate(rows) if title in map(str, r)) + 1,
            )
        frame = _table_below(
            rows, hdr, [_mye2_label(c) for c in rows[hdr]], name, "Code", file=p.name
        )
        frame.insert(2, "title", title)
        frame.insert(3, "sex", _mye2_sex(name))
        frame.insert(4, "year", year)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _table_below(
    rows: list[list], hdr: int, labels: list, sheet: str, code: str | None = None, *, file: str
) -> pd.DataFrame:
    """The areas' rows of the table under header row ``hdr`` (0-based) of one sheet.

    Columns are named by ``labels`` up to the last one named (an unnamed column is
    ``blank_<i>``); only rows whose ``code`` column (default: the first) holds a GSS area
    code are kept, so footnotes and blank rows below the table go. ``source_row`` (the
    row's number in the sheet) and ``sheet`` come first.
    """
    width = max((i + 1 for i, lab in enumerate(labels) if lab), default=0)
    body = [r[:width] + [""] * (width - len(r)) for r in rows[hdr + 1 :]]
    frame = pd.DataFrame(
        body, columns=[lab or f"blank_{i}" for i, lab in enumerate(labels[:width])]
    )
    column = frame.columns[0] if code is None else code
    frame[column] = P.area_codes(
        frame[column],
        file=file,
        sheet=sheet,
        column=str(column),
        rows=pd.Series(frame.index.to_numpy() + hdr + 2, index=frame.index),
    )
    frame = frame[frame[column].astype(str).str.match(_GSS)]
    frame.insert(0, "source_row", frame.index.to_numpy() + hdr + 2)
    frame.insert(1, "sheet", sheet)
    return frame.reset_index(drop=True)


def _read_myeb(p: Path) -> pd.DataFrame:
    name = next(n for n in P.sheet_names(p) if n.strip().upper() == "MYEB1")
    rows = _all_rows(p, name)
    hdr = next(
        (i for i, r in enumerate(rows[:20]) if r and _norm(r[0]).startswith("ladcode")), None
    )
    if hdr is None:
        raise SourceError(
            "no header row starting 'ladcode' in the first 20 rows",
            file=p,
            sheet=name,
            column="ladcode",
        )
    return _table_below(rows, hdr, [str(c).strip() for c in rows[hdr]], name, file=p.name)


def _read_snpp_workbook(p: Path) -> pd.DataFrame:
    sheets = [n for n in P.sheet_names(p) if n.strip().lower() in _SNPP_SHEETS]
    frames = []
    for name in sheets:
        rows = _all_rows(p, name)
        hdr = _snpp_header_row(rows[:40])
        if hdr is None:
            raise SourceError(
                "no header row with CODE and AGE GROUP cells in the first 40 rows",
                file=p,
                sheet=name,
                column="CODE",
            )
        labels = [P.tidy_label(c) for c in rows[hdr]]
        renames = _snpp_renames([lab for lab in labels if lab])
        frame = _table_below(
            rows, hdr, [renames.get(lab, lab) for lab in labels], name, "CODE", file=p.name
        )
        frame.insert(2, "SEX", name.strip())
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _snpp_renames(columns) -> dict:
    out = {}
    for c in columns:
        n = _norm(c)
        if n in {"code", "area code"}:
            out[c] = "CODE"
        elif n in {"area", "area name"}:
            out[c] = "AREA"
        elif n == "age group":
            out[c] = "AGE GROUP"
        elif n == "sex":
            out[c] = "SEX"
        elif re.fullmatch(r"\d{4}(\.0)?", n):
            out[c] = n[:4]
    return out


# ---------------------------------------------------------------- ages -----------------


def parse_age(label: object) -> tuple[int | None, int | None, str] | None:
    """An age label as (age_from, age_to, tidy label); None when it is not an age.

    '7', 7.0, 'Age 7' -> (7, 7, '7'); '90+', 'Aged 90+', '90 and over' -> (90, None, '90+');
    '0-4', '15 to 19', 'Aged 15-19' -> (15, 19, '15-19'); 'All ages', 'Total' -> (None, None,
    'All ages').
    """
    s = str(label).strip().lower()
    if isinstance(label, float) and label.is_integer():
        s = str(int(label))
    if s in {"all ages", "all age", "total", "all"}:
        return None, None, "All ages"
    s = re.sub(r"^(?:aged?|ages)\s*", "", s)
    m = re.fullmatch(r"(\d+)(?:\.0)?\s*(\+|and over|or over|plus)?", s)
    if m:
        a = int(m.group(1))
        return (a, None, f"{a}+") if m.group(2) else (a, a, str(a))
    m = re.fullmatch(r"(\d+)\s*(?:-|to)\s*(\d+)", s)
    if m and int(m.group(1)) <= int(m.group(2)):
        lo, hi = int(m.group(1)), int(m.group(2))
        return lo, hi, f"{lo}-{hi}"
    return None


def _age_columns(labels, *, file, sheet=None, open_top: bool = False) -> dict:
    """label -> (age_from, age_to, tidy label); the top single age is open-ended if ``open_top``."""
    parsed = {}
    for lab in labels:
        a = parse_age(lab)
        if a is None:
            raise SourceError(f"age {lab!r} is not an age", file=file, sheet=sheet, column=str(lab))
        parsed[lab] = a
    if open_top:
        singles = [(v[0], k) for k, v in parsed.items() if v[0] is not None and v[0] == v[1]]
        opened = [k for k, v in parsed.items() if v[0] is not None and v[1] is None]
        if singles and not opened:
            top, key = max(singles)
            parsed[key] = (top, None, f"{top}+")  # ONS notes: the last age is that age and over
    return parsed


# ---------------------------------------------------------------- cleaning -------------


def clean(raw: pd.DataFrame) -> pd.DataFrame:
    """Tidy population: area x year x sex x age (single years or age groups).

    The 'All ages' total is kept as ``age_label`` 'All ages' with ``age``, ``age_from``
    and ``age_to`` missing.
    """
    layout = raw.attrs.get("layout")
    file = raw.attrs.get("source_file", "")
    if layout == "ons-mye2-workbook":
        out = _clean_mye2(raw, file)
    elif layout == "ons-myeb-workbook":
        out = _clean_myeb(raw, file)
    elif layout == "nomis-mye-csv":
        out = _clean_nomis(raw, file)
    elif layout == "ons-snpp-csv":
        out = _clean_snpp(raw, file)
    elif layout in {"ons-snpp-table-csv", "ons-snpp-workbook"}:
        out = _clean_snpp_table(raw, file, layout)
    else:
        raise UnknownLayoutError(f"raw frame has layout {layout!r}", LAYOUTS, file=file)
    out["region_code"] = _per_distinct(
        out["la_code"], lambda s: s.map(geography.region_of).astype("string")
    )
    out["year_label"] = _per_distinct(out["year"], lambda s: s.astype("string"))
    out["age"] = out["age_from"].where(
        out["age_from"].eq(out["age_to"]) | (out["age_to"].isna() & out["age_from"].eq(90))
    )
    for c in ("age", "age_from", "age_to"):
        out[c] = out[c].astype("Int64")
    out = out[TIDY_COLUMNS].reset_index(drop=True)
    if layout == "nomis-mye-csv":
        _check_every_age(out, file, "C_AGE_NAME")
    log.info("%s: %d population rows for %d areas", file, len(out), out["la_code"].nunique())
    return out


def _area_types(codes: pd.Series) -> pd.Series:
    """'england', 'region', 'council', 'district' or 'other' for each code.

    A district is kept ('district') when it is a part of a council created since 2019, or
    when its county is not in the file (a table of districts only, such as MYEB: the series
    sums them to counties); otherwise it is 'other' and dropped, so nothing counts twice.
    """
    area = geography.area_type(codes)
    lookup = geography.district_counties().set_index("district_code")["county_code"]
    present = set(codes.dropna().unique())
    is_district = codes.astype("string").str.match(r"^E07\d{6}$").fillna(False)
    county = codes.map(lookup)
    counties_published = any(str(c).startswith("E10") for c in present)
    # a district whose county is not in the file; one we cannot place only in a file of
    # districts alone (with counties published, an unknown district is inside one of them)
    orphan = is_district & ~county.isin(present) & (county.notna() | (not counties_published))
    keep = codes.isin(geography.part_district_codes()) | orphan
    return area.where(~keep, "district").astype("string")


def _keep_areas(codes: pd.Series) -> pd.Series:
    return _area_types(codes).isin(["england", "region", "council", "district"])


def _melt(frame: pd.DataFrame, id_cols: list[str], value_cols: list, var_name: str) -> pd.DataFrame:
    """``frame.melt(id_cols, value_cols, var_name, value_name="cell")``: the same frame,
    built by position (a table of a few hundred rows and up to a hundred value columns:
    each id column is taken once, not melted as a block)."""
    n = len(frame)
    rows = np.tile(np.arange(n), len(value_cols))
    long = {c: frame[c].array.take(rows) for c in id_cols}
    long[var_name] = frame[value_cols].columns.repeat(n)
    long["cell"] = pd.concat([frame[c] for c in value_cols], ignore_index=True).array
    return pd.DataFrame(long)


def _per_distinct(values: pd.Series, fn) -> pd.Series:
    """``fn`` applied to the distinct values only (a long table repeats every area, label
    and year many times), taken back by position."""
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    return pd.Series(pd.Series(fn(pd.Series(distinct))).array.take(codes), index=values.index)


def _with_ages(long: pd.DataFrame, column: str, parsed: dict) -> pd.DataFrame:
    missing = (None, None, None)
    labels = long[column]
    for i, col in ((0, "age_from"), (1, "age_to")):
        long[col] = _per_distinct(
            labels, lambda s, i=i: pd.array([parsed.get(k, missing)[i] for k in s], dtype="Int64")
        )
    long["age_label"] = _per_distinct(
        labels, lambda s: pd.array([parsed.get(k, missing)[2] for k in s], dtype="string")
    )
    return long


def _tidy(
    long: pd.DataFrame,
    cells,
    *,
    code: str,
    name: str,
    year: pd.Series,
    estimate: str,
    sex: pd.Series,
    source: str,
    file: str,
    source_column,
) -> pd.DataFrame:
    """The tidy rows of one population table: ``long`` has one row a published cell, with
    its ``source_row`` and ages (:func:`_with_ages`); ``cells`` its parsed numbers
    (:func:`msp_analysis.sources._parsing.parse_numbers`)."""
    la_code = _per_distinct(long[code], lambda s: s.astype("string").str.strip())
    return pd.DataFrame(
        {
            "la_code": la_code,
            "area_type": _per_distinct(la_code, _area_types),
            "la_name": _per_distinct(long[name], lambda s: s.astype("string").str.strip()),
            "year": year.astype("Int64"),
            "estimate": estimate,
            "sex": sex.astype("string"),
            "age_from": long["age_from"],
            "age_to": long["age_to"],
            "age_label": long["age_label"],
            "value": cells.value,
            "suppressed": cells.suppressed,
            "marker": cells.marker,
            "source": source,
            "source_file": file,
            "source_row": long["source_row"].astype("int64"),
            "source_column": source_column,
            "unit": "people",
        }
    )


def _clean_mye2(raw: pd.DataFrame, file: str) -> pd.DataFrame:
    P.require_columns(raw, ["Code", "Name", "All ages"], file=file, layout="ons-mye2-workbook")
    raw = raw.copy()
    raw["Code"] = raw["Code"].astype("string").str.strip()
    raw = raw[_keep_areas(raw["Code"]).to_numpy()]
    ids = [c for c in _ID_COLS if c in raw.columns]
    age_cols = [c for c in raw.columns if c not in ids and not str(c).startswith("blank_")]
    quiet = [
        c
        for c in age_cols
        if parse_age(c) is None and (P.carries_no_figures(c) or P.words_only(raw[c]))
    ]
    P.note_no_figures(file, quiet, sheet=str(raw["sheet"].iloc[0]) if len(raw) else None)
    age_cols = [c for c in age_cols if c not in quiet]
    parsed = _age_columns(
        age_cols, file=file, sheet=str(raw["sheet"].iloc[0]) if len(raw) else None, open_top=True
    )
    published = [c for c in raw.columns if c not in {"source_row", "sheet", "title", "sex", "year"}]
    col_no = {c: i + 1 for i, c in enumerate(published)}
    long = _with_ages(_melt(raw, ids, age_cols, "age_col"), "age_col", parsed)
    cells = P.parse_numbers(
        long["cell"],
        file=file,
        column=long["age_col"],
        rows=long["source_row"],
        sheet=long["sheet"],
    )
    return _tidy(
        long,
        cells,
        code="Code",
        name="Name",
        year=long["year"],
        estimate="mid-year estimate",
        sex=long["sex"],
        source=SOURCE_MYE,
        file=file,
        source_column=_per_distinct(long["age_col"], lambda s: s.map(col_no)).astype("int64"),
    )


def _myeb_column(raw: pd.DataFrame, want: str, file: str, *, prefix: bool = False) -> str:
    for c in raw.columns:
        n = _norm(c)
        if n == want or (prefix and n.startswith(want)):
            return str(c)
    P.require_columns(raw, [want], file=file, sheet="MYEB1", layout="ons-myeb-workbook")
    raise AssertionError("unreachable: require_columns raised")  # pragma: no cover


def _clean_myeb(raw: pd.DataFrame, file: str) -> pd.DataFrame:
    code_col = _myeb_column(raw, "ladcode", file, prefix=True)
    name_col = _myeb_column(raw, "laname", file, prefix=True)
    sex_col = _myeb_column(raw, "sex", file)
    age_col = _myeb_column(raw, "age", file)
    years = {
        c: int(_norm(c)[-4:]) for c in raw.columns if re.fullmatch(r"population \d{4}", _norm(c))
    }
    if not years:
        raise SourceError(
            "no population_YYYY columns", file=file, sheet="MYEB1", column="population_YYYY"
        )
    raw = raw.copy()
    raw[code_col] = raw[code_col].astype("string").str.strip()
    raw = raw[_keep_areas(raw[code_col]).to_numpy()]
    sex = raw[sex_col].map(lambda v: _SEX.get(str(P.tidy_label(v) or "").lower()))
    if sex.isna().any():
        i = sex[sex.isna()].index[0]
        raise SourceError(
            f"sex {raw.loc[i, sex_col]!r} is not 1/2, M/F or male/female",
            file=file,
            sheet="MYEB1",
            column=str(sex_col),
            row=int(raw.loc[i, "source_row"]),
        )
    raw["_sex"] = sex
    ages = _age_columns(raw[age_col].unique(), file=file, sheet="MYEB1", open_top=True)
    long = _melt(raw, ["source_row", code_col, name_col, "_sex", age_col], list(years), "ycol")
    long = _with_ages(long, age_col, ages)
    cells = P.parse_numbers(
        long["cell"], file=file, column=long["ycol"], rows=long["source_row"], sheet="MYEB1"
    )
    col_no = {
        c: i + 1
        for i, c in enumerate(c for c in raw.columns if c not in {"source_row", "sheet", "_sex"})
    }
    return _tidy(
        long,
        cells,
        code=code_col,
        name=name_col,
        year=_per_distinct(long["ycol"], lambda s: s.map(years)),
        estimate="mid-year estimate",
        sex=long["_sex"],
        source=SOURCE_MYE,
        file=file,
        source_column=_per_distinct(long["ycol"], lambda s: s.map(col_no)).astype("int64"),
    )


def _clean_nomis(raw: pd.DataFrame, file: str) -> pd.DataFrame:
    need = [
        "GEOGRAPHY_NAME",
        "GEOGRAPHY_CODE",
        "DATE_NAME",
        "GENDER_NAME",
        "C_AGE_NAME",
        "OBS_VALUE",
    ]
    P.require_columns(raw, need, file=file, layout="nomis-mye-csv")
    raw = raw.assign(
        GEOGRAPHY_CODE=P.area_codes(
            raw["GEOGRAPHY_CODE"], file=file, column="GEOGRAPHY_CODE", rows=raw["source_row"]
        )
    )
    raw = raw[_keep_areas(raw["GEOGRAPHY_CODE"]).to_numpy()].copy()
    bad = [a for a in raw["C_AGE_NAME"].unique() if parse_age(a) is None]
    if bad:
        i = raw.index[raw["C_AGE_NAME"] == bad[0]][0]
        raise SourceError(
            f"age {bad[0]!r} is not an age",
            file=file,
            column="C_AGE_NAME",
            row=int(raw.loc[i, "source_row"]),
        )
    ages = {a: parse_age(a) for a in raw["C_AGE_NAME"].unique()}
    sex = raw["GENDER_NAME"].str.strip().str.lower().map(_SEX)
    if sex.isna().any():
        i = sex[sex.isna()].index[0]
        raise SourceError(
            f"sex {raw.loc[i, 'GENDER_NAME']!r} is not Total/Male/Female",
            file=file,
            column="GENDER_NAME",
            row=int(raw.loc[i, "source_row"]),
        )
    raw = _with_ages(raw, "C_AGE_NAME", ages)
    year = pd.to_numeric(raw["DATE_NAME"].str.extract(r"(\d{4})")[0], errors="coerce")
    cells = P.parse_numbers(raw["OBS_VALUE"], file=file, column="OBS_VALUE", rows=raw["source_row"])
    return _tidy(
        raw,
        cells,
        code="GEOGRAPHY_CODE",
        name="GEOGRAPHY_NAME",
        year=year,
        estimate="mid-year estimate",
        sex=sex,
        source=SOURCE_MYE + " (via Nomis)",
        file=file,
        source_column=raw.columns.get_loc("OBS_VALUE"),
    )


def _blank(cells: pd.Series) -> bool:
    return bool(cells.isna().all() or (cells.astype(str).str.strip() == "").all())


def _year_columns(raw: pd.DataFrame, ids: list[str], *, file: str, layout: str) -> dict:
    """The projection's year columns: column -> year.

    The publisher fixes these tables' columns (the identifiers, then one column per year):
    a column that carries no figures (a status, notes) is left out with a note; any other
    column that is not a year, and a year missing from the run of years, is a renamed or
    deleted column, an error naming it.

    Raises:
        SourceError: no year columns, an unknown column, or a gap in the years.
    """
    years = {c: int(float(c)) for c in raw.columns if re.fullmatch(r"\d{4}(\.0)?", str(c).strip())}
    if not years:
        raise SourceError(
            "no year columns (e.g. '2018', '2019', ...)", file=file, column="year columns"
        )
    fixed = {"source_row", "sheet", *ids}
    others = [
        c
        for c in raw.columns
        if c not in years
        and c not in fixed
        and not re.fullmatch(r"|Unnamed: 0", str(c))  # a re-saved copy's row index
        and not (str(c).startswith("blank_") and _blank(raw[c]))
    ]
    quiet = [c for c in others if P.carries_no_figures(c) or P.words_only(raw[c])]
    P.note_no_figures(file, quiet)
    unknown = [c for c in others if c not in quiet]
    if unknown:
        raise SourceError(
            f"column {unknown[0]!r} is neither a year nor a column of layout {layout} "
            f"({', '.join(ids)}, then one column per year)",
            file=file,
            column=str(unknown[0]),
            row=1,
        )
    run = sorted(years.values())
    gaps = sorted(set(range(run[0], run[-1] + 1)) - set(run))
    if gaps:
        raise SourceError(
            f"the year columns run from {run[0]} to {run[-1]} without {gaps[0]}: a column "
            "was renamed or deleted",
            file=file,
            column=str(gaps[0]),
            row=1,
        )
    return years


def _clean_snpp(raw: pd.DataFrame, file: str) -> pd.DataFrame:
    P.require_columns(
        raw,
        ["AREA_CODE", "AREA_NAME", "COMPONENT", "SEX", "AGE_GROUP"],
        file=file,
        layout="ons-snpp-csv",
    )
    raw = raw[raw["COMPONENT"].str.strip().str.lower().eq("population")]
    raw = raw.assign(
        AREA_CODE=P.area_codes(
            raw["AREA_CODE"], file=file, column="AREA_CODE", rows=raw["source_row"]
        )
    )
    raw = raw[_keep_areas(raw["AREA_CODE"]).to_numpy()]
    return _snpp_long(
        raw,
        file,
        code="AREA_CODE",
        name="AREA_NAME",
        age="AGE_GROUP",
        sex=raw["SEX"],
        years=_year_columns(
            raw,
            ["AREA_CODE", "AREA_NAME", "COMPONENT", "SEX", "AGE_GROUP"],
            file=file,
            layout="ons-snpp-csv",
        ),
        published=[c for c in raw.columns if c != "source_row"],
        open_top=False,
    )


def _clean_snpp_table(raw: pd.DataFrame, file: str, layout: str) -> pd.DataFrame:
    raw = raw.rename(columns=_snpp_renames(raw.columns))
    P.require_columns(raw, ["CODE", "AREA", "AGE GROUP"], file=file, layout=layout)
    published = [c for c in raw.columns if c not in {"source_row", "sheet"}]
    if layout == "ons-snpp-workbook":
        published = [c for c in published if c != "SEX"]
    if layout == "ons-snpp-table-csv":  # the workbook's codes were made plain as it was read
        raw = raw.assign(
            CODE=P.area_codes(raw["CODE"], file=file, column="CODE", rows=raw["source_row"])
        )
    raw = raw[_keep_areas(raw["CODE"].astype("string").str.strip()).to_numpy()]
    sex = raw["SEX"] if "SEX" in raw else pd.Series("persons", index=raw.index)
    return _snpp_long(
        raw,
        file,
        code="CODE",
        name="AREA",
        age="AGE GROUP",
        sex=sex,
        years=_year_columns(raw, ["CODE", "AREA", "AGE GROUP", "SEX"], file=file, layout=layout),
        published=published,
        open_top=False,
        sheet="sheet" if "sheet" in raw else None,
    )


def _snpp_long(
    raw: pd.DataFrame,
    file: str,
    *,
    code: str,
    name: str,
    age: str,
    sex: pd.Series,
    years: dict,
    published: list,
    open_top: bool,
    sheet: str | None = None,
) -> pd.DataFrame:
    raw = raw.assign(_sex=sex.astype(str).str.strip().str.lower().map(_SEX))
    if raw["_sex"].isna().any():
        i = raw.index[raw["_sex"].isna()][0]
        raise SourceError(
            f"sex {sex.loc[i]!r} is not persons/males/females",
            file=file,
            column="SEX",
            row=int(raw.loc[i, "source_row"]),
        )
    bad = [a for a in raw[age].unique() if parse_age(a) is None]
    if bad:
        i = raw.index[raw[age] == bad[0]][0]
        raise SourceError(
            f"age group {bad[0]!r} is not an age or an age range",
            file=file,
            column=age,
            row=int(raw.loc[i, "source_row"]),
        )
    ids = ["source_row", code, name, "_sex", age] + ([sheet] if sheet else [])
    long = _melt(raw, ids, list(years), "ycol")
    long = _with_ages(long, age, {a: parse_age(a) for a in raw[age].unique()})
    cells = P.parse_numbers(
        long["cell"],
        file=file,
        column=long["ycol"],
        rows=long["source_row"],
        sheet=long[sheet] if sheet else None,
    )
    col_no = {c: i + 1 for i, c in enumerate(published)}
    base = min(years.values())
    return _tidy(
        long,
        cells,
        code=code,
        name=name,
        year=_per_distinct(long["ycol"], lambda s: s.map(years)),
        estimate=f"{base}-based projection",
        sex=long["_sex"],
        source=SOURCE_SNPP,
        file=file,
        source_column=_per_distinct(long["ycol"], lambda s: s.map(col_no)).astype("int64"),
    )


def table_for(layout: str) -> str:
    """The processed table a layout's rows go to."""
    return PROJECTIONS_TABLE if layout in PROJECTION_LAYOUTS else TABLE


__all__ = ["LAYOUTS", "PROJECTION_LAYOUTS", "clean", "detect", "parse_age", "read", "table_for"]
