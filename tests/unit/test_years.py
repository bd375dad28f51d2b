"""One financial-year label for the whole package (msp_analysis.years)."""

from __future__ import annotations

import numpy as np
import pytest

from msp_analysis.geography import history_statement
from msp_analysis.sources import _parsing
from msp_analysis.years import financial_year

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("start", "label"),
    [
        (2023, "2023-24"),
        (1999, "1999-00"),
        (2009, "2009-10"),
        (np.int64(2021), "2021-22"),
        (2014.0, "2014-15"),
    ],
)
def test_label_of_the_year_starting_in_april(start, label):
    assert financial_year(start) == label


def test_a_part_year_is_refused():
    with pytest.raises(ValueError, match=r"2021\.5"):
        financial_year(2021.5)


def test_the_readers_and_the_plan_use_the_same_label():
    assert _parsing.fy_label is financial_year
    # Cumberland's returns start with the financial year of its creation (April 2023)
    assert "2023-24" in (history_statement("E06000063") or "")
