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

import numpy as np
import pandas as pd
import yaml

from msp_analysis.errors import ScenarioError
from msp_analysis.indicators.core import MARKETS

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
_KEYS = {
    "risk",
    "market",
    "indicator",
    "breakdown",
    "rule",
    "threshold",
    "source",
    "rating",
    "needs",
}
_CHECK_KEYS = {"indicators", "threshold", "description"}
#: The markets each risk is tested for (the DHSC template's markets and the specialist ones).
TESTED_MARKETS = [m for m in MARKETS if m != "all"]


def load_thresholds(path: str | Path | None = None) -> dict:
    """Thresholds YAML (package default, or a council's own file), validated; unknown keys rejected."""
    if path is None:
        text = resources.files("msp_analysis.data").joinpath("risk_thresholds.yml").read_text()
        name = "risk_thresholds.yml"
    else:
        text = Path(path).read_text()
        name = Path(path).name
    doc = yaml.safe_load(text)
    if not isinstance(doc, dict) or set(doc) - {
        "name",
        "version",
        "description",
        "rules",
        "data_checks",
    }:
        raise ScenarioError(
            f"{name}: top level must have only name, version, description, rules, data_checks"
        )
    for i, rule in enumerate(doc.get("rules", []), start=1):
        extra = set(rule) - _KEYS
        if extra:
            raise ScenarioError(
                f"{name}: rule {i} has unknown key(s) {sorted(extra)}; allowed: {sorted(_KEYS)}"
            )
        missing = _KEYS - {"rating", "needs"} - set(rule)
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
        if rule["market"] not in {*MARKETS, "each"}:
            raise ScenarioError(
                f"{name}: rule {i} market {rule['market']!r} is not one of "
                f"{sorted({*MARKETS, 'each'})}"
            )
    checks = doc.get("data_checks") or {}
    if checks and (
        not isinstance(checks, dict) or set(checks) - _CHECK_KEYS or "threshold" not in checks
    ):
        raise ScenarioError(
            f"{name}: data_checks must hold indicators, threshold and description only"
        )
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


def _no_data_reason(indicators: pd.DataFrame, rule: dict) -> str:
    if rule["indicator"].startswith("local_"):
        return f"no data: needs {rule.get('needs') or rule['source']}"
    reason = indicators.loc[indicators["indicator"] == rule["indicator"], "note"]
    text = reason.iloc[0] if len(reason) and isinstance(reason.iloc[0], str) else ""
    return "no data: " + (text or f"needs {rule.get('needs') or rule['source']}")


def _expand(rules: list[dict]) -> list[dict]:
    out = []
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
