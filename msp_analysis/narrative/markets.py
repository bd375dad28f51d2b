"""Facts for the plan's market sections: Section 1 (each market's figures and DHSC's risk tests),
the executive summary (each market's story from its own results) and Section 3 (the council's
actions, or a table for each market to fill in).

Everything a template prints is computed here; templates choose words and format numbers.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import pandas as pd
from pydantic import Field

from msp_analysis.configs import ConfigModel, load_yaml
from msp_analysis.council import Council
from msp_analysis.indicators import catalogue, local
from msp_analysis.indicators.markets import IN_PROSE, MARKETS, SHORT_NAMES, TESTED_MARKETS, Market
from msp_analysis.indicators.risk import RISKS, RiskKey, risk_matrix
from msp_analysis.indicators.summary import compare_word, latest
from msp_analysis.narrative.context import SECTION_TITLES, _clean

MARKET_ORDER = list(MARKETS)
ActionMarket = Market
#: Sources with no period of their own (a register as it stood when downloaded). In a figure
#: that joins one to a dated source (care home beds per 1,000 people aged 65+: the CQC
#: directory and ONS population), the figure's year is the dated source's, not theirs.
UNDATED = ("CQC care directory",)
OWN = "Council's own records"


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


def _order(item):
    return (item[0].split(" ")[0], item[0])


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


def _comparable(indicators: pd.DataFrame, ref: str) -> bool:
    """True when 'indicator:breakdown' has a figure for the council with England beside it (a
    one-county extract of a national file has the figure but nothing to compare it with)."""
    name, _, breakdown = ref.partition(":")
    sel = indicators[(indicators["indicator"] == name) & (indicators["status"] == "ok")]
    if breakdown:
        sel = sel[sel["breakdown"] == breakdown]
    return bool((sel["value"].notna() & sel["england"].notna()).any())


def market_rows(indicators: pd.DataFrame, market: str) -> tuple[list[dict], list[dict]]:
    """The figures a market's table shows, and those not measured from the data loaded.

    A row declared ``instead_of`` a better figure of the same thing is shown only when that
    figure cannot be set against England (missing, or from a one-county extract), and the
    better one is then not shown or listed as 'not measured': one figure per measure, from the
    best source loaded (CQC's own ratings covering England, else ASCOF 6B)."""
    rows: list[dict] = []
    missing: list[dict] = []
    stand_ins = {
        r.instead_of: f"{s.name}:{r.breakdown}"
        for s in catalogue.SPECS
        for r in s.rows
        if r.instead_of and (r.market or s.market) == market
    }
    for spec in catalogue.SPECS:
        for r in spec.rows:
            if not r.table or (r.market or spec.market) != market:
                continue
            if r.instead_of and _comparable(indicators, r.instead_of):
                continue
            ref = f"{spec.name}:{r.breakdown}"
            if (
                ref in stand_ins
                and not _comparable(indicators, ref)
                and _comparable(indicators, stand_ins[ref])
            ):
                continue
            row = latest(indicators, spec.name, r.breakdown)
            if row is None:
                continue
            item = _item(row, r.label)
            (missing if item["status"] == "missing" else rows).append(item)
    return rows, missing


def _risk_item(r) -> dict:
    return {
        "risk": r.risk,
        "label": r.risk_label,
        "measure": r.measure,
        "state": r.state,
        "reason": r.reason,
        "rule": r.rule,
        "year_label": _clean(r.year_label),
        "needs": r.needs,
        "why": r.why,
        "rating": r.rating,
        "source": r.source,
        "own": str(r.indicator).startswith("local_"),
    }


def risk_summary(results: pd.DataFrame) -> dict:
    """The risk matrix for the plan (rows: markets and the council-wide row; columns: risks),
    the tests that could not run grouped by the file that would run them, and the counts."""
    matrix = risk_matrix(results)
    labels = list(RISKS.values())
    table = []
    for market in [*TESTED_MARKETS, "all"]:
        cells = matrix[matrix["market"] == market].set_index("risk_label")["state"]
        table.append(
            {
                "key": market,
                "market": SHORT_NAMES[market],
                "cells": [cells[label] for label in labels],
            }
        )
    tested = matrix[matrix["market"].isin(TESTED_MARKETS)]
    needs: dict[str, list[str]] = {}
    own: list[str] = []  # the council's own figures that would run tests: said once, in one line
    for r in results[results["state"] == "could not run"].itertuples():
        if str(r.indicator).startswith("local_"):
            what = str(r.needs).removesuffix(" (local evidence file)")
            if what not in own:
                own.append(what)
            continue
        needs.setdefault(r.needs, [])
        market = IN_PROSE[r.market]
        if market not in needs[r.needs]:
            needs[r.needs].append(market)
    return {
        "risk_labels": labels,
        "risk_table": table,
        "not_run": [
            {"needs": n, "markets": ms, "all_markets": len(ms) == len(TESTED_MARKETS)}
            for n, ms in needs.items()
        ],
        "not_run_own": own,
        "test_count": len(tested),
        "run_count": int((tested["state"] != "could not run").sum()),
        "not_run_count": int((tested["state"] == "could not run").sum()),
        "flagged_count": int((tested["state"] == "flagged").sum()),
        "flagged": sorted(set(matrix.loc[matrix["state"] == "flagged", "risk_label"])),
        # each flagged risk with the markets it is flagged in ("Cost of care (65+ care homes)")
        "flagged_where": [
            {"label": label, "markets": [IN_PROSE[m] for m in g["market"]]}
            for label, g in matrix[matrix["state"] == "flagged"].groupby("risk_label", sort=False)
        ],
    }


def rules_for_appendix(results: pd.DataFrame) -> list[dict]:
    """Every rule the plan's risk tests use, once each, by market (the council-wide tests, then
    those on the council's own figures, listed once for every market): risk, measure, when it
    flags, why the measure speaks to the risk, and the confidence in its threshold."""
    groups: dict[str, list[dict]] = {}
    seen = set()
    for r in results.itertuples():
        own = str(r.indicator).startswith("local_")
        group = "The council's own figures, in each market" if own else MARKETS[r.market]
        key = (group, r.risk, r.measure, r.rule)
        if key in seen:
            continue
        seen.add(key)
        groups.setdefault(group, []).append(
            {
                "risk": r.risk_label,
                "measure": r.measure,
                "rule": r.rule,
                "why": r.why,
                "rating": r.rating,
            }
        )
    return [{"market": g, "rules": rules} for g, rules in groups.items()]


def grouped_sources(sources: list[dict]) -> list[dict]:
    """The sources list said by publisher: 'ASC-FR (NHS Digital): T15 (2020-21, 2021-22); T18
    (2021-22)' in one line, where the list gave one line a table."""
    out: dict[str, list[str]] = {}
    for s in sources:
        name, _, part = s["source"].partition(") ")
        if part and "(" in name:
            head, item = name + ")", part
        else:
            head, item = s["source"], ""
        years = s["years"]
        text = f"{item} ({years})" if item and years else item or years
        out.setdefault(head, [])
        if text:
            out[head].append(text)
    return [{"source": k, "parts": v} for k, v in out.items()]


def section1(
    council: Council,
    indicators: pd.DataFrame,
    results: pd.DataFrame,
    comparators: pd.DataFrame,
    *,
    demo: bool,
    checks: pd.DataFrame | None = None,
    evidence: dict | None = None,
) -> dict:
    """Facts for Section 1: each market's table of figures, the council's own figures, its risk
    tests (flagged, not flagged, or not run and the file that would run them); the risk
    matrix; figures to check; and the sources."""
    markets = []
    for key in MARKET_ORDER:
        rows, missing = market_rows(indicators, key)
        own = indicators[
            (indicators["market"] == key)
            & indicators["indicator"].astype(str).str.startswith("local_")
        ]
        own_items = [
            {**_item(r, local.label_of(r["indicator"])), "source": r["source"].split(": ", 1)[-1]}
            for _, r in own.iterrows()
        ]
        risks = [_risk_item(r) for r in results[results["market"] == key].itertuples()]
        markets.append(
            {
                "key": key,
                "title": MARKETS[key],
                "council_wide": key == "all",
                "rows": rows,
                "missing": missing,
                "own": own_items,
                "risks": risks,
                # the market's table of tests: every test on published data, and those on the
                # council's own figures that ran (the rest are said once, for every market)
                "shown_risks": [
                    r for r in risks if not (r["own"] and r["state"] == "could not run")
                ],
                "flagged": list(
                    dict.fromkeys(r["label"] for r in risks if r["state"] == "flagged")
                ),
            }
        )
    check_items = []
    if checks is not None:
        for r in checks.itertuples():
            check_items.append(
                {
                    "indicator": r.indicator,
                    "breakdown": r.breakdown,
                    "label": catalogue.label(r.indicator, r.breakdown),
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
        "council": council.name,
        "la_code": council.code,
        "region": council.region or "its region",
        "demo": demo,
        "comparator_count": len(comparators),
        "comparator_names": comparators["la_name"].tolist(),
        # plain words for Section 1; the technical method for the appendix
        "comparator_summary": comparators.attrs.get("summary", ""),
        "comparator_method": comparators.attrs.get("method", ""),
        "markets": markets,
        **risk_summary(results),
        "rules": rules_for_appendix(results),
        "checks": check_items,
        "evidence": evidence or {"used": False, "example": False, "name": "", "count": 0},
        "sources": sources,
        "sources_grouped": grouped_sources(sources),
        "sources_missing": missing_sources,
    }


def executive_summary(f1: dict, per_market: int = 2) -> list[dict]:
    """One row per market (and the council-wide row) for the executive summary: its first
    headline figures beside England, and its own story: the tests that flagged (with what they
    found), those that did not, and those that could not run."""
    out = []
    for m in f1["markets"]:
        figures = [i for i in m["rows"] if i["value"] is not None][:per_market]
        figures += [o for o in m["own"] if o["indicator"] == "local_fee_to_cost_gap_pct"][:1]
        by_state: dict[str, list[str]] = {}
        for r in m["risks"]:
            labels = by_state.setdefault(r["state"], [])
            if r["label"] not in labels:
                labels.append(r["label"])
        flagged = [
            {"label": r["label"], "measure": r["measure"], "reason": r["reason"]}
            for r in m["risks"]
            if r["state"] == "flagged"
        ]
        flagged_labels = by_state.get("flagged", [])
        out.append(
            {
                "key": m["key"],
                "title": m["title"],
                "council_wide": m["council_wide"],
                "figures": figures,
                "flagged": flagged,
                "not_flagged": [
                    x for x in by_state.get("not flagged", []) if x not in flagged_labels
                ],
                "not_run": [
                    x
                    for x in by_state.get("could not run", [])
                    if x not in flagged_labels and x not in by_state.get("not flagged", [])
                ],
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
    funding: str = Field("", description="how it is paid for, e.g. MSIF 2025-26")
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


def _to_check(checks: pd.DataFrame | None) -> set[tuple[str, str]]:
    if checks is None or checks.empty:
        return set()
    return set(zip(checks["indicator"], checks["breakdown"]))


def _action_rows(
    key: str,
    mine: list[dict],
    indicators: pd.DataFrame,
    results: pd.DataFrame,
    to_check: set[tuple[str, str]],
) -> list[dict]:
    rows = []
    for a in mine:
        evidence, withheld = [], []
        for ref in a.get("indicators", []) or []:
            pool = indicators
            if ref["indicator"].startswith("local_"):  # the council's own figure for this market
                pool = indicators[indicators["market"] == key]
            label = ref.get("label") or catalogue.label(ref["indicator"], ref["breakdown"])
            if (ref["indicator"], ref["breakdown"]) in to_check:
                withheld.append(label)  # never cite a figure the plan lists as one to check
                continue
            row = latest(pool, ref["indicator"], ref.get("breakdown", "Total"))
            if row is not None:
                evidence.append(_item(row, label))
        mine_results = results[
            results["risk"].isin(a.get("risks", []) or []) & (results["market"] == key)
        ]
        risks = []
        for label, g in mine_results.groupby("risk_label", sort=False):
            states = set(g["state"])
            state = next(
                (s for s in ("flagged", "not flagged", "could not run") if s in states), ""
            )
            risks.append({"label": label, "state": state})
        rows.append(
            {
                "id": a["id"],
                "title": a["title"],
                "description": a.get("description", ""),
                "owner": a["owner"],
                "due": str(a.get("due", "to be agreed")),
                "funding": a.get("funding", ""),
                "evidence": evidence,
                "withheld": withheld,
                "risks": risks,
            }
        )
    return rows


def section3(
    council: Council,
    actions: list[dict] | None,
    indicators: pd.DataFrame,
    results: pd.DataFrame,
    *,
    demo: bool,
    example: bool = False,
    checks: pd.DataFrame | None = None,
) -> dict:
    """Facts for Section 3.

    With an actions file (the council's, or the shipped example for a DEMO plan or when asked
    for): each market's actions, each with its evidence (never a figure the plan lists as one
    to check) and the risk tests it answers. Without one (``actions`` None): for each market a
    table for the council to fill in, one row per flagged risk with the evidence for it and
    empty action, owner, date and funding cells, and the tests that could not run.
    """
    to_check = _to_check(checks)
    markets = []
    for key in MARKET_ORDER:
        here = results[results["market"] == key]
        flagged = [
            {"label": label, "evidence": list(dict.fromkeys(g["measure"] + ": " + g["reason"]))}
            for label, g in here[here["state"] == "flagged"].groupby("risk_label", sort=False)
        ]
        states = risk_matrix(results)
        cells = states[states["market"] == key]
        market = {
            "key": key,
            "title": MARKETS[key],
            "council_wide": key == "all",
            "flagged": flagged,
            "not_run": list(cells.loc[cells["state"] == "could not run", "risk_label"]),
            "not_flagged": list(cells.loc[cells["state"] == "not flagged", "risk_label"]),
            "actions": [],
        }
        if actions is not None:
            mine = [a for a in actions if a["market"] == key]
            if not mine:
                continue
            market["actions"] = _action_rows(key, mine, indicators, results, to_check)
        markets.append(market)
    return {
        "title": SECTION_TITLES[3],
        "council": council.name,
        "demo": demo,
        "example": example,
        "fill_in": actions is None,
        "markets": markets,
    }
