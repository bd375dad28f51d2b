"""One financial-year label for the whole package (msp_analysis.years)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

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


def test_a_year_written_as_digits_is_read():
    assert financial_year("2022") == "2022-23"


#: a financial-year label written out by hand: `{y}-{(y + 1) % 100:02d}`, `str(y + 1)[-2:]`,
#: `"%02d" % ((y + 1) % 100)` and the like (the next year's last two digits computed in place)
HAND_WRITTEN_LABEL = re.compile(
    r"\+\s*1\s*\)*\s*%\s*100"  # (y + 1) % 100
    r"|\+\s*1\s*\)\s*\)?\s*\[\s*-?2\s*:\s*\]"  # str(y + 1)[-2:] / [2:]
)
ROOT = Path(__file__).resolve().parents[2]


def _python_files():
    for folder in ("msp_analysis", "notebooks", "tests", "benchmarks", "tools"):
        yield from sorted((ROOT / folder).rglob("*.py"))


def test_the_pattern_finds_the_hand_written_forms():
    for line in (
        'f"{y}-{(y + 1) % 100:02d}"',
        'f"{int(y)}-{(int(y) + 1) % 100:02d}"',
        'f"{y}-{str(y + 1)[-2:]}"',
        '"%d-%02d" % (y, (y+1)%100)',
    ):
        assert HAND_WRITTEN_LABEL.search(line), line
    assert not HAND_WRITTEN_LABEL.search("share = 100 * part / (whole + 1)")


def test_the_check_finds_a_label_put_back_by_hand(tmp_path, monkeypatch):
    planted = tmp_path / "msp_analysis" / "planted.py"
    planted.parent.mkdir()
    planted.write_text('def label(y):\n    return f"{y}-{(y + 1) % 100:02d}"\n', encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    with pytest.raises(AssertionError, match=r"planted\.py:2"):
        test_no_financial_year_label_is_written_by_hand()


def test_no_financial_year_label_is_written_by_hand():
    """Every label comes from years.financial_year, so no module can drift from the returns'."""
    here = Path(__file__).resolve()
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in _python_files()
        if path not in (here, ROOT / "msp_analysis" / "years.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if HAND_WRITTEN_LABEL.search(line) and "==" not in line  # '==': a label read, checked
    ]
    assert found == []
