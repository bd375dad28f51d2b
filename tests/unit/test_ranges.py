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


# ---- calibration against the backtest: wider where forecasts strayed, narrower where not --


def _model_rows(z_by_horizon: dict[int, list[float]], origins=(2011, 2012, 2013), sd=0.1):
    """Backtest model rows: each origin and horizon, one council per z, point 100 and the
    outturn 100 x exp(sd x z)."""
    rows = [
        {
            "la_code": f"E06{k:06d}",
            "target": "asc_net_current_expenditure",
            "origin": o,
            "horizon": h,
            "model": "model",
            "actual": 100 * np.exp(sd * z),
            "forecast": 100.0,
            "ape": abs(100 / np.exp(sd * z) - 1) * 100,
            "sd_log": sd,
            **dict.fromkeys(["lower_80", "upper_80", "lower_95", "upper_95"], np.nan),
            **dict.fromkeys(["covered_80", "covered_95"], None),
        }
        for o in origins
        for h, zs in z_by_horizon.items()
        for k, z in enumerate(zs)
    ]
    return pd.DataFrame(rows)


def test_calibration_narrows_where_forecasts_did_better_than_claimed_and_widens_where_worse(
    monkeypatch,
):
    """One year ahead the outturns sit within half the model's claimed spread (|z| 0.05 ..
    0.5), two years ahead at three times it (|z| 0.3 .. 3). The model's own normal 80% range
    (|z| <= 1.2816) held every outturn one year ahead and 4 of 10 two years ahead; calibrated
    on the other origins (each origin has the same errors, so their 80th percentile is
    0.05 x 8.2 = 0.41 one year ahead and 0.3 x 8.2 = 2.46 two years ahead) the range is
    narrower one year ahead, wider two years ahead, and holds 8 in 10 at both."""
    monkeypatch.setattr(calibration, "MIN_FORECASTS", 5)
    monkeypatch.setattr(calibration, "WINDOW", 0)
    k = np.arange(1, 11)
    signs = np.where(k % 2, 1, -1)
    bt = backtest.calibrate(_model_rows({1: list(0.05 * k * signs), 2: list(0.3 * k * signs)}))
    normal = np.exp(0.1 * 1.2816)
    for h, q in ((1, 0.41), (2, 2.46)):
        m = bt[bt["horizon"] == h]
        assert m["upper_80"].to_numpy() == pytest.approx(100 * np.exp(0.1 * q))
        assert m["lower_80"].to_numpy() == pytest.approx(100 * np.exp(-0.1 * q))
        assert m["covered_80"].mean() == pytest.approx(0.8)
    z = (np.log(bt["actual"] / bt["forecast"]) / bt["sd_log"]).abs()  # in the model's spreads
    assert (z[bt["horizon"] == 1] <= 1.2816).mean() == 1.0
    assert (z[bt["horizon"] == 2] <= 1.2816).mean() == pytest.approx(0.4)
    one = bt[bt["horizon"] == 1]["upper_80"].iloc[0] / 100
    two = bt[bt["horizon"] == 2]["upper_80"].iloc[0] / 100
    assert one < normal < two
    # the plan's ranges (every origin) say the same
    cal = backtest.spend_calibration(bt)
    assert cal.ratios(1, 1.0)["upper_80"] == pytest.approx(np.exp(0.041))  # log errors
    assert cal.ratios(2, 1.0)["upper_80"] == pytest.approx(np.exp(0.246))
    by_h = backtest.by_horizon(bt).set_index("horizon")
    assert by_h.loc[1, "coverage_80"] == pytest.approx(80.0)
    assert by_h.loc[2, "origins"] == "2011-12, 2012-13, 2013-14"


def test_an_origin_with_no_other_origin_is_not_calibrated_and_says_so(monkeypatch):
    monkeypatch.setattr(calibration, "MIN_FORECASTS", 1)
    bt = backtest.calibrate(_model_rows({1: [0.5, -0.5]}, origins=(2011,)))
    assert (bt["calibration"] == "not calibrated (no other origin)").all()
    assert bt["covered_80"].isna().all()


# ---- the ranges a projection prints ---------------------------------------------------------


class _Prices:
    """A scenario's price path only (what the range functions read)."""

    def __init__(self, fee=None, hold=False):
        self.path = {"fee_uplift_pct": fee or {}, "hold_prices": hold}

    def value(self, key):
        assert key == "price_path"
        return self.path


def _stub_spend_model(monkeypatch, quantiles: dict[int, float]):
    """The spend model's spread: 0.05 a year for a council, 0.02 for the year, 0.01 a year
    of prices assumed; calibrated quantiles |z| by horizon as given."""
    fit = outturn_forecast.Fit(2020, 0.0, pd.Series(dtype=float), 0.05, 0.02, 10, 0.01)
    table = pd.DataFrame(
        [
            {
                "horizon": h,
                "forecasts": 200,
                "origins": 3,
                "pooled": False,
                "q_lo_80": -q,
                "q_hi_80": q,
                "q_lo_95": -1.5 * q,
                "q_hi_95": 1.5 * q,
            }
            for h, q in quantiles.items()
        ]
    )
    monkeypatch.setattr(R, "_spend_model", lambda tables: (fit, calibration.Calibration(table)))
    return fit


def test_spend_ranges_follow_the_calibration_and_never_narrow_with_the_years(monkeypatch):
    """Log-error quantiles 0.10, 0.20, 0.05 at one, two and three years ahead, every year's
    prices assumed (as many as the backtest's forecasts or more: nothing narrows them): the
    first two are exp(+-q) exactly; the third would pinch, so it keeps the second's."""
    _stub_spend_model(monkeypatch, {1: 0.10, 2: 0.20, 3: 0.05})
    last = outturn_forecast.last_published()
    base = last  # every projected year's prices assumed
    r = R.spend_ratios(None, _Prices(), base, [base + 1, base + 2, base + 3]).set_index("horizon")
    assert list(r["unpublished"]) == [1, 2, 3]
    assert r.loc[1, "upper_80"] == pytest.approx(np.exp(0.10))
    assert r.loc[2, "upper_80"] == pytest.approx(np.exp(0.20))
    assert r.loc[2, "lower_80"] == pytest.approx(np.exp(-0.20))
    assert r.loc[2, "upper_95"] == pytest.approx(np.exp(0.30))
    assert r.loc[3, "upper_80"] == pytest.approx(r.loc[2, "upper_80"])
    assert r.loc[3, "lower_80"] == pytest.approx(r.loc[2, "lower_80"])
    assert r["calibrated"].all()
    for side, sign in (("upper", 1), ("lower", -1)):
        for lvl in (80, 95):
            steps = np.diff(sign * np.log(r[f"{side}_{lvl}"].to_numpy()))
            assert (steps >= 0).all()


def test_prices_held_have_no_unpublished_years_so_a_narrower_spend_range(monkeypatch):
    """hold_prices (the Baseline) assumes no price growth: no years of prices to be unsure
    of, so after the first year its range is narrower than a scenario assuming them."""
    _stub_spend_model(monkeypatch, {1: 0.1, 2: 0.15, 3: 0.2})
    base = outturn_forecast.last_published()
    years = [base + 1, base + 2, base + 3]
    held = R.spend_ratios(None, _Prices(hold=True), base, years)
    assumed = R.spend_ratios(None, _Prices(), base, years)
    assert list(held["unpublished"]) == [0, 0, 0]
    # one year ahead the backtest's forecasts knew that year's prices too: the same range
    assert held["upper_80"].iloc[0] == pytest.approx(assumed["upper_80"].iloc[0])
    assert (held["upper_80"].iloc[1:] < assumed["upper_80"].iloc[1:]).all()
    assert R.unpublished_years(_Prices(hold=True), base - 3, base + 5) == 0


def test_no_backtest_gives_the_model_own_normal_range_and_says_so(monkeypatch):
    monkeypatch.setattr(R, "_spend_model", lambda tables: (None, None))
    r = R.spend_ratios(None, _Prices(), 2022, [2023, 2026]).set_index("horizon")
    assert not r["calibrated"].any()
    # fitted None: 0.05 x sqrt(h); normal 80% quantile 1.2816
    assert r.loc[4, "upper_80"] == pytest.approx(np.exp(1.2816 * 0.05 * 2), rel=1e-4)


def test_a_projection_ranges_hold_their_value_add_up_and_never_narrow(tmp_path):
    """A council's run (hand-made returns and outturn, spend outside long-term care
    included): every range holds its central figure; the spend of the base year, the
    published line, has none; each year's total range is the total of its cells' ranges;
    the width (log upper / lower) never falls from one year to the next."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from test_forecast import LA, _ledger_tables, _scenario

    from msp_analysis.forecast import run

    r = run.run(_ledger_tables(), LA, [_scenario(tmp_path, pay=8, cpi=3)], horizon=3)
    f = r.forecast
    assert (f["lower_80"] <= f["value"] + 1e-6).all() and (f["value"] <= f["upper_80"] + 1e-6).all()
    assert (f["lower_95"] <= f["lower_80"] + 1e-6).all() and (
        f["upper_80"] <= f["upper_95"] + 1e-6
    ).all()
    spend = f[f["measure"] == "spend"]
    base = spend[spend["year"] == spend["year"].min()]
    assert (base["lower_80"] == base["value"]).all() and (base["upper_80"] == base["value"]).all()
    assert "Outside long-term care" in set(spend["setting"])
    cells = spend[spend["setting"] != "All"].groupby("year")[["upper_80", "lower_95"]].sum()
    total = spend[spend["setting"] == "All"].set_index("year")[["upper_80", "lower_95"]]
    assert total.to_numpy() == pytest.approx(cells.loc[total.index].to_numpy())
    for measure in ("spend", "people"):
        t = f[(f["measure"] == measure) & (f["setting"] == "All")].sort_values("year")
        width = np.log(t["upper_80"] / t["lower_80"]).to_numpy()
        assert (np.diff(width) >= -1e-12).all()
    t = f[(f["measure"] == "spend") & (f["setting"] == "All")].sort_values("year")
    assert np.log(t["upper_80"] / t["lower_80"]).iloc[-1] > 0


def test_a_projection_knowing_more_prices_than_the_backtest_keeps_that_share_of_its_spread():
    """Four years ahead the backtest's forecasts assumed 3 years of prices; a projection
    assuming none keeps sqrt(4 x 0.05^2 + 16 x 0.02^2) / sqrt(... + 3 x 0.01^2) of the spread;
    assuming 3 (or more) it keeps all of it; the model's spread unknown, all of it."""
    fit = outturn_forecast.Fit(2020, 0.0, pd.Series(dtype=float), 0.05, 0.02, 10, 0.01)
    known = np.sqrt(4 * 0.0025 + 16 * 0.0004)
    assert R.published_share(fit, 4, 0) == pytest.approx(known / np.sqrt(known**2 + 3e-4))
    assert R.published_share(fit, 4, 3) == pytest.approx(1.0)
    assert R.published_share(fit, 4, 4) == pytest.approx(1.0)
    assert R.published_share(None, 4, 0) == 1.0
