"""Scenarios are data: YAML files validated on load; unknown keys are rejected.

A scenario has ``name``, ``version``, ``description`` and ``assumptions``. Each
assumption has a ``value``, a ``source`` and a ``rating`` (high / medium / low
confidence), and optionally a ``description``. Known assumptions:

- ``population``: ``projection`` (ONS subnational projections; mid-year estimates held
  flat where none are loaded) or ``flat``.
- ``rate_trend``: ``model`` (each rate's own trend, see :mod:`msp_analysis.forecast.models`) or ``none``.
- ``inflation_pct``: yearly price growth applied to unit costs: ``{default: 3.0, 2024: 6.7}``.
- ``unit_cost_real_growth_pct``: yearly growth in unit costs above inflation, by setting
  (``{default: 0, Nursing: 1.0}``).
- ``setting_growth_pct``: extra yearly growth in people by setting (``{Community: 3.0}``).
- ``shifts``: list of ``{from: {setting, client_group, age_band}, to: [{setting, share,
  cost_ratio}], share_of_new_demand, phase_in_years}``: a share of *new* demand (growth
  above the base year) moves from one setting to others over the horizon.
- ``workforce``: ``{settings: [...], capacity_loss_pct, pay_uplift_pct, pay_share_of_cost_pct}``:
  capacity lost in those settings (people who cannot be served) and a pay uplift passed
  into their unit cost.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from msp_analysis.errors import ScenarioError

TOP_KEYS = {"name", "version", "description", "assumptions"}
ASSUMPTION_KEYS = {"value", "source", "rating", "description"}
RATINGS = {"high", "medium", "low"}
SETTINGS = {"Nursing", "Residential", "Community", "Supported living", "Shared Lives"}
REQUIRED = {"population", "rate_trend", "inflation_pct"}
DEFAULTS = {
    "unit_cost_real_growth_pct": {"default": 0.0},
    "setting_growth_pct": {},
    "shifts": [],
    "workforce": {
        "settings": [],
        "capacity_loss_pct": 0.0,
        "pay_uplift_pct": 0.0,
        "pay_share_of_cost_pct": 60.0,
    },
}
SHIFT_KEYS = {"from", "to", "share_of_new_demand", "phase_in_years", "description"}
WORKFORCE_KEYS = {"settings", "capacity_loss_pct", "pay_uplift_pct", "pay_share_of_cost_pct"}


@dataclass
class Scenario:
    """A validated scenario; ``sha256`` identifies the exact file a result came from."""

    name: str
    version: str
    description: str
    assumptions: dict
    file: str = ""
    sha256: str = ""
    values: dict = field(default_factory=dict)

    def value(self, key: str):
        return self.values[key]


def _fail(file: str, where: str, problem: str) -> None:
    raise ScenarioError(f"scenario '{file}', {where}: {problem}")


def _yearly(file, key, v, *, numeric_keys_only=False):
    if isinstance(v, (int, float)):
        return {"default": float(v)}
    if not isinstance(v, dict):
        _fail(
            file,
            f"assumptions.{key}.value",
            f"must be a number or a mapping, got {type(v).__name__}",
        )
    out = {}
    for k, x in v.items():
        if not isinstance(x, (int, float)):
            _fail(file, f"assumptions.{key}.value.{k}", f"must be a number, got {x!r}")
        if k != "default" and not isinstance(k, int) and (numeric_keys_only or k not in SETTINGS):
            _fail(
                file,
                f"assumptions.{key}.value",
                f"key {k!r} must be 'default'"
                + (
                    ", a year"
                    if numeric_keys_only
                    else f", a year or a setting ({', '.join(sorted(SETTINGS))})"
                ),
            )
        out[k] = float(x)
    return out


def _check_shift(file, i, s):
    where = f"assumptions.shifts.value[{i}]"
    if not isinstance(s, dict):
        _fail(file, where, "must be a mapping")
    extra = set(s) - SHIFT_KEYS
    if extra:
        _fail(file, where, f"unknown key(s) {sorted(extra)}; allowed: {sorted(SHIFT_KEYS)}")
    for k in ("from", "to", "share_of_new_demand"):
        if k not in s:
            _fail(file, where, f"missing '{k}'")
    frm = s["from"]
    if (
        not isinstance(frm, dict)
        or set(frm) - {"setting", "client_group", "age_band"}
        or "setting" not in frm
    ):
        _fail(file, where + ".from", "must have setting and optionally client_group, age_band")
    if frm["setting"] not in SETTINGS:
        _fail(file, where + ".from.setting", f"{frm['setting']!r} is not one of {sorted(SETTINGS)}")
    share = s["share_of_new_demand"]
    if not isinstance(share, (int, float)) or not 0 <= share <= 1:
        _fail(
            file,
            where + ".share_of_new_demand",
            f"must be a fraction between 0 and 1, got {share!r}",
        )
    if not isinstance(s["to"], list) or not s["to"]:
        _fail(file, where + ".to", "must be a non-empty list")
    total = 0.0
    for j, t in enumerate(s["to"]):
        if (
            set(t) - {"setting", "share", "cost_ratio", "source"}
            or "setting" not in t
            or "share" not in t
        ):
            _fail(
                file,
                f"{where}.to[{j}]",
                "needs setting and share (and optionally cost_ratio, source), nothing else",
            )
        if t["setting"] not in SETTINGS:
            _fail(
                file,
                f"{where}.to[{j}].setting",
                f"{t['setting']!r} is not one of {sorted(SETTINGS)}",
            )
        total += float(t["share"])
    if abs(total - 1) > 1e-9:
        _fail(file, where + ".to", f"shares must sum to 1 (they sum to {total:g})")


def load(path: str | Path) -> Scenario:
    """Read and validate a scenario YAML file.

    Raises:
        ScenarioError: naming the file and the key that is wrong, unknown or missing.
    """
    p = Path(path)
    file = p.name
    try:
        raw_bytes = p.read_bytes()
        doc = yaml.safe_load(raw_bytes)
    except FileNotFoundError as exc:
        raise ScenarioError(f"scenario '{p}' not found") from exc
    except yaml.YAMLError as exc:
        raise ScenarioError(f"scenario '{file}' is not valid YAML: {exc}") from exc
    if not isinstance(doc, dict):
        _fail(file, "top level", "must be a mapping with name, version, description, assumptions")
    extra = set(doc) - TOP_KEYS
    if extra:
        _fail(file, "top level", f"unknown key(s) {sorted(extra)}; allowed: {sorted(TOP_KEYS)}")
    for k in TOP_KEYS:
        if k not in doc:
            _fail(file, "top level", f"missing '{k}'")
    assumptions = doc["assumptions"]
    if not isinstance(assumptions, dict):
        _fail(file, "assumptions", "must be a mapping")
    known = REQUIRED | set(DEFAULTS)
    unknown = set(assumptions) - known
    if unknown:
        _fail(
            file, "assumptions", f"unknown assumption(s) {sorted(unknown)}; known: {sorted(known)}"
        )
    missing = REQUIRED - set(assumptions)
    if missing:
        _fail(file, "assumptions", f"missing required assumption(s) {sorted(missing)}")
    values = {}
    for key, a in assumptions.items():
        if not isinstance(a, dict):
            _fail(file, f"assumptions.{key}", "must be a mapping with value, source, rating")
        extra = set(a) - ASSUMPTION_KEYS
        if extra:
            _fail(
                file,
                f"assumptions.{key}",
                f"unknown key(s) {sorted(extra)}; allowed: {sorted(ASSUMPTION_KEYS)}",
            )
        for k in ("value", "source", "rating"):
            if k not in a:
                _fail(
                    file,
                    f"assumptions.{key}",
                    f"missing '{k}' (every assumption says its value, source and rating)",
                )
        if a["rating"] not in RATINGS:
            _fail(
                file,
                f"assumptions.{key}.rating",
                f"{a['rating']!r} is not one of {sorted(RATINGS)}",
            )
        v = a["value"]
        if key == "population" and v not in {"projection", "flat"}:
            _fail(file, "assumptions.population.value", f"{v!r} is not 'projection' or 'flat'")
        elif key == "rate_trend" and v not in {"model", "none"}:
            _fail(file, "assumptions.rate_trend.value", f"{v!r} is not 'model' or 'none'")
        elif key == "inflation_pct":
            v = _yearly(file, key, v, numeric_keys_only=True)
        elif key in {"unit_cost_real_growth_pct", "setting_growth_pct"}:
            v = _yearly(file, key, v)
        elif key == "shifts":
            if not isinstance(v, list):
                _fail(file, "assumptions.shifts.value", "must be a list")
            for i, s in enumerate(v):
                _check_shift(file, i, s)
        elif key == "workforce":
            if not isinstance(v, dict) or set(v) - WORKFORCE_KEYS:
                _fail(
                    file, "assumptions.workforce.value", f"allowed keys: {sorted(WORKFORCE_KEYS)}"
                )
            bad = [s for s in v.get("settings", []) if s not in SETTINGS]
            if bad:
                _fail(
                    file, "assumptions.workforce.value.settings", f"{bad} not in {sorted(SETTINGS)}"
                )
            v = {**DEFAULTS["workforce"], **v}
        values[key] = v
    for key, default in DEFAULTS.items():
        values.setdefault(key, default)
    return Scenario(
        name=str(doc["name"]),
        version=str(doc["version"]),
        description=str(doc["description"]).strip(),
        assumptions=assumptions,
        file=file,
        sha256=hashlib.sha256(raw_bytes).hexdigest(),
        values=values,
    )


def default_dir() -> Path:
    """The default scenarios: ``$MSP_SCENARIOS_DIR`` if set, else those shipped in the package."""
    from msp_analysis import resources

    return resources.scenarios_dir()


def assumption_table(s: Scenario):
    """Assumptions as a table: name, value, source, rating (for outputs and notebooks)."""
    import pandas as pd

    return pd.DataFrame(
        [
            {
                "scenario": s.name,
                "assumption": k,
                "value": value_text(a["value"]),
                "source": a["source"],
                "rating": a["rating"],
            }
            for k, a in s.assumptions.items()
        ]
    )


def value_text(v) -> str:
    """An assumption's value in words: '3.5% a year', 'Community: 3.0', '1 shift'."""
    if isinstance(v, dict):
        parts = [f"{k}: {x}" if k != "default" else f"{x} by default" for k, x in v.items()]
        return ", ".join(parts)
    if isinstance(v, list):
        return f"{len(v)} shift(s): " + "; ".join(
            f"{s['share_of_new_demand']:.0%} of new {s['from'].get('client_group', 'all')} {s['from']['setting'].lower()} demand to "
            + " and ".join(f"{t['setting'].lower()} ({t['share']:.0%})" for t in s["to"])
            for s in v
        )
    return str(v)
