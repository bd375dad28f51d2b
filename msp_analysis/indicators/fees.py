"""Fees and costs: ASC-FR unit costs (weekly care home costs, hourly home care rates)."""

from __future__ import annotations

from msp_analysis.indicators.base import Indicator, Provides
from msp_analysis.tables import MissingSource, Tables

SRC = "ASC-FR (NHS Digital)"
PROVIDES = [
    Provides("care_home_65", "unit_cost_weekly_65", "£ per week", SRC + " T52"),
    Provides("all", "unit_cost_weekly_18_64", "£ per week", SRC + " T52"),
    Provides("all", "unit_cost_weekly_18_64_by_reason", "£ per week", SRC + " T53"),
    Provides("care_home_65", "unit_cost_weekly_65_by_reason", "£ per week", SRC + " T54"),
    Provides(
        "care_home_65", "unit_cost_weekly_residential_by_provision", "£ per week", SRC + " T55"
    ),
    Provides("home_care_18", "home_care_hourly_rate", "£ per hour", SRC + " T51"),
]


def unit_costs(tables: Tables) -> list[Indicator]:
    if not tables.has("ascfr"):
        raise MissingSource("no ASC-FR table was loaded")
    a = tables.require("ascfr")
    a = a[a["area_type"].isin(["council", "region", "england"])]
    cols = ["la_code", "area_type", "year", "breakdown", "value"]
    out = []

    def add(
        p, frame, breakdown, note="as published; change_pct is the change on the previous year"
    ):
        if len(frame):
            out.append(
                Indicator(
                    p.market,
                    p.name,
                    p.unit,
                    p.source,
                    frame.assign(breakdown=breakdown)[cols],
                    note,
                )
            )

    t52 = a[a["table_ref"] == "T52"]
    add(
        PROVIDES[0],
        t52[t52["age_band"] == "65 and over"],
        t52.loc[t52["age_band"] == "65 and over", "support_setting"],
    )
    add(
        PROVIDES[1],
        t52[t52["age_band"] == "18 to 64"],
        t52.loc[t52["age_band"] == "18 to 64", "support_setting"],
    )
    for p, ref in ((PROVIDES[2], "T53"), (PROVIDES[3], "T54")):
        t = a[a["table_ref"] == ref]
        add(p, t, t["support_setting"] + ": " + t["primary_support_reason"])
    t55 = a[a["table_ref"] == "T55"]
    add(PROVIDES[4], t55, t55["provision"] + ": " + t55["age_band"])
    t51 = a[a["table_ref"] == "T51"]
    add(PROVIDES[5], t51, t51["provision"])
    if not out:
        raise MissingSource("the loaded ASC-FR files have no unit cost tables (T51-T55)")
    return out


GROUPS = [(unit_costs, PROVIDES)]
