"""Embedded demo data: fictional councils written in the publishers' own layouts.

``write(raw_dir)`` writes, deterministically (fixed seed), a set of raw files that
the real readers read exactly as they read published files:

- an "ASC-FR and SALT data tables" workbook (every finance and SALT table the
  readers know, multi-row merged headers, spacer rows, England and region rows,
  footnotes, ``[c]`` for SALT counts under 5 and ``[x]`` for a council that did not
  submit one year);
- an ASCOF time series workbook (Table_1a, Table_2c, Table_6a, Table_6b with ``[x]``,
  ``[c]`` and ``[z]`` markers and a bracketed comparison value);
- ONS MYE2 workbooks (mid-2021, mid-2022, with a district under the county so the
  upper-tier filter is exercised) and a subnational projection CSV;
- a CQC care directory (HSCA Active Locations) and a latest-ratings workbook;
- a Skills for Care "LA data download" workbook (``*`` for suppressed cells).

The councils are fictional (codes ``E..9000..``, see ``data/demo_councils.csv``); a
``DEMO_DATA.txt`` marker makes every table built from the folder carry a DEMO label.
"""

from __future__ import annotations

import itertools
import logging
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from msp_analysis import geography
from msp_analysis.sources import ascfr, salt
from msp_analysis.sources._parsing import fy_label

log = logging.getLogger(__name__)

SEED = 20261123
RELEASE = 2022  # the demo workbook is the "2022-23" release
REGION_NAMES = geography.REGIONS

_AGE = ["18 to 64", "65 and over"]
_SALT_SETTINGS = [
    "Nursing\n",
    "Residential\n",
    "Community\nDirect Payment Only",
    "Community\nCASSR Managed Personal Budget",
    "Community\nCASSR Commissioned Support Only",
    "Prison\nCASSR Managed Personal Budget",
]
_FIN_SETTINGS = [
    "Nursing",
    "Residential",
    "Supported Accommodation",
    "Community: Direct Payments",
    "Community: Home Care",
    "Community: Supported Living",
    "Community: Other Long Term Care",
]
_PSR = [
    "Physical Support",
    "Sensory Support",
    "Support with Memory and Cognition",
    "Learning Disability Support",
    "Mental Health Support",
]
_CARE = ["Long Term Care", "Short Term Care"]
_ROUTES = ["Discharge from Hospital", "Community / Other Route", "Prison"]
_NEXT = [
    "Short Term Care: to maximise independence",
    "Long Term Care: Residential",
    "Long Term Care: Community",
    "Ongoing Low Level Support",
    "Universal Services/ Signposted to other services",
    "No Services Provided",
]
_STMAX_NEXT = [
    "Early Cessation of Service (not leading to long term support)",
    "Long Term Support\n",
    "Ongoing Low Level Support\n",
    "No Services Provided\nNo identified needs",
]
_OTHER = [
    "Social Support: Substance Misuse Support",
    "Social Support: Support to Carers",
    "Assistive Equipment and Technology",
    "Information and Early Intervention",
    "Commissioning and Service Delivery",
]

# Header label lists for each dimension, and how a "Total" column is written.
_LEVEL_LABELS = {
    "age_band": _AGE,
    "support_setting": _SALT_SETTINGS,
    "primary_support_reason": _PSR,
    "care_type": _CARE,
    "provision": ["In House", "External"],
    "route_of_access": _ROUTES,
    "what_happened_next": _NEXT,
}


def _sheet(rows: list[list]) -> pd.DataFrame:
    """A sheet of ragged rows (title lines above a wide table), padded to one width."""
    width = max(len(r) for r in rows)
    return pd.DataFrame([list(r) + [None] * (width - len(r)) for r in rows])


def councils() -> pd.DataFrame:
    """The fictional demo councils."""
    return geography.councils(status="demo")


def _rng() -> np.random.Generator:
    return np.random.default_rng(SEED)


def _round5(x: np.ndarray | float) -> np.ndarray:
    return (np.round(np.asarray(x, dtype=float) / 5) * 5).astype(int)


def _salt_cell(v: float) -> object:
    """SALT publishing rule: round to 5, show 0-4 as [c]."""
    return "[c]" if v < 5 else int(_round5(v))


# ---------------------------------------------------------------- workbook ----------


def _paths(spec, labels_for) -> list[tuple[str | None, ...]]:
    """Column header paths for a table spec, with 'Total' columns as the real tables have them.

    The last level gets a 'Total' column within each group (not for year or measure
    levels); a top-level 'Total' group (with no sub-levels, but one per year where a
    year level exists) closes the table unless the top level is a measure or year.
    """
    levels = spec.levels
    lists = []
    for i, lv in enumerate(levels):
        labels = list(labels_for(spec, lv))
        if i == len(levels) - 1 and lv not in {"year", "measure"}:
            labels.append("Total")
        lists.append(labels)
    paths = list(itertools.product(*lists))
    if len(levels) > 1 and levels[0] not in {"year", "measure"}:
        if "year" in levels[1:]:
            yi = levels.index("year")
            for y in lists[yi]:
                paths.append(
                    tuple(
                        "Total" if i == 0 else (y if i == yi else None) for i in range(len(levels))
                    )
                )
        else:
            paths.append(("Total",) + (None,) * (len(levels) - 1))
    return paths


def _labels_for(spec, level: str) -> list[str]:
    if level == "year":
        return (
            [fy_label(RELEASE - 1), fy_label(RELEASE)]
            if spec.ref != "T2"
            else [fy_label(RELEASE - 2), fy_label(RELEASE - 1), fy_label(RELEASE)]
        )
    if level == "measure":
        return list(spec.measures)
    if level == "support_setting":
        if spec.ref in {"T43", "T44"}:
            return _FIN_SETTINGS
        if spec.ref in {"T52", "T53", "T54"}:
            return ["Nursing", "Residential"]
        return _SALT_SETTINGS
    if level == "primary_support_reason" and spec.ref == "T46":
        return _OTHER
    if level == "what_happened_next" and spec.ref == "T22":
        return _STMAX_NEXT
    if level == "provision" and spec.ref == "T55":
        return ["External", "In House"]
    return _LEVEL_LABELS[level]


_TITLES = {
    "T2": "Table 2: Summary figures regarding Adult Social Care activity, year on year comparison, {y2}, {y1} and {y0}",
    "T8": "Table 8: Number of requests for support received from new clients, by age band and route of access, {y0}",
    "T10": "Table 10: Number of requests for support received from new clients aged 18 to 64, by what happened next, {y0}",
    "T11": "Table 11: Number of requests for support received from new clients aged 65 and over, by what happened next, {y0}",
    "T15": "Table 15: Gross Current Expenditure, by care type, year on year comparison, {y1} to {y0}",
    "T17": "Table 17: Gross Current Expenditure on long and short term care, by care type and age band, year on year comparison, {y1} to {y0}",
    "T18": "Table 18: Gross Current Expenditure on long and short term care combined, by age band and primary support reason, {y0}",
    "T19": "Table 19: Gross Current Expenditure on long and short term care for clients aged 18 to 64, by care type and primary support reason, {y0}",
    "T20": "Table 20: Gross Current Expenditure on long and short term care for clients aged 65 and over, by care type and primary support reason, {y0}",
    "T22": "Table 22: Number of completed episodes of ST-Max for new clients, by what happened next, {y0}",
    "T33": "Table 33: Number of clients accessing long term support during the year, at the end of the year (31 March) and for more than 12 months, {y0}",
    "T34": "Table 34: Number of clients accessing long term support during the year, by age band and support setting, {y0}",
    "T37": "Table 37: Number of clients accessing long term support at the end of the year, by age band and primary support reason, {y0}",
    "T38": "Table 38: Number of clients accessing long term support at the end of the year, by age band and support setting, {y0}",
    "T43": "Table 43: Gross Current Expenditure on long term care for clients aged 18 to 64, by support setting, {y0}",
    "T44": "Table 44: Gross Current Expenditure on long term care for clients aged 65 and over, by support setting, {y0}",
    "T46": "Table 46: Gross Current Expenditure on other (not long or short term) social care, by primary support reason, {y0}",
    "T51": "Table 51: Unit costs, average weighted standard hourly rate for the provision of home care by activity provision, year on year comparison, {y1} and {y0}",
    "T52": "Table 52: Unit costs for clients accessing long term support, by support setting and age band, year on year comparison, {y1} and {y0}",
    "T53": "Table 53: Unit costs for clients aged 18 to 64 accessing residential or nursing long term support, by support setting and primary support reason, {y0}",
    "T54": "Table 54: Unit costs for clients aged 65 and over accessing residential or nursing long term support, by support setting and primary support reason, {y0}",
    "T55": "Table 55: Unit costs for clients accessing residential long term support, by provision type and age band, year on year comparison, {y1} and {y0}",
}
_UNITS = {"ASC-FR": "£ Thousands", "SALT": "Numbers"}


def _council_scale(rng) -> pd.DataFrame:
    c = councils().copy()
    c["pop18"] = rng.integers(150_000, 900_000, len(c))
    c["share65"] = rng.uniform(0.18, 0.30, len(c))
    c["trend"] = rng.uniform(0.01, 0.05, len(c))
    return c


def _value(spec, path, council, rng, source: str) -> float:
    """A plausible value for one cell, scaled by council size and the cell's labels."""
    size = council["pop18"] / 400_000
    text = " ".join(p for p in path if p).lower()
    is_total = "total" in text
    if spec.unit in {"£ per week"}:
        base: float = 1100 if "nursing" in text else 900
        base *= 1.5 if "18 to 64" in text or "learning" in text else 1.0
        return float(base * rng.uniform(0.85, 1.2) * (1.04 if str(RELEASE) in text else 1.0))
    if spec.unit == "£ per hour":
        return float((32 if "in house" in text else 21) * rng.uniform(0.9, 1.15))
    if source == "ASC-FR":
        base = 9000 * size * (4 if is_total else 1)
        return float(round(base * rng.uniform(0.2, 1.6), 3))
    base = 400 * size * (5 if is_total else 1)
    if "prison" in text or "sensory" in text:
        base = rng.uniform(0, 9)
    return float(base * rng.uniform(0.3, 1.7))


def _sum_totals(spec, paths: list[tuple], row: list) -> list:
    """Money 'Total' cells equal the sum of their parts, as in the published ASC-FR tables
    (the schema checks it): group totals first, then the table's overall totals."""
    row = list(row)
    yi = spec.levels.index("year") if "year" in spec.levels else None

    def total(ks: list[int]) -> object:
        parts = [row[j] for j in ks]
        return "[x]" if any(isinstance(v, str) for v in parts) or not parts else float(sum(parts))

    for k, p in enumerate(paths):
        if p[-1] == "Total" and (len(p) == 1 or p[0] != "Total"):
            row[k] = total(
                [j for j, q in enumerate(paths) if q[:-1] == p[:-1] and q[-1] != "Total"]
            )
    for k, p in enumerate(paths):
        if len(p) > 1 and p[0] == "Total":
            row[k] = total(
                [
                    j
                    for j, q in enumerate(paths)
                    if q[0] != "Total"
                    and all(
                        (q[i] == p[i]) if i == yi else (q[i] == "Total" or i == len(q) - 1 == yi)
                        for i in range(1, len(q))
                    )
                ]
            )
    return row


def _write_workbook(path: Path, rng) -> None:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    scale = _council_scale(rng)
    wb = Workbook()
    ws = wb.active
    ws.title = "Title"
    ws["A3"] = (
        f"Adult Social Care Activity and Finance: England {fy_label(RELEASE)} - DEMO DATA (fictional councils)"
    )
    wb.create_sheet("Contents")["A4"] = "Contents"
    wb.create_sheet("Notes and Definitions")["A4"] = (
        "Notes and definitions. [x] data not submitted. [c] data less than 5."
    )
    t1 = wb.create_sheet("T1")
    t1["A4"] = (
        f"Table 1: Summary figures regarding Adult Social Care activity and finance, {fy_label(RELEASE)}"
    )
    not_submitted = "E06900002"  # Port Demo did not submit ASC-FR for the release year
    specs = [(s, "ASC-FR") for s in ascfr.SPECS.values()] + [
        (s, "SALT") for s in salt.SPECS.values()
    ]
    y = {"y0": fy_label(RELEASE), "y1": fy_label(RELEASE - 1), "y2": fy_label(RELEASE - 2)}
    for spec, source in sorted(specs, key=lambda t: int(t[0].ref[1:])):
        sh = wb.create_sheet(spec.ref)
        paths = _paths(spec, _labels_for)
        ncol = 5 + len(paths)
        sh["A2"] = "Return to contents"
        sh["A4"] = _TITLES[spec.ref].format(**y)
        unit = spec.unit if spec.unit and spec.unit.startswith("£") else _UNITS[source]
        sh.cell(row=6, column=ncol, value=unit)
        header_row = 7
        for j, name in enumerate(
            ["Geography code", "LA code", "LA name", "Region code ", "Region name"], start=1
        ):
            sh.cell(row=header_row, column=j, value=name)
        n_levels = len(spec.levels)
        for lv in range(n_levels):
            prev = None
            start = None
            for k, cell_path in enumerate(paths):
                col = 6 + k
                key = cell_path[: lv + 1]
                if key != prev:
                    if lv < n_levels - 1 and start is not None and col - 1 > start:
                        sh.merge_cells(
                            start_row=header_row + lv,
                            start_column=start,
                            end_row=header_row + lv,
                            end_column=col - 1,
                        )
                    if cell_path[lv] is not None:
                        sh.cell(row=header_row + lv, column=col, value=cell_path[lv])
                    prev, start = key, col
            if lv < n_levels - 1 and start is not None and 5 + len(paths) > start:
                sh.merge_cells(
                    start_row=header_row + lv,
                    start_column=start,
                    end_row=header_row + lv,
                    end_column=5 + len(paths),
                )
        r = header_row + n_levels
        sh.cell(row=r, column=1, value=" ")
        r += 1
        values = {}
        for _, c in scale.iterrows():
            row: list[object] = []
            levels = {}  # one level per series; years then follow a smooth trend, as real returns do
            for cell_path in paths:
                year_label = next((p for p in cell_path if p and p[:4].isdigit()), None)
                series = tuple(p for p in cell_path if p != year_label)
                if series not in levels:
                    levels[series] = _value(spec, cell_path, c, rng, source)
                step = (int(year_label[:4]) - RELEASE) if year_label else 0
                v = levels[series] * (1 + c["trend"]) ** step * rng.uniform(0.99, 1.01)
                year_cell = next((p for p in cell_path if p and p[:4].isdigit()), y["y0"])
                if source == "ASC-FR" and c["la_code"] == not_submitted and year_cell == y["y0"]:
                    row.append("[x]")
                elif source == "SALT":
                    row.append(_salt_cell(v))
                else:
                    row.append(v)
            if source == "ASC-FR" and not (spec.unit and spec.unit.startswith("£ per")):
                row = _sum_totals(spec, paths, row)
            values[c["la_code"]] = row

        def agg(codes):
            out = []
            for k in range(len(paths)):
                nums = [values[c][k] for c in codes if not isinstance(values[c][k], str)]
                total = float(np.sum(nums)) if nums else 0.0
                if spec.unit and spec.unit.startswith("£ per"):
                    total = float(np.mean(nums)) if nums else 0.0
                out.append(int(_round5(total)) if source == "SALT" else total)
            return out

        rows = [("", "", "", geography.ENGLAND_CODE, "England", agg(list(values)))]
        for reg in sorted(scale["region_code"].unique()):
            codes = scale.loc[scale["region_code"] == reg, "la_code"].tolist()
            rows.append(("", "", "", reg, REGION_NAMES[reg], agg(codes)))
        for _, c in scale.iterrows():
            rows.append(
                (
                    c["la_code"],
                    c["cassr_code"],
                    c["la_name"],
                    c["region_code"],
                    c["region_name"],
                    values[c["la_code"]],
                )
            )
        for i, (g, code, name, reg, regname, vals) in enumerate(rows):
            if i in (1, 1 + scale["region_code"].nunique()):
                sh.cell(row=r, column=1, value=" ")
                r += 1
            for j, v in enumerate(
                [g or None, code or None, name or None, reg, regname, *vals], start=1
            ):
                sh.cell(row=r, column=j, value=v)
            r += 1
        r += 1
        sh.cell(
            row=r,
            column=1,
            value=f"Source: DEMO data in the layout of the {source} Collection {fy_label(RELEASE)}, NHS Digital",
        )
        sh.cell(row=r + 2, column=1, value="Notes:")
        sh.cell(row=r + 3, column=1, value="[x] indicates data not submitted.")
        sh.cell(row=r + 4, column=1, value="[c] indicates data less than 5.")
        sh.cell(
            row=r + 6,
            column=1,
            value="DEMO data generated by msp_analysis.demo; not published figures.",
        )
        sh.column_dimensions[get_column_letter(3)].width = 24
    wb.save(path)


# ---------------------------------------------------------------- ASCOF ------------


def _write_ascof(path: Path, rng) -> None:
    scale = _council_scale(rng)
    groups = [
        ("England", "England", geography.ENGLAND_CODE),
        ("S", "Shire Counties", "[z]"),
        ("U", "Unitary Authorities", "[z]"),
    ]
    groups += [
        (code[-3:], REGION_NAMES[code], code) for code in sorted(scale["region_code"].unique())
    ]
    areas = groups + [(c.cassr_code, c.la_name, c.la_code) for c in scale.itertuples()]
    sheets = {}
    years = [2022, 2023, 2024]

    def lab(y):
        return f"{y} to {y + 1}"

    def frame(cols, rows, title, lines):
        head = [[title]] + [[line] for line in lines]
        body = [["Local authority code", "Local authority", "ONS area code", *cols], *rows]
        return head + body

    rows = []
    for i, (code, name, ons) in enumerate(areas):
        vals: list[object] = []
        for y in years:
            moe, n, out = (0.1, int(rng.integers(200, 900)), round(rng.uniform(18.5, 19.8), 1))
            if y == 2022 and i > 3:
                vals += [f"{moe} (0.2)", f"{n} ({int(n * 0.7)})", f"{out} ({round(out - 0.1, 1)})"]
            else:
                vals += [moe, n, out]
        rows.append([code, name, ons, *vals])
    sheets["Table_1a"] = frame(
        [
            f"{lab(y)} - {p}"
            for y in years
            for p in ("margin of error", "number of respondents", "outcome")
        ],
        rows,
        "Table 1a: social care-related quality of life score (DEMO)",
        [
            "This worksheet contains one table.",
            "Cells marked with an [x] indicate no data is available.",
        ],
    )
    rows = []
    for i, (code, name, ons) in enumerate(areas):
        den = int(rng.integers(60_000, 200_000))
        num = int(den * rng.uniform(0.004, 0.007))
        rows.append(
            [code, name, ons, num, den, round(num / den * 100_000, 1)]
            if i != len(areas) - 1
            else [code, name, ons, "[x]", "[x]", "[x]"]
        )
    sheets["Table_2c"] = frame(
        [f"{lab(2024)} - {p}" for p in ("numerator", "denominator", "outcome")],
        rows,
        "Table 2c: admissions of people aged 65 and over to residential and nursing care homes, per 100,000 population (DEMO)",
        [
            "This worksheet contains one table.",
            "Numerator ...",
            "Denominator ...",
            "Outcome ...",
            "Cells marked with an [x] indicate no data is available.",
        ],
    )
    rows = [
        [
            code,
            name,
            ons,
            "[z]" if code in {"S", "U"} else round(rng.uniform(18, 32), 1),
            round(rng.uniform(18, 32), 1),
        ]
        for code, name, ons in areas
    ]
    sheets["Table_6a"] = frame(
        [f"{lab(y)} - outcome" for y in (2023, 2024)],
        rows,
        "Table 6a: the proportion of staff who left their role in the past 12 months (DEMO)",
        ["Outcome refers to the turnover rate (%)."],
    )
    parts = ["outstanding", "good", "other", "not yet rated", "6b"]
    rows = []
    for code, name, ons in areas:
        vals = []
        for _year in (2023, 2024):
            den = int(rng.integers(80, 400))
            o, g = int(den * rng.uniform(0.02, 0.08)), int(den * rng.uniform(0.65, 0.8))
            nyr = int(rng.integers(0, 4))
            oth = den - o - g - nyr
            for _part, num in zip(parts, [o, g, oth, nyr, o + g]):
                vals += [
                    "[c]" if 0 < num < 3 else num,
                    den,
                    round(num / den * 100, 1) if not 0 < num < 3 else "[c]",
                ]
        rows.append([code, name, ons, *vals])
    sheets["Table_6b"] = frame(
        [
            f"{lab(y)} - {p} {t}"
            for y in (2023, 2024)
            for p in parts
            for t in ("numerator", "denominator", "outcome")
        ],
        rows,
        "Table 6b: the proportion of care providers rated good or outstanding (DEMO)",
        ["Care providers inspected by CQC.", "Cells marked with an [c] have been suppressed."],
    )
    contents = [
        ["Contents table (DEMO)"],
        [],
        [],
        ["Metric", "Description", "Source", "Start year", "2022 to 2023 Code"],
        ["1A", "Social care-related quality of life score", "ASCS", "2010 to 2011", "1A"],
        [
            "2C",
            "Admissions of people aged 65 and over to care homes per 100,000",
            "CLD",
            "2024 to 2025",
            "2A(2)",
        ],
        ["6A", "Care workforce turnover", "ASC-WDS", "2023 to 2024", "Not applicable"],
        ["6B", "CQC-rated providers good or outstanding", "CQC", "2023 to 2024", "Not applicable"],
    ]
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        pd.DataFrame([["Measures from the ASCOF - DEMO DATA (fictional councils)"]]).to_excel(
            xl, sheet_name="Cover", header=False, index=False
        )
        _sheet(contents).to_excel(xl, sheet_name="Contents", header=False, index=False)
        for name, rows in sheets.items():
            _sheet(rows).to_excel(xl, sheet_name=name, header=False, index=False)


# ---------------------------------------------------------------- population --------


def _pop_profile(total: float, rng, share65: float) -> np.ndarray:
    ages = np.arange(91)
    shape = np.where(ages < 65, 1.0, np.exp(-(ages - 65) / 11.0) * 1.6)
    shape[90] = shape[85:].sum() * 0.6
    shape = shape / shape.sum()
    adj = np.where(ages >= 65, share65 / shape[65:].sum(), (1 - share65) / shape[:65].sum())
    return total * shape * adj * rng.uniform(0.97, 1.03, 91)


def _population(rng) -> pd.DataFrame:
    """People by area x year x sex x age (0..90) for 2017..2032 (history and projection)."""
    scale = _council_scale(rng)
    rows = []
    for c in scale.itertuples():
        base = _pop_profile(c.pop18 / 0.79, rng, c.share65)
        growth = rng.uniform(0.002, 0.009)
        ageing = rng.uniform(0.012, 0.025)
        for year in range(2017, 2033):
            t = year - 2022
            factor = (1 + growth) ** t * np.where(np.arange(91) >= 65, (1 + ageing) ** t, 1.0)
            persons = np.round(base * factor)
            males = np.round(persons * 0.49)
            for sex, v in (("Persons", persons), ("Males", males), ("Females", persons - males)):
                rows.append((c.la_code, c.la_name, c.la_type, c.region_code, year, sex, v))
    return pd.DataFrame(
        rows, columns=["code", "name", "geography", "region", "year", "sex", "ages"]
    )


def _write_mye(path: Path, pop: pd.DataFrame, year: int) -> None:
    p = pop[pop["year"] == year]
    age_cols = [str(a) for a in range(90)] + ["90+"]
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        pd.DataFrame([["Population estimates - DEMO DATA (fictional councils)"]]).to_excel(
            xl, sheet_name="Cover sheet", header=False, index=False
        )
        for sex in ("Persons", "Males", "Females"):
            s = p[p["sex"] == sex]
            lines = []
            eng = np.sum(np.stack(s["ages"].to_list()), axis=0)
            lines.append(["E92000001", "ENGLAND", "Country", eng.sum(), *eng])
            for reg in sorted(s["region"].unique()):
                v = np.sum(np.stack(s.loc[s["region"] == reg, "ages"].to_list()), axis=0)
                lines.append([reg, REGION_NAMES[reg].upper(), "Region", v.sum(), *v])
            for r in s.itertuples():
                lines.append([r.code, r.name, r.geography, r.ages.sum(), *r.ages])
                if (
                    r.geography == "County"
                ):  # a district inside the county: must not be counted twice
                    d = np.round(r.ages * 0.3)
                    lines.append(
                        ["E07900011", "Demo District", "Non-metropolitan District", d.sum(), *d]
                    )
            head = [
                [
                    f"MYE2: Population estimates: {sex} by single year of age, local authorities in the UK, mid-{year} (DEMO)"
                ],
                ["This worksheet contains one table."],
                [],
                [],
                [],
                [],
                [],
            ]
            body = [["Code", "Name", "Geography", "All ages", *age_cols], *lines]
            _sheet(head + body).to_excel(xl, sheet_name=f"MYE2 - {sex}", header=False, index=False)


def _write_snpp(path: Path, pop: pd.DataFrame, base: int) -> None:
    p = pop[(pop["year"] >= base) & (pop["sex"] != "Persons")]
    rows = []
    for (code, name, sex), g in p.groupby(["code", "name", "sex"], sort=True):
        mat = np.stack(g.sort_values("year")["ages"].to_list())  # years x ages
        years = sorted(g["year"])
        for a in range(91):
            label = "90 and over" if a == 90 else str(a)
            rows.append(
                [code, name, "Population", "1" if sex == "Males" else "2", label, *mat[:, a]]
            )
        rows.append(
            [code, name, "Population", "1" if sex == "Males" else "2", "All ages", *mat.sum(axis=1)]
        )
    pd.DataFrame(
        rows,
        columns=[
            "AREA_CODE",
            "AREA_NAME",
            "COMPONENT",
            "SEX",
            "AGE_GROUP",
            *[str(y) for y in years],
        ],
    ).to_csv(path, index=False)


# ---------------------------------------------------------------- CQC --------------


def _locations(rng) -> pd.DataFrame:
    rows = []
    for c in councils().itertuples():
        n = int(rng.integers(25, 45))
        providers = [f"1-{int(rng.integers(10**9, 10**10))}" for _ in range(max(6, n // 3))]
        weights = rng.dirichlet(np.ones(len(providers)) * 0.6)
        for i in range(n):
            kind = rng.choice(
                ["nursing", "residential", "home care", "supported living", "shared lives"],
                p=[0.2, 0.35, 0.3, 0.12, 0.03],
            )
            prov = providers[int(rng.choice(len(providers), p=weights))]
            rows.append(
                {
                    "Location ID": f"1-{int(rng.integers(10**9, 10**10))}",
                    "Location Name": f"{c.la_name} {kind.title()} {i + 1}",
                    "Care home?": "Y" if kind in {"nursing", "residential"} else "N",
                    "Care homes beds": int(rng.integers(12, 90))
                    if kind in {"nursing", "residential"}
                    else None,
                    "Location Type/Sector": "Social Care Org",
                    "Location Local Authority": c.la_name,
                    "Location Region": c.region_name,
                    "Provider ID": prov,
                    "Provider Name": f"Demo Care Provider {prov[-4:]}",
                    "Service type - Care home service with nursing": "Y"
                    if kind == "nursing"
                    else None,
                    "Service type - Care home service without nursing": "Y"
                    if kind == "residential"
                    else None,
                    "Service type - Domiciliary care service": "Y" if kind == "home care" else None,
                    "Service type - Supported living service": "Y"
                    if kind == "supported living"
                    else None,
                    "Service type - Shared Lives": "Y" if kind == "shared lives" else None,
                    "Service user band - Older People": "Y"
                    if kind in {"nursing", "residential", "home care"}
                    else None,
                    "Service user band - Learning disabilities": "Y"
                    if kind in {"supported living", "shared lives"} or rng.random() < 0.1
                    else None,
                    "Service user band - Mental Health": "Y" if rng.random() < 0.2 else None,
                    "Service user band - Dementia": "Y"
                    if kind == "nursing" or rng.random() < 0.3
                    else None,
                    "rating": rng.choice(
                        ["Outstanding", "Good", "Requires improvement", "Inadequate", "Not Rated"],
                        p=[0.05, 0.7, 0.18, 0.03, 0.04],
                    ),
                    "kind": kind,
                }
            )
    return pd.DataFrame(rows)


def _write_cqc(directory: Path, ratings: Path, locs: pd.DataFrame, rng) -> None:
    d = locs.drop(columns=["rating", "kind"])
    head = _sheet(
        [
            ["HSCA Active Locations - DEMO DATA (fictional councils)"],
            ["Data as at 1 November 2026"],
            [None],
        ]
    )
    with pd.ExcelWriter(directory, engine="openpyxl") as xl:
        head.to_excel(xl, sheet_name="HSCA_Active_Locations", header=False, index=False)
        d.to_excel(xl, sheet_name="HSCA_Active_Locations", startrow=3, index=False)
    rows = []
    for r in locs.itertuples():
        group = (
            "Overall"
            if r.kind in {"nursing", "residential"}
            else "Homecare"
            if r.kind == "home care"
            else "Overall"
        )
        date = pd.Timestamp("2020-01-01") + pd.Timedelta(days=int(rng.integers(0, 2400)))
        for domain in ("Overall", "Safe", "Effective", "Caring", "Responsive", "Well-led"):
            rating = (
                r.rating
                if domain == "Overall"
                else rng.choice(
                    ["Good", "Requires improvement", "Outstanding"], p=[0.8, 0.15, 0.05]
                )
            )
            if r.rating == "Not Rated":
                rating = "Not Rated"
            rows.append(
                {
                    "Location ID": r._1,
                    "Location ODS Code": None,
                    "Location Name": r._2,
                    "Care Home?": r._3,
                    "Location Type": "Social Care Org",
                    "Location Primary Inspection Category": "Residential social care"
                    if r._3 == "Y"
                    else "Community based adult social care services",
                    "Location Street Address": "1 Demo Street",
                    "Location Address Line 2": None,
                    "Location City": "Demotown",
                    "Location Post Code": "DE1 1MO",
                    "Location Local Authority": r._6,
                    "Location Region": r._7,
                    "Location NHS Region": "Demo",
                    "Location ONSPD CCG Code": None,
                    "Location ONSPD CCG": None,
                    "Location Commissioning CCG Code": None,
                    "Location Commissioning CCG Name": None,
                    "Service / Population Group": group,
                    "Domain": domain,
                    "Latest Rating": rating,
                    "Publication Date": date,
                    "Report Type": "Location",
                    "Inherited Rating (Y/N)": "N",
                    "URL": "https://example.invalid/demo",
                    "Provider ID": r._8,
                    "Provider Name": r._9,
                    "Brand ID": "-",
                    "Brand Name": "-",
                }
            )
    with pd.ExcelWriter(ratings, engine="openpyxl") as xl:
        pd.DataFrame(rows).to_excel(xl, sheet_name="Locations", index=False)
        pd.DataFrame([["Providers sheet not generated in DEMO data"]]).to_excel(
            xl, sheet_name="Providers", header=False, index=False
        )


# ---------------------------------------------------------------- Skills for Care ---


def _write_workforce(path: Path, rng) -> None:
    rows = []
    areas = [("England", 1.0)] + [
        (REGION_NAMES[r], 0.3) for r in sorted(councils()["region_code"].unique())
    ]
    areas += [(n, 0.05) for n in councils()["la_name"]]
    roles = [
        "Job role group - All job roles",
        "Job role group - Direct care",
        "Individual role - Care worker",
        "Individual role - Registered nurse",
    ]
    for (area, size), service, role in itertools.product(
        areas,
        ["All services", "Care home services with nursing", "Domiciliary care services"],
        roles,
    ):
        posts = (
            size
            * 1_500_000
            * (0.5 if "nurse" in role else 1)
            * (0.3 if service != "All services" else 1)
            * rng.uniform(0.8, 1.2)
        )
        small = "nurse" in role and service == "Domiciliary care services"
        rows.append(
            {
                "CSSR (LA area)": area,
                "Sector": "All sectors",
                "Service": service,
                "Job role": role,
                "Filled posts": "*" if small else round(posts, -1),
                "Vacancies": "*" if small else round(posts * 0.09, -1),
                "Vacancy rate": "*" if small else round(rng.uniform(0.05, 0.14), 3),
                "Turnover rate": "*" if small else round(rng.uniform(0.18, 0.34), 3),
            }
        )
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        _sheet(
            [
                ["Skills for Care LA data download - DEMO DATA (fictional councils)"],
                ["* suppressed: fewer than 25 posts"],
            ]
        ).to_excel(xl, sheet_name="Notes", header=False, index=False)
        pd.DataFrame(rows).to_excel(xl, sheet_name="LA level data", index=False)


# ---------------------------------------------------------------- local pay (ASHE) --

_ASHE_GROUPS = [  # sheet name, words in the title, pay factor, spread, share of jobs
    ("All", "all", 1.0, 0.62, 1.0),
    ("Male", "male", 1.18, 0.60, 0.5),
    ("Female", "female", 0.83, 0.60, 0.5),
    ("Full-Time", "full-time", 1.24, 0.42, 0.74),
    ("Part-Time", "part-time", 0.38, 0.62, 0.26),
    ("Male Full-Time", "male full-time", 1.32, 0.42, 0.41),
    ("Male Part-Time", "male part-time", 0.36, 0.70, 0.07),
    ("Female Full-Time", "female full-time", 1.12, 0.40, 0.33),
    ("Female Part-Time", "female part-time", 0.39, 0.58, 0.19),
]
_ASHE_PCTS = [10, 20, 25, 30, 40, 60, 70, 75, 80, 90]
#: the ONS quality key: label, meaning, fill (pattern, colour) as ONS colours its cells
_ASHE_KEY = [
    ("CV <= 5%", "Estimates are considered precise ", None),
    ("CV > 5% and <= 10%", "Estimates are considered reasonably precise", ("gray125", "FFFFFF")),
    ("CV > 10% and <= 20%", "Estimates are considered acceptable", ("solid", "33CCCC")),
    (
        "x = CV > 20%",
        "Estimates are considered unreliable for practical purposes",
        ("solid", "33CCCC"),
    ),
    (".. = disclosive", "", None),
    (": = not applicable", "", None),
    ("- = nil or negligible ", "", None),
]


def _ashe_areas() -> list[tuple[str, str, float]]:
    """(code, description as ONS writes it, pay level) for the ASHE demo tables: the UK,
    England, each region with a demo council, the demo councils (a county's district
    indented under it, as ONS lists them)."""
    rng = np.random.default_rng(SEED + 87)  # its own stream: the other demo files do not move
    c = councils()
    out = [("K02000001", "United Kingdom ", 1.0), ("E92000001", "England", 1.01)]
    for reg in sorted(c["region_code"].unique()):
        out.append((reg, REGION_NAMES[reg] + " ", float(rng.uniform(0.92, 1.05))))
        for r in c[c["region_code"] == reg].itertuples():
            suffix = " UA" if r.la_type == "Unitary Authority" else ""
            out.append((r.la_code, f"{r.la_name}{suffix}", float(rng.uniform(0.86, 1.12))))
            if r.la_type == "County":
                out.append(("E07900011", "  Demo District", float(rng.uniform(0.86, 1.12))))
    return out


def _write_ashe(path: Path, year: int) -> None:
    """ONS ASHE Table 8.7a (annual gross pay by home local authority) in its published
    layout: a Notes sheet, one sheet a group of jobs, three header rows, 'x' for an
    unreliable estimate and '..' for a disclosive one, cells coloured by quality with the
    key beside the table. ONS marks the newest year provisional in the file's name."""
    from statistics import NormalDist

    from openpyxl import Workbook
    from openpyxl.styles import PatternFill

    rng = np.random.default_rng(SEED + 88 + year)
    z = np.array([NormalDist().inv_cdf(p / 100) for p in _ASHE_PCTS])
    fills = {
        q: PatternFill(fill_type=f[0], fgColor=f[1], bgColor="C0C0C0") if f else None
        for q, (_, _, f) in enumerate(_ASHE_KEY[:4])
    }
    wb = Workbook()
    notes = wb.active
    notes.title = "Notes"
    notes.append(
        ["Guide to results from the Annual Survey of Hours and Earnings (ASHE) - DEMO DATA"]
    )
    notes.append(["The colour coding within the tables indicates the quality of each estimate."])
    growth = (1.032) ** (year - 2021)
    for sheet, words, factor, spread, share in _ASHE_GROUPS:
        ws = wb.create_sheet(sheet)
        title = "Table 8.7a   Annual pay - Gross (£) - For {} employee jobsa: United Kingdom, {}"
        ws.append([title.format(words, year)])
        ws.append([])
        ws.append([None, None, "Number", None, "Annual", None, "Annual"])
        ws.append([None, None, "of jobsb", None, "percentage", None, "percentage", "Percentiles"])
        ws.append(
            ["Description", "Code", "(thousand)", "Median", "change", "Mean", "change", *_ASHE_PCTS]
        )
        for i, (code, name, level) in enumerate(_ashe_areas()):
            jobs = round(
                share
                * (
                    400
                    if code.startswith("E06") or code.startswith("E08")
                    else 28_000
                    if code.startswith("K")
                    else 260
                )
                * rng.uniform(0.7, 1.3)
            )
            median = round(26_500 * factor * level * growth * rng.uniform(0.98, 1.02))
            pcts = [round(median * np.exp(spread * zk)) for zk in z]
            mean = round(median * (1 + spread * 0.3))
            # smaller groups are less precise: 0 precise ... 3 unreliable (published as x)
            quality = [
                min(3, int(rng.integers(0, 2)) + (jobs < 150) + (jobs < 60) + (k in (3, 12)))
                for k in range(13)
            ]
            cells = [jobs, median, mean, *pcts]
            shown = [("x" if q == 3 else v) for v, q in zip(cells, quality)]
            if code == "E06900003" and sheet == "Male Part-Time":
                shown[1] = ".."  # disclosive
            change_m = round(float(rng.normal(3.0, 1.5)), 1)
            change_a = round(float(rng.normal(2.8, 1.5)), 1)
            row = [name, code, shown[0], shown[1], change_m, shown[2], change_a, *shown[3:]]
            ws.append(row)
            r = ws.max_row
            for col, q in zip([3, 4, 6, *range(8, 18)], quality):
                if fills[q] is not None:
                    ws.cell(row=r, column=col).fill = fills[q]
            if i < len(_ASHE_KEY) + 1:  # the key, beside the first rows of the table
                label, meaning, _ = (
                    ("Key", "Statistical robustness", None) if i == 0 else _ASHE_KEY[i - 1]
                )
                ws.cell(row=r, column=19, value=label)
                ws.cell(row=r, column=20, value=meaning or None)
                q = i - 1
                if 0 <= q < 4 and fills[q] is not None:
                    ws.cell(row=r, column=19).fill = fills[q]
                    ws.cell(row=r, column=20).fill = fills[q]
        ws.append(["Not Classified", None, 12, 24_000, None, 28_000, None, *(["x"] * 10)])
        ws.append(
            ["a  Employees on adult rates who have been in the same job for more than a year."]
        )
        ws.append(
            [
                "Source: Annual Survey of Hours and Earnings, Office for National Statistics. DEMO DATA (fictional councils)"
            ]
        )
    wb.save(path)


# ---------------------------------------------------------------- deprivation (IoD) -

_IOD_SHEETS = [  # sheet, header prefix, extra columns
    (
        "IMD",
        "IMD",
        [
            "IMD 2019 - Extent ",
            "IMD 2019 - Rank of extent ",
            "IMD 2019 - Local concentration ",
            "IMD 2019 - Rank of local concentration ",
        ],
    ),
    ("Income", "Income", ["Income scale", "Rank of Income Scale"]),
    ("Employment", "Employment", ["Employment scale ", "Rank of Employment Scale"]),
    ("Education", "Education, Skills and Training", []),
    ("Health", "Health Deprivation and Disability", []),
    ("Crime", "Crime", []),
    ("Barriers", "Barriers to Housing and Services", []),
    ("Living", "Living Environment", []),
    ("IDACI", "IDACI", []),
    ("IDAOPI", "IDAOPI", []),
]


def _write_iod(path: Path) -> None:
    """MHCLG IoD 2019 File 11 (upper-tier local authority summaries) in its published
    layout: a Notes sheet and one sheet a domain, ranks among the file's areas (1 = most
    deprived)."""
    rng = np.random.default_rng(SEED + 2019)
    c = councils().sort_values("la_code")
    n = len(c)
    with pd.ExcelWriter(path, engine="openpyxl") as xl:
        pd.DataFrame(
            [
                [
                    "English Indices of Deprivation 2019 - File 11: upper-tier local authority summaries - DEMO DATA (fictional councils)"
                ]
            ]
        ).to_excel(xl, sheet_name="Notes", header=False, index=False)
        for sheet, prefix, extra in _IOD_SHEETS:
            avg_rank = rng.uniform(9_000, 24_000, n).round(2)
            score = (
                (40 - avg_rank / 800).round(3)
                if sheet in ("IMD", "Education", "Barriers", "Living")
                else (0.35 - avg_rank / 80_000).round(3)
            )
            prop = np.clip(rng.uniform(-0.05, 0.3, n), 0, None).round(4)

            def rank(v, high_is_deprived=True):
                order = (-v if high_is_deprived else v).argsort(kind="stable")
                r = np.empty(n, dtype=int)
                r[order] = np.arange(1, n + 1)
                return r

            cols = {
                "Upper Tier Local Authority District code (2019)": c["la_code"].to_numpy(),
                "Upper Tier Local Authority District name (2019)": c["la_name"].to_numpy(),
                f"{prefix} - Average rank ": avg_rank,
                f"{prefix} - Rank of average rank ": rank(avg_rank, False),
                f"{prefix} - Average score ": score,
                f"{prefix} - Rank of average score ": rank(score),
                f"{prefix} - Proportion  of LSOAs in most deprived 10% nationally ": prop,
                f"{prefix} - Rank of proportion of LSOAs in most deprived 10% nationally ": rank(
                    prop
                ),
            }
            if extra:
                a = (
                    rng.uniform(0, 0.3, n).round(4)
                    if sheet == "IMD"
                    else rng.integers(8_000, 90_000, n).astype(float)
                )
                cols[extra[0]] = a
                cols[extra[1]] = rank(a)
            if len(extra) == 4:
                b = rng.uniform(20_000, 31_000, n).round(2)
                cols[extra[2]] = b
                cols[extra[3]] = rank(b, False)
            pd.DataFrame(cols).to_excel(xl, sheet_name=sheet, index=False)


# ---------------------------------------------------------------- entry point -------


def write(raw_dir: str | Path) -> list[Path]:
    """Write the demo raw files into ``raw_dir`` (created if needed); same bytes every run.

    Returns:
        The paths written.
    """
    raw = Path(raw_dir)
    raw.mkdir(parents=True, exist_ok=True)
    rng = _rng()
    files = {
        "workbook": raw / f"ASCFR_and_SALT_Data_Tables_{fy_label(RELEASE)}_DEMO.xlsx",
        "ascof": raw / "ascof_timeseries_DEMO.xlsx",
        "mye21": raw / "ukpopestimates_mid2021_DEMO.xlsx",
        "mye22": raw / "ukpopestimates_mid2022_DEMO.xlsx",
        "snpp": raw / "snpp_2022_based_persons_DEMO.csv",
        "directory": raw / "HSCA_Active_Locations_DEMO.xlsx",
        "ratings": raw / "CQC_latest_ratings_DEMO.xlsx",
        "workforce": raw / f"LA-data-download-{fy_label(RELEASE + 1)}_DEMO.xlsx",
        "ashe21": raw / "Home Geography Table 8.7a Annual pay - Gross 2021_DEMO.xlsx",
        "ashe22": raw / "PROV - Home Geography Table 8.7a Annual pay - Gross 2022_DEMO.xlsx",
        "iod": raw / "File_11_IoD2019_Local_Authority_District_Summaries_upper-tier_DEMO.xlsx",
    }
    _write_workbook(files["workbook"], rng)
    _write_ascof(files["ascof"], rng)
    pop = _population(rng)
    _write_mye(files["mye21"], pop, 2021)
    _write_mye(files["mye22"], pop, 2022)
    _write_snpp(files["snpp"], pop, 2022)
    locs = _locations(rng)
    _write_cqc(files["directory"], files["ratings"], locs, rng)
    _write_workforce(files["workforce"], rng)
    # each below draws from its own seeded stream, so adding them moved no other figure
    _write_ashe(files["ashe21"], 2021)
    _write_ashe(files["ashe22"], 2022)
    _write_iod(files["iod"])
    (raw / "DEMO_DATA.txt").write_text(
        "DEMO DATA: fictional councils generated by msp_analysis.demo in the publishers' layouts.\n"
        "Every table and report built from this folder is labelled DEMO. Not published statistics.\n"
    )
    for path in files.values():
        if path.suffix == ".xlsx":
            _fix_timestamps(path)
    log.info("wrote %d demo files to %s", len(files), raw)
    return list(files.values())


# One fixed moment for every DEMO workbook, so the files are the same bytes on every run.
_FIXED_TIME = (2024, 1, 1, 0, 0, 0)
_FIXED_W3CDTF = "2024-01-01T00:00:00Z"
_CORE_TIMES = re.compile(r"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def _fix_timestamps(path: Path) -> None:
    """Set the time openpyxl stamps into an .xlsx (zip entry times, created/modified) to a fixed one."""
    with zipfile.ZipFile(path) as src:
        entries = [(info, src.read(info)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info, data in entries:
            if info.filename == "docProps/core.xml":
                data = _CORE_TIMES.sub(rf"\g<1>{_FIXED_W3CDTF}\g<2>", data.decode()).encode()
            fixed = zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            dst.writestr(fixed, data)
