"""Workforce: turnover (ASCOF 6A for every council) and Skills for Care vacancy, turnover and filled posts."""

from __future__ import annotations

from msp_analysis.indicators.base import coverage, drop_thin_aggregates
from msp_analysis.indicators.catalogue import Indicator, computes, make
from msp_analysis.indicators.core import (
    align_population,
    area_rate,
    population_by_band,
    population_note,
)
from msp_analysis.tables import MissingSource, Tables


@computes("ascof_6a_turnover")
def ascof_turnover(tables: Tables) -> list[Indicator]:
    if not tables.has("ascof"):
        raise MissingSource("no ASCOF table was loaded")
    a = tables.require("ascof")
    a = a[
        (a["measure_code"] == "6A")
        & (a["measure_type"] == "outcome")
        & a["area_type"].isin(["council", "region", "england"])
    ]
    if a.empty:
        raise MissingSource("ASCOF measure 6A is not in the loaded ASCOF files (2023-24 onwards)")
    area = a.assign(breakdown="All services")[
        ["la_code", "area_type", "year", "breakdown", "value"]
    ]
    return [
        make("ascof_6a_turnover", area, "published outcome; Isles of Scilly included in Cornwall")
    ]


@computes("vacancy_rate", "turnover_rate", "filled_posts_per_1000_adults")
def sfc_workforce(tables: Tables) -> list[Indicator]:
    if not tables.has("workforce"):
        raise MissingSource(
            "no Skills for Care workforce file was loaded (ASCOF 6A turnover is used instead)"
        )
    w = tables.require("workforce")
    w = w[(w["sector"] == "All sectors") & (w["job_role"].str.lower() == "all job roles")]
    cover = coverage(w.loc[w["area_type"] == "council", "la_code"], demo=tables.demo)
    out = []
    for measure in ("vacancy_rate", "turnover_rate"):
        t = w[w["measure"] == measure]
        if t.empty:
            continue
        value = t["value"] * (100 if (t["unit"] == "fraction").all() else 1)
        area = t.assign(value=value, breakdown=t["service"])[
            ["la_code", "area_type", "year", "breakdown", "value"]
        ]
        out.append(make(measure, area, "all sectors, all job roles"))
    posts = w[(w["measure"] == "filled_posts") & (w["service"] == "All services")]
    if len(posts) and tables.has("population"):
        bands = population_by_band(tables.get("population"), {"Total": (18, None)})
        pop, used = align_population(bands, sorted(posts["year"].unique().astype(int)))
        num = posts.assign(breakdown="Total")[
            ["la_code", "area_type", "year", "breakdown", "value"]
        ]
        area, thin = drop_thin_aggregates(
            area_rate(num, pop, keys=["year", "breakdown"], scale=1000), cover
        )
        out.append(
            make(
                "filled_posts_per_1000_adults",
                area,
                population_note(used),
                thin,
                ranked=not thin,
            )
        )
    if not out:
        raise MissingSource("the Skills for Care file has no all-roles rows")
    return out
