"""All Section 1 indicators for one council, benchmarked; missing sources listed with the reason."""

from __future__ import annotations

import logging

import pandas as pd

from msp_analysis import geography
from msp_analysis.indicators import (
    diversity,
    fees,
    outcomes,
    placements,
    quality,
    spend,
    sufficiency,
    workforce,
)
from msp_analysis.indicators.comparators import comparator_group
from msp_analysis.indicators.core import OUTPUT_COLUMNS, benchmark, market_of, missing_rows
from msp_analysis.tables import MissingSource, Tables

log = logging.getLogger(__name__)

MODULES = (sufficiency, diversity, quality, fees, spend, workforce, placements, outcomes)


def all_indicators(tables: Tables) -> tuple[list, list]:
    """Every indicator for every area, and (provides, reason) for those whose source is missing.

    The same for every council, so computed once per loaded data set.
    """
    return tables.derived("all_indicators", lambda: _all_indicators(tables))


def _all_indicators(tables: Tables) -> tuple[list, list]:
    found: list = []
    missing: list = []
    for module in MODULES:
        for fn, provides in module.GROUPS:
            try:
                found.extend(fn(tables))
            except MissingSource as exc:
                missing.extend((p, str(exc)) for p in provides)
    return found, missing


def assess(tables: Tables, la_code: str, *, k: int = 15) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(indicators, comparators) for one council.

    Raises:
        ValueError: the council is not in the loaded data.
    """
    if geography.council_name(la_code) is None:
        raise ValueError(
            f"{la_code} is not a council code this tool knows (see `msp councils --all`)"
        )
    comps = comparator_group(tables, la_code, k=k)
    found, missing = all_indicators(tables)
    pieces = []
    for ind in found:
        pieces.append(
            benchmark(
                ind.area,
                la_code,
                comparators=comps["la_code"].tolist(),
                market=ind.market,
                indicator=ind.name,
                unit=ind.unit,
                source=ind.source,
                note=ind.note,
            )
        )
    for p, reason in missing:
        pieces.append(missing_rows(la_code, p.market, p.name, p.unit, p.source, reason))
    out = pd.concat(pieces, ignore_index=True)[OUTPUT_COLUMNS]
    out["market"] = [market_of(m, b) for m, b in zip(out["market"], out["breakdown"])]
    if tables.demo:
        out["source"] = "DEMO - " + out["source"].astype(str)
    return out, comps


def indicator_area(
    tables: Tables, indicator: str, breakdown: str, year: int | None = None
) -> pd.DataFrame:
    """Every area's value of one indicator (for ranked charts); latest year when ``year`` is None."""
    for ind in all_indicators(tables)[0]:
        if ind.name == indicator:
            a = ind.area[ind.area["breakdown"] == breakdown]
            if year is None and a["year"].notna().any():
                year = a["year"].max()
            return a[a["year"] == year] if year is not None else a
    return pd.DataFrame(columns=["la_code", "area_type", "year", "breakdown", "value"])
