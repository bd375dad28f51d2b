"""pandera schemas: the contract between the readers and everything built on them.

Every tidy table carries the same keys and provenance: ``la_code`` (ONS code;
``council_type:X`` / ``combined:X`` for the group rows ASCOF publishes),
``area_type``, ``la_name``, ``year`` (financial-year start, or calendar year for
population), ``value``, ``unit``, ``suppressed``, and ``source``, ``source_file``,
``source_row``. Validation is lazy, so one run reports every problem at once.

Beyond types and keys, :func:`validate` catches values that cannot be right
(:func:`value_problems`), with these rules:

1. **Known areas.** Every England, region and council row carries a code the tool
   knows (:func:`msp_analysis.geography.known_codes`: current and predecessor councils,
   the nine regions, England). A well-formed but unknown code, a misspelling or a lower
   case code is an error, never a new "council".
2. **No negative people or counts.** Units ``people``, ``requests``, ``episodes``,
   ``count`` and ASCOF outcomes are never negative. Money is different: ASC-FR and the
   revenue outturn *publish* negative figures (credits and accounting adjustments: 97
   cells in the 2021-22 ASC-FR tables, down to -16,518 in T46; 4,067 in the 2016-17
   CSV; one unit cost of -93.75 £/week in T54), so a negative amount is only an error
   beyond the lower bound of rule 3.
3. **Published range.** For each (table, unit) in :data:`BOUNDS`, a value must lie
   between ten times the lowest and ten times the highest figure in the published files
   in ``../shared/data`` (England rows included; the observed extremes are kept beside
   each bound). A figure ten times beyond anything published (a unit slip, a misplaced
   decimal, £ for £ thousands) is an error. Pairs not in :data:`BOUNDS` are unchecked.
4. **A part is never larger than England.** For additive figures (people, requests,
   episodes, population, ASC-FR gross current expenditure) a council's or region's
   value may not exceed the England value for the same observation when both are
   published and positive.
5. **Parts add up to their Total.** In the ASC-FR tables workbook (money, unrounded),
   wherever a breakdown publishes a ``Total``, the parts sum to it within £1 thousand
   (all 2,877 such sums in the 2021-22 workbook do). A changed figure breaks its row's
   sum; a row with a suppressed or missing part is not checked. SALT counts are rounded
   to 5 and suppressed below 5, so they are not summed.

Markers: a suppressed cell is missing with its marker (``[c]``, ``[x]``, ``n/a``,
and ``[no cached value]`` for a formula saved without its result), never a number.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from msp_analysis.errors import SourceError

# pandas, pandera and the geography tables load only when a table is validated, so
# :mod:`msp_analysis.store` and :mod:`msp_analysis.tables` can use :data:`TABLE_KEYS`
# without them (the schemas are built on first use: :func:`schema`).
if TYPE_CHECKING:
    import pandas as pd
    import pandera.pandas as pa

# "district": a lower-tier district kept only where today's councils are built from districts
# (population estimates and projections; see geography.successor_parts).
AREA_TYPES = ["england", "region", "council", "council_type", "combined", "district", "other"]
LA_CODE = r"^(E\d{8}|council_type:.+|combined:.+)$"

#: The dimensions of the "ASC-FR and SALT data tables" (the workbook readers use this list).
NHSD_DIMENSIONS = [
    "care_type",
    "support_setting",
    "age_band",
    "primary_support_reason",
    "purpose",
    "provision",
    "route_of_access",
    "what_happened_next",
]
_NHSD_DIMS = ["table_ref", "measure", *NHSD_DIMENSIONS]
_NHSD_SHARED = _NHSD_DIMS[:-2]  # what ASC-FR and SALT both carry

#: The columns that identify one observation in each table: every table's schema checks them
#: unique within a file, and :mod:`msp_analysis.store` keeps one row per key across files
#: (where two releases publish the same observation, the later is kept). ASCOF's measure codes
#: were renumbered in 2023-24 and the same code names different measures in the two frameworks
#: (1B, 1E and 3A), so ``framework`` is part of its key.
TABLE_KEYS: dict[str, list[str]] = {
    "ascfr": ["la_code", "year", *_NHSD_SHARED, "carer_support_type", "data_type"],
    "salt": ["la_code", "year", *_NHSD_DIMS],
    "ascof": ["la_code", "year", "measure_code", "framework", "disaggregation", "measure_type"],
    "population": ["la_code", "year", "estimate", "sex", "age_label"],
    "population_projections": ["la_code", "year", "estimate", "sex", "age_label"],
    "workforce": ["la_code", "year", "sector", "service", "job_role", "measure"],
    "cqc_ratings": ["location_id", "service_group", "domain"],
    "cqc_locations": ["location_id"],
    "outturn": ["la_code", "year", "form", "service", "age_band", "measure"],
    "ashe_pay": ["la_code", "year", "table_ref", "sex", "working_pattern", "statistic"],
    "deprivation": ["la_code", "year", "domain_code", "measure"],
}


def _suppressed_means_missing(df: pd.DataFrame) -> pd.Series:
    # A suppressed or not-submitted cell never carries a number (and never a zero).
    return ~df["suppressed"] | df["value"].isna()


def _base(
    extra: dict[str, pa.Column], *, year_required: bool = True, value: bool = True
) -> dict[str, pa.Column]:
    import pandera.pandas as pa

    cols: dict[str, pa.Column] = {
        "la_code": pa.Column(nullable=False, checks=pa.Check.str_matches(LA_CODE)),
        "area_type": pa.Column(nullable=False, checks=pa.Check.isin(AREA_TYPES)),
        "la_name": pa.Column(nullable=True),
        "year": pa.Column(
            "Int64", nullable=not year_required, checks=pa.Check.in_range(1990, 2100)
        ),
        "source": pa.Column(nullable=False),
        "source_file": pa.Column(nullable=False),
        "source_row": pa.Column("int64", checks=pa.Check.ge(1)),
    }
    if value:
        cols.update(
            {
                "value": pa.Column("float64", nullable=True),
                "unit": pa.Column(nullable=False),
                "suppressed": pa.Column("bool"),
            }
        )
    cols.update(extra)
    return cols


def _dims(names: list[str]) -> dict[str, pa.Column]:
    import pandera.pandas as pa

    return {n: pa.Column(nullable=False) for n in names}


def _ages_consistent(df: pd.DataFrame) -> pd.Series:
    # A single age sits inside its range; a range never runs backwards; 'All ages' has no range.
    lo, hi, age = df["age_from"], df["age_to"], df["age"]
    ok = (hi.isna() | lo.isna() | (lo <= hi)).fillna(False)
    ok &= (age.isna() | (age == lo)).fillna(False)
    ok &= ~(df["age_label"] == "All ages") | (lo.isna() & hi.isna())
    return ok


def _population_schema(name: str) -> pa.DataFrameSchema:
    """Population by age: ``age`` a single year (90 = 90 and over), ``age_from``/``age_to`` the
    range every row covers (``age_to`` missing = open-ended; both missing for 'All ages')."""
    import pandera.pandas as pa

    return pa.DataFrameSchema(
        _base(
            {
                **_dims(["estimate", "sex", "age_label"]),
                "age": pa.Column("Int64", nullable=True, checks=pa.Check.in_range(0, 120)),
                "age_from": pa.Column("Int64", nullable=True, checks=pa.Check.in_range(0, 120)),
                "age_to": pa.Column("Int64", nullable=True, checks=pa.Check.in_range(0, 120)),
                "value": pa.Column("float64", nullable=True, checks=pa.Check.ge(0)),
            }
        ),
        checks=pa.Check(_ages_consistent, error="age outside its age_from..age_to range"),
        unique=TABLE_KEYS[name],
        name=name,
    )


@cache
def schemas() -> dict[str, pa.DataFrameSchema]:
    """Every tidy table's pandera schema, by table name (built on first use)."""
    import pandera.pandas as pa

    suppressed = pa.Check(_suppressed_means_missing, error="suppressed cell has a value")
    return {
        "ascfr": pa.DataFrameSchema(
            _base(_dims([*_NHSD_DIMS, "carer_support_type", "data_type"])),
            checks=suppressed,
            unique=TABLE_KEYS["ascfr"],
            name="ascfr",
        ),
        "salt": pa.DataFrameSchema(
            _base(
                {
                    **_dims(_NHSD_DIMS),
                    "value": pa.Column("float64", nullable=True, checks=pa.Check.ge(0)),
                }
            ),
            checks=suppressed,
            unique=TABLE_KEYS["salt"],
            name="salt",
        ),
        "ascof": pa.DataFrameSchema(
            _base(_dims(["framework", "measure_code", "disaggregation", "measure_type"])),
            checks=suppressed,
            unique=TABLE_KEYS["ascof"],
            name="ascof",
        ),
        "population": _population_schema("population"),
        "population_projections": _population_schema("population_projections"),
        "workforce": pa.DataFrameSchema(
            _base(_dims(["sector", "service", "job_role", "measure"])),
            checks=suppressed,
            unique=TABLE_KEYS["workforce"],
            name="workforce",
        ),
        "cqc_ratings": pa.DataFrameSchema(
            _base(
                {
                    "location_id": pa.Column(nullable=False),
                    "provider_id": pa.Column(nullable=True),
                    "service_group": pa.Column(nullable=False),
                    "domain": pa.Column(nullable=False),
                    "rating": pa.Column(nullable=True),
                    "care_home": pa.Column("bool"),
                },
                year_required=False,
                value=False,
            ),
            unique=TABLE_KEYS["cqc_ratings"],
            name="cqc_ratings",
        ),
        "cqc_locations": pa.DataFrameSchema(
            _base(
                {
                    "location_id": pa.Column(nullable=False),
                    "provider_id": pa.Column(nullable=True),
                    "care_home": pa.Column("bool"),
                    "beds": pa.Column("float64", nullable=True, checks=pa.Check.ge(0)),
                },
                year_required=False,
                value=False,
            ),
            unique=TABLE_KEYS["cqc_locations"],
            name="cqc_locations",
        ),
        # MHCLG revenue outturn (RS, RSX, RO3): councils and England, £ thousands.
        "outturn": pa.DataFrameSchema(
            _base(
                {
                    "form": pa.Column(nullable=False, checks=pa.Check.isin(["RS", "RSX", "RO3"])),
                    "service": pa.Column(nullable=False),
                    "age_band": pa.Column(
                        nullable=False, checks=pa.Check.isin(["18 to 64", "65 and over", "Total"])
                    ),
                    "measure": pa.Column(nullable=False),
                    "area_type": pa.Column(
                        nullable=False, checks=pa.Check.isin(["council", "england"])
                    ),
                }
            ),
            checks=suppressed,
            unique=TABLE_KEYS["outturn"],
            name="outturn",
        ),
        # ONS ASHE pay by local authority (Tables 7.x / 8.x): areas on the year's boundaries.
        "ashe_pay": pa.DataFrameSchema(
            _base(
                {
                    **_dims(["table_ref", "pay", "geography_basis", "sex", "working_pattern"]),
                    "statistic": pa.Column(
                        nullable=False,
                        checks=pa.Check.str_matches(
                            r"^(jobs|median|mean|p\d{1,2}|(median|mean)_change)$"
                        ),
                    ),
                    "percentile": pa.Column(
                        "Int64", nullable=True, checks=pa.Check.in_range(1, 99)
                    ),
                    "provisional": pa.Column("bool"),
                    "quality": pa.Column(nullable=True),
                    "la_code_current": pa.Column(nullable=True),
                    "boundary_note": pa.Column(nullable=True),
                    "source_sheet": pa.Column(nullable=False),
                    "area_type": pa.Column(
                        nullable=False,
                        checks=pa.Check.isin(["england", "region", "council", "district"]),
                    ),
                }
            ),
            checks=suppressed,
            unique=TABLE_KEYS["ashe_pay"],
            name="ashe_pay",
        ),
        # MHCLG English Indices of Deprivation: local authority summaries (File 10 / File 11).
        "deprivation": pa.DataFrameSchema(
            _base(
                {
                    **_dims(["domain", "domain_code", "measure"]),
                    "la_code_current": pa.Column(nullable=True),
                    "boundary_note": pa.Column(nullable=True),
                    "source_sheet": pa.Column(nullable=False),
                    "area_type": pa.Column(
                        nullable=False, checks=pa.Check.isin(["council", "district"])
                    ),
                }
            ),
            checks=suppressed,
            unique=TABLE_KEYS["deprivation"],
            name="deprivation",
        ),
    }


#: (table, unit) -> (lowest allowed, highest allowed, lowest published, highest published).
#: Allowed = 10 x published extreme (0 where nothing negative is published); the
#: published extremes were read from every file in ../shared/data (2026-11).
BOUNDS: dict[tuple[str, str], tuple[float, float, float, float]] = {
    # ASC-FR: England net current expenditure 2016-17 (CSV) -304,982; England GCE 2021-22 21,958,360.
    ("ascfr", "£ thousands"): (-3_049_823, 219_583_600, -304_982.3, 21_958_360),
    ("ascfr", "£ per week"): (-937.5, 482_231, -93.75, 48_223.08),  # T54 LD nursing; T52
    ("ascfr", "£ per hour"): (0, 1_590, 0, 159),  # T51
    ("ascfr", "count"): (0, 32_521_840, 0, 3_252_184),  # 2016-17 activity file, England
    ("salt", "people"): (0, 8_179_150, 5, 817_915),  # T2 England long-term support
    ("salt", "requests"): (0, 19_785_500, 5, 1_978_550),  # T8 England requests
    ("salt", "episodes"): (0, 2_240_650, 5, 224_065),  # T22 England ST-Max
    ("ascof", "count"): (0, 354_559_950, 0, 35_455_995),  # England denominators
    ("ascof", "outcome as published"): (0, 21_070, 0, 2_107),  # 2A per 100,000 (council)
    ("population", "people"): (0, 565_501_380, 0, 56_550_138),  # England mid-2021
    ("population_projections", "people"): (0, 565_501_380, 0, 56_550_138),
    # Revenue outturn: England RO3 net -412,316; England RS total 164,845,200 (£ thousands).
    ("outturn", "£ thousands"): (-4_123_157, 1_648_452_000, -412_315.7, 164_845_200),
    # ASHE Table 8.7a 2015-2020: lowest published annual pay 1,752 (a 10th percentile of
    # part-time jobs), highest 110,010; England 18,549 thousand jobs; changes -32.7 to 69.6 %.
    ("ashe_pay", "£ a year"): (0, 1_100_100, 1_752, 110_010),
    ("ashe_pay", "thousand jobs"): (0, 185_490, 5, 18_549),
    ("ashe_pay", "% change on a year"): (-327, 696, -32.7, 69.6),
}

NON_NEGATIVE_UNITS = {"people", "requests", "episodes", "count", "outcome as published"}
_ADDITIVE_UNITS = {"people", "requests", "episodes"}
_ADDITIVE_MEASURES = {"gross_current_expenditure"}


def value_problems(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Rows whose values cannot be right (rules 1-4 in the module docstring).

    Returns:
        One row per problem: ``index`` (of ``frame``), ``column``, ``check``, ``found``.
    """
    import pandas as pd

    from msp_analysis import geography

    out: list[pd.DataFrame] = []

    def add(mask: pd.Series, column: str, check: str, found: pd.Series) -> None:
        mask = mask.fillna(False).astype(bool)
        if mask.any():
            out.append(
                pd.DataFrame(
                    {
                        "index": frame.index[mask.to_numpy()],
                        "column": column,
                        "check": check,
                        "found": found[mask].astype(object).to_numpy(),
                    }
                )
            )

    if {"la_code", "area_type"} <= set(frame.columns):
        area = frame["area_type"].astype("string")
        code = frame["la_code"].astype("string")
        places = area.isin(["england", "region", "council"])
        unknown = places & ~code.isin(geography.known_codes())
        add(unknown, "la_code", "a council, region or England code the tool knows", code)
    if "value" not in frame or "unit" not in frame:
        return _problems(out)
    value = pd.to_numeric(frame["value"], errors="coerce")
    unit = frame["unit"].astype("string")
    add(unit.isin(NON_NEGATIVE_UNITS) & (value < 0), "value", "never negative", value)
    for (tab, u), (low, high, _, _) in BOUNDS.items():
        if tab != table:
            continue
        this = unit == u
        add(
            this & ((value < low) | (value > high)),
            "value",
            f"within 10x the published range for {u} ({low:,.0f} to {high:,.0f})",
            value,
        )
    keys = [k for k in TABLE_KEYS.get(table, []) if k != "la_code"]
    additive = unit.isin(_ADDITIVE_UNITS)
    if "measure" in frame:
        additive |= frame["measure"].astype("string").isin(_ADDITIVE_MEASURES)
    if keys and set(keys) <= set(frame.columns) and "area_type" in frame and additive.any():
        cols = [*keys, "area_type", "value"]  # only what the rule needs, then the rows
        sub = frame[cols][additive.fillna(False).to_numpy()].dropna(subset=keys)
        eng = sub[sub["area_type"] == "england"]
        if len(eng):
            england = eng.drop_duplicates(keys).set_index(keys)["value"].rename("_england")
            parts = sub[sub["area_type"].isin(["council", "region"])].join(england, on=keys)
            over = (parts["value"] > parts["_england"]) & (parts["_england"] > 0)
            bad = parts[over.fillna(False).to_numpy()]
            if len(bad):  # the text of a finding only for the rows found
                found = bad["value"].astype(str) + " > England " + bad["_england"].astype(str)
                mask = pd.Series(False, index=frame.index)
                mask.loc[bad.index] = True
                add(
                    mask,
                    "value",
                    "a council or region is never larger than England",
                    found.reindex(frame.index),
                )
    if table == "ascfr" and "source_sheet" in frame:
        add(*_totals_do_not_add_up(frame, value, unit))
    return _problems(out)


def _totals_do_not_add_up(
    frame: pd.DataFrame, value: pd.Series, unit: pd.Series
) -> tuple[pd.Series, str, str, pd.Series]:
    """Rule 5: Total cells of the workbook's money tables that their parts do not sum to."""
    import numpy as np
    import pandas as pd

    mask = pd.Series(False, index=frame.index)
    found = pd.Series("", index=frame.index, dtype=object)
    money = (unit == "£ thousands") & frame["source_sheet"].notna()
    if not money.any():  # no workbook money table (the CSV layouts have no sheet)
        return mask, "value", "parts add up to their Total within £1 thousand", found
    sheet = frame["source_sheet"].astype("string")
    money &= sheet.str.fullmatch(r"T\d+").fillna(False)
    cols = [c for c in ["la_code", "year", *_NHSD_DIMS] if c in frame]
    sub = frame[cols][money.to_numpy()]
    if not len(sub):
        return mask, "value", "parts add up to their Total within £1 thousand", found
    v = value[money].to_numpy(dtype="float64", na_value=np.nan)
    missing = np.isnan(v)
    # each column as integer codes (a missing label is a label of its own), once
    codes = {c: pd.factorize(sub[c], use_na_sentinel=False)[0] for c in cols}
    for d in [c for c in NHSD_DIMENSIONS if c in sub]:
        is_total = (sub[d] == "Total").fillna(False).to_numpy(dtype=bool)
        if not is_total.any():
            continue
        # one group number per combination of every other column (its breakdown)
        group = np.zeros(len(sub), dtype="int64")
        for c in cols:
            if c != d:
                group = pd.factorize(group * (codes[c].max() + 1) + codes[c])[0]
        part = ~is_total
        n = np.bincount(group[part], minlength=group.max() + 1)
        sums = np.bincount(group[part], weights=np.where(missing, 0.0, v)[part], minlength=len(n))
        gaps = np.bincount(group[part], weights=missing[part], minlength=len(n))
        t = np.flatnonzero(is_total & ~missing)
        t = t[(n[group[t]] > 0) & (gaps[group[t]] == 0)]
        bad = t[np.abs(sums[group[t]] - v[t]) > 1.0 + 1e-9 * np.abs(v[t])]
        for k in bad:
            row = sub.index[k]
            mask.loc[row] = True
            found.loc[row] = f"{d} parts sum to {sums[group[k]]:,.3f}, Total is {v[k]:,.3f}"
    return mask, "value", "parts add up to their Total within £1 thousand", found


@cache
def _checked_by_pandera(table: str) -> pa.DataFrameSchema:
    """The table's schema without its ``unique`` key, which :func:`_repeated_keys` checks
    (once, naming the key and both rows, where pandera would list every repeated cell)."""
    import copy

    schema = copy.copy(schemas()[table])
    schema.unique = None
    return schema


def _repeated_keys(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Rows whose key (:data:`TABLE_KEYS`) another row of ``frame`` repeats: the same
    observation published twice. One problem row per repeated row, ``found`` the key."""
    import pandas as pd

    keys = [k for k in schemas()[table].unique or [] if k in frame.columns]
    if not keys:
        return _problems([])
    dup = frame.duplicated(keys, keep=False).to_numpy()
    if not dup.any():
        return _problems([])
    rows = frame.loc[dup, keys].sort_values(keys, kind="stable")
    found = [", ".join(map(str, key)) for key in rows.itertuples(index=False)]
    return pd.DataFrame(
        {
            "index": rows.index,
            "column": ", ".join(keys),
            "check": "unique key: the same observation is published twice",
            "found": found,
        }
    )


def _problems(parts: list[pd.DataFrame]) -> pd.DataFrame:
    import pandas as pd

    if not parts:
        return pd.DataFrame(columns=["index", "column", "check", "found"])
    return pd.concat(parts, ignore_index=True)


def _where(frame: pd.DataFrame, idx, file: str | None) -> str:
    import pandas as pd

    if idx is None or pd.isna(idx) or idx not in frame.index:
        return f"[{file}]"
    row = frame.loc[idx]
    bits = [str(row.get("source_file", file))]
    sheet = row.get("source_sheet")
    if sheet is not None and not pd.isna(sheet):
        bits.append(f"sheet {sheet}")
    if "source_row" in frame:
        bits.append(f"row {int(row['source_row'])}")
    col = row.get("source_column")
    if col is not None and not pd.isna(col):
        bits.append(f"column {int(col)}")
    code = row.get("la_code")
    return f"[{' '.join(bits)}]" + (f" {code}" if code is not None else "")


def validate(table: str, frame: pd.DataFrame, *, file: str | None = None) -> pd.DataFrame:
    """Validate a tidy table against its schema and the value rules; every failure at once.

    Raises:
        SourceError: naming the file, the sheet, column and row of the first failures.
    """
    import pandas as pd
    import pandera.pandas as pa

    schema = _checked_by_pandera(table)
    failures = []
    repeated = _repeated_keys(table, frame)
    if len(repeated):
        failures.append(repeated)
    try:
        frame = schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        failures.append(
            pd.DataFrame(
                {
                    "index": cases.get("index"),
                    "column": cases.get("column"),
                    "check": cases.get("check"),
                    "found": cases.get("failure_case"),
                }
            )
        )
    values = value_problems(table, frame)
    if len(values):
        failures.append(values)
    if not failures:
        return frame
    cases = pd.concat(failures, ignore_index=True)
    lines = [
        f"{_where(frame, case['index'], file)} column {case['column']}: {case['check']} "
        f"(found {case['found']!r})"
        for _, case in cases.head(10).iterrows()
    ]
    first = cases.iloc[0]
    idx = first["index"]
    at = frame.loc[idx] if idx is not None and not pd.isna(idx) and idx in frame.index else None
    sheet = at.get("source_sheet") if at is not None else None
    return_row = int(at["source_row"]) if at is not None and "source_row" in frame else None
    raise SourceError(
        f"table '{table}' breaks its schema in {len(cases)} place(s):\n  " + "\n  ".join(lines),
        file=file,
        sheet=None if sheet is None or pd.isna(sheet) else str(sheet),
        column=str(first["column"]),
        row=return_row,
    )
