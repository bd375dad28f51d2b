"""Shared machinery for MSP Section 1 indicators.

Every indicator function returns an *area frame*: one row per area (council, region,
England) x year x breakdown with ``value``. :func:`benchmark` then turns an area
frame into the output for one council: its value beside England, its region, the
median of its comparator councils and its rank among all councils.

Rates are computed from numerators and denominators at every level (a region's rate
is its summed numerator over its summed denominator, never an average of rates);
a suppressed or missing part makes the aggregate missing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from msp_analysis import geography
from msp_analysis.series.population import population_by_band as population_by_band
from msp_analysis.years import financial_year

AREA_COLUMNS = ["la_code", "area_type", "year", "breakdown", "value"]

OUTPUT_COLUMNS = [
    "la_code",
    "la_name",
    "market",
    "indicator",
    "breakdown",
    "year",
    "year_label",
    "value",
    "unit",
    "change_pct",
    "england",
    "region",
    "comparator_median",
    "rank",
    "n_ranked",
    "status",
    "source",
    "note",
]

#: Rows of an indicator whose breakdown names one specialist market belong to that market.
BREAKDOWN_MARKETS = {
    "Learning Disability": "learning_disability",
    "Mental Health": "mental_health",
    "Supported Living": "supported_living",
}


def _describe(out: pd.DataFrame, market, indicator, unit, source, note, year_label=None) -> None:
    """Columns every benchmark row carries (what it is, its year label and status), in place;
    one place for :func:`benchmark` and :func:`benchmark_all`, whose frames must be equal.

    ``year_label`` names the period of a snapshot ('as at 29 May 2026') or, with ``{year}`` in
    it, of each row ('April {year}' -> 'April 2020'); without it each row with a year is
    labelled as a financial year ('2023-24').
    """
    out.insert(2, "market", market)
    out.insert(3, "indicator", indicator)
    out["year_label"] = out["year"].map(
        lambda y: (
            (year_label.format(year=int(y)) if year_label else financial_year(y))
            if pd.notna(y)
            else pd.NA
        )
    )
    out["unit"] = unit
    out["status"] = np.where(out["value"].notna(), "ok", "suppressed or not submitted")
    out["source"] = source
    out["note"] = note
    out["rank"] = out["rank"].astype("Int64")


def market_of(market: str, breakdown: str) -> str:
    """The market a row belongs to: a general (all-market) row naming a specialist market moves there."""
    if market != "all" or not isinstance(breakdown, str):
        return market
    for words, key in BREAKDOWN_MARKETS.items():
        if words in breakdown:
            return key
    return market


def area_rate(
    numerator: pd.DataFrame, denominator: pd.DataFrame, *, keys: list[str], scale: float = 1.0
) -> pd.DataFrame:
    """Rate per area: numerator / denominator x scale, with region and England built up if absent.

    Args:
        numerator: la_code, area_type, year, breakdown, value, suppressed (optional).
        denominator: la_code, year, value (and optionally breakdown); councils, regions, England.
        keys: columns to join on besides la_code (e.g. ['year'] or ['year', 'breakdown']).
        scale: 1000 for per 1,000, 100_000 for per 100,000.

    Returns:
        Area frame with ``numerator``, ``denominator`` and ``value``.
    """
    den_keys = [k for k in keys if k in denominator.columns]
    num = add_aggregates(numerator, keys=keys)
    den = add_aggregates(denominator, keys=den_keys)
    den = den.rename(columns={"value": "denominator"})[["la_code", *den_keys, "denominator"]]
    out = num.rename(columns={"value": "numerator"}).merge(
        den, on=["la_code", *den_keys], how="left"
    )
    out["value"] = out["numerator"] / out["denominator"] * scale
    out.loc[out["denominator"] <= 0, "value"] = np.nan
    return out


def add_aggregates(frame: pd.DataFrame, *, keys: list[str]) -> pd.DataFrame:
    """Add region and England rows summed from councils where the frame lacks them.

    A published region or England row is kept as published. A built row is missing
    when any council in it is missing, and ``built`` marks it.
    """
    f = frame.copy()
    if "area_type" not in f:
        f["area_type"] = geography.area_type(f["la_code"])
    if "breakdown" not in f:
        f["breakdown"] = "Total"
    f["built"] = False
    group_keys = [k for k in keys if k in f]
    councils = f[f["area_type"] == "council"]
    if councils.empty:
        return f
    region = councils["la_code"].map(geography.region_of)
    pieces = [f]
    for code_col, grouped in (
        ("region", councils.assign(_area=region)),
        ("england", councils.assign(_area=geography.ENGLAND_CODE)),
    ):
        grouped = grouped.dropna(subset=["_area"])
        g = grouped.groupby(["_area", *group_keys], dropna=False)["value"]
        agg = g.sum(min_count=1).where(g.count() == g.size()).rename("value").reset_index()
        agg = agg.rename(columns={"_area": "la_code"}).assign(area_type=code_col, built=True)
        present = f[["la_code", *group_keys]].drop_duplicates()
        agg = agg.merge(present.assign(_present=True), on=["la_code", *group_keys], how="left")
        pieces.append(agg[agg["_present"].isna()].drop(columns="_present"))
    return pd.concat(pieces, ignore_index=True)


def benchmark(
    area: pd.DataFrame,
    la_code: str,
    *,
    comparators: list[str],
    market: str,
    indicator: str,
    unit: str,
    source: str,
    note: str = "",
    higher_is: str = "higher",
    year_label: str | None = None,
) -> pd.DataFrame:
    """One council's rows of an indicator beside England, region, comparator median and rank.

    ``rank`` is 1 for the highest value among councils with a value that year
    (``n_ranked`` of them).
    """
    f = area.copy()
    if "breakdown" not in f:
        f["breakdown"] = "Total"
    f["year"] = f["year"].astype("Float64")  # a table without years (a directory) keeps one NA year
    region = geography.region_of(la_code)
    keys = ["year", "breakdown"]
    mine = f[f["la_code"] == la_code].drop_duplicates(keys).set_index(keys)["value"]
    if mine.empty:
        return missing_rows(
            la_code,
            market,
            indicator,
            unit,
            source,
            f"the {source} data loaded has no figure for {geography.council_name(la_code) or la_code}",
        )
    councils = f[f["area_type"] == "council"]
    eng = f[f["area_type"] == "england"].drop_duplicates(keys).set_index(keys)["value"]
    reg = f[f["la_code"] == region].drop_duplicates(keys).set_index(keys)["value"]
    comp = (
        councils[councils["la_code"].isin(comparators)]
        .groupby(keys, dropna=False)["value"]
        .median()
    )
    ranked = councils.dropna(subset=["value"]).merge(
        mine.rename("mine").reset_index(), on=keys, how="inner"
    )
    higher = (
        (ranked["value"] > ranked["mine"])
        .groupby([ranked["year"], ranked["breakdown"]], dropna=False)
        .sum()
    )
    n = ranked.groupby(keys, dropna=False)["value"].size()
    out = mine.rename("value").to_frame()
    out["england"] = eng.reindex(out.index)
    out["region"] = reg.reindex(out.index)
    out["comparator_median"] = comp.reindex(out.index)
    out["n_ranked"] = n.reindex(out.index).fillna(0)
    out["rank"] = (higher.reindex(out.index) + 1).where(out["value"].notna())
    out = out.reset_index()
    out["year"] = out["year"].astype("Int64")
    out = out.sort_values(["breakdown", "year"])
    out["change_pct"] = _year_on_year(out, ["breakdown"])
    out.insert(0, "la_code", la_code)
    out.insert(1, "la_name", geography.council_name(la_code))
    _describe(out, market, indicator, unit, source, note, year_label)
    return out[OUTPUT_COLUMNS].reset_index(drop=True)


def benchmark_all(
    area: pd.DataFrame,
    comparators: dict[str, list[str]],
    *,
    market: str,
    indicator: str,
    unit: str,
    source: str,
    note: str = "",
    year_label: str | None = None,
    ranked: bool = True,
) -> dict[str, pd.DataFrame]:
    """:func:`benchmark` for every council in ``comparators`` (council -> its comparator
    councils) at once: the same rows, values and types, one frame per council.

    One pass over the area frame instead of one per council, so a batch computes every
    council's benchmarks once (see :func:`msp_analysis.indicators.assess.benchmarked`).
    ``ranked=False`` (a source covering too few councils) leaves every rank out.
    """
    f = area.copy()
    if "breakdown" not in f:
        f["breakdown"] = "Total"
    f["year"] = f["year"].astype("Float64")
    keys = ["year", "breakdown"]
    codes = list(comparators)
    mine = f[f["la_code"].isin(codes)].drop_duplicates(["la_code", *keys])
    mine = mine[["la_code", *keys, "value"]].reset_index(drop=True)
    councils = f[f["area_type"] == "council"]
    # England and region: the first row of each key, as benchmark() takes them
    eng = f[f["area_type"] == "england"].drop_duplicates(keys)[[*keys, "value"]]
    mine["_region"] = mine["la_code"].map(geography.region_of)
    reg = f[f["la_code"].isin(set(mine["_region"].dropna()))].drop_duplicates(["la_code", *keys])
    reg = reg[["la_code", *keys, "value"]].rename(columns={"la_code": "_region", "value": "region"})
    out = mine.merge(eng.rename(columns={"value": "england"}), on=keys, how="left")
    out = out.merge(reg, on=["_region", *keys], how="left")
    # comparator median: every council's comparators' rows, grouped by council and key
    pairs = pd.DataFrame(
        [(c, k) for c, ks in comparators.items() for k in ks], columns=["la_code", "_comp"]
    )
    comp_rows = councils[["la_code", *keys, "value"]].rename(columns={"la_code": "_comp"})
    comp = (
        pairs.merge(comp_rows, on="_comp")
        .groupby(["la_code", *keys], dropna=False)["value"]
        .median()
        .rename("comparator_median")
        .reset_index()
        .astype({"breakdown": out["breakdown"].dtype, "year": out["year"].dtype})
    )
    out = out.merge(comp, on=["la_code", *keys], how="left")
    # rank among councils with a value: 1 + how many are higher; n_ranked: how many have one
    with_value = councils.dropna(subset=["value"])
    higher = np.full(len(out), np.nan)
    n_ranked = np.full(len(out), np.nan)
    mine_values = out["value"].to_numpy(dtype=float, na_value=np.nan)
    pool = with_value.groupby(_plain_keys(with_value), sort=False)["value"]
    sorted_values = {k: np.sort(v.to_numpy(dtype=float, na_value=np.nan)) for k, v in pool}
    for k, rows in out.groupby(_plain_keys(out), sort=False).indices.items():
        values = sorted_values.get(k)
        if values is None:
            continue
        above = len(values) - np.searchsorted(values, mine_values[rows], side="right")
        higher[rows] = np.where(np.isnan(mine_values[rows]), 0, above)
        n_ranked[rows] = len(values)
    out["n_ranked"] = np.nan_to_num(n_ranked, nan=0.0)
    # no rank where the source covers too few councils to place one among them
    out["rank"] = pd.Series(higher + 1, index=out.index).where(out["value"].notna() & ranked)
    out["year"] = out["year"].astype("Int64")
    out = out.sort_values(["la_code", "breakdown", "year"], kind="stable").reset_index(drop=True)
    out["change_pct"] = _year_on_year(out, ["la_code", "breakdown"])
    names = out["la_code"].map(geography.council_name)
    # typed as benchmark()'s single-council columns are (a text column, not the table's type)
    out.insert(1, "la_name", names.astype("str") if names.notna().all() else names)
    out["la_code"] = out["la_code"].astype("str")
    _describe(out, market, indicator, unit, source, note, year_label)
    if out["breakdown"].dtype == object:  # as benchmark()'s index infers a text column
        out["breakdown"] = pd.Index(out["breakdown"].tolist(), dtype=None)
    out = out[OUTPUT_COLUMNS]
    result = {}
    codes_sorted = out["la_code"].to_numpy()
    starts: list[int] = (
        np.flatnonzero(np.r_[True, codes_sorted[1:] != codes_sorted[:-1]]).tolist()
        if len(out)
        else []
    )
    ends = [*starts[1:], len(out)]
    for start, end in zip(starts, ends):
        frame = out.iloc[start:end].reset_index(drop=True)
        if not (frame["n_ranked"] == 0).any():  # benchmark() keeps whole counts when it can
            frame["n_ranked"] = frame["n_ranked"].astype("int64")
        if frame["year"].isna().all():  # as benchmark() types a label of no year
            frame["year_label"] = frame["year"].map(lambda y: pd.NA)
        result[codes_sorted[start]] = frame
    for code in codes:
        if code not in result:
            result[code] = missing_rows(
                code,
                market,
                indicator,
                unit,
                source,
                f"the {source} data loaded has no figure for {geography.council_name(code) or code}",
            )
    return result


def _year_on_year(out: pd.DataFrame, by: list[str]) -> pd.Series:
    """Per cent change on the year before, where the row before is that year (a gap of several
    years between published years is not a change 'on the year before')."""
    grouped = out.groupby(by)
    change = grouped["value"].pct_change(fill_method=None) * 100
    gap = grouped["year"].diff()
    return change.where(gap == 1)


def _plain_keys(frame: pd.DataFrame) -> list[pd.Series]:
    """(year, breakdown) with a missing year or breakdown as a value of its own, so that
    keys group and match alike wherever they come from (a directory has no year)."""
    year = frame["year"].astype("Float64").fillna(-1.0).astype(float)
    breakdown = frame["breakdown"].astype(object).where(frame["breakdown"].notna(), "\0")
    return [year.rename("_year"), breakdown.rename("_breakdown")]


def missing_rows(
    la_code: str, market: str, indicator: str, unit: str, source: str, reason: str
) -> pd.DataFrame:
    """A single 'missing' row: an indicator never silently disappears."""
    row: dict[str, object] = {c: np.nan for c in OUTPUT_COLUMNS}
    row.update(
        la_code=la_code,
        la_name=geography.council_name(la_code),
        market=market,
        indicator=indicator,
        breakdown="Total",
        unit=unit,
        status="missing",
        source=source,
        note=reason,
        year_label=pd.NA,
    )
    out = pd.DataFrame([row])[OUTPUT_COLUMNS]
    out["year"] = out["year"].astype("Int64")
    out["rank"] = out["rank"].astype("Int64")
    return out


def nearest_year(available: list[int], year: int) -> int | None:
    """The available year closest to ``year`` (earlier wins a tie)."""
    if not available:
        return None
    return min(available, key=lambda y: (abs(y - year), y > year))


def align_population(
    pop_bands: pd.DataFrame, years: list[int]
) -> tuple[pd.DataFrame, dict[int, int | None]]:
    """Population for each data year from the nearest available population year.

    Returns the re-keyed frame and the mapping data year -> population year used.
    """
    # Only years that cover (nearly) every council: a one-county extract must not set the rates.
    counts = pop_bands[pop_bands["area_type"] == "council"].groupby("year")["la_code"].nunique()
    available = sorted(int(y) for y, n in counts.items() if n >= 0.9 * counts.max())
    used = {y: nearest_year(available, y) for y in years}
    parts = []
    for y, py in used.items():
        if py is None:
            continue
        parts.append(pop_bands[pop_bands["year"] == py].assign(year=y))
    return (pd.concat(parts, ignore_index=True) if parts else pop_bands.iloc[0:0]), used


def population_note(used: dict[int, int | None], source: str = "ONS mid-year estimates") -> str:
    off = {y: p for y, p in used.items() if p is not None and p != y}
    if not off:
        return f"population: {source}"
    return f"population: {source}; nearest available year used for " + ", ".join(
        f"{y} (mid-{p})" for y, p in sorted(off.items())
    )
