"""Indicator arithmetic on hand-made frames; expectations worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from msp_analysis.errors import SettingsError
from msp_analysis.indicators import core, diversity, risk

pytestmark = pytest.mark.unit


def test_hhi_and_top_share_of_known_shares():
    # shares 50/30/20 -> 2500 + 900 + 400 = 3800
    assert diversity.hhi(pd.Series([50.0, 30.0, 20.0])) == pytest.approx(3800)
    assert diversity.hhi(pd.Series([1.0] * 4)) == pytest.approx(2500)  # four equal providers
    assert diversity.hhi(pd.Series([7.0])) == pytest.approx(10_000)
    assert np.isnan(diversity.hhi(pd.Series([], dtype=float)))
    assert diversity.top_share(pd.Series([10.0, 20, 30, 40, 50, 50]), n=2) == pytest.approx(
        100 / 200 * 100
    )


def test_size_bands():
    assert diversity.size_band(pd.Series([5, 19, 20, 49, 50])).tolist() == [
        "under 20 beds",
        "under 20 beds",
        "20 to 49 beds",
        "20 to 49 beds",
        "50 or more beds",
    ]


def _num():
    # two councils in the South West (E12000009), no published region or England rows
    return pd.DataFrame(
        {
            "la_code": ["E06000054", "E06000022"],
            "area_type": "council",
            "year": 2021,
            "breakdown": "Total",
            "value": [30.0, 10.0],
        }
    )


def _den():
    return pd.DataFrame(
        {
            "la_code": ["E06000054", "E06000022"],
            "area_type": "council",
            "year": 2021,
            "value": [10_000.0, 30_000.0],
        }
    )


def test_rate_per_1000_with_known_population_and_built_aggregates():
    area = core.area_rate(_num(), _den(), keys=["year", "breakdown"], scale=1000)
    v = area.set_index("la_code")["value"]
    assert v["E06000054"] == pytest.approx(3.0) and v["E06000022"] == pytest.approx(10 / 30)
    # the region is its summed numerator over its summed denominator, not a mean of rates
    assert v["E12000009"] == pytest.approx(40 / 40_000 * 1000)
    assert v["E92000001"] == pytest.approx(1.0)


def test_suppressed_input_gives_missing_output_not_zero():
    num = _num()
    num.loc[1, "value"] = np.nan  # suppressed at source
    area = core.area_rate(num, _den(), keys=["year", "breakdown"], scale=1000).set_index("la_code")[
        "value"
    ]
    assert (
        np.isnan(area["E06000022"]) and np.isnan(area["E12000009"]) and np.isnan(area["E92000001"])
    )
    assert area["E06000054"] == pytest.approx(3.0)


def test_benchmark_rank_region_england_and_comparators():
    area = pd.DataFrame(
        {
            "la_code": ["E06000054", "E06000022", "E06000023", "E12000009", "E92000001"],
            "area_type": ["council", "council", "council", "region", "england"],
            "year": 2021,
            "breakdown": "Total",
            "value": [5.0, 9.0, 1.0, 4.0, 6.0],
        }
    )
    out = core.benchmark(
        area,
        "E06000054",
        comparators=["E06000022", "E06000023"],
        market="all",
        indicator="x",
        unit="u",
        source="s",
    )
    row = out.iloc[0]
    assert row["value"] == 5 and row["england"] == 6 and row["region"] == 4
    assert row["comparator_median"] == 5.0 and row["rank"] == 2 and row["n_ranked"] == 3
    missing = core.benchmark(
        area, "E10000019", comparators=[], market="all", indicator="x", unit="u", source="s"
    )
    assert missing["status"].iloc[0] == "missing"


def test_benchmark_all_councils_at_once_equals_one_at_a_time():
    """Two years, two breakdowns; a suppressed value, a duplicated row, a council with no
    rows. Worked by hand for E06000054, 2021 Total: value 5; councils with a value 9, 1, 7
    (E06000022 twice: 9 then 3, both count) -> 9, 7 higher -> rank 3 of 5 ranked (5, 9, 3,
    1, 7); comparators E06000022 (9, 3) and E06000023 (1) -> median 3."""
    rows = [
        ("E06000054", "council", 2021, "Total", 5.0),
        ("E06000022", "council", 2021, "Total", 9.0),
        ("E06000022", "council", 2021, "Total", 3.0),
        ("E06000023", "council", 2021, "Total", 1.0),
        ("E06000024", "council", 2021, "Total", 7.0),
        ("E06000054", "council", 2022, "Total", 6.0),
        ("E06000022", "council", 2022, "Total", np.nan),
        ("E06000023", "council", 2022, "Total", 2.0),
        ("E06000054", "council", 2022, "Nursing", np.nan),
        ("E06000023", "council", 2022, "Nursing", 4.0),
        ("E12000009", "region", 2021, "Total", 4.0),
        ("E92000001", "england", 2021, "Total", 6.0),
        ("E92000001", "england", 2022, "Total", 6.5),
    ]
    area = pd.DataFrame(rows, columns=["la_code", "area_type", "year", "breakdown", "value"])
    comps = {
        "E06000054": ["E06000022", "E06000023"],
        "E06000023": ["E06000054"],
        "E10000019": ["E06000054"],  # no rows: a 'missing' row, as benchmark() gives
    }
    kw = dict(market="all", indicator="x", unit="u", source="s")
    every = core.benchmark_all(area, comps, **kw)
    for code, its in comps.items():
        one = core.benchmark(area, code, comparators=its, **kw)
        pd.testing.assert_frame_equal(every[code], one, check_exact=True)
    w = every["E06000054"].set_index(["breakdown", "year"])
    assert w.loc[("Total", 2021), "rank"] == 3 and w.loc[("Total", 2021), "n_ranked"] == 5
    assert w.loc[("Total", 2021), "comparator_median"] == 3.0
    assert w.loc[("Total", 2022), "rank"] == 1 and w.loc[("Total", 2022), "n_ranked"] == 2
    assert pd.isna(w.loc[("Nursing", 2022), "rank"]) and w.loc[("Nursing", 2022), "n_ranked"] == 1
    assert every["E10000019"]["status"].tolist() == ["missing"]
    # a directory has no year: councils still rank against each other (9 and 7 above 5)
    directory = area[area["year"] == 2021].assign(year=None)
    every = core.benchmark_all(directory, comps, **kw)
    for code, its in comps.items():
        one = core.benchmark(directory, code, comparators=its, **kw)
        pd.testing.assert_frame_equal(every[code], one, check_exact=True)
    assert every["E06000054"]["rank"].tolist() == [3]


def test_change_pct_year_on_year():
    area = pd.DataFrame(
        {
            "la_code": "E06000054",
            "area_type": "council",
            "year": [2020, 2021],
            "breakdown": "Total",
            "value": [100.0, 110.0],
        }
    )
    out = core.benchmark(
        area, "E06000054", comparators=[], market="all", indicator="x", unit="u", source="s"
    )
    assert np.isnan(out["change_pct"].iloc[0]) and out["change_pct"].iloc[1] == pytest.approx(10.0)


def test_nearest_population_year():
    assert core.nearest_year([2020, 2024], 2021) == 2020
    assert core.nearest_year([2020, 2022], 2021) == 2020  # earlier wins a tie
    assert core.nearest_year([], 2021) is None


@pytest.mark.parametrize(
    "rule,value,england,threshold,expected",
    [
        ("below_england_by_pct", 85, 100, 10, True),
        ("below_england_by_pct", 95, 100, 10, False),
        ("above_england_by_points", 26, 23.7, 2, True),
        ("above_england_by_points", 25.6, 23.7, 2, False),
        ("above", 1600, None, 1500, True),
        ("below_england_by_pct", np.nan, 100, 10, None),
        ("below_england_by_pct", 90, np.nan, 10, None),
    ],
)
def test_risk_rules(rule, value, england, threshold, expected):
    assert risk.evaluate(rule, value, england, threshold) is expected


def test_thresholds_yaml_validated(tmp_path):
    doc = risk.load_thresholds()
    assert {r["risk"] for r in doc["rules"]} == set(risk.RISKS)
    bad = tmp_path / "t.yml"
    bad.write_text(
        "name: x\nversion: 1\nrules:\n  - {risk: workforce, market: all, indicator: i, breakdown: b, rule: above, threshold: 1, source: s, colour: red}\n"
    )
    with pytest.raises(SettingsError, match="unknown key"):
        risk.load_thresholds(bad)
    bad.write_text(
        "name: x\nrules:\n  - {risk: weather, market: all, indicator: i, breakdown: b, rule: above, threshold: 1, source: s}\n"
    )
    with pytest.raises(SettingsError, match="weather"):
        risk.load_thresholds(bad)


def test_risk_results_show_threshold_and_what_would_run_a_missing_test():
    ind = pd.DataFrame(
        [
            dict(
                indicator="ascof_6a_turnover",
                breakdown="All services",
                status="ok",
                year=2024,
                year_label="2024-25",
                value=26.0,
                england=23.7,
                unit="% of staff leaving in the year",
                note="",
            ),
            dict(
                indicator="vacancy_rate",
                breakdown="All services",
                status="missing",
                year=pd.NA,
                year_label=pd.NA,
                value=np.nan,
                england=np.nan,
                unit="% of posts vacant",
                note="no Skills for Care file",
            ),
        ]
    )
    results = risk.risk_results(ind)
    wide = results[results["market"] == "all"].set_index("indicator")
    assert wide.loc["ascof_6a_turnover", "state"] == "flagged"  # 26.0 - 23.7 = 2.3 > 2
    assert wide.loc["ascof_6a_turnover", "rule"] == "more than 2 points above England"
    assert wide.loc["ascof_6a_turnover", "reason"] == "26.0% against England 23.7%"
    # risk_thresholds.yml: vacancy_rate, threshold 1, and the file that would run it
    assert wide.loc["vacancy_rate", "rule"] == "more than 1 point above England"
    assert wide.loc["vacancy_rate", "state"] == "could not run"
    assert wide.loc["vacancy_rate", "reason"].startswith("needs the Skills for Care")


def test_cqc_ratings_are_labelled_as_at_their_newest_date_not_a_financial_year():
    """A ratings file is a snapshot: the newest publication date (29 May 2026 here, two rows
    by hand) labels it, where the old label was the financial year '2026-27'."""
    ratings = pd.DataFrame(
        {
            "publication_date": pd.to_datetime(["2025-12-31", "2026-05-29", None, "2019-01-02"]),
        }
    )
    assert diversity.ratings_as_at(ratings) == (2026, "as at 29 May 2026", "29 May 2026")
    assert diversity.ratings_as_at(ratings.iloc[2:3]) == (pd.NA, None, "")
    # the label replaces the financial year in every row of the indicator, in both benchmarks
    area = pd.DataFrame(
        {
            "la_code": ["E06000054", "E06000022", "E92000001"],
            "area_type": ["council", "council", "england"],
            "year": 2026,
            "breakdown": "Good",
            "value": [70.0, 80.0, 75.0],
        }
    )
    kw = dict(market="care_home_65", indicator="r", unit="%", source="CQC latest ratings")
    one = core.benchmark(
        area, "E06000054", comparators=["E06000022"], year_label="as at 29 May 2026", **kw
    )
    every = core.benchmark_all(
        area, {"E06000054": ["E06000022"]}, year_label="as at 29 May 2026", **kw
    )
    assert one["year_label"].tolist() == ["as at 29 May 2026"]
    pd.testing.assert_frame_equal(one, every["E06000054"])
    # without a label a year is a financial year
    assert (
        core.benchmark(area, "E06000054", comparators=[], **kw)["year_label"].iloc[0] == "2026-27"
    )


def test_comparators_said_in_plain_words():
    from msp_analysis.indicators import comparators

    text = comparators.summary(
        15, "Wiltshire", ["log_adults", "share_65_plus", "share_85_plus", "urban", "gce_per_adult"]
    )
    assert text == (
        "the 15 councils most like Wiltshire on five measures, each counted equally: the number "
        "of adults aged 18 and over, the share of adults aged 65 and over, the share of those "
        "aged 65 and over who are 85 and over, whether a council is a metropolitan district or "
        "London borough and adult social care spending per adult"
    )
    assert "Euclidean" not in text and "standardised" not in text and "k =" not in text
    # the appendix's method is exact but in words a commissioner reads (no 'Euclidean', no 'k')
    for jargon in ("Euclidean", "standardised", "k nearest", "k ="):
        assert jargon not in comparators.METHOD
    short = comparators.summary(
        3, "Demoshire", ["log_adults"], {"gce_per_adult": "there is no figure for Demoshire"}
    )
    assert short == (
        "the 3 councils most like Demoshire on one measure: the number of adults aged 18 and "
        "over (adult social care spending per adult is left out: there is no figure for "
        "Demoshire)"
    )
