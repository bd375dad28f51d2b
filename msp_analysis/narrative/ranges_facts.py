"""Section 2 facts about ranges and rates: spend by scenario and year with its 80% range, how
the forecasts did on the past by horizon, and how each rate of support moves and why.

Pure functions of a forecast result (:class:`msp_analysis.forecast.run.ForecastResult`);
:func:`msp_analysis.narrative.context.section2` puts them in the section's facts.
"""

from __future__ import annotations

import math

import pandas as pd

from msp_analysis.forecast import rates
from msp_analysis.forecast import scenarios as S
from msp_analysis.years import financial_year


def _m(v: float) -> str:
    """£ millions for a table cell: '£216.8m'."""
    return f"£{v / 1e6:,.1f}m"


def _range(lo: float, hi: float) -> str:
    """A range in £ millions, no decimals past £100m: '£194m to £243m'."""
    digits = 0 if max(abs(lo), abs(hi)) >= 100e6 else 1
    return f"£{lo / 1e6:,.{digits}f}m to £{hi / 1e6:,.{digits}f}m"


def price_words(base_year: int) -> str:
    """The label of a constant-price figure: 'constant 2023-24 prices'."""
    return f"constant {financial_year(base_year)} prices"


def spend_table(result) -> dict:
    """Spend by scenario and year with its 80% range, cash scenarios first.

    Returns ``columns`` (each scenario's title and price basis) and ``rows`` (one per year:
    the year and, per scenario, the central figure and its range in words).
    """
    runs = result.runs.set_index("scenario")
    spend = result.forecast.query("measure == 'spend' and setting == 'All'")
    constant = runs.get("constant_prices", pd.Series(False, index=runs.index)).astype(bool)
    order = [n for n in runs.index if not constant[n]] + [n for n in runs.index if constant[n]]
    base = int(runs["base_year"].iloc[0])
    columns = [
        {
            "key": n,
            "name": S.scenario_title(n),
            "basis": price_words(base) if constant[n] else "cash",
        }
        for n in order
    ]
    rows = []
    for year in sorted(spend["year"].unique()):
        cells = []
        for n in order:
            r = spend[(spend["scenario"] == n) & (spend["year"] == year)]
            if r.empty:
                cells.append({"value": "", "range": ""})
                continue
            r = r.iloc[0]
            same = math.isclose(r["lower_80"], r["upper_80"], rel_tol=1e-9)
            cells.append(
                {
                    "value": _m(r["value"]),
                    "range": "" if same else _range(r["lower_80"], r["upper_80"]),
                }
            )
        rows.append({"year": financial_year(year), "cells": cells})
    calibrated = bool(runs.get("spend_range_calibrated", pd.Series(True, index=runs.index)).all())
    return {"columns": columns, "rows": rows, "calibrated": calibrated}


def constant_price_words(result) -> dict[str, str]:
    """Scenario -> its price words, for each scenario in constant prices."""
    runs = result.runs.set_index("scenario")
    if "constant_prices" not in runs:
        return {}
    base = int(runs["base_year"].iloc[0])
    return {n: price_words(base) for n in runs.index if bool(runs.loc[n, "constant_prices"])}


def spend_by_year(result) -> pd.DataFrame:
    """Spend by scenario and year with its 80% range, £ million, for a notebook: scenario
    (title, with its prices where constant), year, spend_m, lower_80_m, upper_80_m."""
    spend = result.forecast.query("measure == 'spend' and setting == 'All'")
    constant = constant_price_words(result)
    names = {
        n: S.scenario_title(n) + (f" ({constant[n]})" if n in constant else "")
        for n in spend["scenario"].unique()
    }
    return pd.DataFrame(
        {
            "scenario": spend["scenario"].map(names),
            "year": spend["year"].map(financial_year),
            "spend_m": spend["value"] / 1e6,
            "lower_80_m": spend["lower_80"] / 1e6,
            "upper_80_m": spend["upper_80"] / 1e6,
        }
    ).reset_index(drop=True)


SPEND_POOLED = (
    "adult social care net current expenditure and total expenditure (revenue outturn) and"
    " gross current expenditure (ASC-FR), pooled as the ranges pool them"
)
SPEND_NET = "adult social care net current expenditure (revenue outturn)"


def record(result) -> dict:
    """The record behind the ranges by horizon, for the plan: ``spend`` rows (every spend
    measure pooled, as the ranges are calibrated; net current expenditure alone where the
    record has no pooled rows) with ``spend_measure`` in words, ``net`` (net current
    expenditure alone), ``people`` rows, and the five-year spend test in words."""
    rec = getattr(result, "record", pd.DataFrame())
    if rec is None or rec.empty:
        return {"spend": [], "people": [], "net": [], "five": None}

    def rows(measure: str) -> list[dict]:
        out = []
        for r in rec[rec["measure"] == measure].sort_values("horizon").itertuples():
            out.append(
                {
                    "horizon": int(r.horizon),
                    "origins": r.origins,
                    "forecasts": int(r.forecasts),
                    "median_ape": float(r.median_ape),
                    "bias_pct": float(r.bias_pct),
                    "coverage_80": float(r.coverage_80),
                    "reference": float(r.reference_median_ape),
                }
            )
        return out

    # the plan's base is total expenditure, which has one origin of its own: the record is
    # of every spend measure pooled, as the ranges pool them
    spend = rows("spend, all measures") or rows("spend")
    pooled = bool(rows("spend, all measures"))
    five = next((r for r in spend if r["horizon"] == 5), None)
    if five:
        five = {
            **five,
            "bias_words": "short of" if five["bias_pct"] < 0 else "above",
            "bias_size": abs(five["bias_pct"]),
        }
    return {
        "spend": spend,
        "spend_measure": SPEND_POOLED if pooled else SPEND_NET,
        "people": rows("people"),
        "net": rows("spend"),
        "five": five,
        "people_sources": rates.evidence_words(),
    }


def rate_facts(result) -> dict:
    """How rates of support move: ``notes`` (each rate's trend, its evidence and the
    backtest's choice) and ``held`` (titles of the scenarios that hold every rate)."""
    runs = result.runs
    held = []
    if "rate_trend" in runs:
        held = [S.scenario_title(n) for n in runs.loc[runs["rate_trend"] == "none", "scenario"]]
    return {
        "notes": list(getattr(result, "rate_notes", []) or []),
        "held": held,
        "held_verb": "holds" if len(held) == 1 else "hold",
        "definition": rates.DEFINITION,
        "ascof_source": rates.ASCOF_SOURCE,
    }
