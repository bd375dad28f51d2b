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
