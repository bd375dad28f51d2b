"""DHSC's 2023 Table 1, as the package ships it, against the published report itself.

The report (Local authority market sustainability plans: insights report, 2 November 2023) is
kept as text in ../shared/seeds/dhsc_msp_insights_report_2023.txt; its Table 1 rows read
'% expressing concerns over limited capacity 24% 67% 61%' (65+ residential, 65+ nursing,
18+ home care), with 'N/A' where DHSC gave no figure.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd
import pytest

from msp_analysis.national import table1

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT.parent / "shared" / "seeds" / "dhsc_msp_insights_report_2023.txt"
COLUMNS = ["residential_65", "nursing_65", "home_care_18"]


def test_shipped_table1_is_dhsc_table1():
    if not SEED.exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but the DHSC insights report text is missing: {SEED}")
        pytest.skip(f"{SEED} not found")
    text = SEED.read_text(encoding="utf-8")
    table = text[text.index("Table 1: concerns expressed by LAs") :]
    shipped = table1.dhsc_table1()
    for wording, g in shipped.groupby("dhsc_wording", sort=False):
        line = next(x for x in table.splitlines() if x.startswith(wording))
        cells = re.findall(r"(\d+)%|N/A", line[len(wording) :])
        published = [float(c) if c else None for c in cells]
        assert len(published) == 3, line
        got = g.set_index("dhsc_market")["share_pct"]
        for market, value in zip(COLUMNS, published, strict=True):
            if value is None:
                assert pd.isna(got[market]), (wording, market)
            else:
                assert got[market] == value, (wording, market)
