"""Risk flags for the five DHSC risks, from indicators and thresholds kept in YAML."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, StrictFloat, StrictInt

from msp_analysis.configs import ConfigModel, load_yaml

MarketKey = Literal["care_home_65", "home_care_18", "specialist", "all"]
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
    market: MarketKey = Field(description="the market the indicator describes, or 'all'")
    indicator: str = Field(description="indicator name, as in market_indicators.csv")
    breakdown: str = Field(description="the indicator's breakdown, e.g. 'Total' or 'Nursing'")
    rule: RuleName = Field(description="how value, England and threshold are compared")
    threshold: StrictInt | StrictFloat = Field(
        description="percent, points or a level, as the rule says"
    )
    source: str = Field(description="where the indicator comes from, shown beside the flag")
    rating: str | None = Field(None, description="confidence in the threshold: low, medium, high")


class RiskThresholds(ConfigModel):
    """The risk thresholds file (``msp_analysis/data/risk_thresholds.yml`` or a council's own)."""

    name: str
    version: str | None = None
    description: str | None = None
    rules: list[ThresholdRule] = Field(default_factory=list)


def load_thresholds(path: str | Path | None = None) -> dict:
    """Thresholds YAML (package default, or a council's own file), validated by RiskThresholds.

    Raises:
        ScenarioError: naming the file and key, for an unknown key, risk or rule, or a missing one.
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


def risk_flags(indicators: pd.DataFrame, thresholds: dict | None = None) -> pd.DataFrame:
    """One row per rule: the latest value, England, the rule in words, and the flag (or why there is none)."""
    thresholds = thresholds or load_thresholds()
    rows = []
    for rule in thresholds["rules"]:
        sel = indicators[
            (indicators["indicator"] == rule["indicator"])
            & (indicators["breakdown"] == rule["breakdown"])
        ]
        sel = sel[sel["status"] == "ok"]
        words = RULES[rule["rule"]].format(t=rule["threshold"])
        base = dict(
            risk=rule["risk"],
            risk_label=RISKS[rule["risk"]],
            market=rule["market"],
            indicator=rule["indicator"],
            breakdown=rule["breakdown"],
            rule=words,
            threshold=rule["threshold"],
            source=rule["source"],
        )
        if sel.empty:
            reason = indicators.loc[indicators["indicator"] == rule["indicator"], "note"]
            rows.append(
                {
                    **base,
                    "year": pd.NA,
                    "value": np.nan,
                    "england": np.nan,
                    "flag": None,
                    "reason": "no data: "
                    + (
                        reason.iloc[0]
                        if len(reason) and isinstance(reason.iloc[0], str)
                        else "indicator not available"
                    ),
                }
            )
            continue
        latest = sel.sort_values("year").iloc[-1] if sel["year"].notna().any() else sel.iloc[-1]
        flag = evaluate(rule["rule"], latest["value"], latest["england"], rule["threshold"])
        reason = (
            ("flagged: " if flag else "not flagged: ")
            + f"{latest['value']:.1f} against England {latest['england']:.1f}"
            if flag is not None
            else "no England comparison in the data"
        )
        if rule["rule"] in {"above", "below"} and flag is not None:
            reason = ("flagged: " if flag else "not flagged: ") + f"{latest['value']:.1f} ({words})"
        rows.append(
            {
                **base,
                "year": latest["year"],
                "value": latest["value"],
                "england": latest["england"],
                "flag": flag,
                "reason": reason,
            }
        )
    out = pd.DataFrame(rows)
    out["year"] = out["year"].astype("Int64")
    return out
