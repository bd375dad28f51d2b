"""Sufficiency: people in long-term support per 100,000, care home beds per 1,000 older people,
home care and supported living locations, requests for support and what followed."""

from __future__ import annotations

import numpy as np
import pandas as pd

from msp_analysis.indicators.base import coverage, drop_thin_aggregates
from msp_analysis.indicators.catalogue import Indicator, computes, make
from msp_analysis.indicators.core import (
    align_population,
    area_rate,
    population_by_band,
    population_note,
)
from msp_analysis.tables import MissingSource, Tables

POP_BANDS = {
    "18 to 64": (18, 64),
    "65 and over": (65, None),
    "Total": (18, None),
    "75 and over": (75, None),
}


def _need(tables: Tables, *names: str) -> None:
    for n in names:
        if not tables.has(n):
            why = {
                "salt": "no SALT table (the ASC-FR and SALT data tables workbook was not loaded)",
                "population": "no population table (ONS mid-year estimates were not loaded)",
                "cqc_locations": "no CQC care directory (HSCA Active Locations) was loaded",
            }.get(n, f"no {n} table")
            raise MissingSource(why)


def _pop(tables: Tables, years) -> tuple[pd.DataFrame, str]:
    pop = population_by_band(tables.get("population"), POP_BANDS)
    aligned, used = align_population(pop, sorted({int(y) for y in years}))
    return aligned, population_note(used)


def _salt(tables, **eq) -> pd.DataFrame:
    s = tables.get("salt")
    for k, v in eq.items():
        s = s[s[k].isin(v) if isinstance(v, (list, tuple, set)) else s[k] == v]
    return s


@computes("clients_lts_during_year_per_100k", "clients_lts_year_end_per_100k")
def lts_rates(tables: Tables) -> list[Indicator]:
    """People in long-term support (during the year; at year end) per 100,000 adults, by age band."""
    _need(tables, "salt", "population")
    during = _salt(tables, table_ref="T2", measure="clients_lts_during_year")
    t34_total = _salt(tables, table_ref="T34", support_setting="Total")
    during = pd.concat(
        [
            during,
            t34_total[
                ~t34_total.set_index(["la_code", "year", "age_band"]).index.isin(
                    during.set_index(["la_code", "year", "age_band"]).index
                )
            ],
        ]
    )
    end = _salt(tables, table_ref="T33", measure="clients_lts_year_end")
    out = []
    for name, num in [
        ("clients_lts_during_year_per_100k", during),
        ("clients_lts_year_end_per_100k", end),
    ]:
        if num.empty:
            continue
        n = num[["la_code", "area_type", "year", "age_band", "value"]].rename(
            columns={"age_band": "breakdown"}
        )
        pop, note = _pop(tables, n["year"].unique())
        area = area_rate(n, pop, keys=["year", "breakdown"], scale=100_000)
        out.append(make(name, area, note))
    return out


def _all_present(s: pd.Series) -> float:
    """A sum only where every part is published (a suppressed part makes the total missing)."""
    return s.sum() if s.notna().all() else np.nan


@computes("clients_65_in_care_homes_per_100k", "clients_65_in_community_per_100k")
def older_clients(tables: Tables) -> list[Indicator]:
    """People aged 65+ supported in nursing and residential care, and in the community, during
    the year, per 100,000 aged 65+."""
    _need(tables, "salt", "population")
    t = _salt(tables, table_ref="T34", age_band="65 and over")
    homes = t[t["support_setting"].isin(["Nursing", "Residential"])]
    if homes.empty:
        raise MissingSource("SALT table T34 (long-term support by setting) not loaded")
    keys = ["la_code", "area_type", "year"]
    both = homes.groupby(keys, as_index=False)["value"].agg(_all_present)
    both["breakdown"] = "Nursing and residential"
    num = pd.concat(
        [
            homes[[*keys, "support_setting", "value"]].rename(
                columns={"support_setting": "breakdown"}
            ),
            both,
        ]
    )
    community = t[t["support_setting"].astype(str).str.startswith("Community")]
    community = community.groupby(keys, as_index=False)["value"].agg(_all_present)
    pop, note = _pop(tables, num["year"].unique())
    pop = pop[pop["breakdown"] == "65 and over"].drop(columns="breakdown")
    out = [
        make(
            "clients_65_in_care_homes_per_100k",
            area_rate(num, pop, keys=["year", "breakdown"], scale=100_000),
            note,
        )
    ]
    if len(community):
        area = area_rate(
            community.assign(breakdown="Total"), pop, keys=["year", "breakdown"], scale=100_000
        )
        out.append(
            make(
                "clients_65_in_community_per_100k",
                area,
                note,
                "community support: direct payments, part direct payments, council-managed "
                "personal budgets and council-commissioned support",
            )
        )
    return out


@computes("clients_18_64_year_end_by_reason_per_100k")
def specialist_clients(tables: Tables) -> list[Indicator]:
    """People aged 18-64 in long-term support at year end by primary support reason, per 100,000 aged 18-64."""
    _need(tables, "salt", "population")
    t = _salt(tables, table_ref="T37", age_band="18 to 64")
    if t.empty:
        raise MissingSource("SALT table T37 (year end by primary support reason) not loaded")
    keep = [
        "Learning Disability Support",
        "Mental Health Support",
        "Support with Memory and Cognition",
        "Total",
    ]
    t = t[t["primary_support_reason"].isin(keep)]
    num = t[["la_code", "area_type", "year", "primary_support_reason", "value"]].rename(
        columns={"primary_support_reason": "breakdown"}
    )
    pop, note = _pop(tables, num["year"].unique())
    pop = pop[pop["breakdown"] == "18 to 64"].drop(columns="breakdown")
    area = area_rate(num, pop, keys=["year", "breakdown"], scale=100_000)
    return [make("clients_18_64_year_end_by_reason_per_100k", area, note)]


@computes("requests_per_100k", "requests_outcome_share")
def requests(tables: Tables) -> list[Indicator]:
    """Requests for support per 100,000 adults, and the share by what happened next."""
    _need(tables, "salt", "population")
    out = []
    req = _salt(tables, table_ref="T2", measure="requests_new_clients")
    if len(req):
        n = req[["la_code", "area_type", "year", "age_band", "value"]].rename(
            columns={"age_band": "breakdown"}
        )
        pop, note = _pop(tables, n["year"].unique())
        area = area_rate(n, pop, keys=["year", "breakdown"], scale=100_000)
        out.append(make("requests_per_100k", area, note))
    nxt = _salt(tables, table_ref=["T10", "T11"])
    if len(nxt):
        total = nxt[nxt["what_happened_next"] == "Total"].set_index(
            ["la_code", "year", "age_band"]
        )["value"]
        parts = nxt[nxt["what_happened_next"] != "Total"].copy()
        parts["total"] = parts.set_index(["la_code", "year", "age_band"]).index.map(total)
        parts["value"] = parts["value"] / parts["total"] * 100
        parts["breakdown"] = parts["age_band"] + ": " + parts["what_happened_next"]
        out.append(
            make(
                "requests_outcome_share",
                parts[["la_code", "area_type", "year", "breakdown", "value"]],
                "share of the requests whose outcome was published; suppressed outcomes are missing",
            )
        )
    return out


@computes(
    "care_home_beds_per_1000_65",
    "care_home_beds_per_1000_75",
    "home_care_locations_per_100k",
    "supported_living_locations_per_100k",
    "shared_lives_locations_per_100k",
)
def cqc_capacity(tables: Tables) -> list[Indicator]:
    """Care home beds per 1,000 older people and community locations per 100,000 adults (CQC directory)."""
    _need(tables, "cqc_locations", "population")
    loc = tables.require("cqc_locations").dropna(subset=["la_code"])
    pop_all = population_by_band(tables.get("population"), POP_BANDS)
    _aligned, used = align_population(pop_all, [int(pop_all["year"].max())])
    year = used[int(pop_all["year"].max())]
    pop = pop_all[pop_all["year"] == year]
    cover = coverage(loc["la_code"], demo=tables.demo)
    out = []
    homes = loc[loc["care_home"]]
    kinds = {
        "Nursing homes": homes[homes["care_home_nursing"]],
        "Residential homes": homes[~homes["care_home_nursing"]],
        "All care homes": homes,
    }
    beds = pd.concat(
        [
            g.groupby("la_code", as_index=False)["beds"].sum().assign(breakdown=k)
            for k, g in kinds.items()
        ]
    )
    beds = beds.rename(columns={"beds": "value"}).assign(year=year, area_type="council")
    note = f"beds in the CQC directory as published; population mid-{year}"
    for band, name in (
        ("65 and over", "care_home_beds_per_1000_65"),
        ("75 and over", "care_home_beds_per_1000_75"),
    ):
        den = pop[pop["breakdown"] == band].drop(columns="breakdown")
        area, thin = drop_thin_aggregates(
            area_rate(beds, den, keys=["year", "breakdown"], scale=1000), cover
        )
        out.append(make(name, area, note, thin, ranked=not thin))
    den = pop[pop["breakdown"] == "Total"].drop(columns="breakdown")
    for flag, name in (
        ("home_care", "home_care_locations_per_100k"),
        ("supported_living", "supported_living_locations_per_100k"),
        ("shared_lives", "shared_lives_locations_per_100k"),
    ):
        n = (
            loc[loc[flag]]
            .groupby("la_code", as_index=False)
            .size()
            .rename(columns={"size": "value"})
        )
        n = n.assign(year=year, area_type="council", breakdown="Total")
        area, thin = drop_thin_aggregates(
            area_rate(n, den, keys=["year", "breakdown"], scale=100_000), cover
        )
        out.append(
            make(
                name,
                area,
                f"locations registered with CQC; population mid-{year}",
                thin,
                ranked=not thin,
            )
        )
    return out
