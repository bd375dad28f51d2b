"""Scenarios are data: YAML files validated on load by pydantic models; unknown keys are rejected.

A scenario file has ``name``, ``version``, an optional ``purpose`` (why the scenario
exists, in words: its numbers are said from the assumptions, never typed twice) and
``assumptions``. Each assumption has a ``value``, a ``source`` and a ``rating`` (high /
medium / low confidence), and optionally a ``description``. The model of the file is
:class:`ScenarioFile`; ``msp schema`` writes its JSON Schema for editors. Known
assumptions:

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
  cost, a fraction); ``fee_uplift_pct`` (optional, ``{year: pct}``: uplifts that override
  the pay/CPI blend in those years for every setting); ``hold_prices`` (optional, true: no
  price growth after the base year, whichever year that is).
- ``unit_cost_real_growth_pct``: yearly growth in unit costs above prices
  (``{default: 0, Nursing: 1.0}``).
- ``need_weights``: relative need for long-term support by age band within 65+
  (``{65 to 74: 1, 75 to 84: 3, 85 and over: 9}``), so the older population's growth
  counts for more.
- ``setting_costs``: ``{weekly_cost_gbp: {Shared Lives: 500}, price_year: 2021}``: stated
  weekly costs for settings the returns do not cost per person.
- ``shifts``: list of ``{from: {setting, client_group, age_band}, to: [{setting, share}],
  share_of_new_placements, phase_in_years}``: a share of each year's *new placements* in
  the ``from`` cell goes to the ``to`` settings instead (phased in linearly).
- ``workforce``: ``{settings, capacity_loss_pct, pay_uplift_pct}``: a pay uplift passed
  into those settings' costs (through their pay share) and capacity lost there, reported
  as people whose need is unmet (never as a saving).

Guard rails: shares in [0, 1] that sum to 1, costs and ratios positive, phase-in >= 0,
horizon 1-10 (:func:`check_horizon`), and a setting, client group or age band that
matches nothing is an error naming the key and the known values. Every problem is one
:class:`~msp_analysis.errors.SettingsError` naming the file and the key, items counted
from 1 as in every settings file (``assumptions.shifts.value[1].to[2].share``).
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Generic, Literal, TypeVar, get_args

import yaml
from pydantic import AliasChoices, Field, field_validator, model_validator

from msp_analysis.configs import ConfigModel, validate
from msp_analysis.errors import SettingsError
from msp_analysis.years import financial_year

Setting = Literal["Nursing", "Residential", "Community", "Supported living", "Shared Lives"]
AgeBand = Literal["18 to 64", "65 and over"]
ClientGroup = Literal[
    "Physical Support",
    "Sensory Support",
    "Support with Memory and Cognition",
    "Learning Disability Support",
    "Mental Health Support",
    "Social Support",
]
SETTINGS: tuple[str, ...] = get_args(Setting)
AGE_BANDS: tuple[str, ...] = get_args(AgeBand)
CLIENT_GROUPS: tuple[str, ...] = get_args(ClientGroup)
POPULATION_BANDS = ("18 to 64", "65 to 74", "75 to 84", "85 and over")
MAX_HORIZON = 10
REQUIRED = {"population", "rate_trend", "price_path"}
Rating = Literal["high", "medium", "low"]
Year = Annotated[
    int,
    Field(ge=1990, le=2100, description="a financial year by its start, 2024 = 2024-25"),
]
Pct = Annotated[float, Field(ge=-50, le=100, description="per cent")]
Default = Literal["default"]
SettingOrDefault = Literal[Setting, "default"]

V = TypeVar("V")


def _known(value: Any, known: tuple[str, ...] | list[str]) -> None:
    if value not in known:
        raise ValueError(f"{value!r} matches nothing; known values: {', '.join(known)}")


def _default_if_number(v: Any) -> Any:
    """A single number stands for ``{default: number}``."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return {"default": v}
    return v


def _check_keys(v: Any, known: tuple[str, ...], *, years: bool = False) -> Any:
    """Mapping keys must be known (or a year where ``years``): the message lists them."""
    if isinstance(v, dict):
        for k in v:
            if years and isinstance(k, int) and not isinstance(k, bool):
                continue
            if years and k not in known:
                raise ValueError(f"key {k!r} must be 'default' or a financial year like 2024")
            _known(k, known)
    return v


class PricePath(ConfigModel):
    """How unit costs move each year: the pay and price path, and fee uplifts a council set."""

    pay_uplift_pct: dict[Year | Default, Pct] = Field(
        description="National Living Wage April uprating by year, with a 'default' for future years"
    )
    cpi_pct: dict[Year | Default, Pct] = Field(
        description="CPI (the September before the year) by year, with a 'default' for future years"
    )
    pay_share: dict[SettingOrDefault, Annotated[float, Field(ge=0, le=1)]] = Field(
        description="the pay-driven share of each setting's cost (a fraction), or a 'default'"
    )
    fee_uplift_pct: dict[Year, Pct] = Field(
        default_factory=dict,
        description="fee uplifts by year that replace the pay and price blend for every setting",
    )
    hold_prices: bool = Field(
        False,
        description="prices held at the base year: no pay, price or fee growth after it (the"
        " years to the base year keep the published path)",
    )

    @field_validator("pay_uplift_pct", "cpi_pct", mode="before")
    @classmethod
    def _by_year(cls, v: Any) -> Any:
        return _check_keys(_default_if_number(v), ("default",), years=True)

    @field_validator("fee_uplift_pct", mode="before")
    @classmethod
    def _fee_years(cls, v: Any) -> Any:
        return _check_keys(v, (), years=True)

    @field_validator("pay_share", mode="before")
    @classmethod
    def _shares(cls, v: Any) -> Any:
        return _default_if_number(v)

    @field_validator("pay_uplift_pct", "cpi_pct")
    @classmethod
    def _needs_default(cls, v: dict) -> dict:
        if "default" not in v:
            raise ValueError("needs a 'default' (the stated assumption for future years)")
        return v

    @field_validator("pay_share")
    @classmethod
    def _every_setting(cls, v: dict) -> dict:
        if "default" not in v and set(v) != set(SETTINGS):
            raise ValueError("give every setting or a 'default'")
        return v


class NeedWeights(ConfigModel):
    """Relative need for long-term support in each 65+ age band (all positive)."""

    band_65_74: float = Field(gt=0, alias="65 to 74")
    band_75_84: float = Field(gt=0, alias="75 to 84")
    band_85: float = Field(gt=0, alias="85 and over")

    def as_dict(self) -> dict[str, float]:
        return {
            "65 to 74": self.band_65_74,
            "75 to 84": self.band_75_84,
            "85 and over": self.band_85,
        }


class SettingCosts(ConfigModel):
    """Stated weekly costs for settings the returns do not cost per person."""

    weekly_cost_gbp: dict[
        Literal["Supported living", "Shared Lives"],
        Annotated[float, Field(gt=0, le=1e5)],
    ] = Field(default_factory=dict, description="£ a week, in the prices of price_year")
    price_year: Year = 2021


class Cell(ConfigModel):
    """Where new placements are moved from: a setting, optionally one client group and age band."""

    setting: Setting
    client_group: ClientGroup | None = None
    age_band: AgeBand | None = None


class Destination(ConfigModel):
    """A setting new placements go to instead, and its share of those moved."""

    setting: Setting
    share: float = Field(ge=0, le=1)
    source: str = ""


class Shift(ConfigModel):
    """A share of each year's new placements in one cell goes to other settings instead."""

    description: str = ""
    from_: Cell = Field(alias="from")
    to: list[Destination] = Field(min_length=1)
    share_of_new_placements: float = Field(ge=0, le=1)
    phase_in_years: float = Field(0, ge=0)

    @model_validator(mode="after")
    def _shares(self) -> Shift:
        total = sum(t.share for t in self.to)
        if abs(total - 1) > 1e-9:
            raise ValueError(f"the shares in 'to' must sum to 1 (they sum to {total:g})")
        if any(t.setting == self.from_.setting for t in self.to):
            raise ValueError("moves people to the setting they come from")
        return self


class Workforce(ConfigModel):
    """A pay uplift passed into some settings' costs, and capacity lost there."""

    settings: list[Setting] = Field(default_factory=list)
    capacity_loss_pct: float = Field(0, ge=0, le=100)
    pay_uplift_pct: float = Field(0, ge=0, le=100)


class Assumption(ConfigModel, Generic[V]):
    """One assumption: its value, where it comes from and how confident we are in it."""

    value: V
    source: str = Field(min_length=1, description="where the value comes from")
    rating: Rating = Field(description="confidence in the value: high, medium or low")
    description: str = ""


class Assumptions(ConfigModel):
    """Every assumption a scenario may state; population, rate_trend and price_path are required."""

    population: Assumption[Literal["projection", "flat"]]
    rate_trend: Assumption[Literal["none", "trend", "model"]]
    price_path: Assumption[PricePath]
    unit_cost_real_growth_pct: (
        Assumption[dict[Setting | Default, Annotated[float, Field(ge=-20, le=20)]]] | None
    ) = None
    need_weights: Assumption[NeedWeights] | None = None
    setting_costs: Assumption[SettingCosts] | None = None
    shifts: Assumption[list[Shift]] | None = None
    workforce: Assumption[Workforce] | None = None

    @field_validator("unit_cost_real_growth_pct", mode="before")
    @classmethod
    def _real(cls, v: Any) -> Any:
        if isinstance(v, dict) and "value" in v:
            v = {**v, "value": _default_if_number(v["value"])}
        return v


class ScenarioFile(ConfigModel):
    """A scenario file: a name, a version, why it exists (optional), and its assumptions."""

    name: str = Field(min_length=1)
    version: str
    purpose: str = Field(
        "",
        validation_alias=AliasChoices("purpose", "description"),
        description="why the scenario exists, in words; its numbers are said from the assumptions",
    )
    assumptions: Assumptions


DEFAULTS: dict = {
    "unit_cost_real_growth_pct": {"default": 0.0},
    "need_weights": {"65 to 74": 1.0, "75 to 84": 3.0, "85 and over": 9.0},
    "setting_costs": {
        "weekly_cost_gbp": {"Shared Lives": 500.0},
        "price_year": 2021,
    },
    "shifts": [],
    "workforce": {"settings": [], "capacity_loss_pct": 0.0, "pay_uplift_pct": 0.0},
}


@dataclass
class Scenario:
    """A validated scenario; ``sha256`` identifies the exact file a result came from.

    ``values`` holds every assumption's value as plain data (defaults filled in), the form
    the projection reads; ``assumptions`` the file's assumptions with their source and rating.
    """

    name: str
    version: str
    purpose: str
    assumptions: dict
    file: str = ""
    sha256: str = ""
    values: dict = field(default_factory=dict)

    def value(self, key: str):
        return self.values[key]

    @property
    def description(self) -> str:
        """The scenario in words, from its values (so it cannot drift from them)."""
        return describe(self)


def _values(model: ScenarioFile) -> dict:
    """Each assumption's value as the plain data the projection reads, defaults filled in."""
    a = model.assumptions
    out: dict = {
        "population": a.population.value,
        "rate_trend": a.rate_trend.value,
        "price_path": a.price_path.value.model_dump(),
    }
    if a.unit_cost_real_growth_pct is not None:
        out["unit_cost_real_growth_pct"] = dict(a.unit_cost_real_growth_pct.value)
    if a.need_weights is not None:
        out["need_weights"] = a.need_weights.value.as_dict()
    if a.setting_costs is not None:
        sc = a.setting_costs.value
        out["setting_costs"] = {
            "weekly_cost_gbp": {
                **DEFAULTS["setting_costs"]["weekly_cost_gbp"],
                **sc.weekly_cost_gbp,
            },
            "price_year": sc.price_year,
        }
    if a.shifts is not None:
        out["shifts"] = [
            {
                "from": s.from_.model_dump(exclude_none=True),
                "to": [{"setting": t.setting, "share": t.share} for t in s.to],
                "share_of_new_placements": s.share_of_new_placements,
                "phase_in_years": s.phase_in_years,
                "description": s.description,
            }
            for s in a.shifts.value
        ]
    if a.workforce is not None:
        out["workforce"] = a.workforce.value.model_dump()
    for key, default in DEFAULTS.items():
        out.setdefault(key, copy.deepcopy(default))
    return out


def load(path: str | Path) -> Scenario:
    """Read and validate a scenario YAML file (:class:`ScenarioFile`).

    Raises:
        SettingsError: naming the file and the key that is wrong, unknown or missing.
    """
    p = Path(path)
    file = p.name
    try:
        raw_bytes = p.read_bytes()
        doc = yaml.safe_load(raw_bytes)
    except FileNotFoundError as exc:
        raise SettingsError(f"scenario '{file}' not found") from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        raise SettingsError(f"{file}{where}: not valid YAML") from None
    model = validate(doc, ScenarioFile, file)
    assumptions = {
        k: {"value": v.get("value"), "source": v["source"], "rating": v["rating"]}
        for k, v in doc["assumptions"].items()
    }
    return Scenario(
        name=model.name,
        version=model.version,
        purpose=model.purpose,
        assumptions=assumptions,
        file=file,
        sha256=hashlib.sha256(raw_bytes).hexdigest(),
        values=_values(model),
    )


def check_horizon(horizon: int) -> int:
    """A forecast horizon of 1 to 10 years; longer is refused with the reason.

    Raises:
        SettingsError: the horizon is not a whole number of years from 1 to 10.
    """
    if isinstance(horizon, bool) or not isinstance(horizon, int) or horizon < 1:
        raise SettingsError(f"horizon must be a whole number of years from 1, got {horizon!r}")
    if horizon > MAX_HORIZON:
        raise SettingsError(
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
    "setting_costs": "weekly costs of Shared Lives and other settings the returns do not cost",
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


#: A choice's words, where the file's value is a code ('trend in rates of support: trend' said
#: nothing to a commissioner).
VALUE_WORDS = {
    "population": {
        "projection": "as ONS projects it, rebased to the latest mid-year estimate",
        "flat": "held at the latest estimate",
    },
    "rate_trend": {
        "none": "none, each rate held at its base-year level",
        "trend": "each rate follows its own evidence, fading as tested on the past",
        "model": "each age band's rate follows its own SALT history",
    },
}


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
        if v.get("hold_prices"):
            parts = ["prices held at the base year (no pay, price or fee growth after it)"]
        return "; ".join(parts)
    if key in VALUE_WORDS and v in VALUE_WORDS[key]:
        return VALUE_WORDS[key][v]
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
            + f" ({financial_year(v['price_year'])} prices)"
        )
    if isinstance(v, dict):
        return ", ".join(
            f"{k}: {x:g}" if k != "default" else f"{x:g} by default" for k, x in v.items()
        )
    return str(v)


def _constant_prices(price_path: dict) -> bool:
    if price_path.get("hold_prices"):
        return True
    fee = price_path["fee_uplift_pct"]
    return bool(fee) and all(x == 0 for x in fee.values())


def describe(s: Scenario) -> str:
    """The scenario in a sentence or two, from its values, then its purpose where it has one.

    'Population as ONS projects; rates of long-term support held at the base year; prices held
    at the base year.' The numbers come from the assumptions, so the words cannot drift.
    """
    v = s.values
    parts = [
        "population as ONS projects"
        if v["population"] == "projection"
        else "population held at the latest estimate",
        "rates of long-term support held at the base year"
        if v["rate_trend"] == "none"
        else "rates of long-term support following their own trend",
    ]
    pp = v["price_path"]
    if _constant_prices(pp):
        parts.append("prices held at the base year")
    else:
        parts.append(
            f"costs rising with pay ({pp['pay_uplift_pct']['default']:g}% a year after the"
            f" published years) and CPI ({pp['cpi_pct']['default']:g}% a year)"
        )
        real = v["unit_cost_real_growth_pct"]
        if any(x for x in real.values()):
            parts.append(
                "real growth in unit costs of "
                + _per_setting(real, lambda x: f"{x:g}% a year", unset=0.0)
            )
    parts += [_shift_text(x) for x in v["shifts"]]
    wf = v["workforce"]
    if wf["settings"] and (wf["capacity_loss_pct"] or wf["pay_uplift_pct"]):
        parts.append(value_text("workforce", wf))
    text = "; ".join(parts)
    text = text[:1].upper() + text[1:] + "."
    if s.purpose:
        purpose = s.purpose.strip()
        text += " " + purpose[:1].upper() + purpose[1:] + ("" if purpose.endswith(".") else ".")
    return text
