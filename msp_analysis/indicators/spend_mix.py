"""Spend mix: gross current expenditure by support setting and primary support reason, shares and per head."""

from __future__ import annotations

import pandas as pd

from msp_analysis.indicators.base import Indicator, Provides
from msp_analysis.indicators.core import (
    align_population,
    area_rate,
    population_by_band,
    population_note,
)
from msp_analysis.tables import MissingSource, Tables

SRC = "ASC-FR (NHS Digital)"
PROVIDES = [
    Provides(
        "all",
        "gce_long_term_by_setting_share",
        "% of long-term GCE in the age band",
        SRC + " T43/T44",
    ),
    Provides(
        "all",
        "gce_long_term_by_setting_per_head",
        "£ per person in the age band",
        SRC + " T43/T44; ONS",
    ),
    Provides(
        "all", "gce_by_reason_share", "% of long and short term GCE in the age band", SRC + " T18"
    ),
    Provides("all", "gce_total_per_adult", "£ per adult", SRC + " T15; ONS"),
]


def _share(t: pd.DataFrame, dim: str) -> pd.DataFrame:
    total = t[t[dim] == "Total"].set_index(["la_code", "year", "age_band"])["value"]
    parts = t[t[dim] != "Total"].copy()
    parts["value"] = (
        parts["value"]
        / parts.set_index(["la_code", "year", "age_band"]).index.map(total).to_numpy()
        * 100
    )
    parts["breakdown"] = parts["age_band"] + ": " + parts[dim]
    return parts[["la_code", "area_type", "year", "breakdown", "value"]]


def spend_mix(tables: Tables) -> list[Indicator]:
    if not tables.has("ascfr"):
        raise MissingSource("no ASC-FR table was loaded")
    a = tables.require("ascfr")
    a = a[a["area_type"].isin(["council", "region", "england"])]
    out = []
    setting = a[a["table_ref"].isin(["T43", "T44"])]
    if len(setting):
        p = PROVIDES[0]
        out.append(
            Indicator(
                p.market,
                p.name,
                p.unit,
                p.source,
                _share(setting, "support_setting"),
                "£ thousands as published",
            )
        )
        if tables.has("population"):
            bands = population_by_band(
                tables.get("population"),
                {"18 to 64": (18, 64), "65 and over": (65, None), "Total": (18, None)},
            )
            pop, used = align_population(bands, sorted(setting["year"].unique().astype(int)))
            num = setting.assign(
                value=setting["value"] * 1000,
                breakdown=setting["age_band"] + ": " + setting["support_setting"],
            )
            pop_age = pop.rename(columns={"breakdown": "age_band"})
            merged = num.merge(
                pop_age[["la_code", "year", "age_band", "value"]].rename(columns={"value": "pop"}),
                on=["la_code", "year", "age_band"],
                how="left",
            )
            merged["value"] = merged["value"] / merged["pop"]
            p = PROVIDES[1]
            out.append(
                Indicator(
                    p.market,
                    p.name,
                    p.unit,
                    p.source,
                    merged[["la_code", "area_type", "year", "breakdown", "value"]],
                    population_note(used),
                )
            )
    reason = a[a["table_ref"] == "T18"]
    if len(reason):
        p = PROVIDES[2]
        out.append(
            Indicator(
                p.market,
                p.name,
                p.unit,
                p.source,
                _share(reason, "primary_support_reason"),
                "£ thousands as published",
            )
        )
    total = a[(a["table_ref"] == "T15") & a["care_type"].str.startswith("Total")]
    if len(total) and tables.has("population"):
        bands = population_by_band(tables.get("population"), {"Total": (18, None)})
        pop, used = align_population(bands, sorted(total["year"].unique().astype(int)))
        num = total.assign(value=total["value"] * 1000, breakdown="Total")[
            ["la_code", "area_type", "year", "breakdown", "value"]
        ]
        p = PROVIDES[3]
        out.append(
            Indicator(
                p.market,
                p.name,
                p.unit,
                p.source,
                area_rate(num, pop, keys=["year", "breakdown"]),
                population_note(used),
            )
        )
    if not out:
        raise MissingSource(
            "the loaded ASC-FR files have no expenditure tables (T15, T18, T43, T44)"
        )
    return out


GROUPS = [(spend_mix, PROVIDES)]
