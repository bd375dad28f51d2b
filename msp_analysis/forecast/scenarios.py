"""Scenarios are data: YAML files validated on load; unknown keys are rejected.

A scenario has ``name``, ``version``, ``description`` and ``assumptions``. Each
assumption has a ``value``, a ``source`` and a ``rating`` (high / medium / low
confidence), and optionally a ``description``. Known assumptions:

- ``population`` (required): ``projection`` (ONS subnational projections by age band,
  rebased to the latest mid-year estimate) or ``flat``.
- ``rate_trend`` (required): ``none`` (each band's rate of long-term support per
  population held at the base year), ``trend`` (each rate follows its evidence, SALT and
  ASCOF, damped as the backtest chose: :mod:`msp_analysis.forecast.rates`) or ``model``
  (each band's own SALT history alone, see :mod:`msp_analysis.forecast.models`).
- ``price_path`` (required): the price path by financial year (``2024`` is 2024-25):
  ``pay_uplift_pct`` (National Living Wage April uprating) and ``cpi_pct`` (CPI, the
  September before the year), each ``{year: pct, default: pct}``; years not given take
  the published history in ``price_history.yml`` and then ``default`` (the stated
  assumption for future years); ``pay_share`` (the pay-driven share of each setting's
  cost, a fraction); ``fee_uplift_pct`` (optional, ``{year: pct}``: uplifts the council
  has set, which override the pay/CPI blend in those years).
- ``unit_cost_real_growth_pct``: yearly growth in unit costs above prices
  (``{default: 0, Nursing: 1.0}``).
- ``need_weights``: relative need for long-term support by age band within 65+
  (``{65 to 74: 1, 75 to 84: 3, 85 and over: 9}``), so the older population's growth
  counts for more.
- ``setting_costs``: ``{weekly_cost_gbp: {Supported living: 1400, Shared Lives: 500},
  price_year: 2021}``: stated weekly costs for the settings ASC-FR does not cost per person.
- ``shifts``: list of ``{from: {setting, client_group, age_band}, to: [{setting, share}],
  share_of_new_placements, phase_in_years}``: a share of each year's *new placements* in
  the ``from`` cell goes to the ``to`` settings instead (phased in linearly).
- ``workforce``: ``{settings, capacity_loss_pct, pay_uplift_pct}``: a pay uplift passed
  into those settings' costs (through their pay share) and capacity lost there, reported
  as people whose need is unmet (never as a saving).

Guard rails: shares in [0, 1] that sum to 1, costs and ratios positive, phase-in >= 0,
horizon 1-10 (:func:`check_horizon`), and a setting, client group or age band that
matches nothing is an error naming the key and the known values.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from msp_analysis.errors import ScenarioError

TOP_KEYS = {"name", "version", "description", "assumptions"}
ASSUMPTION_KEYS = {"value", "source", "rating", "description"}
RATINGS = {"high", "medium", "low"}
SETTINGS = ("Nursing", "Residential", "Community", "Supported living", "Shared Lives")
AGE_BANDS = ("18 to 64", "65 and over")
POPULATION_BANDS = ("18 to 64", "65 to 74", "75 to 84", "85 and over")
CLIENT_GROUPS = (
    "Physical Support",
    "Sensory Support",
    "Support with Memory and Cognition",
    "Learning Disability Support",
    "Mental Health Support",
    "Social Support",
)
MAX_HORIZON = 10
REQUIRED = {"population", "rate_trend", "price_path"}
DEFAULTS: dict = {
    "unit_cost_real_growth_pct": {"default": 0.0},
    "need_weights": {"65 to 74": 1.0, "75 to 84": 3.0, "85 and over": 9.0},
    "setting_costs": {
        "weekly_cost_gbp": {"Supported living": 1400.0, "Shared Lives": 500.0},
        "price_year": 2021,
    },
    "shifts": [],
    "workforce": {"settings": [], "capacity_loss_pct": 0.0, "pay_uplift_pct": 0.0},
}
PRICE_KEYS = {"pay_uplift_pct", "cpi_pct", "pay_share", "fee_uplift_pct"}
SHIFT_KEYS = {"from", "to", "share_of_new_placements", "phase_in_years", "description"}
WORKFORCE_KEYS = {"settings", "capacity_loss_pct", "pay_uplift_pct"}


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


def _number(file, where, x, *, low=None, high=None, positive=False):
    if isinstance(x, bool) or not isinstance(x, (int, float)) or x != x:
        _fail(file, where, f"must be a number, got {x!r}")
    if positive and not x > 0:
        _fail(file, where, f"must be positive, got {x!r}")
    if (low is not None and x < low) or (high is not None and x > high):
        _fail(file, where, f"must be between {low} and {high}, got {x!r}")
    return float(x)


def _one_of(file, where, x, known):
    if x not in known:
        _fail(file, where, f"{x!r} matches nothing; known values: {', '.join(known)}")
    return x


def _by_year(file, where, v, *, low=-50.0, high=100.0) -> dict:
    """``{year: pct, default: pct}`` or a single number (the default)."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return {"default": _number(file, where, v, low=low, high=high)}
    if not isinstance(v, dict):
        _fail(file, where, f"must be a number or a mapping of year to number, got {v!r}")
    out = {}
    for k, x in v.items():
        if k != "default" and not (isinstance(k, int) and 1990 <= k <= 2100):
            _fail(file, f"{where}.{k}", "key must be 'default' or a financial year like 2024")
        out[k] = _number(file, f"{where}.{k}", x, low=low, high=high)
    return out


def _by_setting(file, where, v, *, low, high, keys=SETTINGS, allow_default=True) -> dict:
    if isinstance(v, (int, float)) and not isinstance(v, bool) and allow_default:
        return {"default": _number(file, where, v, low=low, high=high)}
    if not isinstance(v, dict):
        _fail(file, where, f"must be a mapping of setting to number, got {v!r}")
    out = {}
    for k, x in v.items():
        if k == "default" and allow_default:
            pass
        else:
            _one_of(file, f"{where}.{k}", k, keys)
        out[k] = _number(file, f"{where}.{k}", x, low=low, high=high)
    return out


def _check_price_path(file, v) -> dict:
    where = "assumptions.price_path.value"
    if not isinstance(v, dict):
        _fail(file, where, f"must be a mapping with keys {sorted(PRICE_KEYS)}")
    extra = set(v) - PRICE_KEYS
    if extra:
        _fail(file, where, f"unknown key(s) {sorted(extra)}; allowed: {sorted(PRICE_KEYS)}")
    for k in ("pay_uplift_pct", "cpi_pct", "pay_share"):
        if k not in v:
            _fail(file, where, f"missing '{k}'")
    out = {
        "pay_uplift_pct": _by_year(file, f"{where}.pay_uplift_pct", v["pay_uplift_pct"]),
        "cpi_pct": _by_year(file, f"{where}.cpi_pct", v["cpi_pct"]),
        "pay_share": _by_setting(file, f"{where}.pay_share", v["pay_share"], low=0.0, high=1.0),
        "fee_uplift_pct": _by_year(file, f"{where}.fee_uplift_pct", v.get("fee_uplift_pct", {})),
    }
    for k in ("pay_uplift_pct", "cpi_pct"):
        if "default" not in out[k]:
            _fail(
                file, f"{where}.{k}", "needs a 'default' (the stated assumption for future years)"
            )
    if "default" not in out["pay_share"] and set(out["pay_share"]) != set(SETTINGS):
        _fail(file, f"{where}.pay_share", "give every setting or a 'default'")
    return out


def _check_shift(file, i, s) -> dict:
    where = f"assumptions.shifts.value[{i}]"
    if not isinstance(s, dict):
        _fail(file, where, "must be a mapping")
    extra = set(s) - SHIFT_KEYS
    if extra:
        _fail(file, where, f"unknown key(s) {sorted(extra)}; allowed: {sorted(SHIFT_KEYS)}")
    for k in ("from", "to", "share_of_new_placements"):
        if k not in s:
            _fail(file, where, f"missing '{k}'")
    frm = s["from"]
    if not isinstance(frm, dict) or "setting" not in frm:
        _fail(file, where + ".from", "must be a mapping with setting (and client_group, age_band)")
    extra = set(frm) - {"setting", "client_group", "age_band"}
    if extra:
        _fail(file, where + ".from", f"unknown key(s) {sorted(extra)}")
    _one_of(file, where + ".from.setting", frm["setting"], SETTINGS)
    if "client_group" in frm:
        _one_of(file, where + ".from.client_group", frm["client_group"], CLIENT_GROUPS)
    if "age_band" in frm:
        _one_of(file, where + ".from.age_band", frm["age_band"], AGE_BANDS)
    share = _number(file, where + ".share_of_new_placements", s["share_of_new_placements"])
    if not 0 <= share <= 1:
        _fail(file, where + ".share_of_new_placements", f"must be in [0, 1], got {share!r}")
    phase = _number(file, where + ".phase_in_years", s.get("phase_in_years", 0))
    if phase < 0:
        _fail(file, where + ".phase_in_years", f"must be 0 or more, got {phase!r}")
    if not isinstance(s["to"], list) or not s["to"]:
        _fail(file, where + ".to", "must be a non-empty list of {setting, share}")
    to, total = [], 0.0
    for j, t in enumerate(s["to"]):
        w = f"{where}.to[{j}]"
        if not isinstance(t, dict) or set(t) - {"setting", "share", "source"}:
            _fail(file, w, "needs setting and share (and optionally source), nothing else")
        for k in ("setting", "share"):
            if k not in t:
                _fail(file, w, f"missing '{k}'")
        _one_of(file, w + ".setting", t["setting"], SETTINGS)
        if t["setting"] == frm["setting"]:
            _fail(file, w + ".setting", "moves people to the setting they come from")
        sh = _number(file, w + ".share", t["share"])
        if not 0 <= sh <= 1:
            _fail(file, w + ".share", f"must be in [0, 1], got {sh!r}")
        total += sh
        to.append({"setting": t["setting"], "share": sh})
    if abs(total - 1) > 1e-9:
        _fail(file, where + ".to", f"shares must sum to 1 (they sum to {total:g})")
    return {
        "from": dict(frm),
        "to": to,
        "share_of_new_placements": share,
        "phase_in_years": phase,
        "description": s.get("description", ""),
    }


def _check_workforce(file, v) -> dict:
    where = "assumptions.workforce.value"
    if not isinstance(v, dict):
        _fail(file, where, f"must be a mapping with keys {sorted(WORKFORCE_KEYS)}")
    extra = set(v) - WORKFORCE_KEYS
    if extra:
        _fail(file, where, f"unknown key(s) {sorted(extra)}; allowed: {sorted(WORKFORCE_KEYS)}")
    settings = v.get("settings", [])
    if not isinstance(settings, list):
        _fail(file, where + ".settings", "must be a list of settings")
    for i, s in enumerate(settings):
        _one_of(file, f"{where}.settings[{i}]", s, SETTINGS)
    return {
        "settings": list(settings),
        "capacity_loss_pct": _number(
            file, where + ".capacity_loss_pct", v.get("capacity_loss_pct", 0), low=0, high=100
        ),
        "pay_uplift_pct": _number(
            file, where + ".pay_uplift_pct", v.get("pay_uplift_pct", 0), low=0, high=100
        ),
    }


def _check_value(file: str, key: str, v):
    where = f"assumptions.{key}.value"
    if key == "population":
        return _one_of(file, where, v, ("projection", "flat"))
    if key == "rate_trend":
        return _one_of(file, where, v, ("none", "trend", "model"))
    if key == "price_path":
        return _check_price_path(file, v)
    if key == "unit_cost_real_growth_pct":
        return _by_setting(file, where, v, low=-20.0, high=20.0)
    if key == "need_weights":
        out = _by_setting(
            file, where, v, low=0.0, high=1e6, keys=POPULATION_BANDS[1:], allow_default=False
        )
        for band in POPULATION_BANDS[1:]:
            if band not in out:
                _fail(file, where, f"missing '{band}' (give every 65+ band)")
            if out[band] <= 0:
                _fail(file, f"{where}.{band}", f"must be positive, got {out[band]!r}")
        return out
    if key == "setting_costs":
        if not isinstance(v, dict) or set(v) - {"weekly_cost_gbp", "price_year"}:
            _fail(file, where, "must be a mapping with weekly_cost_gbp and price_year")
        costs = _by_setting(
            file,
            where + ".weekly_cost_gbp",
            v.get("weekly_cost_gbp", {}),
            low=0.0,
            high=1e5,
            keys=("Supported living", "Shared Lives"),
            allow_default=False,
        )
        for k, c in costs.items():
            if c <= 0:
                _fail(file, f"{where}.weekly_cost_gbp.{k}", f"must be positive, got {c!r}")
        year = v.get("price_year", DEFAULTS["setting_costs"]["price_year"])
        if not isinstance(year, int) or not 1990 <= year <= 2100:
            _fail(file, where + ".price_year", f"must be a financial year like 2021, got {year!r}")
        return {
            "weekly_cost_gbp": {**DEFAULTS["setting_costs"]["weekly_cost_gbp"], **costs},
            "price_year": year,
        }
    if key == "shifts":
        if not isinstance(v, list):
            _fail(file, where, "must be a list")
        return [_check_shift(file, i, s) for i, s in enumerate(v)]
    if key == "workforce":
        return _check_workforce(file, v)
    raise AssertionError(key)  # pragma: no cover - keys are checked before


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
        raise ScenarioError(f"scenario '{file}' not found") from exc
    except yaml.YAMLError as exc:
        raise ScenarioError(f"scenario '{file}' is not valid YAML: {exc}") from exc
    if not isinstance(doc, dict):
        _fail(file, "top level", "must be a mapping with name, version, description, assumptions")
    extra = set(doc) - TOP_KEYS
    if extra:
        _fail(file, "top level", f"unknown key(s) {sorted(extra)}; allowed: {sorted(TOP_KEYS)}")
    for k in sorted(TOP_KEYS):
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
        values[key] = _check_value(file, key, a["value"])
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


def check_horizon(horizon: int) -> int:
    """A forecast horizon of 1 to 10 years; longer is refused with the reason.

    Raises:
        ScenarioError: the horizon is not a whole number of years from 1 to 10.
    """
    if isinstance(horizon, bool) or not isinstance(horizon, int) or horizon < 1:
        raise ScenarioError(f"horizon must be a whole number of years from 1, got {horizon!r}")
    if horizon > MAX_HORIZON:
        raise ScenarioError(
            f"horizon {horizon} refused: at most {MAX_HORIZON} years, because ONS projections"
            " and published price assumptions do not support a longer forecast"
        )
    return horizon


def default_dir() -> Path:
    """The default scenarios: ``$MSP_SCENARIOS_DIR`` if set, else those shipped in the package."""
    from msp_analysis import resources

    return resources.scenarios_dir()


def price_history() -> dict:
    """Published National Living Wage upratings and CPI by financial year, with their sources.

    A copy of the file read once per process: a plan asks for it about 900 times, and parsing
    the YAML each time took 9 s of a 14 s plan.
    """
    return copy.deepcopy(_price_history())


@lru_cache(maxsize=1)
def _price_history() -> dict:
    text = resources.files("msp_analysis.forecast").joinpath("price_history.yml").read_text()
    return yaml.safe_load(text)


#: Words for the abbreviations in scenario file names.
_NAME_WORDS = {"ld": "learning disability", "lts": "long-term support"}

#: Words for a scenario file's assumption keys, as a reader of the plan sees them.
ASSUMPTION_WORDS = {
    "population": "population",
    "rate_trend": "trend in rates of support",
    "need_weights": "need weights by age",
    "setting_costs": "weekly costs of supported living and Shared Lives",
    "unit_cost_real_growth_pct": "real growth in unit costs",
    "price_path": "price path",
    "shifts": "shifts of new placements between settings",
    "workforce": "workforce",
}


#: Settings as a reader says them in a sentence ('community support for ...').
SETTING_WORDS = {
    "Nursing": "nursing care",
    "Residential": "residential care",
    "Community": "community support",
    "Supported living": "supported living",
    "Shared Lives": "Shared Lives",
}

#: Primary support reasons as what the people supported need ('older people ' + words).
CLIENT_GROUP_WORDS = {
    "Physical Support": "who need physical support",
    "Sensory Support": "who need sensory support",
    "Support with Memory and Cognition": "who need support with memory and cognition",
    "Learning Disability Support": "with a learning disability",
    "Mental Health Support": "with mental health needs",
    "Social Support": "who need social support",
}

#: Age bands as the people in them ('older people', 'adults aged 18 to 64').
AGE_BAND_WORDS = {"18 to 64": "adults aged 18 to 64", "65 and over": "older people"}


def setting_words(setting: str) -> str:
    """A setting in a sentence: 'Community' -> 'community support', 'Shared Lives' kept."""
    return SETTING_WORDS.get(setting, str(setting).lower())


def people_words(age_band: str | None, client_group: str | None) -> str:
    """Who a cell of the forecast is, in words.

    >>> people_words("65 and over", "Physical Support")
    'older people who need physical support'
    >>> people_words("18 to 64", "Learning Disability Support")
    'adults aged 18 to 64 with a learning disability'
    >>> people_words(None, "Mental Health Support")
    'people with mental health needs'
    """
    who = AGE_BAND_WORDS.get(age_band, f"people aged {age_band}") if age_band else "people"
    if not client_group:
        return who
    need = CLIENT_GROUP_WORDS.get(client_group, f"whose support reason is {client_group.lower()}")
    return f"{who} {need}"


def scenario_words(name: str) -> str:
    """A scenario's file name in words: 'ld_residential_to_supported_living' ->
    'learning disability residential to supported living'."""
    return " ".join(_NAME_WORDS.get(w, w) for w in str(name).split("_"))


def scenario_title(name: str) -> str:
    """A scenario's file name as a written title ('Learning disability residential to ...')."""
    text = scenario_words(name)
    return text[:1].upper() + text[1:]


def assumption_words(key: str) -> str:
    """An assumption key in words ('unit_cost_real_growth_pct' -> 'real growth in unit costs').

    Names carry no brackets and no units: a unit belongs to the value (:func:`value_text`),
    and the plan puts the rating and scenarios in brackets after the name.
    """
    return ASSUMPTION_WORDS.get(key, key.replace("_", " "))


def assumption_table(s: Scenario):
    """Assumptions as a table: name, value, source, rating (for outputs and notebooks)."""
    import pandas as pd

    return pd.DataFrame(
        [
            {
                "scenario": s.name,
                "assumption": k,
                "value": value_text(k, s.values[k]),
                "source": a["source"],
                "rating": a["rating"],
            }
            for k, a in s.assumptions.items()
        ]
    )


def fee_uplift_text(fee: dict) -> str:
    """Council fee uplifts by year in words; one rate for every year is said once.

    >>> fee_uplift_text({2024: 0.0, 2025: 0.0})
    'council fee uplifts of 0% a year, 2024 to 2025'
    >>> fee_uplift_text({2024: 5.0, 2025: 3.5})
    'council fee uplifts 2024: 5%, 2025: 3.5%'
    """
    years = sorted(fee)
    if len(set(fee.values())) == 1:
        rate = fee[years[0]]
        span = f"{years[0]} to {years[-1]}" if len(years) > 1 else f"{years[0]}"
        return f"council fee uplifts of {rate:g}% a year, {span}"
    return "council fee uplifts " + ", ".join(f"{k}: {fee[k]:g}%" for k in years)


def and_list(items: list[str]) -> str:
    """Words joined as a list is written: 'a', 'a and b', 'a, b and c'."""
    items = [str(i) for i in items]
    return (
        ", ".join(items[:-1]) + (" and " if len(items) > 1 else "") + (items[-1] if items else "")
    )


def _per_setting(v: dict, fmt, *, unset: float | None = None, first: bool = False) -> str:
    """A value by setting in words: one figure said once, or each setting's with the rest.

    ``unset`` is the value a setting takes when neither it nor ``default`` is given; ``first``
    puts the setting before its figure ('nursing care 55%') instead of after ('1% ... in
    nursing care').
    """
    named = [(k, x) for k, x in v.items() if k != "default"]
    default = v.get("default", unset)
    if not named:
        return fmt(default)
    parts = [
        f"{setting_words(k)} {fmt(x)}" if first else f"{fmt(x)} in {setting_words(k)}"
        for k, x in named
    ]
    if default is not None and len(named) < len(SETTINGS):
        parts.append(f"other settings {fmt(default)}" if first else f"{fmt(default)} elsewhere")
    return and_list(parts)


def _shift_text(s: dict) -> str:
    """One shift in words: '74% of new residential care placements for adults aged 18 to 64
    with a learning disability go to supported living (80%) and Shared Lives (20%)'."""
    age, group = s["from"].get("age_band"), s["from"].get("client_group")
    who = f" for {people_words(age, group)}" if age or group else ""
    to = s["to"]
    targets = (
        setting_words(to[0]["setting"])
        if len(to) == 1
        else and_list([f"{setting_words(t['setting'])} ({t['share']:.0%})" for t in to])
    )
    return (
        f"{s['share_of_new_placements']:.0%} of new {setting_words(s['from']['setting'])}"
        f" placements{who} go to {targets}"
        + (f", phased in over {s['phase_in_years']:g} years" if s["phase_in_years"] else "")
    )


def value_text(key: str, v) -> str:
    """An assumption's value in words: '0.5% a year', '74% of new residential care placements
    for adults aged 18 to 64 with a learning disability go to ...'."""
    if key == "price_path":
        fee = v["fee_uplift_pct"]
        shares = _per_setting(v["pay_share"], lambda x: f"{x:.0%}", first=True)
        parts = [
            f"pay (National Living Wage) {v['pay_uplift_pct']['default']:g}% a year and CPI "
            f"{v['cpi_pct']['default']:g}% a year after the published years",
            f"staff pay as a share of costs: {shares}",
        ]
        if fee:
            parts.append(fee_uplift_text(fee))
        return "; ".join(parts)
    if key == "unit_cost_real_growth_pct":
        return _per_setting(v, lambda x: f"{x:g}% a year", unset=0.0)
    if key == "shifts":
        return "; ".join(_shift_text(s) for s in v)
    if key == "workforce":
        return (
            f"{v['capacity_loss_pct']:g}% of capacity lost and a {v['pay_uplift_pct']:g}% pay"
            f" uplift in {and_list([setting_words(x) for x in v['settings']]) or 'no settings'}"
        )
    if key == "setting_costs":
        return (
            and_list(
                [f"{setting_words(k)} £{c:,.0f} a week" for k, c in v["weekly_cost_gbp"].items()]
            )
            + f" ({v['price_year']}-{(v['price_year'] + 1) % 100:02d} prices)"
        )
    if isinstance(v, dict):
        return ", ".join(
            f"{k}: {x:g}" if k != "default" else f"{x:g} by default" for k, x in v.items()
        )
    return str(v)
