"""Spend mix: gross current expenditure by support setting and primary support reason, shares and per head."""

from __future__ import annotations

import pandas as pd

from msp_analysis.indicators.catalogue import Indicator, computes, make
from msp_analysis.indicators.core import (
    add_aggregates,
    align_population,
    area_rate,
    population_by_band,
    population_note,
)
from msp_analysis.tables import MissingSource, Tables

#: The primary support reasons a long-term care total is the sum of.
REASONS = (
    "Physical Support",
    "Sensory Support",
    "Support with Memory and Cognition",
    "Learning Disability Support",
    "Mental Health Support",
)


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


def _earlier_by_setting(a: pd.DataFrame, latest: pd.DataFrame) -> pd.DataFrame:
    """Gross current expenditure on long-term care by age band and setting in the years before
    the data tables' (T43/T44), from the ASC-FR data files: the published total over support
    reasons, or their sum where none is published (a missing reason leaves it missing)."""
    sel = a[
        ~a["table_ref"].isin(["T43", "T44"])
        & (a["care_type"] == "Long Term Care")
        & (a["measure"] == "gross_current_expenditure")
        & a["age_band"].isin(["18 to 64", "65 and over"])
        & a["support_setting"].isin(set(latest["support_setting"]) - {"Total"})
        & (a["purpose"] == "Total")
        & a["data_type"].isin(["Total", "Main return"])
        & (a["area_type"] == "council")
        & ~a["year"].isin(set(latest["year"]))
    ]
    if sel.empty:
        return sel[["la_code", "area_type", "year", "age_band", "support_setting", "value"]]
    keys = ["la_code", "area_type", "year", "age_band", "support_setting"]
    total = sel[sel["primary_support_reason"] == "Total"]
    parts = sel[sel["primary_support_reason"].isin(REASONS)]
    summed = parts.groupby(keys, as_index=False)["value"].agg(
        lambda v: v.sum() if v.notna().all() and len(v) == len(REASONS) else float("nan")
    )
    have = total.set_index(keys).index
    summed = summed[~summed.set_index(keys).index.isin(have)]
    out = pd.concat([total[[*keys, "value"]], summed], ignore_index=True)
    out = out.assign(breakdown=out["age_band"] + ": " + out["support_setting"])
    built = add_aggregates(out, keys=["year", "breakdown"])
    built[["age_band", "support_setting"]] = built["breakdown"].str.split(": ", n=1, expand=True)
    return built[["la_code", "area_type", "year", "age_band", "support_setting", "value"]]


@computes(
    "gce_long_term_by_setting_share",
    "gce_long_term_by_setting_per_head",
    "gce_by_reason_share",
    "gce_total_per_adult",
)
def spend_mix(tables: Tables) -> list[Indicator]:
    if not tables.has("ascfr"):
        raise MissingSource("no ASC-FR table was loaded")
    a = tables.require("ascfr")
    a = a[a["area_type"].isin(["council", "region", "england"])]
    out = []
    setting = a[a["table_ref"].isin(["T43", "T44"])]
    if len(setting):
        out.append(
            make(
                "gce_long_term_by_setting_share",
                _share(setting, "support_setting"),
                "£ thousands as published",
            )
        )
        if tables.has("population"):
            bands = population_by_band(
                tables.get("population"),
                {"18 to 64": (18, 64), "65 and over": (65, None), "Total": (18, None)},
            )
            spend = pd.concat([setting, _earlier_by_setting(a, setting)], ignore_index=True)
            pop, used = align_population(bands, sorted(spend["year"].unique().astype(int)))
            num = spend.assign(
                value=spend["value"] * 1000,
                breakdown=spend["age_band"] + ": " + spend["support_setting"],
            )
            pop_age = pop.rename(columns={"breakdown": "age_band"})
            merged = num.merge(
                pop_age[["la_code", "year", "age_band", "value"]].rename(columns={"value": "pop"}),
                on=["la_code", "year", "age_band"],
                how="left",
            )
            merged["value"] = merged["value"] / merged["pop"]
            out.append(
                make(
                    "gce_long_term_by_setting_per_head",
                    merged[["la_code", "area_type", "year", "breakdown", "value"]],
                    population_note(used),
                    "earlier years from the ASC-FR data files (long-term care by setting, the "
                    "support reasons summed where no total is published; regions and England "
                    "summed from councils)",
                )
            )
    reason = a[a["table_ref"] == "T18"]
    if len(reason):
        out.append(
            make(
                "gce_by_reason_share",
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
        out.append(
            make(
                "gce_total_per_adult",
                area_rate(num, pop, keys=["year", "breakdown"]),
                population_note(used),
            )
        )
    if not out:
        raise MissingSource(
            "the loaded ASC-FR files have no expenditure tables (T15, T18, T43, T44)"
        )
    return out
