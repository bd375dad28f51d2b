"""Fees and costs: ASC-FR unit costs (weekly care home costs, hourly home care rates)."""

from __future__ import annotations

import pandas as pd

from msp_analysis.indicators.catalogue import Indicator, computes, make
from msp_analysis.tables import MissingSource, Tables

#: The 2014-15 council-level unit costs file (ASC-FR's first year, before the data tables).
EARLY = "Council unit costs 2014-15"


def _earlier_unit_costs(a: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Weekly unit costs from the 2014-15 council unit costs file, shaped like the data tables'
    T52 (by age band and setting) and T53/T54 (by setting and support reason): spend over weeks
    of all council-funded care. The file gives no age band total over support reasons, so T52's
    is the reasons' spend summed over their weeks summed (missing where a reason is missing)."""
    e = a[(a["table_ref"] == EARLY) & (a["provision"] == "Total")]
    empty = a.iloc[0:0]
    if e.empty:
        return {"T52": empty, "T53": empty, "T54": empty}
    keys = ["la_code", "area_type", "year", "age_band", "support_setting"]
    by_reason = e[(e["measure"] == "unit_cost") & (e["primary_support_reason"] != "Total")]
    parts = e[
        e["measure"].isin(["unit_cost_numerator", "unit_cost_weeks"])
        & e["age_band"].isin(["18 to 64", "65 and over"])
        & (e["primary_support_reason"] != "Total")
    ]
    wide = parts.pivot_table(
        index=[*keys, "primary_support_reason"], columns="measure", values="value", aggfunc="sum"
    ).reset_index()
    whole = wide.groupby(keys, as_index=False).agg(
        spend=("unit_cost_numerator", lambda v: v.sum(min_count=len(v))),
        weeks=("unit_cost_weeks", lambda v: v.sum(min_count=len(v))),
    )
    whole["value"] = whole["spend"] * 1000 / whole["weeks"].where(whole["weeks"] > 0)
    return {
        "T52": whole.assign(primary_support_reason="Total"),
        "T53": by_reason[by_reason["age_band"] == "18 to 64"],
        "T54": by_reason[by_reason["age_band"] == "65 and over"],
    }


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

    early = _earlier_unit_costs(a)
    t52 = pd.concat([a[a["table_ref"] == "T52"], early["T52"]], ignore_index=True)
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
        t = pd.concat([a[a["table_ref"] == ref], early[ref]], ignore_index=True)
        add(name, t, t["support_setting"] + ": " + t["primary_support_reason"])
    t55 = a[a["table_ref"] == "T55"]
    add("unit_cost_weekly_residential_by_provision", t55, t55["provision"] + ": " + t55["age_band"])
    t51 = a[a["table_ref"] == "T51"]
    add("home_care_hourly_rate", t51, t51["provision"])
    if not out:
        raise MissingSource("the loaded ASC-FR files have no unit cost tables (T51-T55)")
    return out
