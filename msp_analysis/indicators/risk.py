"""DHSC's five risks tested for each market, from rules and thresholds kept in YAML.

Each rule names one market (or ``all``: a council-wide figure, tested once on its own, never
copied into the markets; or ``each``: the council's own evidence, given per market in its local
evidence file), one indicator declared in :mod:`~msp_analysis.indicators.catalogue`, the
comparison and the threshold. :func:`risk_results` evaluates every rule for one council into
one tidy frame (the risk results the plan prints and stores with its facts, and the national
report reads): one row per rule, with the measure, its value, what it was compared with, the
threshold, the state (``flagged``, ``not flagged`` or ``could not run``) and, in one line, why
or which file would run it. :func:`risk_matrix` turns those rows into each risk x market's
state. :func:`data_checks` flags year-on-year swings in ASC-FR unit costs large enough to be a
data issue to check, not a market risk.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, StrictFloat, StrictInt

from msp_analysis.configs import ConfigModel, load_yaml
from msp_analysis.forecast.scenarios import price_history
from msp_analysis.indicators import catalogue, local
from msp_analysis.indicators.markets import MARKETS, SHORT_NAMES, TESTED_MARKETS, Market
from msp_analysis.indicators.summary import fmt
from msp_analysis.years import financial_year

MarketKey = Literal[Market, "each"]
RiskKey = Literal["limited_capacity", "market_exit", "diversity", "cost_of_care", "workforce"]
RISKS = {
    "limited_capacity": "Limited capacity",
    "market_exit": "Market exit",
    "diversity": "Diversity of provision",
    "cost_of_care": "Cost of care",
    "workforce": "Workforce supply",
}
#: Each comparison in words ({t}: the threshold; {since}: the first year of a change).
RULES = {
    "below_england_by_pct": "more than {t}% below England",
    "above_england_by_pct": "more than {t}% above England",
    "below_england_by_points": "more than {t} points below England",
    "above_england_by_points": "more than {t} points above England",
    "below_england_and_region_by_pct": "more than {t}% below both England and the region",
    "above": "above {t}",
    "below": "below {t}",
    "real_fall_by_pct": "a fall of more than {t}% in real terms (CPI) since {since}",
    "change_below_england_by_points": "a change since {since} more than {t} points below England's",
    "lowest_share_of_councils": "among the {t}% of councils with the lowest figures",
}
RuleName = Literal[
    "below_england_by_pct",
    "above_england_by_pct",
    "below_england_by_points",
    "above_england_by_points",
    "below_england_and_region_by_pct",
    "above",
    "below",
    "real_fall_by_pct",
    "change_below_england_by_points",
    "lowest_share_of_councils",
]
#: Rules on a change between two years: they need at least this many years between them.
TREND_RULES = {"real_fall_by_pct", "change_below_england_by_points"}
MIN_TREND_YEARS = 3

#: Columns of the risk results frame (one row per rule), in order.
RESULT_COLUMNS = [
    "risk",
    "risk_label",
    "market",
    "market_label",
    "indicator",
    "breakdown",
    "measure",
    "unit",
    "year_label",
    "value",
    "compared_with",
    "threshold",
    "rule",
    "state",
    "flag",
    "reason",
    "needs",
    "source",
    "rating",
    "why",
]


class ThresholdRule(ConfigModel):
    """One rule: a risk flag raised when an indicator passes a threshold."""

    risk: RiskKey = Field(description="which of DHSC's five risks the flag reports")
    market: MarketKey = Field(
        description="the market the indicator describes, 'all' (a council-wide figure, tested "
        "once) or 'each' (the council's own evidence, tested in every market that has it)"
    )
    indicator: str = Field(description="indicator name, as in market_indicators.csv")
    breakdown: str = Field(description="the indicator's breakdown, e.g. 'Total' or 'Nursing'")
    rule: RuleName = Field(description="how value, England and threshold are compared")
    threshold: StrictInt | StrictFloat = Field(
        description="percent, points or a level, as the rule says"
    )
    source: str | None = Field(
        None, description="where the figure comes from (default: the indicator's declared source)"
    )
    rating: str | None = Field(None, description="confidence in the threshold: low, medium, high")
    needs: str | None = Field(
        None, description="in one line, the file or evidence that runs the test when it is missing"
    )
    why: str | None = Field(None, description="in one line, why the measure speaks to the risk")
    instead_of: list[str] = Field(
        default_factory=list,
        description="indicators (name, or name:breakdown) this rule stands in for: it runs only "
        "when none of them has a figure for the council",
    )


class DataChecks(ConfigModel):
    """Year-on-year swings in unit costs listed as possible data issues, never as risks."""

    description: str | None = None
    threshold: StrictInt | StrictFloat = Field(description="per cent change, either way")
    indicators: list[str] = Field(default_factory=list, description="indicators checked")


class RiskThresholds(ConfigModel):
    """The risk thresholds file (``msp_analysis/data/risk_thresholds.yml`` or a council's own)."""

    name: str
    version: str | None = None
    description: str | None = None
    rules: list[ThresholdRule] = Field(default_factory=list)
    data_checks: DataChecks | None = None


def load_thresholds(path: str | Path | None = None) -> dict:
    """Thresholds YAML (package default, or a council's own file), validated by RiskThresholds.

    Raises:
        SettingsError: naming the file and key, for an unknown key, risk or rule, or a missing one.
    """
    if path is None:
        path = Path(str(resources.files("msp_analysis.data").joinpath("risk_thresholds.yml")))
    return load_yaml(path, RiskThresholds).model_dump()


def evaluate(rule: str, value: float, england: float, threshold: float) -> bool | None:
    """True when a level rule fires, False when not, None when the data to judge is missing."""
    if value is None or pd.isna(value):
        return None
    if rule in {"above", "below"}:
        return bool(value > threshold) if rule == "above" else bool(value < threshold)
    if england is None or pd.isna(england) or (rule.endswith("pct") and england == 0):
        return None
    if rule == "below_england_by_pct":
        return bool((england - value) / england * 100 > threshold)
    if rule == "above_england_by_pct":
        return bool((value - england) / england * 100 > threshold)
    if rule == "below_england_by_points":
        return bool(england - value > threshold)
    if rule == "above_england_by_points":
        return bool(value - england > threshold)
    raise ValueError(rule)


def cpi_index() -> dict[int, float]:
    """Prices by financial year (the first year = 1), from the CPI rates shipped with the
    forecast's price history (ONS CPI, September before each year)."""
    rates = price_history()["cpi_pct"]["values"]
    index, level = {}, 1.0
    for year in sorted(int(y) for y in rates):
        level *= 1 + rates[year] / 100
        index[year] = level
    return index


def real_change_pct(first: float, last: float, first_year: int, last_year: int) -> float | None:
    """The change from ``first`` to ``last`` after CPI, in per cent (None outside the CPI years)."""
    cpi = cpi_index()
    if first_year not in cpi or last_year not in cpi or not first:
        return None
    return ((last / first) / (cpi[last_year] / cpi[first_year]) - 1) * 100


def _words(rule: dict, since: str = "the first year loaded", unit: str = "") -> str:
    t = rule["threshold"]
    level = f"{t:,}%" if rule["rule"] in {"above", "below"} and unit.startswith("%") else f"{t:,}"
    words = RULES[rule["rule"]].format(t=level, since=since)
    return words.replace(" 1 points ", " 1 point ") if t == 1 else words


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _expand(rules: list[dict]) -> list[dict]:
    out: list[dict] = []
    for rule in rules:
        if rule["market"] == "each":
            out.extend({**rule, "market": m} for m in TESTED_MARKETS)
        else:
            out.append(rule)
    return out


def _rows(indicators: pd.DataFrame, rule: dict, *, ok: bool = True) -> pd.DataFrame:
    """The council's rows for a rule's indicator and breakdown (those with a figure when ``ok``)."""
    sel = indicators[
        (indicators["indicator"] == rule["indicator"])
        & (indicators["breakdown"] == rule["breakdown"])
    ]
    if rule["indicator"].startswith("local_") and "market" in sel:
        sel = sel[sel["market"] == rule["market"]]
    if ok:
        sel = sel[(sel["status"] == "ok") & sel["value"].notna()]
    return sel


def _stood_in_for(indicators: pd.DataFrame, rule: dict) -> bool:
    """True when an indicator the rule stands in for has a figure set against England (the
    rule then does not run: the better source tests the risk)."""
    for ref in rule.get("instead_of") or []:
        name, _, breakdown = ref.partition(":")
        sel = indicators[(indicators["indicator"] == name) & (indicators["status"] == "ok")]
        if breakdown:
            sel = sel[sel["breakdown"] == breakdown]
        if (sel["value"].notna() & sel["england"].notna()).any():
            return True
    return False


def _replaced(indicators: pd.DataFrame, rule: dict, rules: list[dict]) -> bool:
    """True when another rule of the same risk and market stands in for this rule's indicator
    and runs on a figure: this one's figure cannot be set against England (a one-county
    extract of CQC's ratings), so the stand-in (ASCOF 6B) tests the risk and this test is not
    listed as one that could not run."""
    refs = {rule["indicator"], f"{rule['indicator']}:{rule['breakdown']}"}
    for other in rules:
        if (
            other is rule
            or (other["risk"], other["market"]) != (rule["risk"], rule["market"])
            or not refs & set(other.get("instead_of") or [])
        ):
            continue
        if not _stood_in_for(indicators, other) and not _rows(indicators, other).empty:
            return True
    return False


def _measure(rule: dict) -> str:
    if rule["indicator"].startswith("local_"):
        return local.label_of(rule["indicator"])
    return catalogue.label(rule["indicator"], rule["breakdown"], short=True)


def _level(rule: dict, rows: pd.DataFrame) -> dict:
    """A rule on the latest figure: against England (and the region), a fixed level, or the
    council's place among all councils."""
    latest = rows.sort_values("year").iloc[-1] if rows["year"].notna().any() else rows.iloc[-1]
    value, unit = latest["value"], str(latest.get("unit") or "")
    england, region = latest.get("england", np.nan), latest.get("region", np.nan)
    out = dict(
        year=latest["year"],
        year_label=latest.get("year_label"),
        value=value,
        england=england,
        region=region,
        rule_words=_words(rule, unit=unit),
    )
    name = rule["rule"]
    if name == "lowest_share_of_councils":
        rank, n = latest.get("rank"), latest.get("n_ranked")
        if pd.isna(rank) or not n:
            return {**out, "flag": None, "reason": "no ranking among councils in the data loaded"}
        lowest = bool(rank > n * (1 - rule["threshold"] / 100))
        from_bottom = int(n) - int(rank) + 1
        place = f"the {'' if from_bottom == 1 else _ordinal(from_bottom) + ' '}lowest of {int(n)} councils"
        return {
            **out,
            "flag": lowest,
            "compared_with": place,
            "reason": f"{fmt(value, unit)}, {place}",
        }
    if name == "below_england_and_region_by_pct":
        flag = evaluate("below_england_by_pct", value, england, rule["threshold"])
        if flag and pd.notna(region) and region:
            flag = bool((region - value) / region * 100 > rule["threshold"])
        against = f"England {fmt(england, unit)}" + (
            f" and the region {fmt(region, unit)}" if pd.notna(region) else ""
        )
    elif name in {"above", "below"}:
        flag = evaluate(name, value, england, rule["threshold"])
        against = ""
    else:
        flag = evaluate(name, value, england, rule["threshold"])
        against = f"England {fmt(england, unit)}"
    if flag is None:
        return {
            **out,
            "flag": None,
            "reason": "no England figure to compare with in the data loaded",
        }
    reason = fmt(value, unit) + (f" against {against}" if against else "")
    return {**out, "flag": flag, "compared_with": against, "reason": reason}


def _trend(rule: dict, rows: pd.DataFrame) -> dict:
    """A rule on the change between the first and the latest year the council has a figure."""
    rows = rows.dropna(subset=["year"]).sort_values("year")
    if rule["rule"] == "change_below_england_by_points":
        rows = rows[rows["england"].notna()]
    if len(rows) < 2 or rows["year"].iloc[-1] - rows["year"].iloc[0] < MIN_TREND_YEARS:
        have = ", ".join(dict.fromkeys(str(y) for y in rows["year_label"].dropna())) or "none"
        needs = rule.get("needs") or f"figures at least {MIN_TREND_YEARS} years apart"
        return dict(
            flag=None,
            rule_words=_words(rule),
            reason=f"needs {needs} (years loaded: {have})",
        )
    first, last = rows.iloc[0], rows.iloc[-1]
    unit = str(last.get("unit") or "")
    since = (
        first["year_label"]
        if isinstance(first["year_label"], str)
        else financial_year(first["year"])
    )
    out = dict(
        year=last["year"],
        year_label=last.get("year_label"),
        value=last["value"],
        england=last.get("england", np.nan),
        region=last.get("region", np.nan),
        rule_words=_words(rule, since),
        compared_with=f"{fmt(first['value'], unit)} in {since}",
    )
    if rule["rule"] == "real_fall_by_pct":
        change = real_change_pct(
            first["value"], last["value"], int(first["year"]), int(last["year"])
        )
        if change is None:
            return {**out, "flag": None, "reason": "no CPI for the years of the figures"}
        direction = "down" if change < 0 else "up"
        reason = (
            f"{fmt(last['value'], unit)} against {fmt(first['value'], unit)} in {since}: "
            f"{direction} {abs(change):.1f}% in real terms"
        )
        return {**out, "flag": bool(-change > rule["threshold"]), "reason": reason}
    mine = last["value"] - first["value"]
    england = last["england"] - first["england"]
    reason = (
        f"{mine:+.1f} points since {since} ({fmt(first['value'], unit)} to "
        f"{fmt(last['value'], unit)}) against England's {england:+.1f}"
    )
    return {**out, "flag": bool(england - mine > rule["threshold"]), "reason": reason}


def risk_results(indicators: pd.DataFrame, thresholds: dict | None = None) -> pd.DataFrame:
    """Every rule for one council, evaluated: one row per rule (see :data:`RESULT_COLUMNS`).

    ``state`` is 'flagged', 'not flagged' or 'could not run'; ``reason`` says in one line what
    was found, or why the test could not run; ``needs`` names the file or evidence that runs
    it. A rule that stands in for another indicator (``instead_of``) is left out when that
    indicator has a figure, so each market is tested on its best source; and that indicator's
    own test is left out when the stand-in runs in its place. A test whose latest
    figure is listed as one to check (:func:`data_checks`: a swing in one year as likely to
    come from the recording as from the market) does not run on it, and says so.
    """
    thresholds = thresholds or load_thresholds()
    checks = data_checks(indicators, thresholds)
    to_check = {(r.indicator, r.breakdown, r.year_label): r.change_pct for r in checks.itertuples()}
    out = []
    rules = _expand(thresholds["rules"])
    for rule in rules:
        if _stood_in_for(indicators, rule) or _replaced(indicators, rule, rules):
            continue
        rows = _rows(indicators, rule)
        declared = catalogue.CATALOGUE.get(rule["indicator"])
        base = dict(
            risk=rule["risk"],
            risk_label=RISKS[rule["risk"]],
            market=rule["market"],
            market_label=MARKETS[rule["market"]],
            indicator=rule["indicator"],
            breakdown=rule["breakdown"],
            measure=_measure(rule),
            unit=declared.unit
            if declared
            else local.unit_of(rule["indicator"], rule["market"])
            if rule["indicator"].startswith("local_")
            else "",
            threshold=rule["threshold"],
            needs=rule.get("needs") or rule.get("source") or "",
            source=rule.get("source") or (declared.source if declared else ""),
            rating=rule.get("rating") or "",
            why=rule.get("why") or "",
            year=pd.NA,
            year_label=None,
            value=np.nan,
            england=np.nan,
            region=np.nan,
            compared_with="",
        )
        if rows.empty:
            found = _no_data(indicators, rule)
        elif (
            swing := to_check.get(
                (
                    rule["indicator"],
                    rule["breakdown"],
                    (latest := rows.sort_values("year").iloc[-1]).get("year_label"),
                )
            )
        ) is not None:
            base["needs"] = "a figure listed to check confirmed against the finance return"
            found = dict(
                flag=None,
                year=latest["year"],
                year_label=latest.get("year_label"),
                value=latest["value"],
                reason=f"the {latest.get('year_label')} figure is listed as one to check "
                f"({'down' if swing < 0 else 'up'} {abs(swing):.1f}% in a year), so it is not "
                "judged",
            )
        elif rule["rule"] in TREND_RULES:
            found = _trend(rule, rows)
        else:
            found = _level(rule, rows)
        if len(rows):
            base["unit"] = str(rows["unit"].iloc[-1] or base["unit"])
        row = {**base, **found}
        row["rule"] = row.pop("rule_words", _words(rule, unit=str(row["unit"] or "")))
        row["state"] = (
            "could not run" if row["flag"] is None else "flagged" if row["flag"] else "not flagged"
        )
        out.append(row)
    frame = pd.DataFrame(out, columns=[*RESULT_COLUMNS, "year", "england", "region"])
    frame["year"] = frame["year"].astype("Int64")
    return frame


def _no_data(indicators: pd.DataFrame, rule: dict) -> dict:
    """Why a rule has no figure to judge, in one line: the file or evidence that would run it."""
    needs = rule.get("needs") or rule.get("source") or "its source"
    if rule["indicator"].startswith("local_"):
        return dict(flag=None, reason=f"needs {needs}")
    held = _rows(indicators, rule, ok=False)
    if (held["status"] != "missing").any():  # loaded, but suppressed or not submitted
        return dict(flag=None, reason="the council's figure is suppressed or was not submitted")
    return dict(flag=None, reason=f"needs {needs}")


def risk_matrix(results: pd.DataFrame) -> pd.DataFrame:
    """Each DHSC risk x market (and the council-wide row): 'flagged', 'not flagged', 'could not
    run', or 'no test' where no rule tests that risk there; the measures that flagged and what
    would run a test that could not.

    A market's state comes from its own rules only: a council-wide figure is tested once, in the
    council-wide row, and never stands for a market.
    """
    rows = []
    for risk, label in RISKS.items():
        for market in [*TESTED_MARKETS, "all"]:
            f = results[(results["risk"] == risk) & (results["market"] == market)]
            states = set(f["state"])
            state = (
                "flagged"
                if "flagged" in states
                else "not flagged"
                if "not flagged" in states
                else "could not run"
                if len(f)
                else "no test"
            )
            rows.append(
                dict(
                    risk=risk,
                    risk_label=label,
                    market=market,
                    market_label=SHORT_NAMES[market],
                    state=state,
                    flagged_by="; ".join(dict.fromkeys(f.loc[f["state"] == "flagged", "measure"])),
                    evidence_needed="; ".join(
                        dict.fromkeys(f.loc[f["state"] == "could not run", "needs"])
                    )
                    if state == "could not run"
                    else "",
                )
            )
    return pd.DataFrame(rows)


def data_checks(indicators: pd.DataFrame, thresholds: dict | None = None) -> pd.DataFrame:
    """Year-on-year changes in unit costs above the threshold: possible data issues to check.

    A unit cost is spend divided by activity, so a large jump or fall in one year is as
    likely to come from how spend or activity was recorded as from the market; it is
    listed for checking, never turned into a market risk.
    """
    thresholds = thresholds or load_thresholds()
    cfg = thresholds.get("data_checks") or {}
    cols = ["market", "indicator", "breakdown", "year_label", "value", "change_pct", "threshold"]
    if not cfg or "change_pct" not in indicators:
        return pd.DataFrame(columns=cols)
    sel = indicators[
        indicators["indicator"].isin(cfg.get("indicators", []))
        & indicators["change_pct"].notna()
        & (indicators["status"] == "ok")
    ]
    sel = sel[sel["change_pct"].abs() > cfg["threshold"]]
    return sel.assign(threshold=cfg["threshold"])[cols].reset_index(drop=True)
