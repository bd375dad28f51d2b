"""Risk flags for the five DHSC risks, from indicators and thresholds kept in YAML.

A rule names one market, ``all`` (council-wide) or ``each`` (applied to every market that
has the figure: the council's own evidence is given per market). :func:`risk_matrix` says,
for each risk and market, whether a test ran and flagged, ran and did not, or could not run
and what evidence would run it. :func:`data_checks` flags year-on-year changes in ASC-FR
unit costs that are large enough to be a data issue to check, not a market risk.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, StrictFloat, StrictInt

from msp_analysis.configs import ConfigModel, load_yaml
from msp_analysis.indicators.markets import MARKETS, TESTED_MARKETS, Market

MarketKey = Literal[Market, "each"]
RISKS = {
    "limited_capacity": "Limited capacity",
    "market_exit": "Market exit",
    "diversity": "Diversity of provision",
    "cost_of_care": "Cost of care",
    "workforce": "Workforce supply",
}
RULES = {
    "below_england_by_pct": "more than {t}% below England",
    "above_england_by_pct": "more than {t}% above England",
    "below_england_by_points": "more than {t} points below England",
    "above_england_by_points": "more than {t} points above England",
    "above": "above {t}",
    "below": "below {t}",
}
RiskKey = Literal["limited_capacity", "market_exit", "diversity", "cost_of_care", "workforce"]
RuleName = Literal[
    "below_england_by_pct",
    "above_england_by_pct",
    "below_england_by_points",
    "above_england_by_points",
    "above",
    "below",
]


class ThresholdRule(ConfigModel):
    """One rule: a risk flag raised when an indicator passes a threshold."""

    risk: RiskKey = Field(description="which of DHSC's five risks the flag reports")
    market: MarketKey = Field(
        description="the market the indicator describes, 'all' (council-wide) or 'each' "
        "(the council's own evidence, tested in every market that has it)"
    )
    indicator: str = Field(description="indicator name, as in market_indicators.csv")
    breakdown: str = Field(description="the indicator's breakdown, e.g. 'Total' or 'Nursing'")
    rule: RuleName = Field(description="how value, England and threshold are compared")
    threshold: StrictInt | StrictFloat = Field(
        description="percent, points or a level, as the rule says"
    )
    source: str = Field(description="where the indicator comes from, shown beside the flag")
    rating: str | None = Field(None, description="confidence in the threshold: low, medium, high")
    needs: str | None = Field(
        None, description="in words, the evidence that runs the test when its data is missing"
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
    """True when the rule fires, False when not, None when the data to judge is missing."""
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


def _no_data_reason(indicators: pd.DataFrame, rule: dict) -> str:
    if rule["indicator"].startswith("local_"):
        return f"no data: needs {rule.get('needs') or rule['source']}"
    reason = indicators.loc[indicators["indicator"] == rule["indicator"], "note"]
    text = reason.iloc[0] if len(reason) and isinstance(reason.iloc[0], str) else ""
    return "no data: " + (text or f"needs {rule.get('needs') or rule['source']}")


def _expand(rules: list[dict]) -> list[dict]:
    out: list[dict] = []
    for rule in rules:
        if rule["market"] == "each":
            out.extend({**rule, "market": m} for m in TESTED_MARKETS)
        else:
            out.append(rule)
    return out


def risk_flags(indicators: pd.DataFrame, thresholds: dict | None = None) -> pd.DataFrame:
    """One row per rule and market: the latest value, England, the rule in words, and the flag.

    ``flag`` is None (with the reason) when the data to judge is missing. A rule for one
    market reads that market's rows when the frame has a ``market`` column.
    """
    thresholds = thresholds or load_thresholds()
    rows = []
    for rule in _expand(thresholds["rules"]):
        sel = indicators[
            (indicators["indicator"] == rule["indicator"])
            & (indicators["breakdown"] == rule["breakdown"])
        ]
        if "market" in sel and rule["indicator"].startswith("local_"):
            sel = sel[sel["market"] == rule["market"]]
        sel = sel[sel["status"] == "ok"]
        words = RULES[rule["rule"]].format(t=f"{rule['threshold']:,}")
        if rule["threshold"] == 1:
            words = words.replace(" points ", " point ")  # "more than 1 point above England"
        base = dict(
            risk=rule["risk"],
            risk_label=RISKS[rule["risk"]],
            market=rule["market"],
            indicator=rule["indicator"],
            breakdown=rule["breakdown"],
            rule=words,
            threshold=rule["threshold"],
            source=rule["source"],
            needs=rule.get("needs") or rule["source"],
        )
        if sel.empty:
            rows.append(
                {
                    **base,
                    "year": pd.NA,
                    "value": np.nan,
                    "england": np.nan,
                    "flag": None,
                    "reason": _no_data_reason(indicators, rule),
                }
            )
            continue
        latest = sel.sort_values("year").iloc[-1] if sel["year"].notna().any() else sel.iloc[-1]
        england = latest.get("england", np.nan)
        flag = evaluate(rule["rule"], latest["value"], england, rule["threshold"])
        if flag is None:
            reason = "no England comparison in the data"
        elif rule["rule"] in {"above", "below"}:
            reason = (
                "flagged: " if flag else "not flagged: "
            ) + f"{latest['value']:,.1f} ({words})"
        else:
            reason = (
                "flagged: " if flag else "not flagged: "
            ) + f"{latest['value']:,.1f} against England {england:,.1f}"
        rows.append(
            {
                **base,
                "year": latest["year"],
                "value": latest["value"],
                "england": england,
                "flag": flag,
                "reason": reason,
            }
        )
    out = pd.DataFrame(rows)
    out["year"] = out["year"].astype("Int64")
    return out


def risk_matrix(flags: pd.DataFrame) -> pd.DataFrame:
    """Each DHSC risk x market: 'flagged', 'not flagged' or 'could not run', and what would run it.

    Council-wide rules (market ``all``) count for every market; a test ran when any of its
    rules had the data to judge.
    """
    rows = []
    for risk, label in RISKS.items():
        for market in TESTED_MARKETS:
            f = flags[(flags["risk"] == risk) & flags["market"].isin([market, "all"])]
            states = [x for x in f["flag"] if x is not None and not pd.isna(x)]
            if any(states):
                state = "flagged"
            elif states:
                state = "not flagged"
            else:
                state = "could not run"
            needs = sorted(set(f.loc[f["flag"].isna(), "needs"]))
            rows.append(
                dict(
                    risk=risk,
                    risk_label=label,
                    market=market,
                    market_label=MARKETS[market],
                    state=state,
                    flagged_by="; ".join(
                        sorted(set(f.loc[f["flag"].eq(True), "indicator"].astype(str)))
                    ),
                    evidence_needed="; ".join(needs) if state == "could not run" else "",
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
    if not cfg:
        return pd.DataFrame(columns=cols)
    sel = indicators[
        indicators["indicator"].isin(cfg.get("indicators", []))
        & indicators["change_pct"].notna()
        & (indicators["status"] == "ok")
    ]
    sel = sel[sel["change_pct"].abs() > cfg["threshold"]]
    return sel.assign(threshold=cfg["threshold"])[cols].reset_index(drop=True)
