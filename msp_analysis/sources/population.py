"""ONS population: mid-year estimates and subnational projections, by single year of age.

Layouts (see :data:`LAYOUTS`):

- ``ons-mye2-workbook``: ONS "population estimates for the UK ..." workbook, sheets
  ``MYE2 - Persons`` / ``- Males`` / ``- Females``: Code, Name, Geography, All ages,
  0..89, 90+ (header row found by its ``Code`` cell). Year from the title.
- ``nomis-mye-csv``: a Nomis API CSV export: GEOGRAPHY_NAME, GEOGRAPHY_CODE, DATE_NAME,
  GENDER_NAME, C_AGE_NAME ('Age 0' ... 'Aged 90+', 'All Ages'), OBS_VALUE.
- ``ons-snpp-csv``: ONS subnational population projections, persons/males/females CSV:
  AREA_CODE, AREA_NAME, COMPONENT, SEX, AGE_GROUP ('0'..'89', '90 and over', 'All ages'),
  then one column per year.

Upper-tier (council) rows are counties, unitary authorities, metropolitan districts
and London boroughs; districts and metropolitan counties are dropped so nothing is
counted twice. England and region rows are kept, marked by ``area_type``.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pandas as pd

from msp_analysis import geography
from msp_analysis.errors import SourceError, UnknownLayoutError
from msp_analysis.sources import _parsing as P

log = logging.getLogger(__name__)

SOURCE_MYE = "ONS mid-year population estimates"
SOURCE_SNPP = "ONS subnational population projections"
TABLE = "population"

LAYOUTS: dict[str, str] = {
    "ons-mye2-workbook": "ONS MYE workbook with sheets 'MYE2 - Persons/Males/Females' (Code, Name, Geography, "
    "All ages, 0..89, 90+), mid-2012 onwards",
    "nomis-mye-csv": "Nomis CSV export of mid-year estimates (GEOGRAPHY_NAME, GEOGRAPHY_CODE, DATE_NAME, "
    "GENDER_NAME, C_AGE_NAME, OBS_VALUE)",
    "ons-snpp-csv": "ONS subnational population projections CSV (AREA_CODE, AREA_NAME, COMPONENT, SEX, "
    "AGE_GROUP, one column per year), 2014-based onwards",
}

UPPER_TIER = {"County", "Unitary Authority", "Metropolitan District", "London Borough"}
_SEX = {
    "persons": "Persons",
    "total": "Persons",
    "all persons": "Persons",
    "males": "Males",
    "male": "Males",
    "females": "Females",
    "female": "Females",
    "1": "Males",
    "2": "Females",
}


def detect(path: str | Path) -> str | None:
    """Which population layout the file is in, by content; None if not population."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in P.TEXT_SUFFIXES:
        cols = set(P.text_header(p))
        signatures = {
            "nomis-mye-csv": {"GEOGRAPHY_CODE", "C_AGE_NAME", "OBS_VALUE"},
            "ons-snpp-csv": {"AREA_CODE", "AGE_GROUP", "SEX"},
        }
        for layout, required in signatures.items():
            if P.has_columns(cols, required, layout=layout, file=p):
                return layout
        return None
    if suffix in P.SPREADSHEET_SUFFIXES:
        names = P.sheet_names_or_none(p) or []
        if any(re.fullmatch(r"MYE ?2\s*-\s*(Persons|All)", n.strip()) for n in names):
            return "ons-mye2-workbook"
    return None


def read(path: str | Path) -> pd.DataFrame:
    """The population file as published (MYE2 sheets stacked, or CSV rows as text)."""
    p = P.check_readable(path)
    layout = detect(p)
    if layout is None:
        raise UnknownLayoutError(
            "this file is not a population file this reader knows", LAYOUTS, file=p
        )
    if layout == "ons-mye2-workbook":
        names = [n for n in P.sheet_names(p) if re.fullmatch(r"MYE ?2\s*-\s*\w+", n.strip())]
        sheets = P.read_sheets(p, names)
        frames = []
        for name, sheet in sheets.items():
            hdr = P.find_header_row(sheet, "Code", column=0, max_rows=20)
            if hdr is None:
                raise SourceError(
                    "no header row starting 'Code' in the first 20 rows",
                    file=p,
                    sheet=name,
                    column="Code",
                )
            title = str(sheet.iat[0, 0])
            body = sheet.iloc[hdr + 1 :].copy()
            body.columns = [P.tidy_label(c) for c in sheet.iloc[hdr]]
            body = body[body["Code"].notna()]
            body.insert(0, "source_row", body.index.to_numpy() + 1)
            body.insert(1, "sheet", name)
            body.insert(2, "title", title)
            frames.append(body.reset_index(drop=True))
        raw = pd.concat(frames, ignore_index=True)
        raw.attrs["file_year"] = _cover_year(p)
    else:
        raw = P.read_text_table(p)
    raw.attrs["source_file"] = p.name
    raw.attrs["layout"] = layout
    return raw


def _age_value(label: str) -> tuple[int | None, str]:
    """('Age 7' | '7' | '7.0') -> (7, '7'); ('Aged 90+' | '90 and over' | '90+') -> (90, '90+'); totals -> (None, 'All ages')."""
    s = str(label).strip().lower()
    if s in {"all ages", "all age", "total"}:
        return None, "All ages"
    m = re.fullmatch(r"(?:aged?\s*)?(\d+)(?:\.0)?\s*(\+|and over|or over)?", s)
    if not m:
        return -1, str(label)
    age = int(m.group(1))
    return age, f"{age}+" if m.group(2) else str(age)


def clean(raw: pd.DataFrame) -> pd.DataFrame:
    """Tidy population: area x year x sex x single year of age (``age`` 90 means 90+).

    The 'All ages' total is kept as ``age_label`` 'All ages' with ``age`` missing.
    """
    layout = raw.attrs.get("layout")
    file = raw.attrs.get("source_file", "")
    if layout == "ons-mye2-workbook":
        out = _clean_mye2(raw, file)
    elif layout == "nomis-mye-csv":
        out = _clean_nomis(raw, file)
    elif layout == "ons-snpp-csv":
        out = _clean_snpp(raw, file)
    else:
        raise UnknownLayoutError(f"raw frame has layout {layout!r}", LAYOUTS, file=file)
    out["region_code"] = (
        out["la_code"]
        .map({c: geography.region_of(c) for c in out["la_code"].unique()})
        .astype("string")
    )
    out["year_label"] = out["year"].astype("string")
    cols = [
        "la_code",
        "area_type",
        "la_name",
        "region_code",
        "year",
        "year_label",
        "estimate",
        "sex",
        "age",
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
    out = out[cols].reset_index(drop=True)
    P.check_unique(out, ["la_code", "year", "estimate", "sex", "age_label"], file=file)
    if layout == "nomis-mye-csv":
        _check_every_age(out, file, "C_AGE_NAME")
    log.info("%s: %d population rows for %d areas", file, len(out), out["la_code"].nunique())
    return out


def _keep_areas(codes: pd.Series, geog: pd.Series | None) -> pd.Series:
    area = geography.area_type(codes)
    keep = area.isin(["england", "region", "council"])
    if geog is not None:
        g = geog.astype("string").str.strip()
        keep &= (area != "council") | g.isin(UPPER_TIER)
    return keep


def _melt_ages(
    frame: pd.DataFrame, age_cols: list[str], file: str, id_cols: list[str], sheet=None
) -> pd.DataFrame:
    long = frame.melt(id_vars=id_cols, value_vars=age_cols, var_name="age_col", value_name="cell")
    parsed_age = {c: _age_value(c) for c in age_cols}
    bad = [c for c, (a, _) in parsed_age.items() if a == -1]
    if bad:
        raise SourceError(
            f"age column {bad[0]!r} is not an age", file=file, sheet=sheet, column=bad[0]
        )
    long["age"] = long["age_col"].map({c: v[0] for c, v in parsed_age.items()}).astype("Int64")
    long["age_label"] = (
        long["age_col"].map({c: v[1] for c, v in parsed_age.items()}).astype("string")
    )
    published = [c for c in frame.columns if c not in {"source_row", "sheet", "title"}]
    long["source_column"] = long["age_col"].map({c: i + 1 for i, c in enumerate(published)})
    return long


def _clean_mye2(raw: pd.DataFrame, file: str) -> pd.DataFrame:
    P.require_columns(
        raw, ["Code", "Name", "Geography", "All ages"], file=file, layout="ons-mye2-workbook"
    )
    raw = raw.copy()
    raw["Code"] = raw["Code"].astype("string").str.strip()
    raw = raw[_keep_areas(raw["Code"], raw["Geography"]).to_numpy()]
    age_cols = [
        c
        for c in raw.columns
        if c not in {"source_row", "sheet", "title", "Code", "Name", "Geography"}
    ]
    long = _melt_ages(raw, age_cols, file, ["source_row", "sheet", "title", "Code", "Name"])
    parsed = P.parse_numbers(
        long["cell"],
        file=file,
        column=long["age_col"],
        rows=long["source_row"],
        sheet=long["sheet"],
    )
    years = {t: _mid_year(t) for t in long["title"].unique()}
    if any(v is None for v in years.values()):
        raise SourceError(
            "cannot find 'mid-YYYY' in the sheet title", file=file, sheet=str(long["sheet"].iloc[0])
        )
    cover = raw.attrs.get("file_year")
    for title, y in years.items():
        if cover is not None and y != cover:
            sheet = str(long.loc[long["title"] == title, "sheet"].iloc[0])
            raise SourceError(
                f"the sheet title says mid-{y} but the workbook's cover says {cover}: {title!r}",
                file=file,
                sheet=sheet,
                column="A",
                row=1,
            )
    sex = long["sheet"].str.split("-").str[-1].str.strip().str.lower().map(_SEX)
    if sex.isna().any():
        bad = str(long.loc[sex.isna(), "sheet"].iloc[0])
        raise SourceError(
            f"sheet {bad!r} is not Persons, Males or Females (renamed?)", file=file, sheet=bad
        )
    return pd.DataFrame(
        {
            "la_code": long["Code"].astype("string"),
            "area_type": geography.area_type(long["Code"]),
            "la_name": long["Name"].astype("string").str.strip(),
            "year": long["title"].map(years).astype("Int64"),
            "estimate": "mid-year estimate",
            "sex": sex.astype("string"),
            "age": long["age"],
            "age_label": long["age_label"],
            "value": parsed.value,
            "unit": "people",
            "suppressed": parsed.suppressed,
            "marker": parsed.marker,
            "source": SOURCE_MYE,
            "source_file": file,
            "source_row": long["source_row"].astype("int64"),
            "source_column": long["source_column"].astype("int64"),
        }
    )


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


def _cover_year(p: Path) -> int | None:
    """The year on the workbook's first (cover) sheet: 'June 2021' or 'mid-2021'."""
    first = P.sheet_names(p)[0]
    for v in P.read_sheets(p, [first])[first].iloc[:10].to_numpy().ravel():
        m = re.search(r"(?:mid-|June )(\d{4})", str(v), flags=re.I)
        if m:
            return int(m.group(1))
    return None


def _mid_year(title: str) -> int | None:
    m = re.search(r"mid-(\d{4})", str(title), flags=re.I)
    return int(m.group(1)) if m else None


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
    raw = raw[_keep_areas(raw["GEOGRAPHY_CODE"].str.strip(), None).to_numpy()]
    ages = raw["C_AGE_NAME"].map({a: _age_value(a) for a in raw["C_AGE_NAME"].unique()})
    bad = ages.map(lambda t: t[0] == -1)
    if bad.any():
        i = bad[bad].index[0]
        raise SourceError(
            f"age {raw.loc[i, 'C_AGE_NAME']!r} is not an age",
            file=file,
            column="C_AGE_NAME",
            row=int(raw.loc[i, "source_row"]),
        )
    sex = raw["GENDER_NAME"].str.strip().str.lower().map(_SEX)
    if sex.isna().any():
        i = sex[sex.isna()].index[0]
        raise SourceError(
            f"sex {raw.loc[i, 'GENDER_NAME']!r} is not Total/Male/Female",
            file=file,
            column="GENDER_NAME",
            row=int(raw.loc[i, "source_row"]),
        )
    year = pd.to_numeric(raw["DATE_NAME"].str.extract(r"(\d{4})")[0], errors="coerce")
    parsed = P.parse_numbers(
        raw["OBS_VALUE"], file=file, column="OBS_VALUE", rows=raw["source_row"]
    )
    code = raw["GEOGRAPHY_CODE"].str.strip().astype("string")
    return pd.DataFrame(
        {
            "la_code": code,
            "area_type": geography.area_type(code),
            "la_name": raw["GEOGRAPHY_NAME"].astype("string").str.strip(),
            "year": year.astype("Int64"),
            "estimate": "mid-year estimate",
            "sex": sex.astype("string"),
            "age": ages.map(lambda t: t[0]).astype("Int64"),
            "age_label": ages.map(lambda t: t[1]).astype("string"),
            "value": parsed.value,
            "unit": "people",
            "suppressed": parsed.suppressed,
            "marker": parsed.marker,
            "source": SOURCE_MYE + " (via Nomis)",
            "source_file": file,
            "source_row": raw["source_row"].astype("int64"),
            "source_column": raw.columns.get_loc("OBS_VALUE"),
        }
    )


def _clean_snpp(raw: pd.DataFrame, file: str) -> pd.DataFrame:
    P.require_columns(
        raw,
        ["AREA_CODE", "AREA_NAME", "COMPONENT", "SEX", "AGE_GROUP"],
        file=file,
        layout="ons-snpp-csv",
    )
    raw = raw[raw["COMPONENT"].str.strip().str.lower().eq("population")]
    raw = raw[_keep_areas(raw["AREA_CODE"].str.strip(), None).to_numpy()]
    year_cols = [c for c in raw.columns if re.fullmatch(r"\d{4}", str(c))]
    if not year_cols:
        raise SourceError(
            "no year columns (e.g. '2018', '2019', ...)", file=file, column="year columns"
        )
    base = min(int(c) for c in year_cols)
    long = raw.melt(
        id_vars=["source_row", "AREA_CODE", "AREA_NAME", "SEX", "AGE_GROUP"],
        value_vars=year_cols,
        var_name="year",
        value_name="cell",
    )
    ages = long["AGE_GROUP"].map({a: _age_value(a) for a in long["AGE_GROUP"].unique()})
    bad = ages.map(lambda t: t[0] == -1)
    if bad.any():
        i = bad[bad].index[0]
        raise SourceError(
            f"age group {long.loc[i, 'AGE_GROUP']!r} is not a single year of age",
            file=file,
            column="AGE_GROUP",
            row=int(long.loc[i, "source_row"]),
        )
    sex = long["SEX"].str.strip().str.lower().map(_SEX)
    parsed = P.parse_numbers(long["cell"], file=file, column=long["year"], rows=long["source_row"])
    code = long["AREA_CODE"].str.strip().astype("string")
    return pd.DataFrame(
        {
            "la_code": code,
            "area_type": geography.area_type(code),
            "la_name": long["AREA_NAME"].astype("string").str.strip(),
            "year": long["year"].astype(int).astype("Int64"),
            "estimate": f"{base}-based projection",
            "sex": sex.astype("string"),
            "age": ages.map(lambda t: t[0]).astype("Int64"),
            "age_label": ages.map(lambda t: t[1]).astype("string"),
            "value": parsed.value,
            "unit": "people",
            "suppressed": parsed.suppressed,
            "marker": parsed.marker,
            "source": SOURCE_SNPP,
            "source_file": file,
            "source_row": long["source_row"].astype("int64"),
            "source_column": long["year"]
            .map({c: raw.columns.get_loc(c) for c in year_cols})
            .astype("int64"),
        }
    )


__all__ = ["LAYOUTS", "clean", "detect", "read"]
