"""Quality: CQC rating shares by market, and ASCOF 6B (good or outstanding) for every council."""

from __future__ import annotations

import pandas as pd

from msp_analysis.indicators.base import coverage, drop_thin_aggregates
from msp_analysis.indicators.catalogue import CATALOGUE, Indicator, computes, make
from msp_analysis.indicators.diversity import _by_area, ratings_as_at
from msp_analysis.tables import MissingSource, Tables

RATING_ORDER = ["Outstanding", "Good", "Requires improvement", "Inadequate", "Not yet rated"]


def overall_ratings(ratings: pd.DataFrame) -> pd.DataFrame:
    """One overall rating per location and market: care homes (Overall group) and home care ('Homecare' group)."""
    r = ratings[ratings["domain"] == "Overall"].copy()
    homes = (
        r[r["care_home"] & (r["service_group"] == "Overall")]
        .drop_duplicates("location_id")
        .assign(market="care_home_65")
    )
    home_care = (
        r[r["service_group"] == "Homecare"]
        .drop_duplicates("location_id")
        .assign(market="home_care_18")
    )
    out = pd.concat([homes, home_care], ignore_index=True)
    out["rating_group"] = out["rating"].where(out["rated"], "Not yet rated")
    return out


@computes("care_home_rating_share", "home_care_rating_share")
def rating_shares(tables: Tables) -> list[Indicator]:
    if not tables.has("cqc_ratings"):
        raise MissingSource("no CQC ratings file was loaded")
    ratings = tables.require("cqc_ratings")
    ov = overall_ratings(ratings.dropna(subset=["la_code"]))
    cover = coverage(ov["la_code"], demo=tables.demo)
    year, label, newest = ratings_as_at(ratings)

    def shares(g):
        counts = g["rating_group"].value_counts()
        out = [
            dict(breakdown=k, value=float(counts.get(k, 0)) / len(g) * 100) for k in RATING_ORDER
        ]
        good = sum(float(counts.get(k, 0)) for k in ("Good", "Outstanding"))
        return [*out, dict(breakdown="Good or outstanding", value=good / len(g) * 100)]

    out = []
    for name in ("care_home_rating_share", "home_care_rating_share"):
        data = ov[ov["market"] == CATALOGUE[name].market]
        if data.empty:
            continue
        area, thin = drop_thin_aggregates(
            _by_area(data, shares, demo=tables.demo).assign(year=year), cover
        )
        out.append(
            make(
                name,
                area,
                "latest overall rating per location"
                + (f" (the newest in the file published {newest})" if newest else ""),
                thin,
                year_label=label,
                ranked=not thin,
            )
        )
    return out


@computes("ascof_6b_rating_share")
def ascof_6b(tables: Tables) -> list[Indicator]:
    if not tables.has("ascof"):
        raise MissingSource("no ASCOF table was loaded")
    a = tables.require("ascof")
    a = a[(a["measure_code"] == "6B") & (a["measure_type"] == "outcome")]
    if a.empty:
        raise MissingSource("ASCOF measure 6B is not in the loaded ASCOF files (2023-24 onwards)")
    names = {
        "6b": "Good or outstanding",
        "outstanding": "Outstanding",
        "good": "Good",
        "other": "Other",
        "not yet rated": "Not yet rated",
    }
    area = a.assign(breakdown=a["disaggregation"].map(names).fillna(a["disaggregation"]))
    area = area[area["area_type"].isin(["council", "region", "england"])][
        ["la_code", "area_type", "year", "breakdown", "value"]
    ]
    return [make("ascof_6b_rating_share", area, "published outcome, 1 decimal place")]
