"""Diversity: providers, the largest providers' share of beds, concentration (HHI), home sizes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from msp_analysis import geography
from msp_analysis.indicators.base import coverage, drop_thin_aggregates
from msp_analysis.indicators.catalogue import Indicator, computes, make
from msp_analysis.tables import MissingSource, Tables


def ratings_as_at(ratings: pd.DataFrame) -> tuple[object, str | None, str]:
    """When a CQC ratings file stands: (calendar year, label, date in words) of the newest
    rating it holds.

    The file is a snapshot, not a year's return: its ratings are as at the newest
    ``publication_date`` (the file itself states no other date), so it is labelled
    'as at 29 May 2026', never as a financial year. No dates: (NA, None, '').
    """
    dates = pd.to_datetime(ratings["publication_date"], errors="coerce").dropna()
    if dates.empty:
        return pd.NA, None, ""
    newest = dates.max()
    words = f"{newest.day} {newest:%B %Y}"
    return int(newest.year), f"as at {words}", words


def hhi(shares: pd.Series) -> float:
    """Herfindahl-Hirschman index of market shares given as fractions summing to 1: sum of (100 x share)^2."""
    s = shares.dropna()
    if s.empty or s.sum() <= 0:
        return np.nan
    s = s / s.sum()
    return float(((s * 100) ** 2).sum())


def top_share(sizes: pd.Series, n: int = 5) -> float:
    """Share (%) of the total held by the ``n`` largest."""
    s = sizes.dropna()
    return float(s.nlargest(n).sum() / s.sum() * 100) if s.sum() > 0 else np.nan


def _by_area(loc: pd.DataFrame, fn, *, demo: bool) -> pd.DataFrame:
    """Apply ``fn`` to the locations of each council, region and England."""
    loc = loc.assign(region_code=loc["la_code"].map(geography.region_of))
    rows = []
    for code, g in loc.groupby("la_code"):
        rows += [dict(la_code=code, area_type="council", **r) for r in fn(g)]
    for code, g in loc.groupby("region_code"):
        rows += [dict(la_code=code, area_type="region", **r) for r in fn(g)]
    rows += [dict(la_code=geography.ENGLAND_CODE, area_type="england", **r) for r in fn(loc)]
    return pd.DataFrame(rows)


def size_band(beds: pd.Series) -> pd.Series:
    return pd.cut(
        beds, [0, 19, 49, np.inf], labels=["under 20 beds", "20 to 49 beds", "50 or more beds"]
    ).astype("string")


@computes(
    "care_home_providers",
    "top5_provider_share_of_beds",
    "hhi_care_home_beds",
    "care_home_size_mix",
    "home_care_providers",
)
def market_structure(tables: Tables) -> list[Indicator]:
    """Care home and home care market structure from the CQC directory."""
    if not tables.has("cqc_locations"):
        raise MissingSource("no CQC care directory (HSCA Active Locations) was loaded")
    loc = tables.require("cqc_locations").dropna(subset=["la_code"])
    cover = coverage(loc["la_code"], demo=tables.demo)
    homes = loc[loc["care_home"]]
    year = pd.NA

    def providers(g):
        return [dict(breakdown="Total", value=g["provider_id"].nunique())]

    def top5(g):
        return [dict(breakdown="Total", value=top_share(g.groupby("provider_id")["beds"].sum()))]

    def hhi_beds(g):
        return [dict(breakdown="Total", value=hhi(g.groupby("provider_id")["beds"].sum()))]

    def mix(g):
        bands = size_band(g["beds"]).value_counts(normalize=True) * 100
        return [
            dict(breakdown=b, value=float(bands.get(b, 0.0)))
            for b in ["under 20 beds", "20 to 49 beds", "50 or more beds"]
        ]

    out = []
    for name, data, fn in [
        ("care_home_providers", homes, providers),
        ("top5_provider_share_of_beds", homes, top5),
        ("hhi_care_home_beds", homes, hhi_beds),
        ("care_home_size_mix", homes, mix),
        ("home_care_providers", loc[loc["home_care"]], providers),
    ]:
        area = _by_area(data, fn, demo=tables.demo).assign(year=year)
        area, thin = drop_thin_aggregates(area, cover)
        out.append(make(name, area, "directory as published", thin, ranked=not thin))
    return out


@computes("care_home_providers_rated", "hhi_care_home_locations")
def rated_structure(tables: Tables) -> list[Indicator]:
    """Where only the ratings file is loaded: care home providers and concentration by locations."""
    if not tables.has("cqc_ratings"):
        raise MissingSource("no CQC ratings file was loaded")
    r = tables.require("cqc_ratings").dropna(subset=["la_code"])
    homes = r[r["care_home"]].drop_duplicates("location_id")
    cover = coverage(homes["la_code"], demo=tables.demo)
    year, label, _ = ratings_as_at(tables.require("cqc_ratings"))

    def providers(g):
        return [dict(breakdown="Total", value=g["provider_id"].nunique())]

    def hhi_locations(g):
        return [dict(breakdown="Total", value=hhi(g.groupby("provider_id").size().astype(float)))]

    out = []
    for name, fn in [
        ("care_home_providers_rated", providers),
        ("hhi_care_home_locations", hhi_locations),
    ]:
        area, thin = drop_thin_aggregates(
            _by_area(homes, fn, demo=tables.demo).assign(year=year), cover
        )
        out.append(
            make(
                name,
                area,
                "care homes in the ratings file; shares by number of locations (no bed counts "
                "in this file)",
                thin,
                year_label=label,
                ranked=not thin,
            )
        )
    return out
