"""The local economy a care market works in: pay (ONS ASHE) and older people's deprivation (IoD).

- ``wage_floor_share_of_local_pay``: the wage floor (National Living Wage from April 2016,
  the adult National Minimum Wage before) for a full-time year, as a share of the median
  full-time employee's annual pay where people live (ASHE Table 8.7a, by home council). Care
  pay sits near the floor, so where the floor is a small share of local pay, care work
  competes poorly with other local jobs. A council-wide figure.
- ``<market>_cost_to_local_pay``: what a week (an hour for home care) of the market's care
  costs the council (ASC-FR unit cost), in weeks (hours) of local median full-time pay. Where
  it is low against England, the money that reaches providers buys less local labour.
- ``older_people_income_deprivation``: the IoD 2019 income deprivation affecting older people
  (IDAOPI) average score: the usual public proxy for how many older people pay for their own
  care (few deprived, many self-funders).
"""

from __future__ import annotations

from importlib import resources

import pandas as pd

from msp_analysis import geography
from msp_analysis.indicators.catalogue import Indicator, computes, make
from msp_analysis.tables import MissingSource, Tables
from msp_analysis.years import financial_year

#: A full-time working week, hours (ASHE full-time: 30 hours or more; 37.5 the usual contract)
FULL_TIME_HOURS = 37.5
WEEKS_A_YEAR = 52.143

AREA = ["la_code", "area_type", "year", "breakdown", "value"]


def wage_floor() -> pd.Series:
    """The wage floor in force each April (ASHE's survey month), £ an hour, by calendar year."""
    path = resources.files("msp_analysis.data").joinpath("wage_floor.csv")
    with path.open() as fh:
        table = pd.read_csv(fh)
    return table.set_index("april")["gbp_per_hour"]


def _current(frame: pd.DataFrame, demo: bool) -> pd.Series:
    """Each row's area on today's councils: a council's current code where its published area
    is the same (none for a county since split), regions and England as published; the
    fictional DEMO councils as they are."""
    council = frame["area_type"] == "council"
    if demo:
        return frame["la_code"]
    return frame["la_code"].where(~council, frame["la_code_current"])


def _median_pay(tables: Tables) -> pd.DataFrame:
    """Median gross annual pay of full-time employees by where they live, every area and year
    (councils on today's boundaries where the published area is the same)."""
    if not tables.has("ashe_pay"):
        raise MissingSource("no ONS ASHE pay table (Table 8.7a, by home council) was loaded")
    a = tables.require("ashe_pay")
    a = a[
        (a["statistic"] == "median")
        & (a["sex"] == "All")
        & (a["working_pattern"] == "Full-time")
        & (a["geography_basis"] == "home")
        & a["area_type"].isin(["council", "region", "england"])
    ]
    if a.empty:
        raise MissingSource("the ASHE files loaded have no full-time median pay by home council")
    a = a.assign(la_code=_current(a, tables.demo))
    a = a.dropna(subset=["la_code"]).drop_duplicates(["la_code", "year"], keep="last")
    return a.assign(breakdown="Total")[[*AREA, "provisional"]]


@computes("wage_floor_share_of_local_pay")
def wage_floor_bite(tables: Tables) -> list[Indicator]:
    """The wage floor for a full-time year as a share of local median full-time pay."""
    pay = _median_pay(tables)
    floor = wage_floor()
    year_pay = pay["year"].map(floor) * FULL_TIME_HOURS * WEEKS_A_YEAR
    area = pay.assign(value=year_pay / pay["value"] * 100).dropna(subset=["value"])
    provisional = sorted(str(y) for y in pay.loc[pay["provisional"].fillna(False), "year"].unique())
    return [
        make(
            "wage_floor_share_of_local_pay",
            area[AREA],
            f"the wage floor in force each April for {FULL_TIME_HOURS:g} hours a week, against "
            "the median gross annual pay of full-time employees living in the area (ASHE, "
            "published medians: region and England as published, never built from councils)",
            f"ASHE {', '.join(provisional)} provisional" if provisional else "",
            year_label="April {year}",
        )
    ]


#: indicator -> (unit cost indicator's selection, per hour (home care) or per week)
COST_TO_PAY = {
    "care_home_cost_to_local_pay": (
        ("T52", "65 and over", "Residential", "Total", "Total"),
        "week",
    ),
    "home_care_cost_to_local_pay": (
        ("T51", "Total", "Community: Home Care", "Total", "External"),
        "hour",
    ),
    "ld_care_cost_to_local_pay": (
        ("T53", "18 to 64", "Residential", "Learning Disability Support", "Total"),
        "week",
    ),
    "mh_care_cost_to_local_pay": (
        ("T53", "18 to 64", "Residential", "Mental Health Support", "Total"),
        "week",
    ),
}


@computes(*COST_TO_PAY)
def cost_to_local_pay(tables: Tables) -> list[Indicator]:
    """Each market's unit cost in weeks (hours) of local median full-time pay."""
    pay = _median_pay(tables)
    if not tables.has("ascfr"):
        raise MissingSource("no ASC-FR table was loaded")
    a = tables.require("ascfr")
    a = a[
        a["area_type"].isin(["council", "region", "england"])
        & a["measure"].str.startswith("unit_cost")
    ]
    years = sorted(int(y) for y in pay["year"].unique())
    out = []
    for name, ((ref, age, setting, reason, provision), per) in COST_TO_PAY.items():
        cost = a[
            (a["table_ref"] == ref)
            & (a["age_band"] == age)
            & (a["support_setting"] == setting)
            & (a["primary_support_reason"] == reason)
            & (a["provision"] == provision)
        ][["la_code", "area_type", "year", "value"]]
        if cost.empty:
            continue
        if not tables.demo:
            # the returns of a council made in 2023 are its predecessor's (North Yorkshire's
            # are the county's); pay is already on today's councils, so the cost goes there too
            cost = geography.to_current_councils(
                cost.assign(breakdown="Total"), additive=False
            ).drop(columns=["breakdown", "boundary_basis"])
        # the pay survey nearest each unit cost's year (ASHE in April, the year's start)
        cost = cost.assign(
            pay_year=cost["year"].map(lambda y: min(years, key=lambda p: (abs(p - y), -p)))
        )
        merged = cost.merge(
            pay[["la_code", "year", "value"]].rename(columns={"year": "pay_year", "value": "pay"}),
            on=["la_code", "pay_year"],
        )
        unit_pay = merged["pay"] / WEEKS_A_YEAR / (FULL_TIME_HOURS if per == "hour" else 1)
        area = merged.assign(value=merged["value"] / unit_pay, breakdown="Total")
        gaps = sorted(
            {(int(y), int(p)) for y, p in zip(merged["year"], merged["pay_year"]) if y != p}
        )
        out.append(
            make(
                name,
                area[AREA],
                f"the ASC-FR unit cost divided by local median full-time pay for {'an' if per == 'hour' else 'a'} {per}"
                + (f" ({FULL_TIME_HOURS:g} hours a week)" if per == "hour" else ""),
                "; ".join(f"{financial_year(y)} unit costs against ASHE {p} pay" for y, p in gaps),
            )
        )
    if not out:
        raise MissingSource("the loaded ASC-FR files have no unit cost tables (T51-T53)")
    return out


@computes("older_people_income_deprivation")
def older_people_deprivation(tables: Tables) -> list[Indicator]:
    """IoD 2019 income deprivation affecting older people (IDAOPI), average score (a share)."""
    if not tables.has("deprivation"):
        raise MissingSource("no English Indices of Deprivation file (IoD 2019 File 11) was loaded")
    d = tables.require("deprivation")
    d = d[
        (d["domain_code"] == "IDAOPI")
        & (d["measure"] == "average_score")
        & (d["area_type"] == "council")
    ]
    if d.empty:
        raise MissingSource("the IoD file loaded has no IDAOPI average scores by council")
    d = d.assign(la_code=_current(d, tables.demo)).dropna(subset=["la_code"])
    if d.empty:
        raise MissingSource("the IoD file loaded covers none of today's councils")
    area = d.assign(value=d["value"] * 100, breakdown="Total")[AREA]
    return [
        make(
            "older_people_income_deprivation",
            area,
            "population-weighted average of the neighbourhood scores: the share of people aged 60+ "
            "in income-deprived households; no England figure (councils are ranked instead)",
            year_label=str(d["year_label"].iloc[0]),
        )
    ]
