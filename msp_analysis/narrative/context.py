"""Facts for each plan section, computed from indicators, risk flags, forecasts and the actions file.

Everything a template prints is here, already computed: values, comparison words,
ranks, shares, years and sources. Templates only choose words and format numbers.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pandas as pd
from pydantic import Field

from msp_analysis import geography
from msp_analysis.configs import ConfigModel, load_yaml
from msp_analysis.indicators.core import MARKETS
from msp_analysis.indicators.risk import MarketKey, RiskKey
from msp_analysis.indicators.summary import HEADLINES, compare_word, latest

SECTION_TITLES = {
    1: "Section 1: Assessment of the current sustainability of local care markets",
    2: "Section 2: Assessment of the impact of future market changes",
    3: "Section 3: Plans for each market to address sustainability issues",
}
MARKET_ORDER = ["care_home_65", "home_care_18", "specialist", "all"]


def _clean(v):
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if v is pd.NA:
        return None
    return v


def _item(row: pd.Series, label: str) -> dict:
    def word(other):
        return (
            compare_word(row["value"], row[other])
            if pd.notna(row["value"]) and pd.notna(row[other])
            else None
        )

    return {
        "label": label,
        "indicator": row["indicator"],
        "breakdown": row["breakdown"],
        "status": row["status"],
        "value": _clean(row["value"]),
        "unit": row["unit"] if isinstance(row["unit"], str) else "",
        "year_label": _clean(row["year_label"]),
        "england": _clean(row["england"]),
        "region": _clean(row["region"]),
        "comparator_median": _clean(row["comparator_median"]),
        "vs_england": word("england"),
        "vs_region": word("region"),
        "vs_comparators": word("comparator_median"),
        "rank": int(row["rank"]) if pd.notna(row["rank"]) else None,
        "n_ranked": int(row["n_ranked"]) if pd.notna(row["n_ranked"]) else None,
        "change_pct": _clean(row["change_pct"]),
        "note": row["note"] if isinstance(row["note"], str) else "",
        "source": row["source"],
    }


def section1(
    la_code: str,
    indicators: pd.DataFrame,
    flags: pd.DataFrame,
    comparators: pd.DataFrame,
    *,
    demo: bool,
) -> dict:
    """Facts for Section 1: each market's headline indicators, risk flags and sources."""
    region = geography.region_of(la_code)
    markets = []
    for key in MARKET_ORDER:
        items = []
        for indicator, breakdown, label in HEADLINES[key]:
            row = latest(indicators, indicator, breakdown)
            if row is not None:
                items.append(_item(row, label))
        risks = [
            {
                "label": r.risk_label,
                "indicator": r.indicator,
                "breakdown": r.breakdown,
                "flag": _clean(r.flag),
                "rule": r.rule,
                "value": _clean(r.value),
                "england": _clean(r.england),
                "reason": r.reason,
            }
            for r in flags[flags["market"] == key].itertuples()
        ]
        markets.append(
            {
                "key": key,
                "title": MARKETS[key],
                "indicators": items,
                "risks": risks,
                "flagged": [r["label"] for r in risks if r["flag"] is True],
            }
        )
    used = indicators[indicators["status"] != "missing"]
    sources = [
        {"source": s, "years": ", ".join(sorted(set(g.dropna())))}
        for s, g in used.groupby("source")["year_label"]
    ]
    missing = sorted(set(indicators.loc[indicators["status"] == "missing", "source"]))
    return {
        "title": SECTION_TITLES[1],
        "council": geography.council_name(la_code),
        "la_code": la_code,
        "region": geography.REGIONS.get(region or "", "its region"),
        "demo": demo,
        "comparator_count": len(comparators),
        "comparator_names": comparators["la_name"].tolist(),
        "comparator_method": comparators.attrs.get("method", ""),
        "markets": markets,
        "sources": sources,
        "sources_missing": missing,
    }


def section2(la_code: str, result: dict, backtest_summary: pd.DataFrame, *, demo: bool) -> dict:
    """Facts for Section 2: each scenario's headline, drivers, demand and the backtest's record."""
    from msp_analysis.forecast import run as forecast_run

    runs = result["runs"].set_index("scenario")
    scenarios = []
    people = result["forecast"].query("measure == 'people' and setting == 'All'")
    for name in runs.index:
        h = forecast_run.headline(result, name)
        p = people[people["scenario"] == name].set_index("year")
        drivers = {k: _clean(v) for k, v in h["driver_share_pct"].items()}
        scenarios.append(
            {
                "name": name.replace("_", " "),
                "description": _description(result, name),
                "spend_change_pct": h["spend_change_pct"],
                "base_spend": h["base_spend_gbp"],
                "horizon_spend": h["horizon_spend_gbp"],
                "top_groups": " and ".join(h["top_groups"]),
                "top_groups_share_pct": _clean(h["top_groups_share_pct"]),
                "drivers": [
                    {"name": k.replace("_", " "), "share_pct": v}
                    for k, v in drivers.items()
                    if v is not None and abs(v) >= 0.5
                ],
                "people_base": float(p.loc[h["base_year"], "value"]),
                "people_horizon": float(p.loc[h["horizon_year"], "value"]),
                "people_horizon_lower_80": float(p.loc[h["horizon_year"], "lower_80"]),
                "people_horizon_upper_80": float(p.loc[h["horizon_year"], "upper_80"]),
                "people_change_pct": (
                    float(p.loc[h["horizon_year"], "value"]) / float(p.loc[h["base_year"], "value"])
                    - 1
                )
                * 100,
                "unserved": _clean(float(runs.loc[name, "unserved_people_horizon"])),
            }
        )
    first = runs.iloc[0]
    bt = []
    if backtest_summary is not None and len(backtest_summary):
        for target, g in backtest_summary[backtest_summary["horizon"] == 1].groupby("target"):
            by = g.set_index("model")
            if "model" in by.index:
                bt.append(
                    {
                        "target": {
                            "clients_lts": "people in long-term support",
                            "gce": "gross current expenditure",
                        }.get(target, target),
                        "median_ape": float(by.loc["model", "median_ape"]),
                        "naive_median_ape": float(by.loc["naive", "median_ape"])
                        if "naive" in by.index
                        else None,
                        "coverage_80": float(by.loc["model", "coverage_80"]),
                        "councils": int(by.loc["model", "councils"]),
                        "beats_naive_pct": _clean(float(by.loc["model", "share_model_beats_naive"]))
                        if "share_model_beats_naive" in by
                        else None,
                    }
                )
    base_year = int(first["base_year"])
    horizon_year = int(first["horizon_year"])
    return {
        "title": SECTION_TITLES[2],
        "council": geography.council_name(la_code),
        "demo": demo,
        "base_year_label": f"{base_year}-{(base_year + 1) % 100:02d}",
        "horizon_year_label": f"{horizon_year}-{(horizon_year + 1) % 100:02d}",
        "years": horizon_year - base_year,
        "history_years": int(first["history_years"]),
        "short_history": int(first["history_years"]) < 6,
        "interval": "80%",
        "population_source": first["population_source"],
        "rate_method": first["rate_method"],
        "scenarios": scenarios,
        "backtest": bt,
        "assumption_count": len(result["assumptions"]),
    }


def _description(result: dict, name: str) -> str:
    a = result["assumptions"]
    return "; ".join(
        f"{r.assumption.replace('_', ' ')} {r.value} ({r.source})"
        for r in a[a["scenario"] == name].itertuples()
    )


class IndicatorRef(ConfigModel):
    """An indicator whose latest figure is printed beside an action as its evidence."""

    indicator: str = Field(description="indicator name, as in market_indicators.csv")
    breakdown: str = Field("Total", description="the indicator's breakdown")
    label: str | None = Field(None, description="words for the figure; default: the name")


class Action(ConfigModel):
    """One Section 3 action, written and owned by the council."""

    id: str = Field(description="the council's reference, e.g. CH1")
    market: MarketKey = Field(description="the market the action belongs to, or 'all'")
    title: str
    description: str = ""
    owner: str = Field(description="who is accountable")
    due: str | date = Field("to be agreed", description="when, in words or as a date")
    risks: list[RiskKey] = Field(default_factory=list, description="DHSC risks it answers")
    indicators: list[IndicatorRef] = Field(default_factory=list)


class ActionsFile(ConfigModel):
    """The council's actions file (``--actions FILE``; example in ``resources/templates``)."""

    name: str | None = None
    version: str | None = None
    description: str | None = None
    actions: list[Action] | None


def load_actions(path: str | Path) -> list[dict]:
    """The council's actions file (YAML), validated by ActionsFile; unknown keys rejected.

    Raises:
        ScenarioError: naming the file and key (e.g. ``actions[2].market``).
    """
    doc = load_yaml(path, ActionsFile)
    return [a.model_dump() for a in doc.actions or []]


def section3(
    la_code: str, actions: list[dict], indicators: pd.DataFrame, flags: pd.DataFrame, *, demo: bool
) -> dict:
    """Facts for Section 3: the council's actions, each with its evidence and the risk flags it answers."""
    markets = []
    for key in MARKET_ORDER:
        mine = [a for a in actions if a["market"] == key]
        if not mine:
            continue
        rows = []
        for a in mine:
            evidence = []
            for ref in a.get("indicators", []) or []:
                row = latest(indicators, ref["indicator"], ref.get("breakdown", "Total"))
                if row is not None:
                    evidence.append(
                        _item(row, ref.get("label") or ref["indicator"].replace("_", " "))
                    )
            risk_rows = flags[
                (flags["risk"].isin(a.get("risks", []) or []))
                & (flags["market"].isin([key, "all"]))
            ]
            risks = []
            for label, g in risk_rows.groupby("risk_label", sort=False):
                states = [_clean(f) for f in g["flag"]]
                flag = True if True in states else (False if False in states else None)
                risks.append({"label": label, "flag": flag})
            rows.append(
                {
                    "id": a["id"],
                    "title": a["title"],
                    "description": a.get("description", ""),
                    "owner": a["owner"],
                    "due": str(a.get("due", "to be agreed")),
                    "evidence": evidence,
                    "risks": risks,
                }
            )
        markets.append({"key": key, "title": MARKETS[key], "actions": rows})
    return {
        "title": SECTION_TITLES[3],
        "council": geography.council_name(la_code),
        "demo": demo,
        "markets": markets,
    }
