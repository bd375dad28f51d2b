"""DHSC's risk tests per market: each rule on hand-made indicator rows, worked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from msp_analysis.indicators import risk
from msp_analysis.indicators.markets import TESTED_MARKETS
from msp_analysis.years import financial_year

pytestmark = pytest.mark.unit


def _row(indicator, breakdown, value, year=2021, england=np.nan, region=np.nan, **kw):
    base = dict(
        market="all",
        indicator=indicator,
        breakdown=breakdown,
        year=year,
        year_label=financial_year(year),
        value=value,
        england=england,
        region=region,
        unit="£ per week",
        status="ok",
        rank=pd.NA,
        n_ranked=np.nan,
        note="",
    )
    base.update(kw)
    return base


def _rules(*rules) -> dict:
    return {
        "rules": [
            {"source": None, "needs": None, "why": None, "instead_of": [], **r} for r in rules
        ]
    }


def _one(rows, **rule) -> pd.Series:
    rule = {"risk": "cost_of_care", "market": "care_home_65", "rating": "low", **rule}
    out = risk.risk_results(pd.DataFrame(rows), _rules(rule))
    assert len(out) == 1
    return out.iloc[0]


def test_below_england_and_the_region():
    cost = dict(
        indicator="unit_cost_weekly_65",
        breakdown="Nursing",
        rule="below_england_and_region_by_pct",
        threshold=10,
    )
    # 630 is (810-630)/810 = 22.2% below England and (870-630)/870 = 27.6% below the region
    r = _one([_row("unit_cost_weekly_65", "Nursing", 630.0, england=810.0, region=870.0)], **cost)
    assert r["state"] == "flagged"
    assert r["reason"] == "£630 against England £810 and the region £870"
    assert r["rule"] == "more than 10% below both England and the region"
    # a low-cost region: (700-630)/700 = 10.0%, not more than 10: not flagged
    r = _one([_row("unit_cost_weekly_65", "Nursing", 630.0, england=810.0, region=700.0)], **cost)
    assert r["state"] == "not flagged"


def test_a_real_terms_fall_since_the_first_year():
    """CPI index 2014 -> 2021 from price_history.yml's September rates for 2015..2021
    (1.2, -0.1, 1.0, 3.0, 2.4, 1.7, 0.5): 1.012 x 0.999 x 1.010 x 1.030 x 1.024 x 1.017 x
    1.005 = 1.10076. £600 -> £580: 0.96667 / 1.10076 - 1 = -12.2%."""
    rows = [
        _row("unit_cost_weekly_65", "Residential", 600.0, year=2014),
        _row("unit_cost_weekly_65", "Residential", 590.0, year=2020),
        _row("unit_cost_weekly_65", "Residential", 580.0, year=2021),
    ]
    rule = dict(
        indicator="unit_cost_weekly_65",
        breakdown="Residential",
        rule="real_fall_by_pct",
        threshold=5,
        risk="market_exit",
    )
    r = _one(rows, **rule)
    assert r["state"] == "flagged"
    assert r["reason"] == "£580 against £600 in 2014-15: down 12.2% in real terms"
    assert r["rule"] == "a fall of more than 5% in real terms (CPI) since 2014-15"
    # £600 -> £640: 1.06667 / 1.10076 - 1 = -3.1%: not more than 5
    rows[-1]["value"] = 640.0
    assert _one(rows, **rule)["state"] == "not flagged"
    # two years one apart cannot show a trend: the test says what would run it
    r = _one(rows[1:], **{**rule, "needs": "an earlier year of ASC-FR unit costs"})
    assert r["state"] == "could not run"
    assert r["reason"] == (
        "needs an earlier year of ASC-FR unit costs (years loaded: 2020-21, 2021-22)"
    )


def test_a_change_in_points_against_englands():
    rows = [
        _row(
            "wage_floor_share_of_local_pay",
            "Total",
            47.0,
            year=2015,
            england=45.7,
            unit="% of local median full-time pay",
        ),
        _row(
            "wage_floor_share_of_local_pay",
            "Total",
            50.0,
            year=2020,
            england=53.7,
            unit="% of local median full-time pay",
        ),
    ]
    rule = dict(
        indicator="wage_floor_share_of_local_pay",
        breakdown="Total",
        rule="change_below_england_by_points",
        threshold=2,
        risk="workforce",
        market="all",
    )
    # +3.0 points against England's +8.0: 5.0 points less, more than 2
    r = _one(rows, **rule)
    assert r["state"] == "flagged"
    assert r["reason"] == "+3.0 points since 2015-16 (47.0% to 50.0%) against England's +8.0"
    rows[1]["value"] = 54.7  # +7.7 against +8.0: 0.3 points less
    assert _one(rows, **rule)["state"] == "not flagged"


def test_among_the_lowest_councils():
    rule = dict(
        indicator="older_people_income_deprivation",
        breakdown="Total",
        rule="lowest_share_of_councils",
        threshold=25,
    )
    # rank 135 of 149 (1 = highest): the 15th lowest; 135 > 149 x 0.75 = 111.75
    r = _one(
        [
            _row(
                "older_people_income_deprivation",
                "Total",
                8.7,
                unit="% of people aged 60+",
                rank=135,
                n_ranked=149,
            )
        ],
        **rule,
    )
    assert r["state"] == "flagged" and r["reason"] == "8.7%, the 15th lowest of 149 councils"
    # the very lowest is 'the lowest', not 'the 1st lowest' (DEMO executive summary)
    r = _one(
        [_row("older_people_income_deprivation", "Total", 8.8, unit="%", rank=5, n_ranked=5)],
        **rule,
    )
    assert r["reason"] == "8.8%, the lowest of 5 councils"
    r = _one(
        [_row("older_people_income_deprivation", "Total", 12.0, unit="%", rank=100, n_ranked=149)],
        **rule,
    )
    assert r["state"] == "not flagged"


def test_a_rule_standing_in_for_a_better_source_runs_only_without_it():
    rule = dict(
        indicator="ascof_6b_rating_share",
        breakdown="Good or outstanding",
        rule="below_england_by_points",
        threshold=5,
        risk="market_exit",
        instead_of=["care_home_rating_share"],
    )
    ascof = _row(
        "ascof_6b_rating_share", "Good or outstanding", 75.8, year=2024, england=81.7, unit="%"
    )
    # CQC's national ratings file, set against England: ASCOF 6B does not test it again
    national = _row(
        "care_home_rating_share", "Good or outstanding", 72.0, year=2026, england=78.0, unit="%"
    )
    assert risk.risk_results(
        pd.DataFrame([ascof, national]), _rules({**rule, "market": "care_home_65", "rating": "low"})
    ).empty
    # Lincolnshire: a one-county extract of it has no England to compare with, so ASCOF 6B runs
    extract = _row("care_home_rating_share", "Good or outstanding", 70.2, year=2026, unit="%")
    r = _one([ascof, extract], **rule)
    assert r["state"] == "flagged" and r["reason"] == "75.8% against England 81.7%"
    # with the CQC rule beside it: the extract's own test is not listed as 'could not run'
    # (no England in it) while ASCOF 6B tests the same risk in its place
    cqc = dict(
        rule,
        indicator="care_home_rating_share",
        instead_of=[],
        market="care_home_65",
        rating="low",
    )
    both = _rules(cqc, {**rule, "market": "care_home_65", "rating": "low"})
    out = risk.risk_results(pd.DataFrame([ascof, extract]), both)
    assert out["indicator"].tolist() == ["ascof_6b_rating_share"]
    assert out["state"].tolist() == ["flagged"]
    # no ASCOF figure either: both could not run, each naming what would run it
    out = risk.risk_results(pd.DataFrame([extract]), both)
    assert sorted(out["indicator"]) == ["ascof_6b_rating_share", "care_home_rating_share"]
    assert set(out["state"]) == {"could not run"}


def test_a_market_is_tested_on_its_own_rules_and_council_wide_once():
    rows = pd.DataFrame(
        [_row("ascof_6a_turnover", "All services", 26.0, year=2024, england=23.7, unit="%")]
    )
    rules = _rules(
        dict(
            risk="workforce",
            market="all",
            indicator="ascof_6a_turnover",
            breakdown="All services",
            rule="above_england_by_points",
            threshold=2,
            rating="medium",
        ),
        dict(
            risk="workforce",
            market="care_home_65",
            indicator="vacancy_rate",
            breakdown="Care home services with nursing",
            rule="above_england_by_points",
            threshold=1,
            rating="medium",
            needs="the Skills for Care workforce estimates",
        ),
    )
    results = risk.risk_results(rows, rules)
    m = risk.risk_matrix(results).set_index(["risk", "market"])
    # the council-wide turnover flags the council-wide row only: no market is flagged by it
    assert m.loc[("workforce", "all"), "state"] == "flagged"
    assert m.loc[("workforce", "care_home_65"), "state"] == "could not run"
    assert (
        m.loc[("workforce", "care_home_65"), "evidence_needed"]
        == "the Skills for Care workforce estimates"
    )
    assert m.loc[("workforce", "autism"), "state"] == "no test"
    assert len(m) == 5 * (len(TESTED_MARKETS) + 1)
    # the frame the plan stores and the national report reads: one row per test
    assert list(results.columns[: len(risk.RESULT_COLUMNS)]) == risk.RESULT_COLUMNS


def test_a_source_not_loaded_is_told_from_a_suppressed_figure():
    rule = dict(
        indicator="hhi_care_home_beds",
        breakdown="Total",
        rule="above",
        threshold=1500,
        risk="diversity",
        needs="the CQC care directory",
    )
    missing = _row("hhi_care_home_beds", "Total", np.nan, status="missing", unit="HHI (0-10,000)")
    assert _one([missing], **rule)["reason"] == "needs the CQC care directory"
    held = _row(
        "hhi_care_home_beds", "Total", np.nan, status="suppressed or not submitted", unit="HHI"
    )
    assert (
        _one([held], **rule)["reason"] == "the council's figure is suppressed or was not submitted"
    )


def test_shipped_rules_name_declared_indicators_and_a_file_for_each_public_test():
    from msp_analysis.indicators import catalogue

    for rule in risk.load_thresholds()["rules"]:
        if rule["indicator"].startswith("local_"):
            continue
        assert rule["indicator"] in catalogue.CATALOGUE, rule["indicator"]
        assert rule["needs"] and rule["why"], rule["indicator"]
        assert rule["market"] != "each"


def test_a_count_in_a_reason_has_no_decimals():
    """'Providers that left the market in the last 12 months, 3.0.' (DEMO executive summary)."""
    from msp_analysis.indicators.summary import fmt

    assert fmt(3.0, "providers") == "3"
    assert fmt(1.2, "ratio") == "1.2" and fmt(2057.0, "HHI (0-10,000)") == "2,057"
    assert fmt(17.0, "admissions per 100,000 aged 18-64") == "17.0"  # a rate keeps its decimal
    assert fmt(17.0) == "17.0"  # no unit: nothing known, as before
    assert fmt(5.0, "%") == "5.0%" and fmt(21.0, "£ per hour") == "£21.00"


def test_a_rule_on_the_councils_own_figure_says_its_unit_with_or_without_the_figure():
    """The appendix listed 'Care home occupancy; flagged when above 95%' and '... above 95' (the
    market without the figure lost its unit), and the gap rule twice likewise."""
    rule = dict(indicator="local_occupancy_pct", breakdown="Total", rule="above", threshold=95)
    without = _one([_row("unit_cost_weekly_65", "Nursing", 630.0)], **rule)
    assert without["state"] == "could not run" and without["rule"] == "above 95%"
    gap = dict(indicator="local_fee_to_cost_gap_pct", breakdown="Total", rule="below", threshold=0)
    assert _one([_row("unit_cost_weekly_65", "Nursing", 630.0)], **gap)["rule"] == "below 0%"
    from msp_analysis.indicators import local

    assert local.unit_of("local_fee_rate", "home_care_18") == "£ per hour"
    assert local.unit_of("local_nothing_known", "care_home_65") == ""
