"""Rolling-origin backtest of the spend model on every origin the history allows.

Targets are the annual spend series on today's boundaries (:mod:`msp_analysis.series`):
``asc_net_current_expenditure`` and ``asc_gross_total_expenditure`` (MHCLG revenue
outturn) and ``ascfr_gross_current_expenditure`` (ASC-FR), each council's total. Every
observed year is an origin, and from data up to it each model forecasts every later
observed year up to :data:`MAX_HORIZON` years ahead (the horizon: 1 year, 3 from 2014-15
to 2017-18, 5 from 2017-18 to 2022-23 ...): ``model``
(:mod:`msp_analysis.forecast.outturn_forecast`, knowing only the first year's pay
uplift and CPI), ``naive``, ``linear_trend``, ``own_growth``, ``pooled_growth`` and
``oracle`` (told the period's true median growth: a floor no forecast can reach). When
the next year's outturn file is added to the raw folder, the same code scores the
forecasts of that year.

The model's 80% and 95% ranges are calibrated by horizon
(:mod:`msp_analysis.forecast.calibration`) on the log errors themselves, ``log(outturn /
forecast)``, not divided by the spread the model claims: that spread depends on the years
each origin's fit saw (a year-to-year spread of about 0.05 for a fit on the history to
2023-24, which holds 2020-21 to 2022-23, against half that or less for the earlier fits), so
errors divided by it would make the plan's ranges twice as wide as any the backtest held.
Each origin's ranges use the errors of the *other* origins at the same horizon, so the coverage reported is out of sample (measures share an
origin year's shocks, so a year is left out of every measure at once; tests over
overlapping years still share national shocks, so the forecasts at four and five years
are fewer independent tests than their number suggests). :func:`by_horizon` gives the
record by horizon, pooled over origins; :func:`spend_calibration` the quantiles a plan's
ranges use (every origin).

:func:`compute` runs once per loaded data set and keeps the result in ``tables.cache``;
it is a pure function of the tables, so a caller may also write it beside them.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from msp_analysis.forecast import calibration, outturn_forecast
from msp_analysis.tables import Tables
from msp_analysis.years import financial_year

MAX_HORIZON = 5  # years ahead the backtest scores (the plan's horizon)
DAMPING_GRID = (1.0, 0.8, 0.5, 0.0)  # real growth after the first year: kept ... dropped

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
    "sd_log",
    "z",
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


def _origin_rows(ht: pd.DataFrame, target_name: str, model: pd.DataFrame) -> list[dict]:
    """Every model's forecast and error for one target, origin and year; ``model`` holds the
    spend model's forecasts for them (one damping)."""
    origin, target = int(model["origin"].iloc[0]), int(model["year"].iloc[0])
    train = ht[ht["year"] <= origin]
    m = model.set_index("la_code")
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
                    "sd_log": float(fm["sd_log"]) if name == "model" else np.nan,
                    "damping": float(fm["damping"]) if name == "model" else np.nan,
                    "method": sd,
                }
            )
    return rows


def backtest(tables: Tables) -> pd.DataFrame:
    """One row per council x target x origin x horizon x model (see module doc); cached per data set."""
    return tables.derived("spend_backtest", lambda: compute(history(tables))).copy()


def pairs(years: list[int], max_horizon: int = MAX_HORIZON) -> list[tuple[int, int]]:
    """(origin, target) for every observed year and each later one up to ``max_horizon`` ahead."""
    return [(a, b) for a, b in itertools.combinations(sorted(years), 2) if b - a <= max_horizon]


def candidates(hist: pd.DataFrame) -> pd.DataFrame:
    """The spend model's forecasts for every target, origin, year and damping in
    :data:`DAMPING_GRID`, with the outturn (``actual``) and the absolute % error."""
    out = []
    for target_name, ht in hist.groupby("target"):
        years = sorted(int(y) for y in ht["year"].unique())
        fits: dict[int, outturn_forecast.Fit | None] = {}
        actual_by_year = {y: g.set_index("la_code")["value"] for y, g in ht.groupby("year")}
        for origin, target in pairs(years):
            train = ht[ht["year"] <= origin]
            if origin not in fits:
                fits[origin] = outturn_forecast.fit(train, origin)
            for d in DAMPING_GRID if target - origin > 1 else DAMPING_GRID[:1]:
                f = outturn_forecast.forecast(train, origin, target, fits[origin], damping=d)
                f["actual"] = f["la_code"].map(actual_by_year[target])
                out.append(f.assign(target=target_name, horizon=target - origin, damping=d))
    if not out:
        return pd.DataFrame()
    c = pd.concat(out, ignore_index=True).dropna(subset=["actual"])
    c["ape"] = (c["forecast"] - c["actual"]).abs() / c["actual"] * 100
    return c


def choose_damping(cands: pd.DataFrame) -> float:
    """The damping whose forecasts two years ahead or more have the lowest median error in
    ``cands`` (the least damping on a tie; the first of the grid with no such forecasts)."""
    c = cands[cands["horizon"] >= 2]
    if c.empty:
        return DAMPING_GRID[0]
    err = c.groupby("damping")["ape"].median()
    best = err.min()
    return max(d for d, e in err.items() if np.isclose(e, best))


def compute(hist: pd.DataFrame) -> pd.DataFrame:
    """The backtest as a pure function of the history (la_code, target, year, value).

    The spend model's damping of real growth is chosen on the *other* origins' forecasts
    (:func:`choose_damping`), and its ranges are calibrated leaving each origin out
    (:func:`calibrate`), so neither is fitted on the outturns it is scored against."""
    cands = candidates(hist)
    if cands.empty:
        return pd.DataFrame(columns=[*COLUMNS, "damping", "method", "calibration"])
    chosen = {o: choose_damping(cands[cands["origin"] != o]) for o in cands["origin"].unique()}
    model = cands[cands["horizon"].eq(1) | cands["damping"].eq(cands["origin"].map(chosen))]
    model = model.assign(damping=model["origin"].map(chosen))  # no effect one year ahead
    rows = []
    for (target_name, _, _), m in model.groupby(["target", "origin", "year"]):
        rows += _origin_rows(hist[hist["target"] == target_name], target_name, m)
    bt = pd.DataFrame(rows, columns=[*COLUMNS, "damping", "method"])
    return calibrate(bt)


def calibrate(bt: pd.DataFrame) -> pd.DataFrame:
    """The model rows' ranges from the errors of the other origins at the same horizon
    (:func:`calibration.leave_one_origin_out`), with ``z`` (the standardised error) and
    ``calibration`` (what the range rests on) added."""
    bt = bt.copy()
    model = bt["model"] == "model"
    bt["z"] = np.nan
    # the log error itself (a spread of 1): the spread the model claims depends on the years
    # each origin's fit saw, and the record is of the errors themselves (module doc)
    bt.loc[model, "z"] = calibration.standardised(
        bt.loc[model, "actual"], bt.loc[model, "forecast"], 1.0
    )
    bt["calibration"] = ""
    if not model.any():
        return bt
    errors = bt.loc[model, ["origin", "horizon", "z"]]
    loo = calibration.leave_one_origin_out(errors).set_index(["origin", "horizon"])
    idx = pd.MultiIndex.from_frame(bt.loc[model, ["origin", "horizon"]])
    have = idx.isin(loo.index)
    bt.loc[bt.index[model][~have], "calibration"] = "not calibrated (no other origin)"
    if not have.any():
        return bt
    rows = bt.index[model][have]
    q = loo.reindex(idx[have])
    sd = np.ones(len(rows))
    point = bt.loc[rows, "forecast"].to_numpy()
    actual = bt.loc[rows, "actual"].to_numpy()
    for lvl in calibration.LEVELS:
        lo = point * np.exp(sd * q[f"q_lo_{lvl}"].to_numpy())
        hi = point * np.exp(sd * q[f"q_hi_{lvl}"].to_numpy())
        bt.loc[rows, f"lower_{lvl}"] = lo
        bt.loc[rows, f"upper_{lvl}"] = hi
        bt.loc[rows, f"covered_{lvl}"] = (lo <= actual) & (actual <= hi)
    bt.loc[rows, "calibration"] = [
        f"other origins' {'errors at every horizon' if p else f'{h}-year errors'}"
        f" ({n:,} forecasts, {o} origins)"
        for p, h, n, o in zip(
            q["pooled"], q.index.get_level_values(1), q["forecasts"], q["origins"]
        )
    ]
    return bt


def spend_calibration(bt: pd.DataFrame) -> calibration.Calibration:
    """Quantiles of the model's standardised errors by horizon 1..MAX_HORIZON, every origin
    (what a plan's spend ranges use)."""
    m = bt[bt["model"] == "model"]
    return calibration.fit(m[["origin", "horizon", "z"]], list(range(1, MAX_HORIZON + 1)))


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


HORIZON_COLUMNS = [
    "target",
    "horizon",
    "origins",
    "forecasts",
    "councils",
    "median_ape",
    "bias_pct",
    "coverage_80",
    "coverage_95",
    "beats_naive_pct",
    "oracle_median_ape",
]


def by_horizon(bt: pd.DataFrame) -> pd.DataFrame:
    """The model's record by target and horizon, pooled over origins: origins (e.g.
    '2012-13, 2017-18'), forecasts (council x origin), councils, median absolute % error,
    bias (mean % error, negative = short of the outturn), coverage of the calibrated 80%
    and 95% ranges, the share of forecasts closer than the last value (naive) and the
    oracle's median error (the floor)."""
    if bt.empty:
        return pd.DataFrame(columns=HORIZON_COLUMNS)
    bt = bt.assign(error_pct=(bt["forecast"] - bt["actual"]) / bt["actual"] * 100)
    m = bt[bt["model"] == "model"]
    keys = ["target", "horizon"]
    out = (
        m.groupby(keys)
        .agg(
            origins=("origin", lambda o: ", ".join(financial_year(y) for y in sorted(set(o)))),
            forecasts=("ape", "size"),
            councils=("la_code", "nunique"),
            median_ape=("ape", "median"),
            bias_pct=("error_pct", "mean"),
            coverage_80=("covered_80", "mean"),
            coverage_95=("covered_95", "mean"),
        )
        .reset_index()
    )
    wide = bt.pivot_table(
        index=["la_code", "target", "origin", "horizon"], columns="model", values="ape"
    )
    if "naive" in wide:
        both = wide[["model", "naive"]].dropna()
        beats = (both["model"] < both["naive"]).groupby(level=keys).mean() * 100
        out = out.merge(beats.rename("beats_naive_pct").reset_index(), on=keys, how="left")
    oracle = bt[bt["model"] == "oracle"].groupby(keys)["ape"].median()
    out = out.merge(oracle.rename("oracle_median_ape").reset_index(), on=keys, how="left")
    for c in ("coverage_80", "coverage_95"):
        out[c] = out[c] * 100
    return out.reindex(columns=HORIZON_COLUMNS)


def headline(
    summary_frame: pd.DataFrame, target: str = "asc_net_current_expenditure", horizon: int = 1
) -> dict | None:
    """The record at the latest origin ``horizon`` years ahead (one by default: the targets
    of issue 11), with the 80% ranges' coverage over every origin at that horizon
    (``coverage_80_all_origins``, the one the coverage target is judged on: each origin is
    one year's national shock shared by every council); None where no origin has that
    horizon."""
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
    every = s[s["model"] == "model"]
    weights = every["forecasts"] if "forecasts" in every else every["councils"]
    pooled_80 = float(np.average(every["coverage_80"], weights=weights))
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
        "coverage_80_all_origins": pooled_80,
        "origins": int(every["origin"].nunique()),
        "bias_pct": float(m["bias_pct"]),
        "meets_naive_target": bool(m["beats_naive_pct"] >= 70),
        "meets_oracle_target": bool(m["median_ape"] - oracle <= 1.5),
        # the ranges' aim is over every origin at the horizon (one origin is one national year)
        "meets_coverage_target": bool(75 <= pooled_80 <= 85),
    }
