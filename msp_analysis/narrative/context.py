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
from msp_analysis.indicators.markets import MARKETS, SHORT_NAMES, TESTED_MARKETS, Market
from msp_analysis.indicators.risk import RiskKey
from msp_analysis.indicators.summary import HEADLINES, compare_word, latest
from msp_analysis.narrative import ranges_facts, render

SECTION_TITLES = {
    1: "Section 1: Assessment of the current sustainability of local care markets",
    2: "Section 2: Assessment of the impact of future market changes",
    3: "Section 3: Plans for each market to address sustainability issues",
}
MARKET_ORDER = list(MARKETS)
ActionMarket = Market


def _clean(v):
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if v is pd.NA:
        return None
    return v


def _row_digits(unit: str, figures: list) -> int | None:
    """Decimals for every figure of a table row, so a row never reads '19.7 | 17' or '£201 |
    £70.90': one where any figure under 100 has a fraction, none where a fraction is only on
    larger ones; pence where sums of money under £1m straddle £100 (money below £100 has pence);
    else the formatter's own choice (None: percentages, whole counts, money of one size)."""
    if unit.startswith("£") and unit != "£ million":
        money = [abs(v) for v in figures if isinstance(v, int | float) and not math.isnan(v)]
        straddle = bool(money) and min(money) < 100 <= max(money) < 1e6
        return 2 if straddle else None
    if unit.startswith(("£", "%")):
        return None
    fractions = [
        abs(v) for v in figures if isinstance(v, float) and not math.isnan(v) and not v.is_integer()
    ]
    if not fractions:
        return None
    return 1 if min(fractions) < 100 else 0


def _item(row: pd.Series, label: str) -> dict:
    def word(other):
        return (
            compare_word(row["value"], row[other])
            if pd.notna(row["value"]) and pd.notna(row[other])
            else None
        )

    unit = row["unit"] if isinstance(row["unit"], str) else ""
    return {
        "label": label,
        "digits": _row_digits(
            unit, [row[c] for c in ("value", "region", "england", "comparator_median")]
        ),
        "indicator": row["indicator"],
        "breakdown": row["breakdown"],
        "status": row["status"],
        "value": _clean(row["value"]),
        "unit": unit,
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


def _source_parts(source: str) -> list[str]:
    """'ASC-FR (NHS Digital) T43/T44; ONS' -> ['ASC-FR (NHS Digital) T43/T44', 'ONS']."""
    return [p.strip() for p in str(source).split(";") if p.strip()]


def sources_used(indicators: pd.DataFrame) -> tuple[list[dict], list[str]]:
    """Sources behind the figures shown, deduplicated, each with its table and years; and the
    sources that were needed but not loaded (never one that was used)."""
    used = indicators[indicators["status"] != "missing"]
    years: dict[str, set] = {}
    for source, label in zip(used["source"], used["year_label"]):
        if str(source).startswith(OWN):
            continue
        parts = _source_parts(source.removeprefix("DEMO - "))
        for part in parts:
            years.setdefault(part, set())
            undated = len(parts) > 1 and part.startswith(UNDATED)
            if isinstance(label, str) and not undated:
                years[part].add(label)
    out = [
        {"source": s, "years": ", ".join(sorted(y))} for s, y in sorted(years.items(), key=_order)
    ]
    missing = set()
    for source in indicators.loc[indicators["status"] == "missing", "source"]:
        for part in _source_parts(str(source).removeprefix("DEMO - ")):
            if part not in years and not part.lower().startswith("council"):
                missing.add(part)
    return out, sorted(missing)


#: Sources with no period of their own (a register as it stood when downloaded). In a figure
#: that joins one to a dated source (care home beds per 1,000 people aged 65+: the CQC
#: directory and ONS population), the figure's year is the dated source's, not theirs.
UNDATED = ("CQC care directory",)


def _order(item):
    return (item[0].split(" ")[0], item[0])


OWN = "Council's own records"
#: Columns of the risk summary table (short market names).
SHORT_MARKETS = {m: SHORT_NAMES[m] for m in TESTED_MARKETS}


def section1(
    la_code: str,
    indicators: pd.DataFrame,
    flags: pd.DataFrame,
    comparators: pd.DataFrame,
    *,
    demo: bool,
    checks: pd.DataFrame | None = None,
    evidence: dict | None = None,
) -> dict:
    """Facts for Section 1: each market's table of indicators, the council's own figures,
    the risk tests (run, flagged, or not run and what would run them), figures to check,
    and the sources."""
    from msp_analysis.indicators import local
    from msp_analysis.indicators.risk import risk_matrix

    region = geography.region_of(la_code)
    markets = []
    for key in MARKET_ORDER:
        rows: list[dict] = []
        missing: list[dict] = []
        for indicator, breakdown, label in HEADLINES[key]:
            row = latest(indicators, indicator, breakdown)
            if row is None:
                continue
            item = _item(row, label)
            (missing if item["status"] == "missing" else rows).append(item)
        own = indicators[
            (indicators["market"] == key)
            & indicators["indicator"].astype(str).str.startswith("local_")
        ]
        own_items = [
            {**_item(r, local.label_of(r["indicator"])), "source": r["source"].split(": ", 1)[-1]}
            for _, r in own.iterrows()
        ]
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
            for r in flags[(flags["market"] == key) & flags["flag"].notna()].itertuples()
        ]
        markets.append(
            {
                "key": key,
                "title": MARKETS[key],
                "rows": rows,
                "missing": missing,
                "own": own_items,
                "risks": risks,
                "flagged": sorted({r["label"] for r in risks if r["flag"] is True}),
            }
        )
    matrix = risk_matrix(flags)
    table = []
    for label, g in matrix.groupby("risk_label", sort=False):
        cells = g.set_index("market")["state"]
        table.append({"label": label, "cells": [cells[m] for m in SHORT_MARKETS]})
    not_run = []
    for label, g in matrix[matrix["state"] == "could not run"].groupby("risk_label", sort=False):
        needs = sorted({n for e in g["evidence_needed"] for n in e.split("; ") if n})
        not_run.append(
            {
                "label": label,
                "markets": [SHORT_MARKETS[m] for m in g["market"]],
                "all_markets": len(g) == len(SHORT_MARKETS),
                "needs": needs,
            }
        )
    flagged_any = matrix.loc[matrix["state"] == "flagged"]
    check_items = []
    if checks is not None:
        for r in checks.itertuples():
            label = next(
                (
                    lab
                    for ind, b, lab in HEADLINES.get(r.market, [])
                    if ind == r.indicator and b == r.breakdown
                ),
                f"{r.indicator.replace('_', ' ')}, {r.breakdown}",
            )
            check_items.append(
                {
                    "label": label,
                    "year_label": r.year_label,
                    "change_pct": float(r.change_pct),
                    "threshold": int(r.threshold)
                    if float(r.threshold).is_integer()
                    else float(r.threshold),
                }
            )
    sources, missing_sources = sources_used(indicators)
    return {
        "title": SECTION_TITLES[1],
        "council": geography.council_name(la_code),
        "la_code": la_code,
        "region": geography.REGIONS.get(region or "", "its region"),
        "demo": demo,
        "comparator_count": len(comparators),
        "comparator_names": comparators["la_name"].tolist(),
        # plain words for Section 1; the technical method for the appendix
        "comparator_summary": comparators.attrs.get("summary", ""),
        "comparator_method": comparators.attrs.get("method", ""),
        "markets": markets,
        "risk_columns": list(SHORT_MARKETS.values()),
        "risk_table": table,
        "not_run": not_run,
        "flagged": sorted(set(flagged_any["risk_label"])),
        "checks": check_items,
        "evidence": evidence or {"used": False, "example": False, "name": "", "count": 0},
        "sources": sources,
        "sources_missing": missing_sources,
    }


DRIVER_WORDS = {
    "population": "population change",
    "rate": "change in rates of support",
    "setting_mix": "turnover between settings",
    "unit_cost": "real growth in unit costs",
    "prices": "pay and prices",
    "workforce_pay": "workforce pay uplift",
    "shift": "moving placements between settings",
}


def _fy(year) -> str:
    return f"{int(year)}-{(int(year) + 1) % 100:02d}"


def section2(la_code: str, result, backtest_summary: pd.DataFrame, *, demo: bool) -> dict:
    """Facts for Section 2: base and inputs, each scenario's people, spend and drivers in
    pounds, the next year's spend forecast, and the backtest's record against its targets.

    Driver shares are given only when spend moves materially, and only for drivers that
    add to it (so no share is negative or above 100%); the pounds are always given.
    """
    from msp_analysis.forecast import run as forecast_run
    from msp_analysis.forecast import scenarios as scenarios_mod
    from msp_analysis.forecast.outturn_forecast import last_published
    from msp_analysis.narrative import section2_costs

    runs = result["runs"].set_index("scenario")
    council = geography.council_name(la_code) or la_code
    scenarios = []
    people = result["forecast"].query("measure == 'people' and setting == 'All'")
    spend = result["forecast"].query("measure == 'spend' and setting == 'All'")
    for name in runs.index:
        h = forecast_run.headline(result, name)
        p = people[people["scenario"] == name].set_index("year")
        sp = spend[spend["scenario"] == name].set_index("year")
        rises = {k: v for k, v in h["driver_gbp"].items() if v > 0}
        total_rise = sum(rises.values())
        drivers = [
            {
                "key": k,
                "name": DRIVER_WORDS.get(k, k),
                "gbp": v,
                "sign": "+" if v >= 0 else "-",
                "amount": abs(v),
                "share_pct": v / total_rise * 100
                if h["material"] and total_rise > 0 and v > 0
                else None,
            }
            for k, v in sorted(h["driver_gbp"].items(), key=lambda kv: -abs(kv[1]))
            if abs(v) >= 0.5e4
        ]
        for d, text in zip(
            drivers, render.money_among([d["amount"] for d in drivers]), strict=True
        ):
            d["amount_text"] = text
            if d["share_pct"] is not None and d["share_pct"] < 0.5:
                d["share_pct"] = None  # '0% of the rise' says nothing
        r = runs.loc[name]
        scenarios.append(
            {
                "key": name,
                "shift": section2_costs.shift_sentences(result, name, council),
                "name": scenarios_mod.scenario_title(name),
                "description": _description(result, name),
                "spend_change_pct": h["spend_change_pct"],
                "base_spend": h["base_spend_gbp"],
                "horizon_spend": h["horizon_spend_gbp"],
                "material": h["material"],
                "sentence": forecast_run.headline_sentence(h, council),
                "drivers": drivers,
                "people_base": float(p.loc[h["base_year"], "value"]),
                "people_horizon": float(p.loc[h["horizon_year"], "value"]),
                "people_horizon_lower_80": float(p.loc[h["horizon_year"], "lower_80"]),
                "people_horizon_upper_80": float(p.loc[h["horizon_year"], "upper_80"]),
                "people_change_pct": h["people_change_pct"],
                "unserved": _clean(float(r["unserved_people_horizon"])),
                "constant_prices": bool(r.get("constant_prices", False)),
                "spend_horizon_lower_80": float(sp.loc[h["horizon_year"], "lower_80"]),
                "spend_horizon_upper_80": float(sp.loc[h["horizon_year"], "upper_80"]),
            }
        )
    first = runs.iloc[0]
    base_year = int(first["base_year"])
    horizon_year = int(first["horizon_year"])
    inputs = [
        {
            "input": i.input,
            "year": getattr(i, "year_label", None) or _fy(i.year),
            "age": int(i.age_years),
            "against_base": _against_base(int(i.age_years)),
        }
        for i in getattr(result, "inputs", pd.DataFrame()).itertuples()
        if i.year is not None and i.year == i.year
    ]
    outlook = []
    for o in getattr(result, "outlook", pd.DataFrame()).itertuples():
        outlook.append(
            {
                "measure": o.measure_words,
                "last_year": _fy(o.origin),
                "last": o.last_gbp,
                "year": _fy(o.year),
                "forecast": o.forecast_gbp,
                "lower_80": o.lower_80_gbp,
                "upper_80": o.upper_80_gbp,
                "change_pct": (o.forecast_gbp / o.last_gbp - 1) * 100,
            }
        )
    return {
        "title": SECTION_TITLES[2],
        "council": council,
        "demo": demo,
        "base_year_label": _fy(base_year),
        "salt_year_label": _fy(int(first.get("salt_year", base_year))),
        "horizon_year_label": _fy(horizon_year),
        "years": horizon_year - base_year,
        "notes": list(getattr(result, "notes", [])),
        "inputs": inputs,
        "stale": any(i["age"] > 2 for i in inputs),
        "interval": "80%",
        "population_source": first["population_source"],
        "rate_method": first["rate_method"],
        "scenarios": scenarios,
        "outlook": outlook,
        "accuracy": accuracy(backtest_summary),
        "ledger": section2_costs.base_facts(result),
        "costs": section2_costs.cost_facts(result),
        "prices": section2_costs.first_year_facts(result),
        "assumption_count": len(result["assumptions"]),
        "assumption_sources": _assumption_sources(result),
        "spend_table": ranges_facts.spend_table(result),
        "record": ranges_facts.record(result),
        "rates": ranges_facts.rate_facts(result),
        "constant_prices": ranges_facts.price_words(base_year),
        "prices_published_to": _fy(last_published()),
    }


def _against_base(age: int) -> str:
    """How far an input's year is from the base year, in words: '2 years before', 'the base
    year', '1 year after' (a mid-year estimate newer than the latest outturn)."""
    if age == 0:
        return "the base year"
    n = abs(age)
    return f"{n} year{'s' if n != 1 else ''} {'before' if age > 0 else 'after'}"


def accuracy(backtest_summary: pd.DataFrame | None) -> dict:
    """The backtest's record for the plan: ``record`` (one year ahead, the latest origin, with
    the comparisons), ``longer`` (three years ahead, where an origin has that gap) for the
    one-line summary in Section 2, and ``measures`` (each measure's record at every origin) for
    the appendix."""
    from msp_analysis.forecast import backtest as bt_mod

    def labelled(r: dict | None) -> dict | None:
        if not r:
            return None
        return {
            **r,
            "origin_label": _fy(r["origin"]),
            "year_label": _fy(r["origin"] + r["horizon"]),
        }

    have = backtest_summary is not None and len(backtest_summary) > 0
    measures = []
    if backtest_summary is not None and have:
        m = backtest_summary[backtest_summary["model"] == "model"]
        order = {t: i for i, t in enumerate(bt_mod.TARGETS)}
        for target in sorted(m["target"].unique(), key=lambda t: (order.get(t, 99), t)):
            rows = m[m["target"] == target].sort_values("origin")
            words = bt_mod.TARGETS.get(target, target)
            measures.append(
                {
                    "name": words[:1].upper() + words[1:],
                    "rows": [
                        {
                            "forecast": f"{_fy(row.origin + row.horizon)} from {_fy(row.origin)}, "
                            f"{int(row.horizon)} year{'s' if row.horizon != 1 else ''} ahead",
                            "origin": _fy(row.origin),
                            "year": _fy(row.origin + row.horizon),
                            "horizon": int(row.horizon),
                            "councils": int(row.councils),
                            "median_ape": row.median_ape,
                            "mape": row.mape,
                            "bias": row.bias_pct,
                            "beats_naive": _clean(getattr(row, "beats_naive_pct", None)),
                            "beats_linear": _clean(getattr(row, "beats_linear_trend_pct", None)),
                            "coverage_80": row.coverage_80,
                        }
                        for row in rows.itertuples()
                    ],
                }
            )
    return {
        "record": labelled(bt_mod.headline(backtest_summary)) if have else None,
        "longer": labelled(bt_mod.headline(backtest_summary, horizon=3)) if have else None,
        "measures": measures,
        "interval": "80%",
    }


def _description(result, name: str) -> str:
    from msp_analysis.forecast import scenarios as scenarios_mod

    a = result["assumptions"]
    return "; ".join(
        f"{scenarios_mod.assumption_words(r.assumption)}: {r.value}"
        for r in a[a["scenario"] == name].itertuples()
    )


def _assumption_sources(result) -> list[dict]:
    from msp_analysis.forecast import scenarios as scenarios_mod

    frame = result["assumptions"]
    every = list(dict.fromkeys(frame["scenario"]))

    def which(names: list[str]) -> str:
        """'' for every scenario; the others named when fewer ('every scenario but Baseline')."""
        rest = [n for n in every if n not in names]
        if not rest:
            return ""
        if len(rest) < len(names):
            return "every scenario but " + ", ".join(scenarios_mod.scenario_title(n) for n in rest)
        return ", ".join(scenarios_mod.scenario_title(n) for n in names)

    out = []
    for (assumption, source), rows in frame.groupby(["assumption", "source"], sort=False):
        names = list(dict.fromkeys(rows["scenario"]))
        out.append(
            {
                "assumption": scenarios_mod.assumption_words(assumption),
                "source": source,
                "rating": rows["rating"].iloc[0],
                # where scenarios differ on an assumption, say which use this source
                "scenarios": which(names),
            }
        )
    return out


class IndicatorRef(ConfigModel):
    """An indicator whose latest figure is printed beside an action as its evidence."""

    indicator: str = Field(description="indicator name, as in market_indicators.csv")
    breakdown: str = Field("Total", description="the indicator's breakdown")
    label: str | None = Field(None, description="words for the figure; default: the name")


class Action(ConfigModel):
    """One Section 3 action, written and owned by the council."""

    id: str = Field(description="the council's reference, e.g. CH1")
    market: ActionMarket = Field(description="the market the action belongs to, or 'all'")
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
    example: bool = Field(
        False,
        description="true for the shipped example: the plan then says they are not the council's",
    )
    actions: list[Action] | None


def load_actions(path: str | Path) -> list[dict]:
    """The council's actions file (YAML), validated by ActionsFile; unknown keys rejected.

    Raises:
        SettingsError: naming the file and key (e.g. ``actions[2].market``).
    """
    return read_actions(path)["actions"]


def read_actions(path: str | Path) -> dict:
    """The actions file: its name, whether it is an example, and its validated actions.

    Raises:
        SettingsError: naming the file and key (e.g. ``actions[2].market``).
    """
    doc = load_yaml(path, ActionsFile)
    return {
        "name": doc.name or "",
        "example": doc.example,
        "actions": [a.model_dump() for a in doc.actions or []],
    }


def section3(
    la_code: str,
    actions: list[dict],
    indicators: pd.DataFrame,
    flags: pd.DataFrame,
    *,
    demo: bool,
    example: bool = False,
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
                pool = indicators
                if ref["indicator"].startswith(
                    "local_"
                ):  # the council's own figure for this market
                    pool = indicators[indicators["market"] == key]
                row = latest(pool, ref["indicator"], ref.get("breakdown", "Total"))
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
        "example": example,
        "markets": markets,
    }


def executive_summary(f1: dict, per_market: int = 2) -> list[dict]:
    """One row per market for the executive summary: its first headline figures beside England,
    and the risk tests' results (flagged, not flagged, could not run), from Section 1's facts."""
    states: dict[str, dict[str, list[str]]] = {}
    for r in f1["risk_table"]:
        for market, state in zip(f1["risk_columns"], r["cells"]):
            states.setdefault(market, {}).setdefault(state, []).append(r["label"])
    out = []
    for m in f1["markets"]:
        figures = [i for i in m["rows"] if i["value"] is not None][:per_market]
        figures += [o for o in m["own"] if o["indicator"] == "local_fee_to_cost_gap_pct"][:1]
        short = SHORT_MARKETS.get(m["key"])
        s = states.get(short, {}) if short else {}
        out.append(
            {
                "title": m["title"],
                "figures": figures,
                "flagged": s.get("flagged", []),
                "not_flagged": s.get("not flagged", []),
                "not_run": s.get("could not run", []),
                "council_wide": short is None,
            }
        )
    return out


#: Words used in the plan, for readers outside adult social care finance.
GLOSSARY = [
    (
        "ASC-FR",
        "Adult Social Care Finance Return (NHS England, formerly NHS Digital): what each council "
        "spent on adult social care, by age, support setting and primary support reason.",
    ),
    (
        "SALT",
        "Short and Long Term Support return: requests for support from new clients, what followed "
        "them, and the people in long-term support during the year and at its end.",
    ),
    (
        "ASCOF",
        "Adult Social Care Outcomes Framework (DHSC): published outcome measures for every "
        "council; each is labelled here with the publisher's own description and code.",
    ),
    (
        "Gross current expenditure (GCE)",
        "Spending before income from clients' charges and other bodies is taken off.",
    ),
    (
        "Unit cost",
        "An ASC-FR figure: gross spend on a service divided by the weeks or hours of it the "
        "council bought. It is not the fee paid to providers.",
    ),
    (
        "Fee rate",
        "What the council pays a provider per week or hour of care, from its own records.",
    ),
    (
        "Cost of care",
        "The council's own estimate of what care costs a provider to deliver sustainably "
        "(its cost of care exercise); set against fees only from the council's figures.",
    ),
    (
        "Long-term support",
        "Ongoing care and support after assessment: nursing, residential or community support.",
    ),
    (
        "Supported living",
        "Care and support for people in their own tenancy, often shared, with staff on hand.",
    ),
    (
        "Shared Lives",
        "Care and support in the home of a trained Shared Lives carer.",
    ),
    (
        "Extra care",
        "Housing with care: self-contained homes with care available on site.",
    ),
    (
        "Comparator councils",
        "The councils most like this one in size, age profile, urban or rural type and spend "
        "per adult (how they are chosen: Section 1, and the method in this appendix); the peer "
        "median is their middle value.",
    ),
    (
        "Rank",
        "Position among all councils with a figure, counting from the highest value.",
    ),
    (
        "Capacity Tracker",
        "The NHS England system in which care providers report vacancies and occupancy.",
    ),
    (
        "Self-funder",
        "Someone who arranges and pays for their own care.",
    ),
    (
        "Risk tests",
        "DHSC asked councils to report five risks per market: limited capacity, market exit, "
        "diversity of provision, cost of care and workforce supply. Each test here states its "
        "rule and threshold; a test that lacks the evidence to run says so.",
    ),
    (
        "DRAFT",
        "Generated from data for officers to review, correct and complete; not the council's "
        "approved plan.",
    ),
]

#: Publisher and return, by the reader that recognised a file.
PUBLISHERS = {
    "ascfr": "NHS England (NHS Digital): Adult Social Care Finance Return",
    "salt": "NHS England (NHS Digital): Short and Long Term Support return",
    "ascof": "DHSC and NHS England: Adult Social Care Outcomes Framework",
    "population": "Office for National Statistics: population estimates and projections",
    "cqc": "Care Quality Commission: care directory and ratings",
    "workforce": "Skills for Care: adult social care workforce estimates",
    "outturn": "MHCLG (formerly DCLG): local authority revenue outturn (RO3, RS/RSX)",
    "ashe": "Office for National Statistics: Annual Survey of Hours and Earnings",
    "deprivation": "MHCLG: English Indices of Deprivation",
}


def files_read(tables_manifest: dict) -> list[dict]:
    """Each published file a data build read, once, with its publisher and return."""
    files, seen = [], set()
    for f in tables_manifest.get("files", []):
        if f["file"] in seen:
            continue
        seen.add(f["file"])
        readers = sorted({g["reader"] for g in tables_manifest["files"] if g["file"] == f["file"]})
        files.append(
            {
                "file": f["file"],
                "publisher": "; ".join(
                    dict.fromkeys(
                        PUBLISHERS.get(r, r.replace("_", " ").capitalize()) for r in readers
                    )
                ),
            }
        )
    return files


def data_notes(tables_manifest: dict) -> list[str]:
    """What a reader of the plan should know about the files behind it: a file that is not
    the one its publisher released (its content differs from the published file's), and a
    file whose figures come from an earlier build (it could not be read, or is no longer in
    the data folder). Each a sentence; none for a build where every file is as published."""
    notes = []
    for u in tables_manifest.get("unpublished", []):
        who = (u.get("publisher") or "its publisher").split(",")[0]
        notes.append(
            f"{u['file']} is not the file {who} published as {u['published_as']}: its content "
            "differs from the published release, so a figure in it may have been edited; its "
            "figures are used as the file gives them."
        )
    for f in tables_manifest.get("failures", []):
        if not f.get("kept_previous_rows"):
            continue
        when = _long_date(f.get("kept_from_build"))
        why = (
            "is no longer in the data folder"
            if f.get("missing")
            else "could not be read"
            if not f.get("unpublished")
            else "is not the published file"
        )
        notes.append(f"{f['file']} {why}; the figures it gave the data build of {when} are used.")
    return notes


def _long_date(stamp: str | None) -> str:
    """'7 December 2026' from an ISO time stamp ('an earlier date' without one)."""
    if not stamp:
        return "an earlier date"
    day = pd.Timestamp(stamp[:10])
    return f"{day.day} {day.strftime('%B %Y')}"


def appendix(
    tables_manifest: dict,
    f1: dict,
    *,
    demo: bool,
    version: str,
    backtest_summary: pd.DataFrame | None = None,
) -> dict:
    """Facts for the appendix: the spend forecast's record on the past (:func:`accuracy`),
    sources (from Section 1), files read with their publisher, glossary."""
    return {
        "demo": demo,
        "version": version,
        "sources": f1["sources"],
        "comparator_method": f1.get("comparator_method", ""),
        "evidence_used": f1["evidence"]["used"],
        "evidence_example": f1["evidence"]["example"],
        "files": files_read(tables_manifest),
        "data_notes": data_notes(tables_manifest),
        "glossary": GLOSSARY,
        "accuracy": accuracy(backtest_summary),
    }
