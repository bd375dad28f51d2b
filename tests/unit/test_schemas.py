"""Value rules in the schemas (msp_analysis/schemas.py docstring), on tiny hand-made tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from msp_analysis import schemas
from msp_analysis.errors import SourceError

pytestmark = pytest.mark.unit


def _salt(rows):
    """SALT rows: (la_code, area_type, age_band, value); T34 people, source rows from 10."""
    n = len(rows)
    frame = pd.DataFrame(
        {
            "la_code": [r[0] for r in rows],
            "area_type": [r[1] for r in rows],
            "la_name": "x",
            "year": pd.array([2021] * n, dtype="Int64"),
            "table_ref": "T34",
            "measure": "clients_lts_during_year",
            "care_type": "Total",
            "support_setting": "Total",
            "age_band": [r[2] for r in rows],
            "primary_support_reason": "Total",
            "purpose": "Total",
            "provision": "Total",
            "route_of_access": "Total",
            "what_happened_next": "Total",
            "value": [float(r[3]) for r in rows],
            "unit": "people",
            "suppressed": False,
            "source": "SALT",
            "source_file": "t.xlsx",
            "source_sheet": "T34",
            "source_row": np.arange(10, 10 + n, dtype="int64"),
            "source_column": 6,
        }
    )
    return frame


def test_good_table_passes():
    ok = _salt([("E92000001", "england", "Total", 800), ("E06000054", "council", "Total", 5)])
    assert len(schemas.validate("salt", ok, file="t.xlsx")) == 2


@pytest.mark.parametrize(
    "row, words",
    [
        (("E06000999", "council", "Total", 5), "code the tool knows"),  # well formed, unknown
        (("E06000054", "council", "Total", -5), "never negative"),
        (("E06000054", "council", "Total", 9_000_000), "within 10x the published range"),
        (("E06000054", "council", "Total", 900), "never larger than England"),  # 900 > 800
    ],
)
def test_values_that_cannot_be_right_name_sheet_and_row(row, words):
    bad = _salt([("E92000001", "england", "Total", 800), row])
    with pytest.raises(SourceError) as err:
        schemas.validate("salt", bad, file="t.xlsx")
    msg = str(err.value)
    assert words in msg and "sheet T34 row 11" in msg and "file 't.xlsx'" in msg


def test_ascfr_parts_must_add_up_to_their_total():
    # T43-like row: Nursing 10 + Residential 20 must equal Total 30 (worked by hand).
    def frame(total):
        f = _salt(
            [
                ("E06000054", "council", "Total", 10),
                ("E06000054", "council", "Total", 20),
                ("E06000054", "council", "Total", total),
            ]
        )
        f["support_setting"] = ["Nursing", "Residential", "Total"]
        f["unit"] = "£ thousands"
        f["measure"] = "gross_current_expenditure"
        f["table_ref"] = f["source_sheet"] = "T43"
        f["carer_support_type"] = "Total"
        f["data_type"] = "Total"
        return f.drop(columns=["route_of_access", "what_happened_next"])

    assert schemas.value_problems("ascfr", frame(30.4)).empty  # within £1 thousand
    problems = schemas.value_problems("ascfr", frame(35))
    assert len(problems) == 1 and "parts sum to 30.000, Total is 35.000" in problems["found"][0]
    # A missing part (suppressed or formula without a value) leaves the row unchecked.
    missing = frame(35)
    missing.loc[0, "value"] = np.nan
    assert schemas.value_problems("ascfr", missing).empty


def test_every_table_schema_checks_the_store_key():
    # One dict of keys: the store keeps one row per key across files, and each schema checks the
    # same columns unique within a file; every table the store builds has a schema.
    from msp_analysis import store

    assert store.TABLE_KEYS is schemas.TABLE_KEYS
    assert set(schemas.schemas()) == set(schemas.TABLE_KEYS)
    for name, schema in schemas.schemas().items():
        assert schema.unique == schemas.TABLE_KEYS[name], name
        assert set(schema.unique) <= set(schema.columns), name


def _ascof(frameworks):
    """ASCOF rows for one council, year and measure code 1B, one row per framework given."""
    n = len(frameworks)
    return pd.DataFrame(
        {
            "la_code": "E06000054",
            "area_type": "council",
            "la_name": "Wiltshire",
            "year": pd.array([2020] * n, dtype="Int64"),
            "framework": frameworks,
            "measure_code": "1B",
            "disaggregation": "Total",
            "measure_type": "Outcome",
            "value": [77.1, 80.0][:n],
            "unit": "outcome as published",
            "suppressed": False,
            "source": "ASCOF",
            "source_file": "a.ods",
            "source_row": np.arange(5, 5 + n, dtype="int64"),
        }
    )


def test_ascof_key_includes_framework():
    # 1B is "control over daily life" to 2022-23 and "adjusted SCRQoL" from 2023-24 (the two
    # ASCOF files in ../shared/data both publish 2020-21), so the same code in two frameworks is
    # two observations; twice in one framework is a duplicate.
    assert len(schemas.validate("ascof", _ascof(["to 2022-23", "2023-24 onwards"]))) == 2
    with pytest.raises(SourceError, match="unique"):
        schemas.validate("ascof", _ascof(["to 2022-23", "to 2022-23"]), file="a.ods")


def test_parts_are_summed_within_their_own_breakdown_only():
    # Two councils publish the same labels: E06000054's parts add up (10 + 20 = 30), E06000055's
    # do not (5 + 6 = 11, Total 13). Only E06000055's Total is flagged, at its own index.
    rows = [
        ("E06000054", "council", "Total", 10),
        ("E06000054", "council", "Total", 20),
        ("E06000054", "council", "Total", 30),
        ("E06000055", "council", "Total", 5),
        ("E06000055", "council", "Total", 6),
        ("E06000055", "council", "Total", 13),
    ]
    f = _salt(rows)
    f["support_setting"] = ["Nursing", "Residential", "Total"] * 2
    f["unit"] = "£ thousands"
    f["measure"] = "gross_current_expenditure"
    f["table_ref"] = f["source_sheet"] = "T43"
    f["carer_support_type"] = f["data_type"] = "Total"
    f = f.drop(columns=["route_of_access", "what_happened_next"])
    problems = schemas.value_problems("ascfr", f)
    assert problems["index"].tolist() == [5]
    assert "parts sum to 11.000, Total is 13.000" in problems["found"][0]


def test_a_repeated_key_names_both_rows():
    # Rows 10 and 12 publish the same observation (E06000054, 18-64); row 11 is another age.
    bad = _salt(
        [
            ("E06000054", "council", "18-64", 5),
            ("E06000054", "council", "65+", 6),
            ("E06000054", "council", "18-64", 7),
        ]
    )
    with pytest.raises(SourceError, match="the same observation is published twice") as err:
        schemas.validate("salt", bad, file="t.xlsx")
    msg = str(err.value)
    assert err.value.row == 10 and "in 2 place(s)" in msg
    assert "sheet T34 row 10" in msg and "sheet T34 row 12" in msg and "row 11" not in msg
