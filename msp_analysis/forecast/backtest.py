"""Rolling-origin backtest of the spend model on every origin the history allows.

Targets are the annual spend series on today's boundaries (:mod:`msp_analysis.series`):
``asc_net_current_expenditure`` and ``asc_gross_total_expenditure`` (MHCLG revenue
outturn) and ``ascfr_gross_current_expenditure`` (ASC-FR), each council's total. For every
observed year with a later observed year, each model forecasts the next observed year
from data up to the origin (the horizon is the gap: 1 year, or 3 from 2014-15 to
2017-18): ``model`` (:mod:`msp_analysis.forecast.outturn_forecast`), ``naive``,
``linear_trend``, ``own_growth``, ``pooled_growth`` and ``oracle`` (told the year's true
median growth: a floor no forecast can reach). When the next year's outturn file is
added to the raw folder, the same code scores the forecast of that year.

:func:`compute` runs once per loaded data set and keeps the result in ``tables.cache``;
it is a pure function of the tables, so a caller may also write it beside them.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from msp_analysis.forecast import outturn_forecast
from msp_analysis.tables import Tables

TARGETS = {
    "asc_net_current_expenditure": "adult social care net current expenditure (revenue outturn)",
    "asc_gross_total_expenditure": "adult social care total expenditure (revenue outturn)",
    "ascfr_gross_current_expenditure": "adult social care gross current expenditure (ASC-FR)",
}
MODELS = ("model", "naive", "linear_trend", "own_growth", "pooled_growth", "oracle")
COLUMNS = [
    "la_code",
    "target",
    "origin",
    "horizon",
    "model",
    "actual",
    "forecast",
    "ape",
    "lower_80",
    "upper_80",
    "lower_95",
    "upper_95",
    "covered_80",
    "covered_95",
    "history_years",
]
SUMMARY_COLUMNS = [
    "target",
    "origin",
    "horizon",
    "model",
    "councils",
    "forecasts",
    "median_ape",
    "mape",
    "bias_pct",
    "coverage_80",
    "coverage_95",
    "history_years",
    "beats_naive_pct",
    "beats_linear_trend_pct",
    "share_model_beats_naive",
]
USABLE = {"published", "merged", "apportioned"}


def history(tables: Tables) -> pd.DataFrame:
    """la_code, target, year, value: each council's total on today's boundaries.

    The same for every council: computed once per data build (see ``Tables.derived``).
    """
    return tables.derived("backtest_history", lambda: _history(tables)).copy()


def _history(tables: Tables) -> pd.DataFrame:
    from msp_analysis.series import measures, series

    known = measures()
    parts = []
    for name in TARGETS:
        if name not in known:
            continue
        try:
            s = series(tables, name)
        except Exception:
            continue
        s = s[
            s["breakdown"].isin(["Total", "total", "All"])
            & s["la_code"].str.match(outturn_forecast.COUNCIL)
            & s["basis"].isin(USABLE)
        ]
        parts.append(s.assign(target=name)[["la_code", "target", "year", "value"]])
    if not parts:
        return pd.DataFrame(columns=["la_code", "target", "year", "value"])
    out = pd.concat(parts, ignore_index=True).dropna(subset=["value"])
    return out[out["value"] > 0].reset_index(drop=True)


def _linear(years: np.ndarray, values: np.ndarray, target: int) -> float:
    if len(years) < 2:
        return np.nan
    slope, intercept = np.polyfit(years.astype(float), values.astype(float), 1)
    return float(intercept + slope * target)


def _origin_rows(ht: pd.DataFrame, target_name: str, origin: int, target: int) -> list[dict]:
    train = ht[ht["year"] <= origin]
    fitted = outturn_forecast.fit(train, origin)
    if fitted is None and target_name != "asc_net_current_expenditure":
        fitted = None  # price signal alone (said in the method)
    m = outturn_forecast.forecast(train, origin, target, fitted).set_index("la_code")
    h = target - origin
    actual = ht[ht["year"] == target].set_index("la_code")["value"]
    last = train[train["year"] == origin].set_index("la_code")["value"]
    common = last.index.intersection(actual.index)
    true_growth = np.log(actual[common] / last[common]).median() / h
    trans = outturn_forecast.transitions(train)
    last_growth = trans[trans["year"] == origin]["growth"].median() if len(trans) else np.nan
    by_la = {la: g.sort_values("year") for la, g in train.groupby("la_code")}
    sd = m["method"].iloc[0] if len(m) else ""
    rows = []
    for la in common:
        g = by_la[la]
        yrs, vals = g["year"].to_numpy(), g["value"].to_numpy()
        a = float(actual[la])
        lv = float(last[la])
        own = (
            lv * np.exp(h * np.log(vals[-1] / vals[0]) / (yrs[-1] - yrs[0]))
            if len(yrs) > 1
            else np.nan
        )
        fm = m.loc[la]
        spread = np.log(fm["upper_80"] / fm["forecast"])  # same width for the references
        points = {
            "model": (
                fm["forecast"],
                fm["lower_80"],
                fm["upper_80"],
                fm["lower_95"],
                fm["upper_95"],
            ),
            "naive": lv,
            "linear_trend": _linear(yrs, vals, target),
            "own_growth": own,
            "pooled_growth": lv * np.exp(h * last_growth) if pd.notna(last_growth) else np.nan,
            "oracle": lv * np.exp(h * true_growth),
        }
        for name, p in points.items():
            if isinstance(p, tuple):
                point, lo80, hi80, lo95, hi95 = (float(x) for x in p)
            else:
                point = float(p)
                if not np.isfinite(point) or point <= 0:
                    continue
                k = spread / outturn_forecast.Z[80]
                lo80, hi80 = (
                    point * np.exp(-outturn_forecast.Z[80] * k),
                    point * np.exp(outturn_forecast.Z[80] * k),
                )
                lo95, hi95 = (
                    point * np.exp(-outturn_forecast.Z[95] * k),
                    point * np.exp(outturn_forecast.Z[95] * k),
                )
            rows.append(
                {
                    "la_code": la,
                    "target": target_name,
                    "origin": origin,
                    "horizon": h,
                    "model": name,
                    "actual": a,
                    "forecast": point,
                    "ape": abs(point - a) / a * 100,
                    "lower_80": lo80,
                    "upper_80": hi80,
                    "lower_95": lo95,
                    "upper_95": hi95,
                    "covered_80": bool(lo80 <= a <= hi80),
                    "covered_95": bool(lo95 <= a <= hi95),
                    "history_years": len(yrs),
                    "method": sd,
                }
            )
    return rows


def backtest(tables: Tables) -> pd.DataFrame:
    """One row per council x target x origin x model (see module doc); cached per data set."""
    return tables.derived("spend_backtest", lambda: compute(history(tables))).copy()


def compute(hist: pd.DataFrame) -> pd.DataFrame:
    """The backtest as a pure function of the history (la_code, target, year, value)."""
    rows = []
    for target_name, ht in hist.groupby("target"):
        years = sorted(int(y) for y in ht["year"].unique())
        for origin, target in itertools.pairwise(years):
            rows += _origin_rows(ht, target_name, origin, target)
    return pd.DataFrame(rows, columns=[*COLUMNS, "method"])


def summary(bt: pd.DataFrame) -> pd.DataFrame:
    """Per target, origin and model: councils, median APE, MAPE, bias, coverage of the 80%
    and 95% intervals, and the share of councils where the model beats naive and linear trend."""
    if bt.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    bt = bt.assign(error_pct=(bt["forecast"] - bt["actual"]) / bt["actual"] * 100)
    keys = ["target", "origin", "horizon", "model"]
    out = (
        bt.groupby(keys)
        .agg(
            councils=("la_code", "nunique"),
            forecasts=("ape", "size"),
            median_ape=("ape", "median"),
            mape=("ape", "mean"),
            bias_pct=("error_pct", "mean"),
            coverage_80=("covered_80", "mean"),
            coverage_95=("covered_95", "mean"),
            history_years=("history_years", "median"),
        )
        .reset_index()
    )
    wide = bt.pivot_table(
        index=["la_code", "target", "origin", "horizon"], columns="model", values="ape"
    )
    for ref in ("naive", "linear_trend"):
        if ref not in wide:
            continue
        parts = []
        for model in wide.columns:
            if model == ref:
                continue
            both = wide[[model, ref]].dropna()
            share = (both[model] < both[ref]).groupby(level=["target", "origin", "horizon"]).mean()
            parts.append(share.rename(f"beats_{ref}_pct").reset_index().assign(model=model))
        b = pd.concat(parts, ignore_index=True)
        out = out.merge(b, on=keys, how="left")
    for c in ("coverage_80", "coverage_95", "beats_naive_pct", "beats_linear_trend_pct"):
        if c in out:
            out[c] = out[c] * 100
    out["share_model_beats_naive"] = out.get("beats_naive_pct")
    return out


def headline(
    summary_frame: pd.DataFrame, target: str = "asc_net_current_expenditure", horizon: int = 1
) -> dict | None:
    """The record at the latest origin ``horizon`` years ahead (one by default: the targets
    of issue 11); None where no origin has that horizon."""
    s = summary_frame
    if s is None or s.empty:
        return None
    s = s[(s["target"] == target) & (s["horizon"] == horizon)]
    if s.empty:
        return None
    latest = s[s["origin"] == s["origin"].max()].set_index("model")
    if "model" not in latest.index:
        return None
    m = latest.loc["model"]
    oracle = latest["median_ape"].get("oracle", np.nan)
    naive = latest["median_ape"].get("naive", np.nan)
    return {
        "target": target,
        "target_words": TARGETS[target],
        "origin": int(latest["origin"].iloc[0]),
        "horizon": horizon,
        "councils": int(m["councils"]),
        "median_ape": float(m["median_ape"]),
        "naive_median_ape": float(naive),
        "oracle_median_ape": float(oracle),
        "beats_naive_pct": float(m["beats_naive_pct"]),
        "beats_linear_pct": float(m.get("beats_linear_trend_pct", np.nan)),
        "coverage_80": float(m["coverage_80"]),
        "bias_pct": float(m["bias_pct"]),
        "meets_naive_target": bool(m["beats_naive_pct"] >= 70),
        "meets_oracle_target": bool(m["median_ape"] - oracle <= 1.5),
        "meets_coverage_target": bool(75 <= m["coverage_80"] <= 85),
    }
