"""The council's own evidence: a validated YAML file of figures no published return holds.

Much of a Market Sustainability Plan rests on a council's own records: the fee it pays and
its cost of care, waits and waiting lists, provider exits and handed-back packages,
out-of-area placements, care home occupancy (Capacity Tracker) and the self-funder share.
A council lists them in a local evidence file (``msp_analysis/resources/templates/local_evidence.yml`` is the
empty template; ``local_evidence_example.yml`` beside it is a filled example for the
DEMO council), one figure per entry with its market, source and date:

.. code-block:: yaml

    name: Demoshire local evidence
    version: "1"
    la_code: E10900001
    figures:
      - {market: care_home_65, measure: fee_rate, value: 812, unit: £ per week,
         period: 2024-25, source: Fee schedule 2024-25, date: 2024-04-01}

The file is validated on load (:class:`LocalEvidence`, pydantic; unknown keys, markets,
measures and units are rejected with a message naming the file and the entry), and its
figures become indicator rows ``local_<measure>`` that the risk rules and the plan read.
Where a market has both a fee rate and a cost of care in the same unit, the gap between
them (``local_fee_to_cost_gap_pct``) is computed here: fees are compared with the cost of
care only from the council's own figures, never from ASC-FR unit costs.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import Field, model_validator

from msp_analysis.configs import ConfigModel
from msp_analysis.errors import SettingsError
from msp_analysis.indicators.core import OUTPUT_COLUMNS, council_row
from msp_analysis.indicators.markets import MARKETS, Market

MarketKey = Market

WEEK = "£ per week"
HOUR = "£ per hour"
#: Fees and costs in each market: a care home is paid by the week and home care by the hour;
#: the other markets may be either. A home care fee "per week" is refused, never used.
MONEY_UNITS: dict[str, tuple[str, ...]] = {
    "care_home_65": (WEEK,),
    "home_care_18": (HOUR,),
    "supported_living": (HOUR, WEEK),
}
#: The range a fee or cost can take in each unit (a weekly figure below £100 is an hourly one).
MONEY_RANGE: dict[str, tuple[float, float]] = {WEEK: (100.0, 15_000.0), HOUR: (5.0, 200.0)}


@dataclass(frozen=True)
class Theme:
    """A group of measures: one sheet of the evidence workbook."""

    key: str
    title: str
    sheet: str  # an Excel sheet name: at most 31 characters
    help: str


THEMES: dict[str, Theme] = {
    t.key: t
    for t in (
        Theme(
            "fees",
            "Fees and cost of care",
            "Fees and cost of care",
            "The fee the council pays, its own cost of care (per week for care homes, per hour "
            "for home care) and the fee uplift it gives for the year (the period is the "
            "financial year it applies to). A fee below the cost of care runs the cost of care "
            "risk test.",
        ),
        Theme(
            "capacity",
            "Capacity and occupancy",
            "Capacity and occupancy",
            "Care home occupancy and vacant beds (Capacity Tracker), the people the council "
            "supports in each market and the largest providers' share of it.",
        ),
        Theme(
            "waits",
            "Waits",
            "Waits",
            "People waiting for a service and the average wait, from brokerage records.",
        ),
        Theme(
            "exits",
            "Provider exits and handed-back packages",
            "Provider exits and hand-backs",
            "Providers that left the market and packages or placements handed back, from the "
            "contracts register, over the last 12 months.",
        ),
        Theme(
            "out_of_area",
            "Out-of-area placements",
            "Out-of-area placements",
            "People the council places outside its area, from its placements register.",
        ),
        Theme(
            "self_funders",
            "Self-funders",
            "Self-funders",
            "The share of people in the market who pay for their own care.",
        ),
        Theme(
            "workforce",
            "Workforce",
            "Workforce",
            "The care worker vacancy rate reported by providers (a provider survey).",
        ),
    )
}


@dataclass(frozen=True)
class Measure:
    """One measure a council may give: declared once, read by the YAML and workbook readers,
    the checks, the workbook's rows and the plan's labels."""

    key: str
    label: str
    theme: str
    units: tuple[str, ...]  # allowed units; the first is the default
    low: float = 0.0  # the range a figure can take (money: MONEY_RANGE by unit instead)
    high: float = 1e9
    whole: bool = False  # a count of people, beds, providers or packages
    markets: tuple[str, ...] = ()  # the markets the workbook lays out a row for

    @property
    def money(self) -> bool:
        return self.units[0].startswith("£")

    def units_for(self, market: str) -> tuple[str, ...]:
        """The units this measure can take in ``market``."""
        if not self.money:
            return self.units
        return tuple(u for u in MONEY_UNITS.get(market, self.units) if u in self.units)

    def range_for(self, unit: str) -> tuple[float, float]:
        return MONEY_RANGE[unit] if self.money else (self.low, self.high)


_SPECIALIST = ("learning_disability", "mental_health", "autism")
MEASURES: dict[str, Measure] = {
    m.key: m
    for m in (
        Measure(
            "fee_rate",
            "Fee rate the council pays",
            "fees",
            (WEEK, HOUR),
            markets=("care_home_65", "home_care_18", "supported_living", *_SPECIALIST),
        ),
        Measure(
            "cost_of_care",
            "Cost of care (the council's own exercise)",
            "fees",
            (WEEK, HOUR),
            markets=("care_home_65", "home_care_18"),
        ),
        Measure(
            "fee_uplift_pct",
            "Fee uplift the council gave providers for the year",
            "fees",
            ("%",),
            -20,
            50,
            markets=("care_home_65", "home_care_18", "supported_living", *_SPECIALIST),
        ),
        Measure(
            "occupancy_pct",
            "Care home occupancy",
            "capacity",
            ("%",),
            0,
            100,
            markets=("care_home_65",),
        ),
        Measure(
            "vacant_beds",
            "Vacant care home beds",
            "capacity",
            ("beds",),
            0,
            100_000,
            True,
            markets=("care_home_65",),
        ),
        Measure(
            "people_supported",
            "People the council supports in this market",
            "capacity",
            ("people",),
            0,
            1_000_000,
            True,
            markets=(
                "care_home_65",
                "home_care_18",
                "supported_living",
                *_SPECIALIST,
                "other_community",
            ),
        ),
        Measure(
            "largest_providers_share_pct",
            "Share of the market held by the five largest providers",
            "capacity",
            ("%",),
            0,
            100,
            markets=("care_home_65", "home_care_18"),
        ),
        Measure(
            "waiting_list",
            "People waiting for a service",
            "waits",
            ("people",),
            0,
            1_000_000,
            True,
            markets=("care_home_65", "home_care_18", "supported_living"),
        ),
        Measure(
            "average_wait_days",
            "Average wait for a service",
            "waits",
            ("days",),
            0,
            730,
            markets=("care_home_65", "home_care_18", "supported_living"),
        ),
        Measure(
            "provider_exits",
            "Providers that left the market in the last 12 months",
            "exits",
            ("providers",),
            0,
            10_000,
            True,
            markets=("care_home_65", "home_care_18", "supported_living"),
        ),
        Measure(
            "handed_back_packages",
            "Packages or placements handed back by providers",
            "exits",
            ("packages",),
            0,
            1_000_000,
            True,
            markets=("home_care_18", "supported_living", "care_home_65"),
        ),
        Measure(
            "out_of_area_placements",
            "People placed outside the council's area",
            "out_of_area",
            ("people",),
            0,
            1_000_000,
            True,
            markets=("care_home_65", *_SPECIALIST),
        ),
        Measure(
            "self_funder_share_pct",
            "Share of people who fund their own care",
            "self_funders",
            ("%",),
            0,
            100,
            markets=("care_home_65", "home_care_18"),
        ),
        Measure(
            "care_worker_vacancy_rate_pct",
            "Care worker vacancy rate",
            "workforce",
            ("%",),
            0,
            100,
            markets=("home_care_18", "care_home_65", "supported_living"),
        ),
    )
}
MeasureKey = Literal[
    "fee_rate",
    "cost_of_care",
    "fee_uplift_pct",
    "occupancy_pct",
    "vacant_beds",
    "waiting_list",
    "average_wait_days",
    "provider_exits",
    "handed_back_packages",
    "out_of_area_placements",
    "self_funder_share_pct",
    "people_supported",
    "largest_providers_share_pct",
    "care_worker_vacancy_rate_pct",
]
GAP = "local_fee_to_cost_gap_pct"
GAP_LABEL = "Fee above (+) or below (−) the council's cost of care"
OWN_RECORDS = "Council's own records"
#: dates a figure can have been taken on
EARLIEST_DATE = dt.date(2000, 1, 1)


class Figure(ConfigModel):
    """One figure from the council's records."""

    market: MarketKey = Field(description="the market the figure describes")
    measure: MeasureKey = Field(description="what is measured (see MEASURES)")
    value: float = Field(description="the figure, in its unit (range: see MEASURES)")
    unit: str | None = Field(None, description="unit; defaults to the measure's own in the market")
    period: str = Field(
        min_length=1, description="the period the figure covers, e.g. 2024-25 or March 2024"
    )
    source: str = Field(min_length=3, description="where the figure comes from")
    date: dt.date = Field(description="when the figure was taken (YYYY-MM-DD)")
    note: str = ""

    @model_validator(mode="after")
    def _default_unit(self) -> Figure:
        if self.unit is None:
            units = MEASURES[self.measure].units_for(self.market) or MEASURES[self.measure].units
            self.unit = units[0]
        return self


class LocalEvidence(ConfigModel):
    """A council's local evidence file."""

    name: str
    version: str | int = "1"
    description: str = ""
    la_code: str | None = Field(None, description="the council's ONS code")
    example: bool = Field(False, description="true for an example, never a council's own")
    figures: list[Figure] = Field(default_factory=list)


def _number(x: float) -> str:
    return f"{x:,.2f}".rstrip("0").rstrip(".") if x != int(x) else f"{int(x):,}"


def figure_problems(f: Figure, today: dt.date | None = None) -> list[tuple[str, str]]:
    """What cannot be right in a figure that parsed, as (field, problem in words).

    A unit the measure cannot take in its market (a home care fee per week), a value out of
    the range the measure can take, a count that is not whole, a date in the future.
    """
    m = MEASURES[f.measure]
    market = MARKETS.get(f.market, f.market)
    unit = str(f.unit)
    out: list[tuple[str, str]] = []
    if unit not in m.units:
        out.append(("unit", f"'{unit}' is not a unit of '{m.label}' (use {' or '.join(m.units)})"))
    elif unit not in m.units_for(f.market):
        allowed = " or ".join(m.units_for(f.market))
        out.append(
            (
                "unit",
                f"'{m.label}' for {market} is in {allowed}, not {unit} (is the figure for "
                "another market, or in another unit?)",
            )
        )
    elif not math.isfinite(f.value):
        out.append(("value", "not a number"))
    else:
        low, high = m.range_for(unit)
        if not low <= f.value <= high:
            out.append(
                (
                    "value",
                    f"{_number(f.value)} {unit} is outside the range '{m.label}' can take "
                    f"({_number(low)} to {_number(high)} {unit})",
                )
            )
        elif m.whole and f.value != int(f.value):
            out.append(("value", f"{_number(f.value)} is not a whole number of {unit}"))
    today = today or dt.date.today()
    if f.date > today:
        out.append(
            ("date", f"{f.date.isoformat()} is in the future (the date the figure was taken)")
        )
    elif f.date < EARLIEST_DATE:
        out.append(("date", f"{f.date.isoformat()} is before {EARLIEST_DATE.year}"))
    return out


def load_evidence(path: str | Path, la_code: str | None = None) -> LocalEvidence:
    """The council's local evidence from a workbook (``.xlsx``) or a YAML file, fully checked.

    Every problem is found before any is reported: each is one line naming the file and the
    sheet, row and column (workbook) or key (YAML). An empty or unchanged template, and a
    file for another council than ``la_code``, are refused.

    Raises:
        EvidenceError: the problems, one a line (``.problems``).
    """
    from msp_analysis.indicators import evidence_read

    return evidence_read.load(path, la_code)


def read_evidence(path: str | Path) -> LocalEvidence:
    """The file's figures as written, checked, but an empty template allowed (for tools)."""
    from msp_analysis.indicators import evidence_read

    return evidence_read.load(path, None, allow_empty=True)


def evidence_for(la_code: str, evidence_file: str | Path | None = None, *, demo: bool = False):
    """The evidence a run for ``la_code`` uses: the file given, else the shipped default for
    the council (the DEMO example for its council, figures from public documents where the
    package has them), else None. A default for another council is never used."""
    from msp_analysis import resources

    if evidence_file:
        return load_evidence(evidence_file, la_code)
    path = resources.default_evidence(la_code, demo)
    if path is None:
        return None
    found = read_evidence(path)
    return found if found.la_code in (None, la_code) else None


def evidence_rows(evidence: LocalEvidence | None, la_code: str) -> pd.DataFrame:
    """Indicator rows (the Section 1 columns) for the council's own figures, with fee-to-cost gaps.

    Raises:
        SettingsError: the file names a different council.
    """
    if evidence is None or not evidence.figures:
        return pd.DataFrame(columns=OUTPUT_COLUMNS)
    if evidence.la_code and evidence.la_code != la_code:
        raise SettingsError(
            f"local evidence '{evidence.name}' is for {evidence.la_code}, not {la_code}"
        )
    rows = []
    for f in evidence.figures:
        rows.append(
            _row(
                la_code,
                f.market,
                f"local_{f.measure}",
                f.value,
                f.unit,
                f.period,
                f"{OWN_RECORDS}: {f.source}, {f.date.day} {f.date:%B %Y}",
                f.note,
            )
        )
    for market in MARKETS:
        fee = [f for f in evidence.figures if f.market == market and f.measure == "fee_rate"]
        cost = [f for f in evidence.figures if f.market == market and f.measure == "cost_of_care"]
        for a in fee:
            for b in cost:
                if a.unit == b.unit and b.value > 0:
                    rows.append(
                        _row(
                            la_code,
                            market,
                            GAP,
                            (a.value - b.value) / b.value * 100,
                            "%",
                            a.period,
                            f"{OWN_RECORDS}: {a.source}; {b.source}",
                            f"fee £{a.value:,.2f} against a cost of care of £{b.value:,.2f} "
                            f"{str(a.unit).removeprefix('£ ')}",
                        )
                    )
    out = pd.DataFrame(rows)[OUTPUT_COLUMNS]
    out["year"] = out["year"].astype("Int64")
    out["rank"] = out["rank"].astype("Int64")
    return out


def _row(la_code, market, indicator, value, unit, period, source, note) -> dict:
    return council_row(
        la_code,
        market=market,
        indicator=indicator,
        year=pd.NA,
        year_label=period,
        value=float(value),
        unit=unit,
        status="ok",
        source=source,
        note=note,
    )


def unit_of(indicator: str, market: str) -> str:
    """The unit a ``local_*`` indicator's figure takes in ``market`` ('' for none known): a rule
    on a figure the evidence file lacks still says its threshold in it ('above 95%')."""
    if indicator == GAP:
        return "%"
    m = MEASURES.get(indicator.removeprefix("local_"))
    units = (m.units_for(market) or m.units) if m else ()
    return units[0] if units else ""


def label_of(indicator: str) -> str:
    """Words for a ``local_*`` indicator."""
    if indicator == GAP:
        return GAP_LABEL
    m = MEASURES.get(indicator.removeprefix("local_"))
    return m.label if m else indicator
