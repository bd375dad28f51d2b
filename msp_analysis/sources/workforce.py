"""Skills for Care NMDS-SC / ASC-WDS local authority workforce estimates.

Skills for Care publishes an "LA data download" workbook whose ``LA level data``
sheet has one row per council (``CSSR (LA area)``) x ``Sector`` x ``Service`` x
``Job role``, with columns such as ``Filled posts``, ``Vacancies``, ``Vacancy rate``,
``Turnover rate``. Job role labels were plain ('Care worker') up to 2019-20 and
prefixed from 2020-21 ('Individual role - Care worker', 'Job role group - Direct
care'); both are read, and the prefix is kept as ``job_role_level``.

No Skills for Care file could be obtained for this project (see shared DATA.md):
this reader follows the published layout as used in public code, is tested on the
embedded demo data, and will name any column it does not find. For every council,
ASCOF measure 6a (in the ``ascof`` table) carries Skills for Care turnover.
Rates are kept as published (``unit`` says whether a fraction or a percentage).
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

SOURCE = "Skills for Care ASC-WDS / NMDS-SC workforce estimates"
TABLE = "workforce"

LAYOUTS: dict[str, str] = {
    "sfc-la-data-download": "Skills for Care 'LA data download' workbook, sheet 'LA level data' "
    "(CSSR (LA area), Sector, Service, Job role, Filled posts, Vacancies, Vacancy rate, Turnover rate, ...), "
    "2017-18 onwards; year from a 'Year' column or the file name",
}

ID_COLUMNS = ["CSSR (LA area)", "Sector", "Service", "Job role"]
MEASURES = {
    "Filled posts": ("filled_posts", "posts"),
    "Employees": ("employees", "people"),
    "Posts": ("posts", "posts"),
    "Vacancies": ("vacancies", "posts"),
    "Vacancy rate": ("vacancy_rate", None),
    "Turnover rate": ("turnover_rate", None),
    "Starters": ("starters", "people"),
    "Leavers": ("leavers", "people"),
}
_ALIASES = {
    "cssr": "CSSR (LA area)",
    "local authority": "CSSR (LA area)",
    "la area": "CSSR (LA area)",
    "jobrole": "Job role",
}


def _canonical(col: object) -> str:
    text = P.tidy_label(col) or ""
    low = text.lower()
    for k, v in _ALIASES.items():
        if low == k:
            return v
    for name in [*ID_COLUMNS, *MEASURES, "Year"]:
        if low == name.lower():
            return name
    return text


def detect(path: str | Path) -> str | None:
    """'sfc-la-data-download' when a sheet has the LA level data header; else None."""
    p = Path(path)
    if P.is_text(p):
        cols = {_canonical(c) for c in P.text_header(p)}
        return "sfc-la-data-download" if {"CSSR (LA area)", "Job role"} <= cols else None
    if not P.is_spreadsheet(p):
        return None
    names = P.sheet_names_or_none(p) or []
    if any(n.strip().lower() == "la level data" for n in names):
        return "sfc-la-data-download"
    return None


def read(path: str | Path) -> pd.DataFrame:
    """The 'LA level data' sheet as published (header found by its 'Job role' cell)."""
    p = P.check_readable(path)
    if detect(p) is None:
        raise UnknownLayoutError(
            "this file is not a Skills for Care workforce file this reader knows", LAYOUTS, file=p
        )
    if P.is_text(p):
        raw = P.read_text_table(p)
        raw.columns = ["source_row", *[_canonical(c) for c in raw.columns[1:]]]
        sheet = None
    else:
        sheet = next(n for n in P.sheet_names(p) if n.strip().lower() == "la level data")
        frame = P.read_sheets(p, [sheet])[sheet]
        hdr = P.find_header_row(frame, "Job role", column=None, max_rows=20)
        if hdr is None:
            raise SourceError(
                "no 'Job role' header cell in the first 20 rows",
                file=p,
                sheet=sheet,
                column="Job role",
            )
        raw = frame.iloc[hdr + 1 :].copy()
        raw.columns = [_canonical(c) for c in frame.iloc[hdr]]
        raw = raw[raw.iloc[:, 0].notna()]
        raw.insert(0, "source_row", raw.index.to_numpy() + 1)
        raw = raw.reset_index(drop=True)
    year = None
    m = re.search(r"(20\d{2})[-_ ](\d{2})(?!\d)", p.stem)
    if m:
        year = P.fy_start(f"{m.group(1)}-{m.group(2)}")
    raw.attrs.update(source_file=p.name, layout="sfc-la-data-download", sheet=sheet, year=year)
    return raw


def clean(raw: pd.DataFrame) -> pd.DataFrame:
    """Tidy workforce: council x year x sector x service x job role x measure."""
    file = raw.attrs.get("source_file", "")
    sheet = raw.attrs.get("sheet")
    P.require_columns(raw, ID_COLUMNS, file=file, sheet=sheet, layout="sfc-la-data-download")
    present = [m for m in MEASURES if m in raw.columns]
    if not present:
        raise SourceError(
            f"none of the measure columns ({', '.join(MEASURES)}) is present",
            file=file,
            sheet=sheet,
            column="Turnover rate",
        )
    if "Year" in raw:
        year = raw["Year"].map(
            lambda v: (
                P.fy_start(v)
                if P.fy_start(v) is not None
                else (int(v) if str(v).isdigit() else None)
            )
        )
    else:
        year = pd.Series(raw.attrs.get("year"), index=raw.index)
    if year.isna().any():
        raise SourceError(
            "no 'Year' column and no year (e.g. 2023-24) in the file name",
            file=file,
            sheet=sheet,
            column="Year",
        )
    names = raw["CSSR (LA area)"].astype("string").str.strip()
    is_england = names.str.lower().eq("england")
    region_codes = {v.lower(): k for k, v in geography.REGIONS.items()}
    is_region = names.str.lower().isin(region_codes)
    codes = geography.codes_for_names(names)
    codes = codes.where(~is_england, geography.ENGLAND_CODE).where(
        ~is_region, names.str.lower().map(region_codes)
    )
    unknown = codes.isna()
    if unknown.any():
        i = unknown[unknown].index[0]
        raise SourceError(
            f"area {names[i]!r} is not a council, region or England",
            file=file,
            sheet=sheet,
            column="CSSR (LA area)",
            row=int(raw.loc[i, "source_row"]),
        )
    role = raw["Job role"].astype("string").str.strip()
    level = role.str.extract(r"^(Individual role|Job role group)\s*-\s*")[0].fillna("as published")
    role = role.str.replace(r"^(Individual role|Job role group)\s*-\s*", "", regex=True)
    pieces = []
    for col in present:
        measure, unit = MEASURES[col]
        parsed = P.parse_numbers(
            raw[col], file=file, column=col, rows=raw["source_row"], sheet=sheet
        )
        if unit is None:
            finite = parsed.value.dropna()
            unit = "fraction" if len(finite) and finite.abs().max() <= 1.0 else "percent"
        pieces.append(
            pd.DataFrame(
                {
                    "la_code": codes,
                    "area_type": geography.area_type(codes),
                    "la_name": names,
                    "region_code": codes.map(
                        {c: geography.region_of(c) for c in codes.unique()}
                    ).astype("string"),
                    "year": year.astype("Int64"),
                    "sector": raw["Sector"].astype("string").str.strip(),
                    "service": raw["Service"].astype("string").str.strip(),
                    "job_role": role,
                    "job_role_level": level.astype("string"),
                    "measure": measure,
                    "value": parsed.value,
                    "unit": unit,
                    "suppressed": parsed.suppressed,
                    "marker": parsed.marker,
                    "source": SOURCE,
                    "source_file": file,
                    "source_row": raw["source_row"].astype("int64"),
                    "source_column": raw.columns.get_loc(col),
                }
            )
        )
    out = pd.concat(pieces, ignore_index=True)
    out["year_label"] = P.fy_labels(out["year"])
    log.info("%s: %d workforce rows, %d suppressed", file, len(out), int(out["suppressed"].sum()))
    return out
