"""Risk flags for the five DHSC risks, from indicators and thresholds kept in YAML."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from msp_analysis.errors import ScenarioError

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
_KEYS = {"risk", "market", "indicator", "breakdown", "rule", "threshold", "source", "rating"}


def load_thresholds(path: str | Path | None = None) -> dict:
    """Thresholds YAML (package default, or a council's own file), validated; unknown keys rejected."""
    if path is None:
        text = resources.files("msp_analysis.data").joinpath("risk_thresholds.yml").read_text()
        name = "risk_thresholds.yml"
    else:
        text = Path(path).read_text()
        name = Path(path).name
    doc = yaml.safe_load(text)
    if not isinstance(doc, dict) or set(doc) - {"name", "version", "description", "rules"}:
        raise ScenarioError(f"{name}: top level must have only name, version, description, rules")
    for i, rule in enumerate(doc.get("rules", []), start=1):
        extra = set(rule) - _KEYS
        if extra:
            raise ScenarioError(
                f"{name}: rule {i} has unknown key(s) {sorted(extra)}; allowed: {sorted(_KEYS)}"
            )
        missing = _KEYS - {"rating"} - set(rule)
        if missing:
            raise ScenarioError(f"{name}: rule {i} lacks {sorted(missing)}")
        if rule["risk"] not in RISKS:
            raise ScenarioError(
                f"{name}: rule {i} risk {rule['risk']!r} is not one of {sorted(RISKS)}"
            )
        if rule["rule"] not in RULES:
            raise ScenarioError(
                f"{name}: rule {i} rule {rule['rule']!r} is not one of {sorted(RULES)}"
            )
        if not isinstance(rule["threshold"], (int, float)):
            raise ScenarioError(f"{name}: rule {i} threshold must be a number")
    return doc


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
