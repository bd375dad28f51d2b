"""Short computed sentences about a council's indicators: every number comes from the frame."""

from __future__ import annotations

import pandas as pd

from msp_analysis import geography
from msp_analysis.indicators.catalogue import table_rows
from msp_analysis.indicators.markets import MARKETS


def fmt(value: float, unit: str = "") -> str:
    """People-friendly number: thousands separators, sensible decimals, £ or % where the unit says."""
    if value is None or pd.isna(value):
        return "not available"
    if unit.startswith("£"):
        return f"£{value:,.0f}" if abs(value) >= 100 else f"£{value:,.2f}"
    # a count says no decimals ('3 providers', not '3.0'); a rate keeps them beside its
    # neighbours ('17.0 per 100,000' next to '19.7')
    count = bool(unit) and not unit.startswith("%") and "per" not in unit.lower().split()
    whole = count and float(value).is_integer()
    digits = 0 if abs(value) >= 100 or whole else 1
    text = f"{value:,.{digits}f}"
    return f"{text}%" if unit.startswith("%") else text


def compare_word(value: float, other: float, tolerance_pct: float = 2.0) -> str:
    """'above', 'below' or 'in line with' (within ``tolerance_pct`` per cent)."""
    if pd.isna(value) or pd.isna(other) or other == 0:
        return "not comparable with"
    diff = (value - other) / abs(other) * 100
    if abs(diff) <= tolerance_pct:
        return "in line with"
    return "above" if diff > 0 else "below"


def sentence(row: pd.Series, label: str) -> str:
    """One sentence for one indicator row (latest year), with England, region and rank."""
    if row["status"] == "missing":
        return f"{label}: not available ({row['note']})."
    unit = row["unit"] or ""
    parts = [
        f"{label} was {fmt(row['value'], unit)} ({unit}, {row['year_label']})"
        if pd.notna(row["year_label"])
        else f"{label} was {fmt(row['value'], unit)} ({unit})"
    ]
    if pd.notna(row["england"]):
        parts.append(
            f"{compare_word(row['value'], row['england'])} England ({fmt(row['england'], unit)})"
        )
    if pd.notna(row["region"]):
        parts.append(
            f"{compare_word(row['value'], row['region'])} the region ({fmt(row['region'], unit)})"
        )
    if pd.notna(row["comparator_median"]):
        parts.append(
            f"{compare_word(row['value'], row['comparator_median'])} the comparator median ({fmt(row['comparator_median'], unit)})"
        )
    text = parts[0] + (": " + ", ".join(parts[1:]) if len(parts) > 1 else "")
    if pd.notna(row["rank"]):
        text += f"; rank {int(row['rank'])} of {int(row['n_ranked'])} councils (1 = highest)"
    if pd.notna(row.get("change_pct")):
        change = row["change_pct"]
        text += (
            "; unchanged on the year before"
            if abs(change) < 0.05
            else f"; {'up' if change > 0 else 'down'} {abs(change):.1f}% on the year before"
        )
    return text + "."


def latest(ind: pd.DataFrame, indicator: str, breakdown: str) -> pd.Series | None:
    sel = ind[(ind["indicator"] == indicator) & (ind["breakdown"] == breakdown)]
    if sel.empty:
        sel = ind[(ind["indicator"] == indicator) & (ind["status"] == "missing")]
        return sel.iloc[0] if len(sel) else None
    ok = sel[sel["status"] == "ok"]
    pick = ok if len(ok) else sel
    return pick.sort_values("year").iloc[-1]


#: The figures each market's table shows: (indicator, breakdown, label), from the catalogue.
HEADLINES: dict[str, list[tuple[str, str, str]]] = {m: table_rows(m) for m in MARKETS}


def market_summary(ind: pd.DataFrame, market: str) -> list[str]:
    """Sentences for a market's headline indicators, latest year first."""
    out = []
    for indicator, breakdown, label in HEADLINES[market]:
        row = latest(ind, indicator, breakdown)
        if row is not None:
            out.append(sentence(row, label))
    return out


def up_to(ind: pd.DataFrame, year: int | None) -> pd.DataFrame:
    """Indicator rows up to a financial year (all rows when ``year`` is None)."""
    return ind if year is None else ind[ind["year"].isna() | (ind["year"] <= year)]


def benchmark_long(
    ind: pd.DataFrame, indicator: str, council: str, prefix: str = ""
) -> pd.DataFrame:
    """Latest year of an indicator's breakdowns as rows for the council, its region and England (for stacked charts)."""
    sel = ind[
        (ind["indicator"] == indicator)
        & (ind["status"] == "ok")
        & ind["breakdown"].str.startswith(prefix)
    ]
    if sel.empty:
        return pd.DataFrame(columns=["area", "breakdown", "value", "year_label"])
    sel = sel[sel["year"] == sel["year"].max()] if sel["year"].notna().any() else sel
    long = sel.melt(
        id_vars=["breakdown", "year_label"],
        value_vars=["value", "region", "england"],
        var_name="who",
        value_name="v",
    )
    region = geography.REGIONS.get(geography.region_of(sel["la_code"].iloc[0]) or "", "Region")
    long["area"] = long["who"].map({"value": council, "region": region, "england": "England"})
    long["breakdown"] = long["breakdown"].str.replace(prefix, "", regex=False)
    return long.rename(columns={"v": "value"})[["area", "breakdown", "value", "year_label"]]


def sources(ind: pd.DataFrame) -> list[str]:
    """'source: years' lines for the sources behind the indicators; sources not loaded say so."""
    lines = []
    for source, g in ind.groupby("source"):
        years = sorted(set(g["year_label"].dropna()))
        lines.append(f"{source}: {', '.join(years)}" if years else f"{source}: not loaded")
    return sorted(lines)
