"""The published returns a projection reads, and the code each council published under.

Demand (:mod:`msp_analysis.forecast.demand`) and costs (:mod:`msp_analysis.forecast.costs`)
both read these; neither imports the other.

- SALT (NHS Digital): the rows of T2, T10, T11, T33, T34, T35, T37 and T38, stored once
  per data build; the latest SALT year; people during the year by age band and setting
  group. Suppressed SALT cells (0-4 people) enter at 2, the middle of their range.
- ASC-FR (NHS Digital): the rows of :data:`ASCFR_TABLES` (totals, spend by setting, the parts
  outside long-term care, unit costs).
- The code the returns publish a council under (itself, a renamed county, or a split
  county with the successor's share of its adults).
"""

from __future__ import annotations

import pandas as pd

from msp_analysis import geography
from msp_analysis.forecast.scenarios import AGE_BANDS
from msp_analysis.tables import MissingSource, Tables

SETTING_GROUPS = {
    "Nursing": "Nursing",
    "Residential": "Residential",
    "Community: Direct Payment Only": "Community",
    "Community: Part Direct Payment": "Community",
    "Community: CASSR Managed Personal Budget": "Community",
    "Community: CASSR Commissioned Support Only": "Community",
}
SUPPRESSED_AT = 2.0


def salt_rows(tables: Tables) -> pd.DataFrame:
    """The SALT rows a projection reads (T2, T10, T11, T33-T35, T37, T38), stored once per
    data build."""
    if not tables.has("salt"):
        raise MissingSource("no SALT table: demand needs SALT tables T34, T37 and T38")

    def rows() -> pd.DataFrame:
        s = tables.require("salt")
        keep = ["T2", "T10", "T11", "T33", "T34", "T35", "T37", "T38"]
        return s[s["table_ref"].isin(keep)]

    return tables.derived("salt_forecast", rows)  # stored once per data build


def salt_year(tables: Tables) -> int:
    """Latest year with people by setting (SALT T34)."""
    t34 = salt_rows(tables)
    t34 = t34[t34["table_ref"] == "T34"]
    if t34.empty:
        raise MissingSource("SALT table T34 (people by support setting) is not loaded")
    return int(t34["year"].max())


def source_code(tables: Tables, la_code: str) -> tuple[str, float, str]:
    """The code the 2021-22 returns publish a council under, the share of it that is the
    council today, and a note: itself (1.0); a renamed county (North Yorkshire, Somerset:
    1.0); or a split county (Cumbria into Cumberland and Westmorland and Furness), shared
    by adult population (the successor's districts over the county, ONS mid-2021:
    :func:`msp_analysis.geography.split_weights`, the share every series uses)."""
    key = ("source_code", la_code)
    if key in tables.cache:
        return tables.cache[key]
    s = salt_rows(tables)
    out = (la_code, 1.0, "")
    if not (s["la_code"] == la_code).any():
        pred = geography.predecessors(la_code)
        if len(pred) == 1:
            code = pred["predecessor_code"].iloc[0]
            name = pred["predecessor_name"].iloc[0]
            if pred["change"].iloc[0] == "split":
                share = float(geography.split_weights()[la_code])
                out = (
                    code,
                    share,
                    f"{geography.council_name(la_code)}'s activity and spend are {share:.1%} of"
                    f" {name}'s (its share of the county's adults, ONS mid-2021 estimates, its"
                    " former districts summed), as the returns used were made before the county"
                    " was split.",
                )
            else:
                out = (
                    code,
                    1.0,
                    f"The returns used were made by {name} on the same boundary.",
                )
    tables.cache[key] = out
    return out


def values(frame: pd.DataFrame) -> pd.Series:
    """Published values, suppressed SALT cells (0-4 people) at SUPPRESSED_AT, blanks at 0."""
    return frame["value"].where(~frame["suppressed"].astype(bool), SUPPRESSED_AT).fillna(0.0)


def by_group(frame: pd.DataFrame, column: str, groups: dict) -> pd.Series:
    """Values summed by age band and the group ``groups`` maps ``column`` to."""
    if column not in frame.columns:
        return pd.Series(dtype=float)
    f = frame[frame[column].isin(groups)]
    return f.assign(v=values(f), g=f[column].map(groups)).groupby(["age_band", "g"])["v"].sum()


def people_by_setting(tables: Tables, code: str, year: int) -> pd.Series:
    """People during ``year`` by age band and setting group (T34) for any area code."""
    s = salt_rows(tables)
    t34 = s[
        (s["table_ref"] == "T34")
        & (s["la_code"] == code)
        & (s["year"] == year)
        & s["age_band"].isin(AGE_BANDS)
    ]
    return by_group(t34, "support_setting", SETTING_GROUPS).rename_axis(["age_band", "setting"])


#: The ASC-FR tables a projection reads: spend by setting (T43/T44), the totals and the parts
#: outside long-term care (T15, T17, T46), unit costs (T51 hourly, T52 by age band, T53/T54 by
#: support reason).
ASCFR_TABLES = ["T15", "T17", "T43", "T44", "T46", "T51", "T52", "T53", "T54"]


def ascfr_rows(tables: Tables) -> pd.DataFrame:
    """The ASC-FR rows of :data:`ASCFR_TABLES`, stored once per data build."""
    if not tables.has("ascfr"):
        raise MissingSource("no ASC-FR table: spend needs expenditure by setting (T43/T44)")

    def costs() -> pd.DataFrame:
        full = tables.require("ascfr")
        return full[full["table_ref"].isin(ASCFR_TABLES)]

    return tables.derived("ascfr_costs", costs)  # stored once per data build
