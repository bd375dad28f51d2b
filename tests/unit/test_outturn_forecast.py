"""The one-year-ahead spend model and its backtest on hand-made series.

Published price signal (price_history.yml): 2023-24 pay uplift 9.7% (April 2023 National
Living Wage) and CPI 10.1% (September 2022); with a 60% pay share the year's signal is
0.6 x 9.7 + 0.4 x 10.1 = 9.86%.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from msp_analysis.forecast import backtest, outturn_forecast

pytestmark = pytest.mark.unit


def test_price_signal_by_hand():
    assert outturn_forecast.price_signal(2023) == pytest.approx(np.log(1.0986))
    # 2012-13: pay 1.8% (October 2012), CPI 5.2% (September 2011): 0.6 x 1.8 + 0.4 x 5.2 = 3.16%
    assert outturn_forecast.price_signal(2012) == pytest.approx(np.log(1.0316))
    with pytest.raises(KeyError, match="2040-41"):
        outturn_forecast.price_signal(2040)


def _grown(real: float, councils=("E06000001", "E06000002", "E06000003")) -> pd.DataFrame:
    """Spend that grows every year by exactly the price signal plus ``real`` (log)."""
    rows = []
    for i, la in enumerate(councils):
        v = 100.0 * (i + 1)
        for y in range(2011, 2015):
            if y > 2011:
                v *= np.exp(outturn_forecast.price_signal(y) + real)
            rows.append({"la_code": la, "year": y, "value": v})
    return pd.DataFrame(rows)


def test_growth_that_follows_the_signal_is_forecast_exactly():
    hist = _grown(0.01)
    f = outturn_forecast.forecast(hist, 2013, 2014)
    actual = hist[hist["year"] == 2014].set_index("la_code")["value"]
    got = f.set_index("la_code")["forecast"]
    assert got.to_numpy() == pytest.approx(actual.reindex(got.index).to_numpy())
    assert (f["lower_80"] < f["forecast"]).all() and (f["upper_95"] > f["upper_80"]).all()


def test_backtest_scores_every_origin_and_the_references():
    hist = _grown(0.0).assign(target="asc_net_current_expenditure")
    bt = backtest.compute(hist)
    assert sorted(bt["origin"].unique()) == [2011, 2012, 2013]
    assert set(bt["model"]) >= {"model", "naive", "oracle", "linear_trend"}
    naive = bt[(bt["model"] == "naive") & (bt["origin"] == 2013)]
    # naive misses by the year's growth: 1 - 1 / 1.029 for 2014-15 (pay 3.0%, CPI 2.7%: 2.88%)
    assert naive["ape"].to_numpy() == pytest.approx(np.full(3, (1 - 1 / 1.0288) * 100))
    oracle = bt[bt["model"] == "oracle"]
    assert oracle["ape"].max() == pytest.approx(0, abs=1e-9)
    s = backtest.summary(bt)
    model = s[(s["model"] == "model") & (s["origin"] == 2013)].iloc[0]
    assert model["median_ape"] == pytest.approx(0, abs=1e-9)
    assert model["beats_naive_pct"] == 100
    h = backtest.headline(s)
    assert h["origin"] == 2013 and h["meets_naive_target"] and h["meets_oracle_target"]
