"""Facts for each plan section, computed from indicators, risk flags, forecasts and the actions file.

Everything a template prints is here, already computed: values, comparison words,
ranks, shares, years and sources. Templates only choose words and format numbers.
"""

from __future__ import annotations

import math
from collections import Counter

import pandas as pd

from msp_analysis.council import Council
from msp_analysis.narrative import ranges_facts, render
from msp_analysis.years import financial_year

SECTION_TITLES = {
    1: "Section 1: Assessment of the current sustainability of local care markets",
    2: "Section 2: Assessment of the impact of future market changes",
    3: "Section 3: Plans for each market to address sustainability issues",
}


def _clean(v):
    if v is None:
        return None
    if isinstance(v, float) and math.isnan(v):
        return None
    if v is pd.NA:
        return None
    return v


DRIVER_WORDS = {
    "population": "population change",
    "rate": "change in rates of support",
    "setting_mix": "turnover between settings",
    "unit_cost": "real growth in unit costs",
    "prices": "pay and prices",
    "workforce_pay": "workforce pay uplift",
    "shift": "moving placements between settings",
}


def section2(council: Council, result, backtest_summary: pd.DataFrame, *, demo: bool) -> dict:
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
    scenarios = []
    shared_assumptions, own_assumptions = _assumption_words(result)
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
                "shift": section2_costs.shift_sentences(result, name, council.name),
                "name": scenarios_mod.scenario_title(name),
                "description": own_assumptions[name],
                "spend_change_pct": h["spend_change_pct"],
                "base_spend": h["base_spend_gbp"],
                "horizon_spend": h["horizon_spend_gbp"],
                "material": h["material"],
                "sentence": forecast_run.headline_sentence(h, council.name),
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
            "year": getattr(i, "year_label", None) or financial_year(i.year),
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
                "last_year": financial_year(o.origin),
                "last": o.last_gbp,
                "year": financial_year(o.year),
                "forecast": o.forecast_gbp,
                "lower_80": o.lower_80_gbp,
                "upper_80": o.upper_80_gbp,
                "change_pct": (o.forecast_gbp / o.last_gbp - 1) * 100,
            }
        )
    return {
        "title": SECTION_TITLES[2],
        "council": council.name,
        "demo": demo,
        "base_year_label": financial_year(base_year),
        "salt_year_label": financial_year(int(first.get("salt_year", base_year))),
        "horizon_year_label": financial_year(horizon_year),
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
        "assumptions_shared": shared_assumptions,
        "assumption_sources": _assumption_sources(result),
        "spend_table": ranges_facts.spend_table(result),
        "record": ranges_facts.record(result),
        "rates": ranges_facts.rate_facts(result),
        "constant_prices": ranges_facts.price_words(base_year),
        "prices_published_to": financial_year(last_published()),
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
            "origin_label": financial_year(r["origin"]),
            "year_label": financial_year(r["origin"] + r["horizon"]),
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
                            "forecast": f"{financial_year(row.origin + row.horizon)} from {financial_year(row.origin)}, "
                            f"{int(row.horizon)} year{'s' if row.horizon != 1 else ''} ahead",
                            "origin": financial_year(row.origin),
                            "year": financial_year(row.origin + row.horizon),
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


def _assumption_words(result) -> tuple[str, dict[str, str]]:
    """The scenarios' assumptions said once: those most scenarios share, and each scenario's own.

    An assumption's shared value is the one more than half the scenarios take; a scenario then
    says only where it differs (its own value, or 'not used' where it lacks that assumption), so
    five scenarios do not repeat the same paragraph. Returns ('population: projection; ...',
    {scenario: 'trend in rates of support: none; ...'}); with one scenario all is shared.
    """
    from msp_analysis.forecast import scenarios as scenarios_mod

    a = result["assumptions"]
    names = list(dict.fromkeys(a["scenario"]))
    values = {
        key: dict(zip(g["scenario"], g["value"].astype(str), strict=True))
        for key, g in a.groupby("assumption", sort=False)
    }
    shared = {}
    for key, by_scenario in values.items():
        value, count = Counter(by_scenario.values()).most_common(1)[0]
        if count * 2 > len(names):
            shared[key] = value

    def said(key: str, value: str) -> str:
        return f"{scenarios_mod.assumption_words(key)}: {value}"

    own = {
        name: "; ".join(
            said(key, by_scenario.get(name, "not used"))
            for key, by_scenario in values.items()
            if by_scenario.get(name) != shared.get(key)
        )
        for name in names
    }
    return "; ".join(said(k, v) for k, v in shared.items()), own


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


#: Words used in the plan, for readers outside adult social care finance.
GLOSSARY = [
    (
        "ASC-FR",
        "Adult Social Care Finance Return (NHS Digital, now part of NHS England): what each council "
        "spent on adult social care, by age, support setting and primary support reason.",
    ),
    (
        "SALT",
        "Short and Long Term Support return (NHS Digital, now part of NHS England): requests for "
        "support from new clients, what followed "
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
    "ascfr": "NHS Digital (now part of NHS England): Adult Social Care Finance Return",
    "salt": "NHS Digital (now part of NHS England): Short and Long Term Support return",
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
    covering: set[str] | None = None,
) -> dict:
    """Facts for the appendix: the spend forecast's record on the past (:func:`accuracy`),
    sources (from Section 1), files read with their publisher, glossary. With ``covering``
    (the files holding a figure for the council), files read that do not cover the council
    (another county's ratings, say) are named apart, never listed as read for this plan."""
    files = files_read(tables_manifest)
    other = [] if covering is None else [f["file"] for f in files if f["file"] not in covering]
    return {
        "demo": demo,
        "version": version,
        "sources": f1["sources"],
        "sources_grouped": f1.get("sources_grouped", []),
        "comparator_method": f1.get("comparator_method", ""),
        "rules": f1.get("rules", []),
        "evidence_used": f1["evidence"]["used"],
        "evidence_example": f1["evidence"]["example"],
        "files": [f for f in files if f["file"] not in other],
        "files_other": other,
        "data_notes": data_notes(tables_manifest),
        "glossary": GLOSSARY,
        "accuracy": accuracy(backtest_summary),
    }
