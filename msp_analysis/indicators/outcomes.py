"""Outcomes, demography, totals and routes into care: ASCOF 2A/2B/2C/2E, the 65+ and 85+ population,
total gross current expenditure and how requests for support arrived (SALT T8).

ASCOF measures keep the wording the publisher gives them (the plan's labels quote each
``measure_description``), and the codes an indicator joins across years are named in its note (ASCOF renumbered its measures in 2023-24: 2A1 became 2B, 2A2 became 2C).
"""

from __future__ import annotations

import pandas as pd

from msp_analysis import geography
from msp_analysis.indicators.catalogue import Indicator, computes, make
from msp_analysis.indicators.core import (
    add_aggregates,
    align_population,
    area_rate,
    population_by_band,
    population_note,
)
from msp_analysis.series import series
from msp_analysis.tables import MissingSource, Tables

#: indicator -> the ASCOF codes holding the same definition in different years
ASCOF_MEASURES = {
    "ascof_care_home_admissions_65_per_100k": ["2A2", "2C"],
    "ascof_care_home_admissions_18_64_per_100k": ["2A1", "2B"],
    "ascof_reablement_no_further_request": ["2A"],
    "ascof_ld_living_at_home": ["2E(1)"],
}


@computes(*ASCOF_MEASURES)
def ascof_outcomes(tables: Tables) -> list[Indicator]:
    """ASCOF outcomes for every council, region and England, joined across renumbered years."""
    a = tables.require("ascof", "ASCOF outcomes")
    a = a[(a["measure_type"] == "outcome") & a["area_type"].isin(["council", "region", "england"])]
    out = []
    for name, codes in ASCOF_MEASURES.items():
        sel = a[a["measure_code"].isin(codes) & (a["disaggregation"].fillna("Total") == "Total")]
        if sel.empty:
            continue
        used = sel.groupby("measure_code")["year_label"].agg(lambda s: ", ".join(sorted(set(s))))
        note = "; ".join(f"ASCOF {c} ({y})" for c, y in used.items()) + ", as published"
        area = sel.assign(breakdown="Total")[["la_code", "area_type", "year", "breakdown", "value"]]
        out.append(make(name, area, note))
    if not out:
        raise MissingSource("the loaded ASCOF files hold none of measures 2A, 2B, 2C, 2E")
    return out


@computes("population_65_plus", "population_85_plus", "population_65_plus_share")
def population(tables: Tables) -> list[Indicator]:
    """People aged 65+ and 85+, and the share of adults aged 65+ (councils, regions, England)."""
    pop = tables.require("population", "the 65+ and 85+ population")
    bands = population_by_band(
        pop, {"65 and over": (65, None), "85 and over": (85, None), "Total": (18, None)}
    )
    bands = bands[bands["area_type"].isin(["council", "region", "england"])]
    counts = bands["area_type"].eq("council").groupby(bands["year"]).sum()
    years = sorted(int(y) for y, n in counts.items() if n >= 0.9 * counts.max())
    if not years:
        raise MissingSource("no population year covers most councils")
    aligned, used = align_population(bands, years)
    out = []
    for name, band in (
        ("population_65_plus", "65 and over"),
        ("population_85_plus", "85 and over"),
    ):
        area = aligned[aligned["breakdown"] == band].assign(breakdown="Total")
        area = add_aggregates(area, keys=["year", "breakdown"])
        out.append(
            make(
                name,
                area[["la_code", "area_type", "year", "breakdown", "value"]],
                f"mid-year estimates, persons; {population_note(used)}",
            )
        )
    num = aligned[aligned["breakdown"] == "65 and over"].assign(breakdown="Total")
    den = aligned[aligned["breakdown"] == "Total"]
    share = area_rate(
        num[["la_code", "area_type", "year", "breakdown", "value"]],
        den[["la_code", "year", "breakdown", "value"]],
        keys=["year", "breakdown"],
        scale=100,
    )
    out.append(make("population_65_plus_share", share, population_note(used)))
    return out


@computes("population_85_plus_growth_5y")
def population_growth(tables: Tables) -> list[Indicator]:
    """Projected growth in people aged 85+ over the five years from the latest mid-year
    estimate (ONS subnational projections on today's councils, rebased to the estimate)."""
    if not tables.has("population_projections"):
        raise MissingSource("no ONS subnational population projections were loaded")
    proj = series(tables, "population_projection")
    proj = proj[(proj["breakdown"] == "85 and over") & proj["value"].notna()]
    if proj.empty:
        raise MissingSource("the population projections loaded have no 85+ figures")
    # each council from its own latest mid-year estimate (the year its projection is rebased
    # to); rebasing scales a projection, so its growth over five years is the projection's own
    start = proj.groupby("la_code")["year"].transform("min")
    first = proj[proj["year"] == start].set_index("la_code")
    later = proj[proj["year"] == start + 5].set_index("la_code")
    growth = (later["value"] / first["value"].reindex(later.index) - 1) * 100
    starts = first["year"].astype(int)
    y0 = int(starts.mode().iloc[0])  # the year most councils start from
    area = growth.rename("value").reset_index().assign(year=y0, breakdown="Total")
    area["area_type"] = geography.area_type(area["la_code"])
    others = sorted(
        f"{geography.council_name(c) or c} from mid-{y}"
        for c, y in starts.items()
        if y != y0 and c in set(area["la_code"])
    )
    # regions and England: the councils' projected 85+ summed at each end of the same five
    # years (the projections on today's councils carry no England or region rows)
    counts = [
        proj[proj["year"] == y][["la_code", "year", "value"]].assign(area_type="council")
        for y in (y0, y0 + 5)
    ]
    both = counts[0].merge(counts[1], on="la_code", suffixes=("_0", "_5"))
    both = both[geography.area_type(both["la_code"]) == "council"]
    both["region"] = both["la_code"].map(geography.region_of)
    regions = both.dropna(subset=["region"]).groupby("region")[["value_0", "value_5"]].sum()
    regional = ((regions["value_5"] / regions["value_0"] - 1) * 100).rename("value").reset_index()
    regional = regional.rename(columns={"region": "la_code"}).assign(
        year=y0, breakdown="Total", area_type="region"
    )
    total = both[["value_0", "value_5"]].sum()
    england = pd.DataFrame(
        [
            dict(
                la_code=geography.ENGLAND_CODE,
                value=(total["value_5"] / total["value_0"] - 1) * 100,
                year=y0,
                breakdown="Total",
                area_type="england",
            )
        ]
    )
    built = pd.concat([regional, england])
    area = pd.concat([area[~area["la_code"].isin(built["la_code"])], built])
    return [
        make(
            "population_85_plus_growth_5y",
            area,
            f"people aged 85+ in mid-{y0 + 5} against mid-{y0}, projected; regions summed from "
            "councils",
            "from their own latest estimate: " + ", ".join(others) if others else "",
            year_label=f"mid-{y0} to mid-{y0 + 5}",
        )
    ]


@computes("gce_total")
def gross_spend(tables: Tables) -> list[Indicator]:
    """Total gross current expenditure on adult social care, £ million (ASC-FR T15)."""
    a = tables.require("ascfr", "total gross current expenditure")
    t = a[
        (a["table_ref"] == "T15")
        & a["care_type"].str.startswith("Total")
        & a["area_type"].isin(["council", "region", "england"])
    ]
    if t.empty:
        raise MissingSource("the loaded ASC-FR files have no table T15 (total expenditure)")
    area = t.assign(value=t["value"] / 1000, breakdown="Total")
    return [
        make(
            "gce_total",
            area[["la_code", "area_type", "year", "breakdown", "value"]],
            "Total Gross Current Expenditure (GCE), published in £ thousands",
        )
    ]


@computes("requests_route_share")
def request_routes(tables: Tables) -> list[Indicator]:
    """Share of requests for support from new clients by route of access (SALT T8)."""
    s = tables.require("salt", "requests for support by route of access")
    t = s[(s["table_ref"] == "T8") & (s["measure"] == "requests_new_clients")]
    if t.empty:
        raise MissingSource("SALT table T8 (requests by route of access) is not loaded")
    keys = ["la_code", "year", "age_band"]
    total = t[t["route_of_access"] == "Total"].set_index(keys)["value"]
    parts = t[t["route_of_access"] != "Total"].copy()
    parts["value"] = parts["value"] / parts.set_index(keys).index.map(total).to_numpy() * 100
    parts["breakdown"] = parts["age_band"] + ": " + parts["route_of_access"]
    return [
        make(
            "requests_route_share",
            parts[["la_code", "area_type", "year", "breakdown", "value"]],
            "share of all requests from new clients in the age band; suppressed routes are missing",
        )
    ]
