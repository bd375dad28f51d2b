"""Fees and costs: ASC-FR unit costs (weekly care home costs, hourly home care rates)."""

from __future__ import annotations

from msp_analysis.indicators.catalogue import Indicator, computes, make
from msp_analysis.tables import MissingSource, Tables


@computes(
    "unit_cost_weekly_65",
    "unit_cost_weekly_18_64",
    "unit_cost_weekly_18_64_by_reason",
    "unit_cost_weekly_65_by_reason",
    "unit_cost_weekly_residential_by_provision",
    "home_care_hourly_rate",
)
def unit_costs(tables: Tables) -> list[Indicator]:
    if not tables.has("ascfr"):
        raise MissingSource("no ASC-FR table was loaded")
    a = tables.require("ascfr")
    a = a[a["area_type"].isin(["council", "region", "england"])]
    cols = ["la_code", "area_type", "year", "breakdown", "value"]
    out = []

    def add(name, frame, breakdown):
        if len(frame):
            out.append(
                make(
                    name,
                    frame.assign(breakdown=breakdown)[cols],
                    "as published; change_pct is the change on the previous year",
                )
            )

    t52 = a[a["table_ref"] == "T52"]
    add(
        "unit_cost_weekly_65",
        t52[t52["age_band"] == "65 and over"],
        t52.loc[t52["age_band"] == "65 and over", "support_setting"],
    )
    add(
        "unit_cost_weekly_18_64",
        t52[t52["age_band"] == "18 to 64"],
        t52.loc[t52["age_band"] == "18 to 64", "support_setting"],
    )
    for name, ref in (
        ("unit_cost_weekly_18_64_by_reason", "T53"),
        ("unit_cost_weekly_65_by_reason", "T54"),
    ):
        t = a[a["table_ref"] == ref]
        add(name, t, t["support_setting"] + ": " + t["primary_support_reason"])
    t55 = a[a["table_ref"] == "T55"]
    add("unit_cost_weekly_residential_by_provision", t55, t55["provision"] + ": " + t55["age_band"])
    t51 = a[a["table_ref"] == "T51"]
    add("home_care_hourly_rate", t51, t51["provision"])
    if not out:
        raise MissingSource("the loaded ASC-FR files have no unit cost tables (T51-T55)")
    return out
