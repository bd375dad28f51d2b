"""ASCOF: Adult Social Care Outcomes Framework measures.

Two published layouts:

- ``ascof-open-data-long``: NHS Digital's open data file, one row per council x
  measure x disaggregation x measure type (2014-15 to 2022-23 releases; the year
  is not in the file, so it is taken from the file name, e.g. ``..._2020-21...``).
- ``ascof-timeseries-ods``: DHSC's time series workbook (2024-25 release onwards):
  one sheet per measure (``Table_1a`` ... ``Table_6b``), header row found by its
  ``Local authority code`` cell, one column per year x part
  (``2024 to 2025 - outcome``).

Measure codes were renumbered in the 2024-25 framework; ``framework`` says which
numbering a row uses and ``measure_code_2022`` gives the 2022-23 code where the
workbook's Contents sheet maps it. Measure 6a carries Skills for Care workforce
turnover and 6b CQC rating shares for every council.
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

SOURCE_LONG = "ASCOF open data (NHS Digital)"
SOURCE_ODS = "ASCOF time series (DHSC)"
TABLE = "ascof"

LAYOUTS: dict[str, str] = {
    "ascof-open-data-long": "ASCOF open data, long format: Geographical Code, Geographical Description, "
    "Geographical Level, ONS Code, ASCOF Measure Code, Disaggregation Level, Measure Type, Measure Value "
    "(xlsx or csv, 2014-15 to 2022-23; year from the file name)",
    "ascof-timeseries-ods": "ASCOF time series workbook (DHSC, 2024-25 onwards): sheets Table_1a..Table_6b, "
    "header 'Local authority code', 'Local authority', 'ONS area code', then 'YYYY to YYYY - part' columns",
}

_LONG_COLUMNS = [
    "Geographical Code",
    "Geographical Description",
    "Geographical Level",
    "ONS Code",
    "ASCOF Measure Code",
    "Disaggregation Level",
    "Measure Type",
    "Measure Value",
]
_TYPES = ["number of respondents", "margin of error", "numerator", "denominator", "outcome", "base"]
#: The breakdowns a time series column label may name before its part ('2024 to 2025 - good
#: numerator'): measure 6b's CQC ratings (read from the 2024-25 workbook; the other ratings
#: CQC gives are listed too). The publisher fixes these labels: any other is refused.
_DISAGGREGATIONS = {
    "Total",
    "6b",
    "good",
    "outstanding",
    "other",
    "not yet rated",
    "requires improvement",
    "inadequate",
}
COUNCIL_TYPES = {
    "S": "Shire Counties",
    "U": "Unitary Authorities",
    "M": "Metropolitan Districts",
    "I": "Inner London",
    "O": "Outer London",
}


def detect(path: str | Path) -> str | None:
    """Which ASCOF layout the file is in, by content; None if not ASCOF."""
    p = Path(path)
    if P.is_text(p):
        return "ascof-open-data-long" if set(_LONG_COLUMNS) <= set(P.text_header(p)) else None
    if not P.is_spreadsheet(p):
        return None
    names = P.sheet_names_or_none(p) or []
    if sum(bool(re.fullmatch(r"Table_\d[a-z](\(\w+\))?", n)) for n in names) >= 3:
        return "ascof-timeseries-ods"
    if 0 < len(names) <= 3:
        head = P.sheet_head(p, names[0], 3)  # a signature: the first rows only
        if P.find_header_row(head, "ASCOF Measure Code", column=None, max_rows=3) is not None:
            return "ascof-open-data-long"
    return None


def read(path: str | Path) -> pd.DataFrame:
    """The ASCOF file as published (long rows, or all Table sheets stacked as cells)."""
    p = P.check_readable(path)
    layout = detect(p)
    if layout is None:
        raise UnknownLayoutError(
            "this file is not an ASCOF file this reader knows", LAYOUTS, file=p
        )
    if layout == "ascof-open-data-long":
        if P.is_text(p):
            raw = P.read_text_table(p)
        else:
            sheets = P.read_sheets(p)
            name, sheet = next(
                (n, s)
                for n, s in sheets.items()
                if P.find_header_row(s, "ASCOF Measure Code", column=None, max_rows=3) is not None
            )
            hdr = P.find_header_row(sheet, "ASCOF Measure Code", column=None, max_rows=3)
            if hdr is None:  # the sheet was chosen because it has this header
                raise SourceError("no 'ASCOF Measure Code' header", file=p, sheet=name)
            raw = sheet.iloc[hdr + 1 :].copy()
            raw.columns = [str(c).strip() for c in sheet.iloc[hdr]]
            raw.insert(0, "source_row", raw.index.to_numpy() + 1)
            raw = raw.reset_index(drop=True)
            raw.attrs["sheet"] = name
        year = P.last_fy_in(p.stem.replace("_", " "))
        if year is None:
            m = re.search(r"(?<!\d)(20\d{2})(?!\d)", p.stem)
            year = int(m.group(1)) - 1 if m else None  # 'eng-2021' is the 2020-21 release
        raw.attrs["year"] = year
    else:
        raw = _read_ods(p)
    raw.attrs["source_file"] = p.name
    raw.attrs["layout"] = layout
    return raw


def _read_ods(p: Path) -> pd.DataFrame:
    sheets = P.read_sheets(p)
    contents = _contents(sheets.get("Contents"))
    frames = []
    for name, sheet in sheets.items():
        if not re.fullmatch(r"Table_\d[a-z](\(\w+\))?", name):
            continue
        hdr = P.find_header_row(sheet, "Local authority code", column=0, max_rows=20)
        if hdr is None:
            raise SourceError(
                "no 'Local authority code' header in the first 20 rows",
                file=p,
                sheet=name,
                column="Local authority code",
            )
        header = [P.tidy_label(v) for v in sheet.iloc[hdr]]
        if header[:3] != ["Local authority code", "Local authority", "ONS area code"]:
            raise SourceError(
                f"identifier columns are {header[:3]}",
                file=p,
                sheet=name,
                row=hdr + 1,
                column="ONS area code",
            )
        body = sheet.iloc[hdr + 1 :]
        body = body[body.iloc[:, 1].notna()]
        ons = P.area_codes(
            body.iloc[:, 2],
            file=p.name,
            sheet=name,
            column="ONS area code",
            rows=pd.Series(body.index.to_numpy() + 1, index=body.index),
        )
        cols = [j for j in range(3, len(header)) if header[j] is not None]
        no_figures = [
            j for j in cols if P.carries_no_figures(header[j]) or P.words_only(body.iloc[:, j])
        ]
        P.note_no_figures(p.name, [str(header[j]) for j in no_figures], sheet=name)
        cols = [j for j in cols if j not in no_figures]
        n_rows, n_cols = len(body), len(cols)
        frames.append(
            pd.DataFrame(
                {
                    "sheet": name,
                    "source_row": np.repeat(body.index.to_numpy() + 1, n_cols),
                    "source_column": np.tile(np.array(cols) + 1, n_rows),
                    "la_code_published": np.repeat(
                        body.iloc[:, 0].astype(str).str.strip().to_numpy(), n_cols
                    ),
                    "la_name": np.repeat(
                        body.iloc[:, 1].astype(str).str.strip().to_numpy(), n_cols
                    ),
                    "ons_code": np.repeat(ons.astype(str).to_numpy(), n_cols),
                    "header": np.tile(np.array([header[j] for j in cols], dtype=object), n_rows),
                    "cell": body.iloc[:, cols].to_numpy().ravel(),
                    "title": str(sheet.iat[0, 0]),
                }
            )
        )
    if not frames:
        raise UnknownLayoutError("no Table_ sheets with data", LAYOUTS, file=p)
    raw = pd.concat(frames, ignore_index=True)
    _check_complete(raw, sheets, contents, p)
    raw.attrs["contents"] = contents
    return raw


def _check_complete(raw: pd.DataFrame, sheets: dict, contents: dict, p: Path) -> None:
    """The time series workbook is whole: every table its Contents sheet lists is there,
    every table reaches the year on the cover, and every table has the same areas.

    Raises:
        SourceError: naming the sheet (and the column or missing areas).
    """
    tables = {n.replace("Table_", "").upper(): n for n in sheets if n.startswith("Table_")}
    for code in contents:
        if re.fullmatch(r"\d[A-Z](\(\w+\))?", code) and code not in tables:
            raise SourceError(
                f"the Contents sheet lists measure {code} but its sheet is missing "
                "(deleted or renamed)",
                file=p,
                sheet=f"Table_{code[0]}{code[1:].lower()}",
            )
    cover = sheets.get("Cover")
    file_year = None
    if cover is not None and len(cover):
        file_year = P.last_fy_in(" ".join(str(v) for v in cover.iloc[:3, 0]))
    headers = raw.drop_duplicates(["sheet", "header"])
    years = headers.assign(y=headers["header"].map(lambda h: _split_header(str(h))[0]))
    for sheet, group in years.groupby("sheet", sort=False):
        latest = group["y"].dropna().max()
        if file_year is not None and pd.notna(latest) and latest != file_year:
            col = group.loc[group["y"] == latest, "header"].iloc[0]
            raise SourceError(
                f"the latest year in this table's headers is {P.fy_label(int(latest))} but the "
                f"cover says the series runs to {P.fy_label(file_year)}",
                file=p,
                sheet=sheet,
                column=str(col),
            )
    # Each sheet's areas, each at its first row (a sheet repeats its area on every cell).
    pairs = raw[["sheet", "ons_code"]].drop_duplicates()
    code = pairs["ons_code"].astype("string")
    unknown = code.str.fullmatch(r"E\d{8}").fillna(False) & ~code.isin(geography.known_codes())
    if unknown.any():
        first = raw.loc[pairs.index[unknown.to_numpy()][0]]
        raise SourceError(
            f"{first['ons_code']!r} is not a council, region or England code this tool knows",
            file=p,
            sheet=first["sheet"],
            column="ONS area code",
            row=int(first["source_row"]),
        )
    # Compared on today's councils: a table may carry an area under its predecessor's code
    # (Table_4b has Dorset only as 'Dorset County' E10000009) or only in early years.
    today = {c: set(geography.successors(c) or [c]) for c in code.dropna().unique()}
    areas = pairs.groupby("sheet", sort=False)["ons_code"].agg(
        lambda c: set().union(*(today.get(x, {x}) for x in set(c) - {"nan", ""}))
    )
    everyone = set().union(*areas)
    for sheet, codes in areas.items():
        lost = sorted(everyone - codes)
        if lost:
            raise SourceError(
                f"{len(lost)} area row(s) that the other tables have are missing from this "
                f"table: {', '.join(lost[:5])}{' ...' if len(lost) > 5 else ''}",
                file=p,
                sheet=sheet,
                column="ONS area code",
            )


def _contents(sheet: pd.DataFrame | None) -> dict[str, tuple[str, str]]:
    if sheet is None:
        return {}
    hdr = P.find_header_row(sheet, "Metric", column=0, max_rows=15)
    if hdr is None:
        return {}
    cols = [P.tidy_label(v) or "" for v in sheet.iloc[hdr]]
    old = next((i for i, c in enumerate(cols) if "code" in c.lower()), None)
    out = {}
    for _, row in sheet.iloc[hdr + 1 :].iterrows():
        code = P.tidy_label(row.iloc[0])
        if code:
            out[code.upper()] = (
                P.tidy_label(row.iloc[1]) or "",
                (P.tidy_label(row.iloc[old]) or "") if old is not None else "",
            )
    return out


def _area(code_pub: pd.Series, ons: pd.Series, level: pd.Series | None = None) -> pd.DataFrame:
    """``la_code``, ``area_type`` and ``cassr_code`` of each row, worked out once for each
    distinct (published code, ONS code, level): every area repeats on many rows."""
    parts = {"code": code_pub, "ons": ons}
    if level is not None:
        parts["level"] = level
    keys = pd.DataFrame(parts, index=code_pub.index)
    group = keys.groupby(list(keys.columns), sort=False, dropna=False).ngroup().to_numpy()
    first = keys.iloc[np.unique(group, return_index=True)[1]]
    area = _area_of(first["code"], first["ons"], first["level"] if level is not None else None)
    return pd.DataFrame({c: area[c].array.take(group) for c in area}, index=code_pub.index)


def _area_of(code_pub: pd.Series, ons: pd.Series, level: pd.Series | None) -> pd.DataFrame:
    ons = ons.astype("string").str.strip()
    code_pub = code_pub.astype("string").str.strip()
    valid = ons.str.match(r"^E\d{8}$").fillna(False)
    is_type = code_pub.isin(COUNCIL_TYPES.keys())
    if level is not None:
        is_type = is_type | (level.astype("string") == "Council Type")
    la_code = ons.where(valid)
    la_code = la_code.where(~is_type, "council_type:" + code_pub)
    combined = la_code.isna()
    la_code = la_code.fillna("combined:" + code_pub)
    area = geography.area_type(la_code.where(valid, ""))
    area = area.where(~is_type, "council_type").where(~combined | is_type, "combined")
    cassr = code_pub.where(area == "council")
    return pd.DataFrame({"la_code": la_code, "area_type": area, "cassr_code": cassr})


def clean(raw: pd.DataFrame) -> pd.DataFrame:
    """Tidy ASCOF table: area x year x measure x disaggregation x measure type."""
    layout = raw.attrs.get("layout")
    file = raw.attrs.get("source_file", "")
    if layout == "ascof-open-data-long":
        out = _clean_long(raw, file)
    elif layout == "ascof-timeseries-ods":
        out = _clean_ods(raw, file)
    else:
        raise UnknownLayoutError(f"raw frame has layout {layout!r}", LAYOUTS, file=file)
    # The combined Cornwall and Isles of Scilly row is published beside its parts.
    names = {c: geography.council_name(c) for c in out["la_code"].unique()}
    out["region_code"] = (
        out["la_code"].map({c: geography.region_of(c) for c in names}).astype("string")
    )
    out["year_label"] = P.fy_labels(out["year"])
    cols = [
        "la_code",
        "area_type",
        "la_name",
        "cassr_code",
        "region_code",
        "year",
        "year_label",
        "framework",
        "measure_code",
        "measure_code_2022",
        "measure_description",
        "disaggregation",
        "measure_type",
        "value",
        "value_alternative",
        "unit",
        "suppressed",
        "marker",
        "source",
        "source_file",
        "source_sheet",
        "source_row",
        "source_column",
    ]
    out = out[cols].reset_index(drop=True)
    P.check_unique(
        out, ["la_code", "year", "measure_code", "disaggregation", "measure_type"], file=file
    )
    log.info("%s: %d ASCOF rows, %d marked", file, len(out), int(out["suppressed"].sum()))
    return out


def _clean_long(raw: pd.DataFrame, file: str) -> pd.DataFrame:
    sheet = raw.attrs.get("sheet")
    P.require_columns(raw, _LONG_COLUMNS, file=file, sheet=sheet, layout="ascof-open-data-long")
    year = raw.attrs.get("year")
    if year is None:
        raise SourceError(
            "the open data file has no year column and its name has no year; "
            "rename it with its year, e.g. ascof_open_data_2020-21.xlsx",
            file=file,
        )
    ons = P.area_codes(
        raw["ONS Code"], file=file, column="ONS Code", rows=raw["source_row"], sheet=sheet
    )
    area = _area(raw["Geographical Code"], ons, raw["Geographical Level"])
    parsed = P.parse_numbers(
        raw["Measure Value"], file=file, column="Measure Value", rows=raw["source_row"], sheet=sheet
    )
    mtype = raw["Measure Type"].astype(str).str.strip().str.lower()
    out = pd.DataFrame(
        {
            **{c: area[c] for c in area},
            "la_name": raw["Geographical Description"].astype("string").str.strip(),
            "year": pd.Series(year, index=raw.index, dtype="Int64"),
            "framework": "to 2022-23",
            "measure_code": raw["ASCOF Measure Code"].astype("string").str.strip().str.upper(),
            "measure_code_2022": raw["ASCOF Measure Code"].astype("string").str.strip().str.upper(),
            "measure_description": raw.get(
                "Measure Group Description", pd.Series("", index=raw.index)
            ).astype("string"),
            "disaggregation": raw["Disaggregation Level"].astype("string").str.strip(),
            "measure_type": mtype.str.replace(" ", "_").astype("string"),
            "value": parsed.value,
            "value_alternative": np.nan,
            "unit": np.where(mtype == "outcome", "outcome as published", "count"),
            "suppressed": parsed.suppressed,
            "marker": parsed.marker,
            "source": SOURCE_LONG,
            "source_file": file,
            "source_sheet": pd.Series(sheet, index=raw.index, dtype="string"),
            "source_row": raw["source_row"].astype("int64"),
            "source_column": raw.columns.get_loc("Measure Value"),
        }
    )
    return out


_BRACKETED = r"^\s*([-\d.,]+|\[?[a-z:]+\]?)\s*\(\s*([-\d.,]+|\[?[a-z:.]+\]?)\s*\)\s*$"


def split_bracketed(cells: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Split 'official (comparison)' cells such as '7.7 (7.6)'.

    From 2023-24 the carers' survey measures (1C, 1E, 3B, 3C(2), 5A(2)) publish the
    official score with, in brackets, the score on the earlier eligible population
    (Comparability_over_time_log). The official figure is the value; the bracketed
    one is kept beside it, never dropped silently.
    """
    # only text with a bracket can match: the regex runs on those cells alone
    maybe = np.fromiter(
        (isinstance(v, str) and "(" in v for v in cells.to_numpy(dtype=object)),
        dtype=bool,
        count=len(cells),
    )
    m = cells[maybe].astype("string").str.extract(_BRACKETED)
    found = m[m[0].notna()]
    official = cells.astype(object)  # a copy: the caller's cells stay as they are
    alternative = pd.Series(pd.NA, index=cells.index, dtype=object)
    if len(found):
        official.loc[found.index] = found[0].astype(object)
        alternative.loc[found.index] = found[1].astype(object)
    return official, alternative


def _split_header(label: str) -> tuple[int | None, str, str]:
    """'2023 to 2024 - good numerator' -> (2023, 'good', 'numerator')."""
    if " - " not in label:
        return None, "", ""
    period, part = label.split(" - ", 1)
    year = P.fy_start(period)
    part = part.strip().lower()
    for t in _TYPES:
        if part.endswith(t):
            return year, part[: -len(t)].strip() or "Total", t.replace(" ", "_")
    return year, part, "value"


def _clean_ods(raw: pd.DataFrame, file: str) -> pd.DataFrame:
    contents: dict = raw.attrs.get("contents", {})
    raw = raw.copy(deep=False)
    raw.attrs = {}  # pandas deep-copies attrs on every step: the contents are read above
    # Headers, sheets and titles repeat on every cell: each distinct one is worked out once
    # and taken back by position.
    by_header, headers = pd.factorize(raw["header"])
    split = [_split_header(h) for h in headers]
    bad = [h for h, (y, _, _) in zip(headers, split) if y is None]
    if bad:
        first = raw[raw["header"] == bad[0]].iloc[0]
        raise SourceError(
            f"column header {bad[0]!r} is not 'YYYY to YYYY - part'",
            file=file,
            sheet=first["sheet"],
            column=bad[0],
            row=int(first["source_row"]) - 1,
        )
    unknown = [
        h for h, (_, d, t) in zip(headers, split) if t == "value" or d not in _DISAGGREGATIONS
    ]
    if unknown:
        first = raw[raw["header"] == unknown[0]].iloc[0]
        raise SourceError(
            f"column label {unknown[0]!r} names a part these tables have never used; known "
            f"parts: {', '.join(_TYPES)}, each alone or after one of "
            f"{', '.join(sorted(_DISAGGREGATIONS - {'Total'}))}",
            file=file,
            sheet=first["sheet"],
            column=P.column_letter(int(first["source_column"])),
            row=int(first["source_row"]) - 1,
        )
    year = pd.array([y for y, _, _ in split], dtype="Int64").take(by_header)
    disagg = pd.array([d for _, d, _ in split], dtype="string").take(by_header)
    mtype = pd.array([t for _, _, t in split], dtype="string").take(by_header)
    by_sheet, sheets = pd.factorize(raw["sheet"])
    codes = [s.replace("Table_", "").upper() for s in sheets]
    by_title, titles = pd.factorize(raw["title"])
    desc = pd.Series(
        pd.array([contents.get(c, ("", ""))[0] or "" for c in codes], dtype="string").take(by_sheet)
    )
    title_text = [re.sub(r"^Table [^:]*:\s*", "", t) for t in titles]
    desc = desc.where(desc != "", pd.Series(pd.array(title_text, dtype="string").take(by_title)))
    area = _area(raw["la_code_published"], raw["ons_code"])
    official, alternative = split_bracketed(raw["cell"])
    parsed = P.parse_numbers(
        official, file=file, column=raw["header"], rows=raw["source_row"], sheet=raw["sheet"]
    )
    given = alternative.notna().to_numpy()  # few cells carry a bracketed comparison
    alt_value = pd.Series(np.nan, index=raw.index)
    alt_value.loc[given] = P.parse_numbers(
        alternative[given],
        file=file,
        column=raw["header"][given],
        rows=raw["source_row"][given],
        sheet=raw["sheet"][given],
    ).value
    out = pd.DataFrame(
        {
            **{c: area[c] for c in area},
            "la_name": raw["la_name"].astype("string"),
            "year": year,
            "framework": "2023-24 onwards",
            "measure_code": pd.array(codes, dtype="string").take(by_sheet),
            "measure_code_2022": pd.array(
                [contents.get(c, ("", ""))[1] or pd.NA for c in codes], dtype="string"
            ).take(by_sheet),
            "measure_description": desc.array,
            "disaggregation": disagg,
            "measure_type": mtype,
            "value": parsed.value,
            "value_alternative": alt_value,
            "unit": np.where(mtype == "outcome", "outcome as published", "count"),
            "suppressed": parsed.suppressed,
            "marker": parsed.marker,
            "source": SOURCE_ODS,
            "source_file": file,
            "source_sheet": raw["sheet"].astype("string"),
            "source_row": raw["source_row"].astype("int64"),
            "source_column": raw["source_column"].astype("int64"),
        }
    )
    return out
