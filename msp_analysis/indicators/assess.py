"""All Section 1 indicators for one council, benchmarked; missing sources listed with the reason."""

from __future__ import annotations

import dataclasses
import logging

import pandas as pd

from msp_analysis import geography
from msp_analysis.indicators import (
    diversity,
    fees,
    local_economy,
    outcomes,
    placements,
    provision,
    quality,
    spend_mix,
    sufficiency,
    workforce,
)
from msp_analysis.indicators.catalogue import COMPUTERS
from msp_analysis.indicators.comparators import comparator_group, features
from msp_analysis.indicators.core import OUTPUT_COLUMNS, benchmark_all, market_of, missing_rows
from msp_analysis.tables import MissingSource, Tables

log = logging.getLogger(__name__)

#: The modules whose functions compute indicators (registered with ``catalogue.computes``),
#: in the order their results are listed.
MODULES = (
    sufficiency,
    diversity,
    quality,
    fees,
    spend_mix,
    workforce,
    placements,
    outcomes,
    provision,
    local_economy,
)


def _computers() -> list:
    order = {m.__name__: i for i, m in enumerate(MODULES)}
    return sorted(COMPUTERS, key=lambda c: order.get(c[0].__module__, len(order)))


def all_indicators(tables: Tables) -> tuple[list, list]:
    """Every indicator for every area, and (provides, reason) for those whose source is missing.

    The same for every council, so computed once per loaded data set.
    """
    return tables.derived("all_indicators", lambda: _all_indicators(tables))


def _all_indicators(tables: Tables) -> tuple[list, list]:
    found: list = []
    missing: list = []
    for fn, specs in _computers():
        try:
            found.extend(_on_todays_councils(ind) for ind in fn(tables))
        except MissingSource as exc:
            missing.extend((s, str(exc)) for s in specs)
    return found, missing


def _on_todays_councils(ind):
    """The indicator with its councils on today's boundaries: a council created since a
    return was made (North Yorkshire, Cumberland ...) takes the figures of the council(s)
    it was made from (:func:`msp_analysis.geography.to_current_councils`; its plan says
    how, :func:`msp_analysis.geography.history_statement`), and abolished councils go, so
    ranks and comparator medians count each council of today once."""
    area = geography.to_current_councils(ind.area, additive=geography.is_additive_unit(ind.unit))
    return dataclasses.replace(ind, area=area)


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
    _, missing = all_indicators(tables)
    mine = benchmarked(tables, la_code, k=k)
    pieces = [mine] if len(mine) else []
    for p, reason in missing:
        pieces.append(missing_rows(la_code, p.market, p.name, p.unit, p.source, reason))
    out = pd.concat(pieces, ignore_index=True)[OUTPUT_COLUMNS]
    out["market"] = [market_of(m, b) for m, b in zip(out["market"], out["breakdown"])]
    if tables.demo:
        out["source"] = "DEMO - " + out["source"].astype(str)
    return out, comps


def benchmarked(tables: Tables, la_code: str, *, k: int = 15) -> pd.DataFrame:
    """Every loaded indicator for one council, benchmarked against its ``k`` comparators
    (:func:`~msp_analysis.indicators.core.benchmark`, in indicator order).

    Computed for every council at once the first time any council asks
    (:func:`~msp_analysis.indicators.core.benchmark_all`) and stored per council for the
    data build, so each plan of a batch loads its own rows instead of benchmarking.
    """
    key = ("benchmarked", k, la_code)
    found = tables.stored(key)
    if found is not None:
        return found
    every = _benchmark_every_council(tables, k)
    for code, frame in every.items():
        tables.keep(("benchmarked", k, code), frame, in_memory=code == la_code)
    return every[la_code]


def _benchmark_every_council(tables: Tables, k: int) -> dict[str, pd.DataFrame]:
    found, _ = all_indicators(tables)
    codes = list(features(tables)["la_code"])
    comps = {c: comparator_group(tables, c, k=k)["la_code"].tolist() for c in codes}
    per_indicator = [
        benchmark_all(
            ind.area,
            comps,
            market=ind.market,
            indicator=ind.name,
            unit=ind.unit,
            source=ind.source,
            note=ind.note,
            year_label=ind.year_label,
            ranked=ind.ranked,
        )
        for ind in found
    ]
    if not per_indicator:  # no source loaded: every indicator is listed as missing
        return {c: pd.DataFrame(columns=OUTPUT_COLUMNS) for c in codes}
    return {c: pd.concat([b[c] for b in per_indicator], ignore_index=True) for c in codes}


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
