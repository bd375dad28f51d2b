"""pandera schemas: the contract between the readers and everything built on them.

Every tidy table carries the same keys and provenance: ``la_code`` (ONS code;
``council_type:X`` / ``combined:X`` for the group rows ASCOF publishes),
``area_type``, ``la_name``, ``year`` (financial-year start, or calendar year for
population), ``value``, ``unit``, ``suppressed``, and ``source``, ``source_file``,
``source_row``. Validation is lazy, so one run reports every problem at once.
"""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from msp_analysis.errors import SourceError

# "district": a lower-tier district kept only where today's councils are built from districts
# (population estimates and projections; see geography.successor_parts).
AREA_TYPES = ["england", "region", "council", "council_type", "combined", "district", "other"]
LA_CODE = r"^(E\d{8}|council_type:.+|combined:.+)$"


def _suppressed_means_missing(df: pd.DataFrame) -> pd.Series:
    # A suppressed or not-submitted cell never carries a number (and never a zero).
    return ~df["suppressed"] | df["value"].isna()


def _base(
    extra: dict[str, pa.Column], *, year_required: bool = True, value: bool = True
) -> dict[str, pa.Column]:
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
        unique=["la_code", "year", "estimate", "sex", "age_label"],
        name=name,
    )


_NHSD_DIMS = [
    "table_ref",
    "measure",
    "care_type",
    "support_setting",
    "age_band",
    "primary_support_reason",
    "purpose",
    "provision",
    "route_of_access",
    "what_happened_next",
]

SCHEMAS: dict[str, pa.DataFrameSchema] = {
    "ascfr": pa.DataFrameSchema(
        _base(_dims([*_NHSD_DIMS, "carer_support_type", "data_type"])),
        checks=pa.Check(_suppressed_means_missing, error="suppressed cell has a value"),
        unique=[
            "la_code",
            "year",
            "table_ref",
            "measure",
            "care_type",
            "support_setting",
            "age_band",
            "primary_support_reason",
            "purpose",
            "provision",
            "carer_support_type",
            "data_type",
        ],
        name="ascfr",
    ),
    "salt": pa.DataFrameSchema(
        _base(
            {
                **_dims(_NHSD_DIMS),
                "value": pa.Column("float64", nullable=True, checks=pa.Check.ge(0)),
            }
        ),
        checks=pa.Check(_suppressed_means_missing, error="suppressed cell has a value"),
        unique=["la_code", "year", *_NHSD_DIMS],
        name="salt",
    ),
    "ascof": pa.DataFrameSchema(
        _base(_dims(["framework", "measure_code", "disaggregation", "measure_type"])),
        checks=pa.Check(_suppressed_means_missing, error="suppressed cell has a value"),
        unique=["la_code", "year", "measure_code", "disaggregation", "measure_type"],
        name="ascof",
    ),
    "population": _population_schema("population"),
    "population_projections": _population_schema("population_projections"),
    "workforce": pa.DataFrameSchema(
        _base(_dims(["sector", "service", "job_role", "measure"])),
        checks=pa.Check(_suppressed_means_missing, error="suppressed cell has a value"),
        unique=["la_code", "year", "sector", "service", "job_role", "measure"],
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
        unique=["location_id", "service_group", "domain"],
        name="cqc_ratings",
    ),
    "cqc_locations": pa.DataFrameSchema(
        _base(
            {
                "location_id": pa.Column(nullable=False, unique=True),
                "provider_id": pa.Column(nullable=True),
                "care_home": pa.Column("bool"),
                "beds": pa.Column("float64", nullable=True, checks=pa.Check.ge(0)),
            },
            year_required=False,
            value=False,
        ),
        name="cqc_locations",
    ),
}

#: MHCLG revenue outturn (RS, RSX, RO3): councils and England, £ thousands.
SCHEMAS["outturn"] = pa.DataFrameSchema(
    _base(
        {
            "form": pa.Column(nullable=False, checks=pa.Check.isin(["RS", "RSX", "RO3"])),
            "service": pa.Column(nullable=False),
            "age_band": pa.Column(
                nullable=False, checks=pa.Check.isin(["18 to 64", "65 and over", "Total"])
            ),
            "measure": pa.Column(nullable=False),
            "area_type": pa.Column(nullable=False, checks=pa.Check.isin(["council", "england"])),
        }
    ),
    checks=pa.Check(_suppressed_means_missing, error="suppressed cell has a value"),
    unique=["la_code", "year", "form", "service", "age_band", "measure"],
    name="outturn",
)


def validate(table: str, frame: pd.DataFrame, *, file: str | None = None) -> pd.DataFrame:
    """Validate a tidy table against its schema; every failure reported at once.

    Raises:
        SourceError: naming the file, the column and the first rows that failed.
    """
    schema = SCHEMAS[table]
    try:
        return schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        lines = []
        for _, case in cases.head(10).iterrows():
            idx = case.get("index")
            row = None
            if idx is not None and pd.notna(idx) and "source_row" in frame and idx in frame.index:
                row = int(frame.loc[idx, "source_row"])
                src = frame.loc[idx, "source_file"]
            else:
                src = file
            lines.append(
                f"[{src} row {row}] column {case.get('column')}: {case.get('check')} (found {case.get('failure_case')!r})"
            )
        raise SourceError(
            f"table '{table}' breaks its schema in {len(cases)} place(s):\n  " + "\n  ".join(lines),
            file=file,
            column=str(cases["column"].iloc[0]) if len(cases) else None,
        ) from exc
