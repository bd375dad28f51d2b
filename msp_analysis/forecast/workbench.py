"""A scenario workbench: change a scenario's main settings and see the council's projection.

An analyst moves a few settings (:class:`Settings`): the share of new residential
placements for adults 18-64 with a learning disability moved to supported living and
Shared Lives, its phase-in, the weekly costs of those two settings, the council's fee
uplift for the first projected year, and the wage-floor and CPI growth assumed after the
published years. :meth:`Workbench.run` re-runs the council's projection with them (one
scenario, well under a second once the data are loaded) and returns people and spend by
year with their ranges; :meth:`Workbench.save` writes the settings as a scenario YAML that
``msp forecast --scenario`` and ``msp report --scenario`` read. :func:`controls` puts the
settings on ipywidgets controls for notebook 03 (the logic stays here).

The scenario starts from a shipped (or any) scenario file and changes only the values the
settings name; each changed assumption says it was set in the workbench.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd
import yaml

from msp_analysis.council import council_of
from msp_analysis.forecast import costs
from msp_analysis.forecast import run as forecast_run
from msp_analysis.forecast import scenarios as S
from msp_analysis.tables import Tables
from msp_analysis.years import financial_year

log = logging.getLogger(__name__)

SHIFT_FROM = {
    "setting": "Residential",
    "client_group": "Learning Disability Support",
    "age_band": "18 to 64",
}
SOURCE = "set in the scenario workbench (notebook 03); replace with the council's own source"


@dataclass(frozen=True)
class Settings:
    """The settings the workbench moves (units in the names)."""

    shift_share: float  # share of new LD 18-64 residential placements moved (0 to 1)
    phase_in_years: float  # years over which the shift reaches its full share
    supported_living_weekly_gbp: float  # in the scenario's price year (setting_costs)
    shared_lives_weekly_gbp: float  # in the scenario's price year
    first_year_uplift_pct: float | None  # the council's fee uplift in the first projected year
    pay_uplift_pct: float  # wage floor growth a year after the published years
    cpi_pct: float  # CPI a year after the published years


def _shift(values: dict) -> dict | None:
    for s in values.get("shifts") or []:
        if all(s["from"].get(k) == v for k, v in SHIFT_FROM.items()):
            return s
    return None


def defaults(scenario: S.Scenario, first_year: int, supported_living_gbp: float) -> Settings:
    """The settings a scenario already has (no shift: share 0, phased in over 3 years);
    ``supported_living_gbp`` is the weekly cost of supported living the projection uses when
    the scenario states none (from the returns or the council's evidence), in the scenario's
    price year."""
    shift = _shift(scenario.values)
    weekly = scenario.value("setting_costs")["weekly_cost_gbp"]
    price = scenario.value("price_path")
    return Settings(
        shift_share=float(shift["share_of_new_placements"]) if shift else 0.0,
        phase_in_years=float(shift["phase_in_years"]) if shift else 3.0,
        supported_living_weekly_gbp=float(weekly.get("Supported living", supported_living_gbp)),
        shared_lives_weekly_gbp=float(weekly["Shared Lives"]),
        first_year_uplift_pct=price["fee_uplift_pct"].get(first_year),
        pay_uplift_pct=float(price["pay_uplift_pct"]["default"]),
        cpi_pct=float(price["cpi_pct"]["default"]),
    )


def _assumption(doc: dict, key: str, value) -> None:
    a = doc["assumptions"].setdefault(key, {})
    a["value"] = value
    a["source"] = SOURCE
    a["rating"] = "low"


def document(
    base: dict,
    settings: Settings,
    name: str,
    first_year: int,
    supported_living_gbp: float | None = None,
) -> dict:
    """The scenario YAML document: ``base`` (a scenario file's document) with the settings'
    values in place, named ``name``; every assumption the settings change says so. A
    supported-living cost equal (to the pound) to ``supported_living_gbp``, the one the
    projection finds in the returns and the council's evidence, is left for them to set."""
    doc = copy.deepcopy(base)
    doc["name"] = name
    for key in ("description", "purpose"):
        if key in doc:
            doc[key] = f"Set in the scenario workbench (notebook 03), starting from {base['name']}"
    values = {k: v.get("value") for k, v in doc["assumptions"].items()}
    shifts = [s for s in values.get("shifts") or [] if s.get("from") != SHIFT_FROM]
    old = next((s for s in values.get("shifts") or [] if s.get("from") == SHIFT_FROM), None)
    if settings.shift_share > 0:
        to = (old or {}).get("to") or [
            {"setting": "Supported living", "share": 0.8},
            {"setting": "Shared Lives", "share": 0.2},
        ]
        shifts.append(
            {
                "description": "New learning-disability residential placements met elsewhere",
                "from": dict(SHIFT_FROM),
                "to": to,
                "share_of_new_placements": round(float(settings.shift_share), 4),
                "phase_in_years": round(float(settings.phase_in_years), 2),
            }
        )
    if shifts or "shifts" in doc["assumptions"]:
        _assumption(doc, "shifts", shifts)
    setting_costs = copy.deepcopy(values.get("setting_costs") or {"price_year": 2021})
    weekly = {"Shared Lives": round(float(settings.shared_lives_weekly_gbp), 2)}
    stated = "Supported living" in (setting_costs.get("weekly_cost_gbp") or {})
    if (
        stated
        or supported_living_gbp is None
        or abs(settings.supported_living_weekly_gbp - supported_living_gbp) >= 0.5
    ):
        weekly = {
            "Supported living": round(float(settings.supported_living_weekly_gbp), 2)
        } | weekly
    setting_costs["weekly_cost_gbp"] = weekly
    _assumption(doc, "setting_costs", setting_costs)
    price = copy.deepcopy(values["price_path"])
    price["pay_uplift_pct"] = {
        **_by_year(price["pay_uplift_pct"]),
        "default": settings.pay_uplift_pct,
    }
    price["cpi_pct"] = {**_by_year(price["cpi_pct"]), "default": settings.cpi_pct}
    fees = dict(price.get("fee_uplift_pct") or {})
    if settings.first_year_uplift_pct is None:
        fees.pop(first_year, None)
    else:
        fees[first_year] = round(float(settings.first_year_uplift_pct), 2)
    price["fee_uplift_pct"] = fees
    _assumption(doc, "price_path", price)
    return doc


def _by_year(v) -> dict:
    return dict(v) if isinstance(v, dict) else {"default": v}


def load_document(doc: dict) -> S.Scenario:
    """A scenario document validated as a file would be (errors name the key)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{doc['name']}.yml"
        path.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
        return S.load(path)


@dataclass
class Projection:
    """One run of the workbench: totals by year (measure, year, value and its 80% and 95%
    range), the scenario it ran, and how long it took (seconds)."""

    totals: pd.DataFrame
    scenario: S.Scenario
    seconds: float


class Workbench:
    """One council and a starting scenario; :meth:`run` projects with any settings."""

    def __init__(
        self,
        tables: Tables,
        la_code: str,
        scenario_file: str | Path,
        horizon: int = 5,
        evidence=None,
    ) -> None:
        """``evidence``: the council's local evidence (fees, uplifts, people in supported
        living), as :func:`msp_analysis.forecast.run.run` takes it."""
        self.tables = tables
        self.la_code = la_code
        self.council = council_of(la_code).name
        self.horizon = horizon
        self.figures = costs.CouncilFigures.from_evidence(evidence, la_code)
        self.base_doc = yaml.safe_load(Path(scenario_file).read_text())
        self.base = S.load(scenario_file)
        self.base_year, returns_year, _ = forecast_run.choose_base(tables)
        self.first_year = self.base_year + 1
        # supported living as the projection costs it when the scenario states no cost
        # (returns' year prices), in the scenario's price year as the setting is stated
        values = copy.deepcopy(self.base.values)
        values["setting_costs"]["weekly_cost_gbp"].pop("Supported living", None)
        unstated = dataclasses.replace(self.base, values=values)
        sl = costs.supported_living_weekly(tables, la_code, returns_year, unstated, self.figures)
        price_year = self.base.value("setting_costs")["price_year"]
        self.supported_living_gbp = round(
            sl["weekly_gbp"]
            * costs.price_index(self.base, "Supported living", returns_year, price_year),
            2,
        )
        self.defaults = defaults(self.base, self.first_year, self.supported_living_gbp)

    def document(self, settings: Settings, name: str = "workbench") -> dict:
        return document(self.base_doc, settings, name, self.first_year, self.supported_living_gbp)

    def run(self, settings: Settings | None = None, name: str = "workbench") -> Projection:
        """The council's projection under ``settings`` (the starting scenario's by default)."""
        start = time.perf_counter()
        sc = load_document(self.document(settings or self.defaults, name))
        frame, info = forecast_run.project_council(
            self.tables, self.la_code, sc, self.horizon, self.figures
        )
        totals = forecast_run.totals(frame, info, sc.name, self.la_code)
        return Projection(totals, sc, time.perf_counter() - start)

    def save(self, settings: Settings, path: str | Path, name: str | None = None) -> Path:
        """Write the settings as a scenario YAML (validated first); returns the path."""
        p = Path(path)
        if p.suffix.lower() not in (".yml", ".yaml"):
            p = p.with_suffix(".yml")
        doc = self.document(settings, name or p.stem)
        load_document(doc)  # a bad value is an error here, not when the file is next read
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
        return p

    def settings_table(self, settings: Settings) -> pd.DataFrame:
        """The settings as a two-column table for people (setting, value in words)."""
        prices = financial_year(self.base.value("setting_costs")["price_year"])
        words = {
            "shift_share": "New LD 18-64 residential placements moved to supported living and Shared Lives",
            "phase_in_years": "Years to phase the move in",
            "supported_living_weekly_gbp": f"Supported living, £ a week ({prices} prices)",
            "shared_lives_weekly_gbp": f"Shared Lives, £ a week ({prices} prices)",
            "first_year_uplift_pct": f"Council fee uplift {financial_year(self.first_year)}, %",
            "pay_uplift_pct": "Wage floor after the published years, % a year",
            "cpi_pct": "CPI after the published years, % a year",
        }
        rows = []
        for k, v in asdict(settings).items():
            if k == "shift_share":
                text = f"{v:.0%}"
            elif v is None:
                text = "the council's own uplifts where given, else the national pay and price path"
            elif k.endswith("_gbp"):
                text = f"£{v:,.0f}"
            else:
                text = f"{v:g}"
            rows.append({"setting": words[k], "value": text})
        return pd.DataFrame(rows)
