"""Ranges by horizon, rates that trend, and the backtests behind them: hand-made inputs,
expectations worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from msp_analysis.forecast import backtest, calibration, outturn_forecast, rates
from msp_analysis.forecast import ranges as R

pytestmark = pytest.mark.unit


# ---- calibration --------------------------------------------------------------------------


def _errors(z_by_origin: dict[tuple[int, int], list[float]]) -> pd.DataFrame:
    rows = [{"origin": o, "horizon": h, "z": z} for (o, h), zs in z_by_origin.items() for z in zs]
    return pd.DataFrame(rows)


def test_quantiles_are_of_the_absolute_error_and_symmetric(monkeypatch):
    """|z| = 1..10 at one horizon from two origins: the 80th percentile of 1..10 is 8.2
    (numpy's linear rule: 1 + 0.8 x 9), the 95th 9.55; the range is -8.2 .. +8.2 whatever
    the sign of the errors."""
    monkeypatch.setattr(calibration, "MIN_FORECASTS", 5)
    zs = [float(v) for v in range(1, 11)]
    e = _errors({(2011, 1): zs[:5], (2012, 1): [-v for v in zs[5:]]})
    t = calibration.fit(e).table.set_index("horizon")
    assert t.loc[1, "q_hi_80"] == pytest.approx(8.2)
    assert t.loc[1, "q_lo_80"] == pytest.approx(-8.2)
    assert t.loc[1, "q_hi_95"] == pytest.approx(9.55)
    assert not t.loc[1, "pooled"]
    r = calibration.fit(e).ratios(1, sd_log=0.1)
    assert r["upper_80"] == pytest.approx(np.exp(0.82))
    assert r["lower_80"] == pytest.approx(np.exp(-0.82))


def test_a_horizon_uses_its_neighbours_and_falls_back_to_every_horizon(monkeypatch):
    """Horizon 1 (|z| 1, origins 2011 and 2012), horizon 2 (|z| 3, one origin), horizon 5
    (|z| 9, one origin). With a window of one year, horizon 2 pools horizons 1-3 (two
    origins: its quantile mixes 1s and 3s); horizon 5 has one origin in its window, so it
    takes every horizon's errors (pooled)."""
    monkeypatch.setattr(calibration, "MIN_FORECASTS", 2)
    e = _errors(
        {(2011, 1): [1.0, 1.0], (2012, 1): [1.0, 1.0], (2013, 2): [3.0, 3.0], (2014, 5): [9.0, 9.0]}
    )
    t = calibration.fit(e, [1, 2, 5]).table.set_index("horizon")
    assert t.loc[2, "forecasts"] == 6 and not t.loc[2, "pooled"]
    assert t.loc[2, "q_hi_80"] == pytest.approx(np.quantile([1, 1, 1, 1, 3, 3], 0.8))
    assert t.loc[5, "pooled"] and t.loc[5, "forecasts"] == 8


def test_leave_one_origin_out_never_uses_the_origin_it_scores(monkeypatch):
    """Origin 2011's errors are all 100; the others 1. Scored without itself, 2011 gets
    quantiles of 1; the others get quantiles that include 2011's 100s."""
    monkeypatch.setattr(calibration, "MIN_FORECASTS", 1)
    e = _errors({(2011, 1): [100.0] * 3, (2012, 1): [1.0] * 3, (2013, 1): [1.0] * 3})
    loo = calibration.leave_one_origin_out(e).set_index("origin")
    assert loo.loc[2011, "q_hi_80"] == pytest.approx(1.0)
    assert loo.loc[2012, "q_hi_80"] > 1.0


# ---- the outturn forecast further ahead -------------------------------------------------


def test_unpublished_years_take_the_mean_of_the_published_ones():
    """From 2024 to 2029 knowing prices through 2025: 2025 is published, 2026-2029 are not
    (as at 2025) and each takes the mean signal of 2021-2025; four years assumed."""
    total, assumed = outturn_forecast.signal_path(2024, 2029, known_through=2025)
    mean = np.mean([outturn_forecast.price_signal(y) for y in range(2021, 2026)])
    assert assumed == 4
    assert total == pytest.approx(outturn_forecast.price_signal(2025) + 4 * mean)
    assert outturn_forecast.signal_path(2022, 2024, known_through=2024) == (
        pytest.approx(outturn_forecast.signal_between(2022, 2024)),
        0,
    )


def test_real_growth_counts_in_full_the_first_year_then_fades():
    assert outturn_forecast.real_years(1, 0.5) == 1
    assert outturn_forecast.real_years(3, 0.5) == pytest.approx(1 + 0.5 + 0.25)
    assert outturn_forecast.real_years(3, 1.0) == 3
    assert outturn_forecast.real_years(4, 0.0) == 1


def test_spread_grows_with_the_horizon_and_the_years_assumed():
    """sd^2 = h x sd_council^2 + h^2 x sd_year^2 + unpublished x sd_price^2:
    h 4, 0.05, 0.02, 2 years at 0.01 -> 4 x 0.0025 + 16 x 0.0004 + 2 x 0.0001 = 0.0166."""
    fit = outturn_forecast.Fit(2020, 0.0, pd.Series(dtype=float), 0.05, 0.02, 10, 0.01)
    assert outturn_forecast.sd_log(fit, 4, 2) == pytest.approx(np.sqrt(0.0166))


def test_backtest_pairs_every_origin_with_each_later_year_up_to_five_years():
    assert backtest.pairs([2011, 2012, 2014, 2017, 2022]) == [
        (2011, 2012),
        (2011, 2014),
        (2012, 2014),
        (2012, 2017),
        (2014, 2017),
        (2017, 2022),
    ]


def test_damping_is_chosen_on_errors_two_years_ahead_or_more():
    """Damping 1.0 is best one year ahead (which damping cannot change), 0.5 two years
    ahead: 0.5 is chosen."""
    c = pd.DataFrame(
        {
            "horizon": [1, 1, 2, 2],
            "damping": [1.0, 0.5, 1.0, 0.5],
            "ape": [1.0, 9.0, 8.0, 2.0],
        }
    )
    assert backtest.choose_damping(c) == 0.5


# ---- rates that trend ---------------------------------------------------------------------


def test_years_of_trend_in_full_through_the_evidence_then_damped():
    """From 2021 to 2027 with evidence to 2024: 3 years in full, then 0.8 + 0.64 + 0.512."""
    assert rates.years_of_trend(2021, 2027, 2024, 0.8) == pytest.approx(3 + 0.8 + 0.64 + 0.512)
    assert rates.years_of_trend(2021, 2027, 2024, 0.0) == 3  # flat after the evidence
    assert rates.years_of_trend(2024, 2026, 2024, 1.0) == 2
    assert rates.years_of_trend(2023, 2021, 2024, 0.5) == -2


def _evidence(slopes: dict[str, float], people=1000.0) -> pd.DataFrame:
    """Councils A, B, C with rates growing at the given log slope a year, 2019-2021 and
    2024, population 100,000 throughout."""
    rows = []
    for la, b in slopes.items():
        for y in (2019, 2020, 2021, 2024):
            p = people * np.exp(b * (y - 2019))
            rows.append(
                dict(
                    la_code=la,
                    group="18 to 64",
                    year=y,
                    people=p,
                    population=1e5,
                    rate=p / 1e5,
                    source="SALT LTS001a (T2)",
                )
            )
    return pd.DataFrame(rows)


def test_a_council_trend_is_shrunk_toward_the_median_council():
    """Own slopes 0.01, 0.02, 0.06: the median 0.02. Each spans 5 years, so its own slope
    weighs 5 / (5 + 3) = 0.625: C's trend is 0.625 x 0.06 + 0.375 x 0.02 = 0.045."""
    t = rates.trend(_evidence({"A": 0.01, "B": 0.02, "C": 0.06})).set_index("la_code")
    assert t.loc["C", "own_slope"] == pytest.approx(0.06)
    assert t.loc["C", "pooled_slope"] == pytest.approx(0.02)
    assert t.loc["C", "slope"] == pytest.approx(0.625 * 0.06 + 0.375 * 0.02)


def test_flat_rates_give_no_trend_and_the_backtest_holds_them():
    """Every council's rate is flat: every method forecasts the same people (no trend to
    carry), each error is 0, and the chosen method is flat."""
    bt = rates.compute(_evidence({"A": 0.0, "B": 0.0, "C": 0.0}))
    assert (bt["ape"].abs() < 1e-9).all()
    assert rates.chosen(bt, "18 to 64") == 0.0


def test_a_steady_trend_is_carried_on_by_the_backtest():
    """Rates grow 3% a year everywhere: carrying the trend on in full forecasts 2024 exactly
    from 2021 (3 years x 3%), holding it misses by 1 - e^-0.09; the trend in full is chosen."""
    bt = rates.compute(_evidence({"A": 0.03, "B": 0.03, "C": 0.03}))
    t = bt[(bt["origin"] == 2021) & (bt["year"] == 2024)]
    assert t.loc[t["damping"] == 1.0, "ape"].max() == pytest.approx(0.0, abs=1e-9)
    assert t.loc[t["damping"] == 0.0, "ape"].min() == pytest.approx((1 - np.exp(-0.09)) * 100)
    assert rates.chosen(bt, "18 to 64") == 1.0
    assert rates.chosen(bt, "learning disability 18 to 64") == 1.0  # follows its age band


# ---- ranges in a projection ---------------------------------------------------------------


def test_a_range_never_narrows_from_one_year_to_the_next():
    f = pd.DataFrame(
        {
            "year": [2024, 2025, 2026],
            "lower_80": [0.9, 0.8, 0.85],
            "upper_80": [1.1, 1.3, 1.2],
            "lower_95": [0.8, 0.7, 0.75],
            "upper_95": [1.2, 1.4, 1.3],
        }
    )
    out = R._never_narrower(f)
    assert list(out["lower_80"]) == [0.9, 0.8, 0.8]
    assert list(out["upper_80"]) == [1.1, 1.3, 1.3]


class _Scenario:
    def __init__(self, fee):
        self._fee = fee

    def value(self, key):
        assert key == "price_path"
        return {"fee_uplift_pct": self._fee}


def test_years_of_prices_assumed_exclude_published_years_and_fixed_uplifts():
    last = outturn_forecast.last_published()
    base = last - 2  # two published years after the base, then assumed
    assert R.unpublished_years(_Scenario({}), base, base + 5) == 3
    assert R.unpublished_years(_Scenario({last + 1: 5.0}), base, base + 5) == 2
    assert (
        R.unpublished_years(_Scenario({y: 0 for y in range(base, base + 6)}), base, base + 5) == 0
    )
