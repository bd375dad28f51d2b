"""The forecast's own record across all councils: the backtest by horizon, nationally and by region.

Each plan stores its council's backtest rows (the model's and the last value's error at every
origin the history allows: the rows its accuracy table pools); here they are pooled by target
and horizon. The measures are the plan's: median absolute percentage error, the share of
councils where the model's error is smaller than carrying the last value forward, the share of
outturns inside the 80% range, and the mean signed error (bias). Pooled at one origin they
equal the plan's accuracy table for that origin.
"""

from __future__ import annotations

import pandas as pd

#: The target the plans' headline record is about (revenue outturn, net current expenditure).
HEADLINE_TARGET = "asc_net_current_expenditure"


def _measures(g: pd.DataFrame) -> dict:
    both = g.dropna(subset=["naive_ape"])
    return dict(
        councils=int(g["la_code"].nunique()),
        forecasts=len(g),
        origins=[_fy(o) for o in sorted(g["origin"].unique())],
        median_ape=float(g["ape"].median()),
        naive_median_ape=float(both["naive_ape"].median()) if len(both) else None,
        beats_naive_pct=float((both["ape"] < both["naive_ape"]).mean() * 100)
        if len(both)
        else None,
        coverage_80=float(g["covered_80"].mean() * 100),
        bias_pct=float(g["error_pct"].mean()),
    )


def _fy(year) -> str:
    return f"{int(year)}-{(int(year) + 1) % 100:02d}"


def by_horizon(backtest: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Per target and horizon (and ``by`` group), every origin pooled: councils, forecasts, the
    origins, median error, the last value's median error, beats-naive share, 80% coverage, bias."""
    if backtest.empty:
        return pd.DataFrame()
    keys = ["target", "horizon"] if by is None else ["target", "horizon", by]
    rows = [
        dict(zip(keys, k), target_words=g["target_words"].iloc[0], **_measures(g))
        for k, g in backtest.groupby(keys, sort=False)
    ]
    # the headline target first, then the others in the order the plans store them
    out = pd.DataFrame(rows)
    out["_t"] = out["target"] != HEADLINE_TARGET
    return out.sort_values(["_t", *keys], kind="stable").drop(columns="_t").reset_index(drop=True)


def by_origin(backtest: pd.DataFrame) -> pd.DataFrame:
    """Per target, origin and horizon: the same measures (each equals the plan's accuracy table)."""
    if backtest.empty:
        return pd.DataFrame()
    keys = ["target", "origin", "horizon"]
    return pd.DataFrame(
        [dict(zip(keys, k), **_measures(g)) for k, g in backtest.groupby(keys, sort=True)]
    )
