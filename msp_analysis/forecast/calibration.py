"""Ranges calibrated on the rolling-origin backtest, horizon by horizon.

Every forecast in a backtest has a point, an outcome and the spread its model claims on
the log scale (``sd_log``). Its *standardised error* is ``z = log(outcome / point) / sd_log``.
A range at horizon ``h`` is then ``point x exp(sd_log x [-q, q])``, where ``q`` is the
80th percentile of ``|z|`` over the backtest's forecasts at that horizon for the 80% range
(the 95th for the 95% range). The range is symmetric on the log scale: with two or three
origins a horizon, the sign of the error flips between them (spend above the forecast from
2011-12, below it from 2014-15), and a range shifted after one origin's bias missed the
other's outturns.

Each horizon's quantile is taken over its own forecasts and those of the horizons next to
it (:data:`WINDOW`): with two or three origins a horizon, a quantile of one horizon alone
jumps from one horizon to the next (1.71 at three years, 1.31 at four), and a range that
pinches would say a later year is better known. Where those forecasts come from fewer than
two origins, or number fewer than :data:`MIN_FORECASTS`, the horizon borrows every
horizon's errors (they are standardised, so they pool), and says so (``pooled``).

The spend backtest passes its log errors themselves (a spread of 1 for every forecast,
:mod:`msp_analysis.forecast.backtest`): the spread its model claims depends on the years
each origin's fit saw. The rates backtest's spread depends on the horizon alone.

In a backtest each origin is scored with quantiles from the *other* origins' forecasts
(:func:`leave_one_origin_out`), so the coverage it reports is out of sample. The ranges a
plan prints use every origin (:func:`fit`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

LEVELS = {80: 0.80, 95: 0.95}
MIN_FORECASTS = 100
WINDOW = 1  # a horizon's quantile uses the errors up to this many years either side
QUANTILE_COLUMNS = [f"q_{side}_{lvl}" for lvl in LEVELS for side in ("lo", "hi")]


@dataclass(frozen=True)
class Calibration:
    """Quantiles of standardised errors by horizon.

    ``table`` has horizon, forecasts, origins, pooled (bool: borrowed from every horizon)
    and ``q_lo_80``, ``q_hi_80``, ``q_lo_95``, ``q_hi_95``.
    """

    table: pd.DataFrame

    def at(self, horizon: int) -> dict[str, float]:
        """The quantiles for ``horizon``: its own row, else the nearest horizon below it
        (a longer horizon than the history has takes the longest it has), else the pooled
        quantiles."""
        t = self.table
        if t.empty:
            raise ValueError("no backtest errors to calibrate ranges on")
        rows = t[t["horizon"] <= horizon]
        row = rows.iloc[-1] if len(rows) else t.iloc[0]
        return {c: float(row[c]) for c in QUANTILE_COLUMNS}

    def ratios(self, horizon: int, sd_log: float) -> dict[str, float]:
        """Range bounds as ratios to the point forecast: lower_80, upper_80, lower_95, upper_95."""
        q = self.at(horizon)
        return {
            f"{'lower' if side == 'lo' else 'upper'}_{lvl}": float(
                np.exp(sd_log * q[f"q_{side}_{lvl}"])
            )
            for lvl in LEVELS
            for side in ("lo", "hi")
        }


def standardised(
    outcome: pd.Series | np.ndarray, point: pd.Series | np.ndarray, sd_log
) -> np.ndarray:
    """``log(outcome / point) / sd_log`` (NaN where any input is missing or not positive)."""
    o = np.asarray(outcome, dtype=float)
    p = np.asarray(point, dtype=float)
    s = np.broadcast_to(np.asarray(sd_log, dtype=float), o.shape)
    ok = (o > 0) & (p > 0) & (s > 0)
    out = np.full(o.shape, np.nan)
    out[ok] = np.log(o[ok] / p[ok]) / s[ok]
    return out


def _quantiles(z: np.ndarray) -> dict[str, float]:
    out = {}
    for lvl, share in LEVELS.items():
        q = float(np.quantile(np.abs(z), share))
        out[f"q_lo_{lvl}"], out[f"q_hi_{lvl}"] = -q, q
    return out


def fit(errors: pd.DataFrame, horizons: list[int] | None = None) -> Calibration:
    """Quantiles of ``z`` by horizon from ``errors`` (origin, horizon, z).

    Each horizon in ``horizons`` (default: those in ``errors``) uses the errors within
    :data:`WINDOW` years of it where they number :data:`MIN_FORECASTS` or more from two
    origins or more; any other uses every horizon's.
    """
    e = errors.dropna(subset=["z"])
    e = e[np.isfinite(e["z"])]
    if e.empty:
        return Calibration(pd.DataFrame(columns=["horizon", "forecasts", "origins", "pooled"]))
    hs = sorted(int(h) for h in (horizons or e["horizon"].unique()))
    pooled = _quantiles(e["z"].to_numpy())
    rows = []
    for h in hs:
        own = e[(e["horizon"] - h).abs() <= WINDOW]
        use_own = len(own) >= MIN_FORECASTS and own["origin"].nunique() >= 2
        rows.append(
            {
                "horizon": h,
                "forecasts": len(own) if use_own else len(e),
                "origins": int(own["origin"].nunique()) if use_own else int(e["origin"].nunique()),
                "pooled": not use_own,
                **(_quantiles(own["z"].to_numpy()) if use_own else pooled),
            }
        )
    return Calibration(pd.DataFrame(rows))


def leave_one_origin_out(errors: pd.DataFrame) -> pd.DataFrame:
    """For each origin in ``errors`` (origin, horizon, z), the quantiles from the others.

    Returns origin, horizon, forecasts, origins, pooled and the quantile columns: the
    calibration each of that origin's forecasts is scored with. An origin whose year
    appears under several measures is left out of all of them (they share its shocks).
    """
    out = []
    for origin in sorted(errors["origin"].unique()):
        mine = errors[errors["origin"] == origin]
        cal = fit(errors[errors["origin"] != origin], sorted(mine["horizon"].unique()))
        if cal.table.empty:
            continue
        out.append(cal.table.assign(origin=origin))
    if not out:
        return pd.DataFrame(columns=["origin", "horizon", "forecasts", "origins", "pooled"])
    return pd.concat(out, ignore_index=True)
