"""The council's local evidence file: schema, rows, fee-to-cost gaps, and the risk tests it runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from msp_analysis import resources
from msp_analysis.errors import SettingsError
from msp_analysis.indicators import local, risk

pytestmark = pytest.mark.unit

GOOD = """name: Testshire evidence
la_code: E06000054
figures:
  - {market: care_home_65, measure: fee_rate, value: 780, unit: £ per week, period: 2024-25, source: Fee schedule, date: 2024-04-01}
  - {market: care_home_65, measure: cost_of_care, value: 835, unit: £ per week, period: 2024-25, source: Cost of care exercise, date: 2024-03-15}
  - {market: supported_living, measure: average_wait_days, value: 41, period: Q4 2023-24, source: Brokerage, date: 2024-04-05}
"""


def _write(tmp_path, text):
    p = tmp_path / "evidence.yml"
    p.write_text(text)
    return p


def test_rows_and_fee_to_cost_gap(tmp_path):
    ev = local.load_evidence(_write(tmp_path, GOOD))
    rows = local.evidence_rows(ev, "E06000054").set_index(["market", "indicator"])
    assert rows.loc[("care_home_65", "local_fee_rate"), "value"] == 780
    assert rows.loc[("supported_living", "local_average_wait_days"), "unit"] == "days"  # default
    # worked by hand: (780 - 835) / 835 x 100 = -6.587%
    gap = rows.loc[("care_home_65", "local_fee_to_cost_gap_pct"), "value"]
    assert gap == pytest.approx(-6.5868, abs=1e-4)
    assert rows.loc[("care_home_65", "local_fee_rate"), "source"] == (
        "Council's own records: Fee schedule, 1 April 2024"
    )
    assert rows.loc[("care_home_65", "local_fee_rate"), "year_label"] == "2024-25"


@pytest.mark.parametrize(
    "bad,words",
    [
        (
            GOOD.replace("source: Fee schedule,", "source: Fee schedule, colour: red,"),
            "figures[1].colour",
        ),
        (
            GOOD.replace(
                "unit: £ per week, period: 2024-25, source: Fee",
                "unit: £ per day, period: 2024-25, source: Fee",
            ),
            "£ per day",
        ),
        (GOOD.replace("market: supported_living", "market: moon"), "figures[3].market"),
        (GOOD.replace("value: 41", "value: -4"), "figures[3].value"),
        (GOOD.replace("date: 2024-04-05", "date: soon"), "figures[3]"),
        (GOOD + "owner: me\n", "owner"),
    ],
)
def test_bad_files_refused_with_the_entry_named(tmp_path, bad, words):
    with pytest.raises(SettingsError, match=r"evidence\.yml") as e:
        local.load_evidence(_write(tmp_path, bad))
    assert words in str(e.value) and "\n" not in str(e.value)


def test_evidence_for_another_council_refused(tmp_path):
    ev = local.load_evidence(_write(tmp_path, GOOD))
    with pytest.raises(SettingsError, match="E06000054, not E06000055"):
        local.evidence_rows(ev, "E06000055")


def test_shipped_template_and_example_are_valid():
    root = resources.packaged("templates")
    empty = local.read_evidence(root / "local_evidence.yml")
    assert empty.figures == [] and empty.example is False
    ex = local.load_evidence(root / "local_evidence_example.yml")
    assert ex.example is True and ex.la_code == "E10900001" and len(ex.figures) > 10
    assert all("example" in f.source for f in ex.figures)


def test_local_rules_run_per_market_and_matrix_says_what_ran(tmp_path):
    ev = local.load_evidence(_write(tmp_path, GOOD))
    ind = local.evidence_rows(ev, "E06000054")
    flags = risk.risk_results(ind)
    cost = flags[(flags["indicator"] == "local_fee_to_cost_gap_pct")].set_index("market")
    assert cost.loc["care_home_65", "state"] == "flagged"  # fee 6.6% below the cost of care
    assert cost.loc["home_care_18", "state"] == "could not run"  # no fee or cost for home care
    wait = flags[flags["indicator"] == "local_average_wait_days"].set_index("market")
    assert wait.loc["supported_living", "state"] == "flagged"  # 41 days, above 28
    m = risk.risk_matrix(flags).set_index(["risk", "market"])["state"]
    assert m[("cost_of_care", "care_home_65")] == "flagged"
    assert m[("cost_of_care", "home_care_18")] == "could not run"
    assert m[("limited_capacity", "supported_living")] == "flagged"
    needs = (
        risk.risk_matrix(flags)
        .set_index(["risk", "market"])
        .loc[("cost_of_care", "home_care_18"), "evidence_needed"]
    )
    assert "fee the council pays and its cost of care" in needs


def test_unit_cost_swings_are_data_checks_not_risks():
    ind = pd.DataFrame(
        dict(
            market=["care_home_65", "care_home_65", "home_care_18"],
            indicator=["unit_cost_weekly_65", "unit_cost_weekly_65", "home_care_hourly_rate"],
            breakdown=["Nursing", "Residential", "External"],
            year_label=["2021-22"] * 3,
            value=[630.27, 812.1, 21.39],
            change_pct=[-17.27, 8.3, np.nan],
            status=["ok"] * 3,
            england=[810.1, 747.4, 18.9],
            note=[""] * 3,
            year=[2021] * 3,
        )
    )
    checks = risk.data_checks(ind)
    assert checks[["breakdown", "change_pct"]].values.tolist() == [["Nursing", -17.27]]
    # a figure listed to check is not judged, though 630 is 22% below 810 and 28% below 870;
    # a steady one is (812 is above England's 747)
    results = risk.risk_results(ind.assign(region=[870.0, 849.0, 21.56], unit="£ per week"))
    cost = results[
        (results["indicator"] == "unit_cost_weekly_65") & (results["risk"] == "cost_of_care")
    ].set_index("breakdown")
    assert cost.loc["Nursing", "state"] == "could not run"
    assert cost.loc["Nursing", "reason"] == (
        "the 2021-22 figure is listed as one to check (down 17.3% in a year), so it is not judged"
    )
    assert cost.loc["Residential", "state"] == "not flagged"


def test_declared_measures_match_their_labels():
    from typing import get_args

    assert set(get_args(local.MeasureKey)) == set(local.MEASURES)
