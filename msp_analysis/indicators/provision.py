"""Who provides each market's care: the council's own (in-house) share of its spend (ASC-FR).

ASC-FR splits gross spend on long-term care by who provides it (own provision, provision by
others, grants to voluntary organisations) only in the 2014-15 council expenditure file of the
files the package reads; later data tables give no split by setting. The share is therefore of
2014-15 spend, and every figure says so. A council that provides much of a market itself has
fewer independent providers to call on: one of the public measures of diversity of provision.
"""

from __future__ import annotations

import pandas as pd

from msp_analysis.indicators.catalogue import Indicator, computes, make
from msp_analysis.indicators.core import area_rate
from msp_analysis.tables import MissingSource, Tables

OWN = "gross_total_cost_own_provision"
TOTAL = "gross_total_cost_total_expenditure"
ADULTS = ("18 to 64", "65 and over")

#: indicator -> (age bands, support settings, primary support reason) of the spend it shares
IN_HOUSE = {
    "in_house_share_care_home_65": (("65 and over",), ("Residential", "Nursing"), "Total"),
    "in_house_share_home_care_18": (ADULTS, ("Community: Home Care",), "Total"),
    "in_house_share_supported_living": (ADULTS, ("Community: Supported Living",), "Total"),
    "in_house_share_learning_disability": (
        ("18 to 64",),
        ("Total",),
        "Learning Disability Support",
    ),
    "in_house_share_mental_health": (("18 to 64",), ("Total",), "Mental Health Support"),
    "in_house_share_other_community": (ADULTS, ("Community: Other Long Term Care",), "Total"),
}


def _spend(a: pd.DataFrame, measure: str, ages, settings, reason: str) -> pd.Series:
    """Gross spend (£ thousands) by council and year on the given long-term care."""
    sel = a[
        (a["measure"] == measure)
        & a["age_band"].isin(ages)
        & a["support_setting"].isin(settings)
        & (a["primary_support_reason"] == reason)
    ]
    return sel.groupby(["la_code", "year"])["value"].sum(min_count=1)


@computes(*IN_HOUSE)
def in_house_shares(tables: Tables) -> list[Indicator]:
    """The council's own provision as a share of its gross spend on each market's long-term care."""
    if not tables.has("ascfr"):
        raise MissingSource("no ASC-FR table was loaded")
    a = tables.require("ascfr")
    a = a[
        (a["care_type"] == "Long Term Care")
        & a["measure"].isin([OWN, TOTAL])
        & (a["area_type"] == "council")
    ]
    if a.empty:
        raise MissingSource(
            "no ASC-FR spend split by who provides it was loaded (the 2014-15 council "
            "expenditure file has it)"
        )
    out = []
    for name, (ages, settings, reason) in IN_HOUSE.items():
        total = _spend(a, TOTAL, ages, settings, reason)
        # nursing care has no own-provision cell in the return (councils do not run nursing
        # homes): beside a published total, a missing own-provision figure counts as none
        own = _spend(a, OWN, ages, settings, reason).reindex(total.index).fillna(0.0)
        own = own.where(total.notna())
        frames = [
            s.rename("value").reset_index().assign(area_type="council", breakdown="Total")
            for s in (own, total)
        ]
        area = area_rate(frames[0], frames[1], keys=["year", "breakdown"], scale=100)
        out.append(
            make(
                name,
                area,
                "the council's own provision as a share of gross total cost on the market's "
                "long-term care, from the latest year the files loaded split spend by who "
                "provides it",
            )
        )
    return out
