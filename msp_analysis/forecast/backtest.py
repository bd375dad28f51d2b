"""Rolling-origin backtest on real history, for every council.

Targets:

- ``clients_lts``: people in long-term support during the year, aged 18+ (SALT T2: 18-64
  plus 65+; T34 where T2 is absent);
- ``gce``: total gross current expenditure, £ thousands (ASC-FR T15; the 2016-17 CSV
  data file's totals where loaded).

History is put on April-2021 council boundaries first (Bournemouth and Poole summed
into BCP, Dorset county carried to Dorset, Buckinghamshire renamed, Northamptonshire
apportioned to North and West Northamptonshire by population), so a series crosses the
2019 and 2021 changes. For each origin year with at least one year of history and each
horizon (1, 2) whose year is observed, three models forecast from data up to the origin:
``naive`` (last value), ``linear_trend`` (straight line through the history, needs two
points) and ``model`` (:func:`msp_analysis.forecast.models.forecast`, whose pooled growth
is fitted only on data up to the origin). Intervals for ``naive`` and ``linear_trend``
use the same pooled spread, so coverage compares like with like.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from msp_analysis import geography
from msp_analysis.forecast import models
from msp_analysis.indicators.core import population_by_band
from msp_analysis.tables import Tables

HORIZONS = (1, 2)
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


def history(tables: Tables) -> pd.DataFrame:
    """la_code, target, year, value on April-2021 boundaries, councils only."""
    parts = []
    salt = tables.get("salt")
    if salt is not None:
        t2 = salt[(salt["table_ref"] == "T2") & (salt["measure"] == "clients_lts_during_year")]
        if t2.empty:
            t2 = salt[(salt["table_ref"] == "T34") & (salt["support_setting"] == "Total")]
        t2 = t2[t2["age_band"].isin(["18 to 64", "65 and over"]) & (t2["area_type"] == "council")]
        lts = t2.groupby(["la_code", "year"])["value"].agg(
            lambda s: s.sum() if s.notna().all() and len(s) == 2 else np.nan
        )
        parts.append(lts.reset_index().assign(target="clients_lts"))
    ascfr = tables.get("ascfr")
    if ascfr is not None:
        t15 = ascfr[
            (ascfr["table_ref"] == "T15")
            & ascfr["care_type"].str.startswith("Total")
            & (ascfr["area_type"] == "council")
        ]
        gce = t15[["la_code", "year", "value"]]
        csv = ascfr[
            (ascfr["table_ref"] == "CSV Totals")
            & (ascfr["measure"] == "gross_current_expenditure")
            & (ascfr["data_type"] == "Main return")
            & (ascfr["area_type"] == "council")
        ]
        if len(csv):
            csv_tot = csv.groupby(["la_code", "year"])["value"].sum(min_count=1).reset_index()
            gce = pd.concat([gce, csv_tot[~csv_tot["year"].isin(gce["year"])]])
        parts.append(gce.assign(target="gce"))
    if not parts:
        return pd.DataFrame(columns=["la_code", "target", "year", "value"])
    h = pd.concat(parts, ignore_index=True)
    h["suppressed"] = h["value"].isna()
    weights = _split_weights(tables)
    # April-2021 boundaries: the history (to 2021-22) predates the 2023 changes.
    out = geography.harmonise_to_current(
        h, keys=["target", "year"], weights=weights, as_at="2021-04-01"
    )
    return out[["la_code", "target", "year", "value"]].dropna(subset=["value"])


def _split_weights(tables: Tables) -> pd.Series | None:
    pop = tables.get("population")
    if pop is None:
        return None
    adults = population_by_band(pop, {"Total": (18, None)})
    adults = adults[adults["area_type"] == "council"]
    counts = adults.groupby("year")["la_code"].nunique()
    # the latest of the years covering the most councils (the split successors exist in it)
    latest = adults[adults["year"] == counts[counts == counts.max()].index.max()]
    return latest.set_index("la_code")["value"]


def _linear(hist: pd.Series, years: list[int]) -> np.ndarray:
    if len(hist) < 2:
        return np.full(len(years), np.nan)
    slope, intercept = np.polyfit(hist.index.to_numpy(dtype=float), hist.to_numpy(dtype=float), 1)
    return intercept + slope * np.array(years, dtype=float)


def backtest(tables: Tables) -> pd.DataFrame:
    """One row per council x target x origin x horizon x model (see module doc)."""
    h = history(tables)
    rows = []
    for target, ht in h.groupby("target"):
        years = sorted(ht["year"].unique())
        for origin in years[:-1]:
            train = ht[ht["year"] <= origin]
            pooled = models.fit_pooled(train)
            targets = [y for y in years if 0 < y - origin <= max(HORIZONS)]
            if not targets:
                continue
            for la, g in ht.groupby("la_code"):
                past = g[g["year"] <= origin].set_index("year")["value"].sort_index()
                if past.empty or past.index[-1] != origin:
                    continue
                actual = g.set_index("year")["value"]
                m = models.forecast(past, targets, pooled)
                lin = _linear(past, targets)
                steps = np.array(targets) - origin
                spread = pooled.sd * np.sqrt(steps) * np.sqrt(1 + 1 / max(pooled.n, 1))
                for i, y in enumerate(targets):
                    if y not in actual.index:
                        continue
                    for name, point, lo80, hi80, lo95, hi95 in [
                        (
                            "model",
                            m["value"].iloc[i],
                            m["lower_80"].iloc[i],
                            m["upper_80"].iloc[i],
                            m["lower_95"].iloc[i],
                            m["upper_95"].iloc[i],
                        ),
                        ("naive", past.iloc[-1], *_band(past.iloc[-1], spread[i])),
                        ("linear_trend", lin[i], *_band(lin[i], spread[i])),
                    ]:
                        if pd.isna(point):
                            continue
                        a = actual.loc[y]
                        rows.append(
                            {
                                "la_code": la,
                                "target": target,
                                "origin": origin,
                                "horizon": int(y - origin),
                                "model": name,
                                "actual": a,
                                "forecast": point,
                                "ape": abs(point - a) / abs(a) * 100 if a else np.nan,
                                "lower_80": lo80,
                                "upper_80": hi80,
                                "lower_95": lo95,
                                "upper_95": hi95,
                                "covered_80": bool(lo80 <= a <= hi80),
                                "covered_95": bool(lo95 <= a <= hi95),
                                "history_years": len(past),
                            }
                        )
    return pd.DataFrame(rows, columns=COLUMNS)


def _band(point: float, sd: float) -> tuple[float, float, float, float]:
    if pd.isna(point) or point <= 0:
        return (np.nan,) * 4
    return tuple(
        float(point * np.exp(s * z * sd)) for z in (models.Z[80], models.Z[95]) for s in (-1, 1)
    )  # type: ignore[return-value]


def summary(bt: pd.DataFrame) -> pd.DataFrame:
    """Median and mean APE, bias, interval coverage and the share of councils where the model beats naive."""
    if bt.empty:
        return pd.DataFrame()
    bt = bt.assign(error_pct=(bt["forecast"] - bt["actual"]) / bt["actual"] * 100)
    g = bt.groupby(["target", "horizon", "model"])
    out = g.agg(
        councils=("la_code", "nunique"),
        forecasts=("ape", "size"),
        median_ape=("ape", "median"),
        mape=("ape", "mean"),
        bias_pct=("error_pct", "mean"),
        coverage_80=("covered_80", "mean"),
        coverage_95=("covered_95", "mean"),
        history_years=("history_years", "median"),
    ).reset_index()
    wide = bt.pivot_table(
        index=["la_code", "target", "origin", "horizon"], columns="model", values="ape"
    )
    if {"model", "naive"} <= set(wide.columns):
        beats = (
            (wide["model"] < wide["naive"])
            .groupby(level=["target", "horizon"])
            .mean()
            .rename("share_model_beats_naive")
        )
        out = out.merge(beats.reset_index(), on=["target", "horizon"], how="left")
    for c in ("coverage_80", "coverage_95", "share_model_beats_naive"):
        if c in out:
            out[c] = out[c] * 100
    return out
