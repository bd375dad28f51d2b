"""MHCLG English Indices of Deprivation: local authority summaries (IoD 2019 Files 10 and 11).

Layout (``iod-la-summaries``), recognised by content: a workbook with one sheet per domain
(``IMD``, ``Income``, ``Employment``, ``Education``, ``Health``, ``Crime``, ``Barriers``,
``Living``, ``IDACI``, ``IDAOPI``), each a table whose header starts ``Upper Tier Local
Authority District code (2019)`` (File 11) or ``Local Authority District code (2019)``
(File 10), then the name, then the domain's summary measures headed ``<domain> - <measure>``
(``IMD - Average rank``, ``Income - Proportion  of LSOAs in most deprived 10% nationally``,
``Income scale``, ``IMD 2019 - Extent`` ...). The domain is read from each header's own
prefix, not the sheet name; the edition (2019) from the headers or the file's notes.

Measures kept (``measure``): ``average_rank``, ``average_score``,
``proportion_lsoas_most_deprived_10pct``, ``extent``, ``local_concentration``, ``scale``
and each one's ``rank_of_...`` (1 = the most deprived area). Ranks run over the areas of
the file (151 upper-tier councils in File 11, 317 districts in File 10).

Areas are on the boundaries of the edition (2019: Bournemouth, Christchurch and Poole and
Dorset unitary exist; Buckinghamshire and Northamptonshire are counties; Cumbria, North
Yorkshire and Somerset are counties). A rank or average cannot be split or combined, so
``la_code`` is the code published and ``la_code_current`` the council of today covering
the same area, where there is one (North Yorkshire and Somerset counties become the 2023
unitaries, Buckinghamshire county the 2020 unitary); ``boundary_note`` says why there is
none for Cumbria and Northamptonshire (see :func:`msp_analysis.geography.same_area_current`
and :func:`msp_analysis.geography.non_additive_for`).

``IDAOPI`` (income deprivation affecting older people) is the usual public proxy for the
share of older people who cannot pay for their own care, so for the self-funder share.
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

SOURCE = "MHCLG English Indices of Deprivation"
TABLE = "deprivation"
LAYOUT = "iod-la-summaries"

LAYOUTS: dict[str, str] = {
    LAYOUT: "MHCLG English Indices of Deprivation local authority summaries (File 11 upper-tier, "
    "File 10 lower-tier): sheets IMD, Income, Employment, Education, Health, Crime, Barriers, "
    "Living, IDACI, IDAOPI; header '[Upper Tier ]Local Authority District code (YYYY)', name, "
    "'<domain> - Average rank', '... - Rank of average rank', '... - Average score', ...",
}

#: header prefix (lower case) -> (domain code, domain name)
DOMAINS: dict[str, tuple[str, str]] = {
    "imd": ("IMD", "Index of Multiple Deprivation"),
    "index of multiple deprivation": ("IMD", "Index of Multiple Deprivation"),
    "income": ("Income", "Income"),
    "employment": ("Employment", "Employment"),
    "education, skills and training": ("Education", "Education, Skills and Training"),
    "health deprivation and disability": ("Health", "Health Deprivation and Disability"),
    "crime": ("Crime", "Crime"),
    "barriers to housing and services": ("Barriers", "Barriers to Housing and Services"),
    "living environment": ("Living", "Living Environment"),
    "idaci": ("IDACI", "Income Deprivation Affecting Children Index"),
    "idaopi": ("IDAOPI", "Income Deprivation Affecting Older People Index"),
}

#: measure (after the domain prefix) -> (measure, unit)
_MEASURES = (
    (r"rank of average rank", "rank_of_average_rank", "rank (1 = most deprived)"),
    (r"average rank", "average_rank", "average LSOA rank (1 = most deprived)"),
    (r"rank of average score", "rank_of_average_score", "rank (1 = most deprived)"),
    (r"average score", "average_score", "score"),
    (
        r"rank of proportion of lsoas in most deprived 10% nationally",
        "rank_of_proportion_lsoas_most_deprived_10pct",
        "rank (1 = most deprived)",
    ),
    (
        r"proportion of lsoas in most deprived 10% nationally",
        "proportion_lsoas_most_deprived_10pct",
        "proportion",
    ),
    (r"rank of extent", "rank_of_extent", "rank (1 = most deprived)"),
    (r"extent", "extent", "proportion"),
    (r"rank of local concentration", "rank_of_local_concentration", "rank (1 = most deprived)"),
    (r"local concentration", "local_concentration", "average LSOA rank (1 = most deprived)"),
    (r"rank of (?:\w+ )?scale", "rank_of_scale", "rank (1 = most deprived)"),
    (r"(?:\w+ )?scale", "scale", "people"),
)
_CODE_HEADER = re.compile(r"local authority district code(?:\s*\((\d{4})\))?", re.I)

TIDY_COLUMNS = [
    "la_code",
    "area_type",
    "la_name",
    "region_code",
    "la_code_current",
    "boundary_note",
    "year",
    "year_label",
    "domain_code",
    "domain",
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


def _norm(text: object) -> str:
    return re.sub(r"\s+", " ", str(text)).strip().lower()


def _header_row(frame: pd.DataFrame, max_rows: int = 10) -> int | None:
    for i in range(min(max_rows, len(frame))):
        if _CODE_HEADER.search(str(frame.iat[i, 0])):
            return i
    return None


def detect(path: str | Path) -> str | None:
    """The IoD layout when an ``IMD`` sheet has a 'Local Authority District code' header
    and an 'Average rank' column; None otherwise."""
    p = Path(path)
    if not P.is_spreadsheet(p):
        return None
    names = P.sheet_names_or_none(p) or []
    imd = next((n for n in names if n.strip().upper() == "IMD"), None)
    if imd is None:
        return None
    try:
        head = P.sheet_head(p, imd, 10)
    except SourceError:
        return None
    if head.empty:
        return None
    hdr = _header_row(head)
    if hdr is None:
        return None
    cells = [_norm(v) for v in head.iloc[hdr]]
    return LAYOUT if any(c.endswith("average rank") for c in cells) else None


def read(path: str | Path) -> pd.DataFrame:
    """Every domain sheet as published: one row a published cell (``sheet``, ``source_row``,
    ``source_column``, ``code``, ``name``, ``header``, ``cell``, ``code_header``).

    Raises:
        SourceError: a domain sheet without its code header row.
    """
    p = P.check_readable(path)
    if detect(p) is None:
        raise UnknownLayoutError(
            "this file is not an IoD summary this reader knows", LAYOUTS, file=p
        )
    names = [n for n in P.sheet_names(p) if n.strip().lower() != "notes"]
    sheets = P.read_sheets(p, names)
    frames = []
    for name in names:
        frame = sheets[name]
        if frame.dropna(how="all").empty:
            continue
        hdr = _header_row(frame)
        if hdr is None:
            raise SourceError(
                "no header row starting 'Local Authority District code' in the first 10 rows",
                file=p,
                sheet=name,
                column="A",
            )
        header = [P.tidy_label(v) for v in frame.iloc[hdr]]
        body = frame.iloc[hdr + 1 :]
        body = body[body.iloc[:, 0].notna()]
        cols = [j for j in range(2, len(header)) if header[j]]
        n_rows, n_cols = len(body), len(cols)
        frames.append(
            pd.DataFrame(
                {
                    "sheet": name,
                    "code_header": header[0],
                    "source_row": np.repeat(body.index.to_numpy() + 1, n_cols),
                    "source_column": np.tile(np.array(cols) + 1, n_rows),
                    "code": np.repeat(
                        P.area_codes(
                            body.iloc[:, 0],
                            file=p.name,
                            sheet=name,
                            column=str(header[0]),
                            rows=pd.Series(body.index.to_numpy() + 1, index=body.index),
                        )
                        .astype(str)
                        .to_numpy(),
                        n_cols,
                    ),
                    "name": np.repeat(body.iloc[:, 1].astype(str).str.strip().to_numpy(), n_cols),
                    "header": np.tile(np.array([header[j] for j in cols], dtype=object), n_rows),
                    "cell": body.iloc[:, cols].to_numpy(dtype=object).ravel(),
                }
            )
        )
    if not frames:
        raise SourceError("no domain sheet holds a table", file=p)
    raw = pd.concat(frames, ignore_index=True)
    notes = next((n for n in P.sheet_names(p) if n.strip().lower() == "notes"), None)
    raw.attrs.update(source_file=p.name, layout=LAYOUT, notes=_notes_text(p, notes))
    return raw


def _notes_text(p: Path, sheet: str | None) -> str:
    if sheet is None:
        return ""
    frame = P.read_sheets(p, [sheet])[sheet]
    return " ".join(str(v) for v in frame.to_numpy().ravel() if isinstance(v, str))[:5000]


def _domain_and_measure(header: str) -> tuple[str, str, str, str] | None:
    """'IDAOPI - Average score' -> ('IDAOPI', domain name, 'average_score', unit)."""
    text = _norm(header).replace("proportion  of", "proportion of")
    prefix, _, rest = text.partition(" - ")
    if not rest:  # 'Income scale', 'Rank of Income Scale': the domain inside the words
        for key in DOMAINS:
            if re.search(rf"\b{re.escape(key)}\b", text):
                prefix, rest = key, text
                break
        else:
            return None
    prefix = re.sub(r"\s+(?:19|20)\d{2}$", "", prefix)  # 'IMD 2019 - Extent'
    if prefix not in DOMAINS:
        return None
    code, name = DOMAINS[prefix]
    for pattern, measure, unit in _MEASURES:
        if re.fullmatch(pattern, re.sub(r"\s+", " ", rest).strip()):
            return code, name, measure, unit
    return None


def _edition(raw: pd.DataFrame) -> int | None:
    for text in [*raw["header"].drop_duplicates().astype(str), raw.attrs.get("notes", "")]:
        m = re.search(r"\b(?:IMD|IoD|Indices of Deprivation)\s*((?:19|20)\d{2})\b", text, re.I)
        if m:
            return int(m.group(1))
    years = raw["code_header"].astype(str).str.extract(r"\((\d{4})\)")[0].dropna()
    return int(years.iloc[0]) if len(years) else None


def clean(raw: pd.DataFrame) -> pd.DataFrame:
    """Tidy deprivation summaries: area x edition x domain x measure."""
    file = raw.attrs.get("source_file", "")
    P.require_columns(raw, ["sheet", "code", "name", "header", "cell"], file=file)
    parsed_headers = {}
    for sheet, header in raw.drop_duplicates(["sheet", "header"])[["sheet", "header"]].itertuples(
        index=False
    ):
        found = _domain_and_measure(str(header))
        if found is None:
            raise SourceError(
                f"column header {header!r} is not '<domain> - <summary measure>' of the "
                "Indices of Deprivation (average rank, average score, proportion of LSOAs in "
                "the most deprived 10%, extent, local concentration, scale, or their ranks)",
                file=file,
                sheet=sheet,
                column=str(header),
                row=1,
            )
        parsed_headers[(sheet, header)] = found
    year = _edition(raw)
    if year is None:
        raise SourceError(
            "no edition year (e.g. 'IMD 2019') in the headers or notes, and no '(YYYY)' after "
            "the code header",
            file=file,
            column="A",
            row=1,
        )
    code = raw["code"].astype("string").str.strip()
    area = geography.area_type(code)
    part = code.isin(geography.part_district_codes())
    area = area.where(~part, "district")
    problems = (
        (~code.str.match(r"^E\d{8}$").fillna(False), "is not an area code"),
        (
            area.eq("council") & ~code.isin(geography.known_codes()),
            "is not a council this tool knows",
        ),
    )
    for mask, problem in problems:
        if mask.any():
            i = mask[mask].index[0]
            raise SourceError(
                f"{raw.loc[i, 'code']!r} ({raw.loc[i, 'name']}) {problem}",
                file=file,
                sheet=raw.loc[i, "sheet"],
                column=str(raw.loc[i, "code_header"]),
                row=int(raw.loc[i, "source_row"]),
            )
    keep = area.isin(["council", "district"]).to_numpy()
    raw, code, area = raw[keep], code[keep], area[keep]
    headers = [parsed_headers[(s, h)] for s, h in zip(raw["sheet"], raw["header"])]
    parsed = P.parse_numbers(
        raw["cell"], file=file, column=raw["header"], rows=raw["source_row"], sheet=raw["sheet"]
    )
    current = {c: geography.same_area_current(c) for c in code.unique()}
    out = pd.DataFrame(
        {
            "la_code": code,
            "area_type": area.astype("string"),
            "la_name": raw["name"].astype("string"),
            "region_code": code.map({c: geography.region_of(c) for c in current}).astype("string"),
            "la_code_current": code.map({c: v[0] for c, v in current.items()}).astype("string"),
            "boundary_note": code.map({c: v[1] for c, v in current.items()}).astype("string"),
            "year": pd.array([year] * len(raw), dtype="Int64"),
            "year_label": f"IoD {year}",
            "domain_code": [f[0] for f in headers],
            "domain": [f[1] for f in headers],
            "measure": [f[2] for f in headers],
            "value": parsed.value,
            "unit": [f[3] for f in headers],
            "suppressed": parsed.suppressed,
            "marker": parsed.marker,
            "source": SOURCE,
            "source_file": file,
            "source_sheet": raw["sheet"].astype("string"),
            "source_row": raw["source_row"].astype("int64"),
            "source_column": raw["source_column"].astype("int64"),
        }
    )
    out = out[TIDY_COLUMNS].reset_index(drop=True)
    P.check_unique(out, ["la_code", "domain_code", "measure"], file=file)
    log.info(
        "%s: %d deprivation rows for %d areas (IoD %d)",
        file,
        len(out),
        out["la_code"].nunique(),
        year,
    )
    return out


__all__ = ["DOMAINS", "LAYOUTS", "TABLE", "clean", "detect", "read"]
