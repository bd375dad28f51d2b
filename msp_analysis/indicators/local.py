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
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from msp_analysis import geography
from msp_analysis.configs import ConfigModel, load_yaml
from msp_analysis.errors import SettingsError
from msp_analysis.indicators.core import OUTPUT_COLUMNS
from msp_analysis.indicators.markets import MARKETS, Market

MarketKey = Market

#: measure -> (label, allowed units; the first is the default)
MEASURES: dict[str, tuple[str, tuple[str, ...]]] = {
    "fee_rate": ("Fee rate the council pays", ("£ per week", "£ per hour")),
    "cost_of_care": ("Cost of care (the council's own exercise)", ("£ per week", "£ per hour")),
    "occupancy_pct": ("Care home occupancy", ("%",)),
    "vacant_beds": ("Vacant care home beds", ("beds",)),
    "waiting_list": ("People waiting for a service", ("people",)),
    "average_wait_days": ("Average wait for a service", ("days",)),
    "provider_exits": ("Providers that left the market in the last 12 months", ("providers",)),
    "handed_back_packages": (
        "Packages or placements handed back by providers",
        ("packages",),
    ),
    "out_of_area_placements": ("People placed outside the council's area", ("people",)),
    "self_funder_share_pct": ("Share of people who fund their own care", ("%",)),
    "people_supported": ("People the council supports in this market", ("people",)),
    "largest_providers_share_pct": (
        "Share of the market held by the five largest providers",
        ("%",),
    ),
    "care_worker_vacancy_rate_pct": ("Care worker vacancy rate", ("%",)),
    "fee_uplift_pct": ("Fee uplift the council gave providers for the year", ("%",)),
}
MeasureKey = Literal[
    "fee_rate",
    "cost_of_care",
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
    "fee_uplift_pct",
]
GAP = "local_fee_to_cost_gap_pct"
GAP_LABEL = "Fee paid against the council's cost of care"
OWN_RECORDS = "Council's own records"


class Figure(ConfigModel):
    """One figure from the council's records."""

    market: MarketKey = Field(description="the market the figure describes")
    measure: MeasureKey = Field(description="what is measured (see MEASURES)")
    value: float = Field(ge=0, description="the figure, in its unit")
    unit: str | None = Field(None, description="unit; defaults to the measure's own")
    period: str = Field(description="the period the figure covers, e.g. 2024-25 or March 2024")
    source: str = Field(min_length=3, description="where the figure comes from")
    date: dt.date = Field(description="when the figure was taken (YYYY-MM-DD)")
    note: str = ""

    @model_validator(mode="after")
    def _unit(self) -> Figure:
        allowed = MEASURES[self.measure][1]
        if self.unit is None:
            self.unit = allowed[0]
        elif self.unit not in allowed:
            raise ValueError(f"unit {self.unit!r} is not one of {list(allowed)} for {self.measure}")
        return self


class LocalEvidence(ConfigModel):
    """A council's local evidence file."""

    name: str
    version: str | int = "1"
    description: str = ""
    la_code: str | None = Field(None, description="the council's ONS code")
    example: bool = Field(False, description="true for an example, never a council's own")
    figures: list[Figure] = Field(default_factory=list)


def load_evidence(path: str | Path) -> LocalEvidence:
    """The local evidence file, validated by :class:`LocalEvidence`.

    Raises:
        SettingsError: one line naming the file and the key that is wrong
            (e.g. ``figures[3].unit``), or that the file does not exist.
    """
    p = Path(path)
    if not p.is_file():
        raise SettingsError(f"local evidence file '{p}' does not exist")
    return load_yaml(p, LocalEvidence)


def evidence_for(la_code: str, evidence_file: str | Path | None = None, *, demo: bool = False):
    """The evidence a run for ``la_code`` uses: the file given, else the shipped default for
    the council (the DEMO example for its council, figures from public documents where the
    package has them), else None. A default for another council is never used."""
    from msp_analysis import resources

    if evidence_file:
        return load_evidence(evidence_file)
    path = resources.default_evidence(la_code, demo)
    if path is None:
        return None
    found = load_evidence(path)
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
                            "% above (+) or below (-) the cost of care",
                            a.period,
                            f"{OWN_RECORDS}: {a.source}; {b.source}",
                            f"fee {a.unit} {a.value:,.2f} against cost of care {b.value:,.2f}",
                        )
                    )
    out = pd.DataFrame(rows)[OUTPUT_COLUMNS]
    out["year"] = out["year"].astype("Int64")
    out["rank"] = out["rank"].astype("Int64")
    return out


def _row(la_code, market, indicator, value, unit, period, source, note) -> dict:
    row: dict = {c: np.nan for c in OUTPUT_COLUMNS}
    row.update(
        la_code=la_code,
        la_name=geography.council_name(la_code),
        market=market,
        indicator=indicator,
        breakdown="Total",
        year=pd.NA,
        year_label=period,
        value=float(value),
        unit=unit,
        status="ok",
        source=source,
        note=note,
    )
    return row


def label_of(indicator: str) -> str:
    """Words for a ``local_*`` indicator."""
    if indicator == GAP:
        return GAP_LABEL
    return MEASURES.get(indicator.removeprefix("local_"), (indicator,))[0]
