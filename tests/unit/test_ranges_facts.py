"""Section 2's facts about ranges: the spend table in £ with ranges, the horizon record and
the five-year test in words (hand-made forecast results)."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd
import pytest

from msp_analysis.narrative import ranges_facts

pytestmark = pytest.mark.unit


def _result(record=None):
    rows = []
    for name, values in (("baseline", [200e6, 204e6]), ("market_unchanged", [200e6, 231e6])):
        for year, v in zip((2023, 2024), values):
            width = 0.0 if year == 2023 else 0.1
            rows.append(
                dict(
                    scenario=name,
                    year=year,
                    measure="spend",
                    setting="All",
                    value=v,
                    lower_80=v * (1 - width),
                    upper_80=v * (1 + width),
                )
            )
    runs = pd.DataFrame(
        {
            "scenario": ["baseline", "market_unchanged"],
            "base_year": [2023, 2023],
            "constant_prices": [True, False],
            "spend_range_calibrated": [True, True],
        }
    )
    return SimpleNamespace(runs=runs, forecast=pd.DataFrame(rows), record=record, rate_notes=[])


def test_spend_table_puts_cash_first_names_constant_prices_and_prints_ranges():
    t = ranges_facts.spend_table(_result())
    assert [c["key"] for c in t["columns"]] == ["market_unchanged", "baseline"]
    assert [c["basis"] for c in t["columns"]] == ["cash", "constant 2023-24 prices"]
    first, second = t["rows"]
    assert first["year"] == "2023-24" and first["cells"][0] == {"value": "£200.0m", "range": ""}
    # £231m +-10%: £207.9m to £254.1m, whole millions past £100m
    assert second["cells"][0] == {"value": "£231.0m", "range": "£208m to £254m"}
    assert second["cells"][1]["range"] == "£184m to £224m"
    assert t["calibrated"]


def test_five_year_test_in_words_says_the_bias_side():
    rec = pd.DataFrame(
        [
            dict(
                measure="spend",
                horizon=h,
                origins="2017-18",
                forecasts=140,
                median_ape=ape,
                bias_pct=bias,
                coverage_80=cov,
                coverage_95=90.0,
                reference_median_ape=ape + 1,
            )
            for h, ape, bias, cov in ((1, 5.0, 1.0, 82.0), (5, 18.1, -17.3, 71.0))
        ]
    )
    r = ranges_facts.record(_result(rec))
    assert [x["horizon"] for x in r["spend"]] == [1, 5]
    assert r["spend_measure"] == ranges_facts.SPEND_NET  # no pooled rows: net alone
    assert r["five"]["bias_words"] == "short of" and r["five"]["bias_size"] == pytest.approx(17.3)
    assert r["five"]["coverage_80"] == 71.0 and r["people"] == []
    above = ranges_facts.record(_result(rec.assign(bias_pct=4.0)))
    assert above["five"]["bias_words"] == "above"
    assert ranges_facts.record(_result(pd.DataFrame()))["five"] is None


def test_the_record_quoted_is_every_spend_measure_pooled_where_there_is_one():
    """The base is total expenditure, one origin of its own: the plan quotes the pooled
    record (as the ranges are calibrated) and keeps net current expenditure beside it."""
    rows = [
        dict(
            measure=m,
            horizon=5,
            origins="o",
            forecasts=n,
            median_ape=ape,
            bias_pct=-1.0,
            coverage_80=75.0,
            coverage_95=90.0,
            reference_median_ape=15.0,
        )
        for m, n, ape in (("spend", 302, 10.0), ("spend, all measures", 452, 10.8))
    ]
    r = ranges_facts.record(_result(pd.DataFrame(rows)))
    assert r["spend_measure"] == ranges_facts.SPEND_POOLED
    assert r["five"]["forecasts"] == 452 and r["five"]["median_ape"] == 10.8
    assert r["net"][0]["forecasts"] == 302
