"""Workforce: turnover (ASCOF 6A for every council) and Skills for Care vacancy, turnover and filled posts."""

from __future__ import annotations

from msp_analysis.indicators.base import Indicator, Provides, coverage, drop_thin_aggregates
from msp_analysis.indicators.core import (
    align_population,
    area_rate,
    population_by_band,
    population_note,
)
from msp_analysis.tables import MissingSource, Tables

PROVIDES_ASCOF = [
    Provides(
        "all",
        "ascof_6a_turnover",
        "% of staff leaving in the year",
        "ASCOF 6A (DHSC, from Skills for Care ASC-WDS)",
    )
]
SFC = "Skills for Care ASC-WDS / NMDS-SC"
PROVIDES_SFC = [
    Provides("all", "vacancy_rate", "% of posts vacant", SFC),
    Provides("all", "turnover_rate", "% of staff leaving in the year", SFC),
    Provides("all", "filled_posts_per_1000_adults", "filled posts per 1,000 adults", SFC + "; ONS"),
]


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
    p = PROVIDES_ASCOF[0]
    return [
        Indicator(
            p.market,
            p.name,
            p.unit,
            p.source,
            a.assign(breakdown="All services")[
                ["la_code", "area_type", "year", "breakdown", "value"]
            ],
            "published outcome; Isles of Scilly included in Cornwall",
        )
    ]


def sfc_workforce(tables: Tables) -> list[Indicator]:
    if not tables.has("workforce"):
        raise MissingSource(
            "no Skills for Care workforce file was loaded (ASCOF 6A turnover is used instead)"
        )
    w = tables.require("workforce")
    w = w[(w["sector"] == "All sectors") & (w["job_role"].str.lower() == "all job roles")]
    cover = coverage(w.loc[w["area_type"] == "council", "la_code"], demo=tables.demo)
    out = []
    for p, measure in ((PROVIDES_SFC[0], "vacancy_rate"), (PROVIDES_SFC[1], "turnover_rate")):
        t = w[w["measure"] == measure]
        if t.empty:
            continue
        value = t["value"] * (100 if (t["unit"] == "fraction").all() else 1)
        area = t.assign(value=value, breakdown=t["service"])[
            ["la_code", "area_type", "year", "breakdown", "value"]
        ]
        out.append(
            Indicator(p.market, p.name, p.unit, p.source, area, "all sectors, all job roles")
        )
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
        p = PROVIDES_SFC[2]
        out.append(
            Indicator(
                p.market,
                p.name,
                p.unit,
                p.source,
                area,
                "; ".join(x for x in (population_note(used), thin) if x),
            )
        )
    if not out:
        raise MissingSource("the Skills for Care file has no all-roles rows")
    return out


GROUPS = [(ascof_turnover, PROVIDES_ASCOF), (sfc_workforce, PROVIDES_SFC)]
