"""Trend models with prediction intervals, honest about short history.

- ``ets_damped``: with six or more yearly points, statsmodels' ETS (additive error,
  additive damped trend) on the log of the series; intervals from the fitted model.
- ``pooled_growth``: with fewer points, the council's own annual log growth is shrunk
  toward the growth pooled across all councils (a statsmodels OLS on every council's
  year-on-year log changes), and the interval comes from the pooled residual spread,
  widening with the square root of the horizon and by a factor for a series with no
  trend of its own. Users with the full published series get ETS from the same call.

Every forecast says which method it used and how many years it rests on.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

Z = {80: stats.norm.ppf(0.90), 95: stats.norm.ppf(0.975)}
MIN_ETS_POINTS = 6
SHRINK_K = 2.0  # prior weight of the pooled growth, in years of own history


@dataclass(frozen=True)
class PooledGrowth:
    """Annual log growth pooled across councils: mean, residual sd, number of changes used."""

    mean: float
    sd: float
    n: int

    @property
    def describe(self) -> str:
        return f"pooled annual growth {np.expm1(self.mean) * 100:+.1f}% (sd {self.sd * 100:.1f} points, {self.n} year-on-year changes)"


def log_changes(series: pd.DataFrame) -> pd.DataFrame:
    """Annualised log changes between consecutive available years, per council.

    ``series`` has la_code, year, value (positive); a gap of g years counts as g changes
    of equal size, so irregular histories (2016, 2020, 2021) are used without pretending.
    """
    s = series.dropna(subset=["value"])
    s = s[s["value"] > 0].sort_values(["la_code", "year"])
    s = s.assign(logv=np.log(s["value"]))
    s["gap"] = s.groupby("la_code")["year"].diff()
    s["change"] = s.groupby("la_code")["logv"].diff() / s["gap"]
    return s.dropna(subset=["change"])


def fit_pooled(series: pd.DataFrame) -> PooledGrowth:
    """OLS of annualised log change on a constant, weighted by the years each change spans."""
    ch = log_changes(series)
    if len(ch) < 3:
        return PooledGrowth(mean=0.0, sd=0.10, n=len(ch))  # too little to pool: flat, wide
    model = sm.WLS(ch["change"].to_numpy(), np.ones(len(ch)), weights=ch["gap"].to_numpy()).fit()
    # Under a random walk an annualised change over g years has variance sd^2 / g,
    # so g x residual^2 estimates the one-year variance whatever the gap.
    sd = float(np.sqrt(np.mean(ch["gap"].to_numpy() * model.resid**2)))
    return PooledGrowth(mean=float(model.params[0]), sd=max(sd, 1e-4), n=len(ch))


def forecast(history: pd.Series, years: list[int], pooled: PooledGrowth) -> pd.DataFrame:
    """Point forecasts and 80% / 95% intervals for ``years`` from a yearly ``history`` (index year).

    Returns year, value, lower_80, upper_80, lower_95, upper_95, method, history_years.
    """
    h = history.dropna()
    h = h[h > 0].sort_index()
    n = len(h)
    if n == 0:
        return pd.DataFrame(
            {
                "year": years,
                "value": np.nan,
                "lower_80": np.nan,
                "upper_80": np.nan,
                "lower_95": np.nan,
                "upper_95": np.nan,
                "method": "no history",
                "history_years": 0,
            }
        )
    last_year = int(h.index[-1])
    steps = np.array([y - last_year for y in years], dtype=float)
    consecutive = n >= MIN_ETS_POINTS and (np.diff(h.index.to_numpy()) == 1).all()
    if consecutive:
        out = _ets(h, steps)
        if out is not None:
            out.insert(0, "year", years)
            out["history_years"] = n
            return out
    logv = np.log(h.to_numpy())
    if n >= 2:
        own = (logv[-1] - logv[0]) / (h.index[-1] - h.index[0])
        w = (n - 1) / (n - 1 + SHRINK_K)
        growth = w * own + (1 - w) * pooled.mean
        widen = 1.0
        method = "pooled_growth_shrunk"
    else:
        growth, widen, method = pooled.mean, 1.5, "pooled_growth"
    centre = logv[-1] + growth * steps
    sd = pooled.sd * np.sqrt(np.maximum(steps, 0)) * widen * np.sqrt(1 + 1 / max(pooled.n, 1))
    out = pd.DataFrame({"year": years, "value": np.exp(centre)})
    for level, z in Z.items():
        out[f"lower_{level}"] = np.exp(centre - z * sd)
        out[f"upper_{level}"] = np.exp(centre + z * sd)
    out["method"] = method
    out["history_years"] = n
    return out


def _ets(h: pd.Series, steps: np.ndarray) -> pd.DataFrame | None:
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    y = pd.Series(np.log(h.to_numpy()), index=pd.RangeIndex(len(h)))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = ETSModel(y, error="add", trend="add", damped_trend=True).fit(disp=False)
            k = int(steps.max())
            pred = fit.get_prediction(start=len(y), end=len(y) + k - 1)
            f80 = pred.summary_frame(alpha=0.20)
            f95 = pred.summary_frame(alpha=0.05)
    except Exception:  # a degenerate series: fall back to the pooled model
        return None
    idx = (steps - 1).astype(int)
    return pd.DataFrame(
        {
            "value": np.exp(f80["mean"].to_numpy()[idx]),
            "lower_80": np.exp(f80["pi_lower"].to_numpy()[idx]),
            "upper_80": np.exp(f80["pi_upper"].to_numpy()[idx]),
            "lower_95": np.exp(f95["pi_lower"].to_numpy()[idx]),
            "upper_95": np.exp(f95["pi_upper"].to_numpy()[idx]),
            "method": "ets_damped",
        }
    )
