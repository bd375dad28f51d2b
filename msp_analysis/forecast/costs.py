"""Costs: the annual cost per person in each cell, and the price path that moves it.

Cost per person per year in the SALT year, by age band and setting, is ASC-FR gross
current expenditure on long-term care there (T43/T44, £ thousands) over the people
supported there during the year; within nursing and residential care client groups are
weighted by their weekly unit costs (T53/T54) and re-scaled so the published spend is
kept. Supported living and Shared Lives cost their stated weekly cost x 52.

The price path (:func:`price_index`): each year a setting's cost rises by its pay share x
the National Living Wage uprating plus the rest x CPI (published figures for past years,
the scenario's stated assumption after them), unless the council has set a fee uplift for
that year, which replaces the blend; then real growth, and a workforce pay uplift through
the pay share where the scenario sets one. Costs are carried from the SALT year to the
base year on the published path.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from msp_analysis import geography
from msp_analysis.forecast.returns import ascfr_rows, people_by_setting, source_code
from msp_analysis.forecast.scenarios import Scenario, price_history
from msp_analysis.tables import MissingSource, Tables

GCE_GROUPS = {
    "Nursing": "Nursing",
    "Residential": "Residential",
    "Supported Accommodation": "Community",
    "Community: Direct Payments": "Community",
    "Community: Home Care": "Community",
    "Community: Supported Living": "Supported living",
    "Community: Other Long Term Care": "Community",
}
CELL = ["age_band", "client_group", "setting"]


def yearly_growth(scenario: Scenario, setting: str, year: int) -> float:
    """Price growth (fraction) of a setting's cost in ``year``: fee uplift, else the blend."""
    v = scenario.value("price_path")
    if year in v["fee_uplift_pct"]:
        return v["fee_uplift_pct"][year] / 100
    hist = price_history()
    pay = v["pay_uplift_pct"].get(year, hist["pay_uplift_pct"]["values"].get(year))
    cpi = v["cpi_pct"].get(year, hist["cpi_pct"]["values"].get(year))
    pay = v["pay_uplift_pct"]["default"] if pay is None else pay
    cpi = v["cpi_pct"]["default"] if cpi is None else cpi
    share = v["pay_share"].get(setting, v["pay_share"].get("default", 0.0))
    return (share * pay + (1 - share) * cpi) / 100


def price_index(scenario: Scenario, setting: str, start: int, end: int) -> float:
    """Cumulative price factor from ``start`` to ``end`` (1 when equal; inverse when end < start)."""
    f = 1.0
    for y in range(min(start, end) + 1, max(start, end) + 1):
        f *= 1 + yearly_growth(scenario, setting, y)
    return f if end >= start else 1 / f


def cost_per_person(
    tables: Tables, la_code: str, year: int, people: pd.DataFrame, scenario: Scenario
) -> pd.DataFrame:
    """Annual £ per person by CELL in ``year`` (the SALT year); reproduces published spend."""
    a = ascfr_rows(tables)
    la_code, share, _ = source_code(tables, la_code)
    g = a[
        a["table_ref"].isin(["T43", "T44"])
        & (a["la_code"] == la_code)
        & (a["year"] == year)
        & a["support_setting"].isin(GCE_GROUPS)
    ]
    ppl = people.groupby(["age_band", "setting"])["people"].sum()
    if g.empty or g["value"].isna().all():
        # the council made no ASC-FR return: its region's cost per person (said in the notes)
        region = geography.region_of(la_code)
        g = a[
            a["table_ref"].isin(["T43", "T44"])
            & (a["la_code"] == region)
            & (a["year"] == year)
            & a["support_setting"].isin(GCE_GROUPS)
        ]
        if g.empty or g["value"].isna().all():
            raise MissingSource(
                f"no ASC-FR expenditure by setting (T43/T44) for {la_code} or its region in {year}"
            )
        region_people = people_by_setting(tables, str(region), year)
        share = 1.0
        ppl = region_people.groupby(["age_band", "setting"]).sum()
        note = (
            f"{geography.council_name(la_code)} made no ASC-FR return for"
            f" {year}-{(year + 1) % 100:02d}: costs per person are its region's"
            f" ({geography.REGIONS.get(str(region), region)})."
        )
        la_code = str(region)
    else:
        note = ""
    gce = (
        g.assign(setting=g["support_setting"].map(GCE_GROUPS))
        .groupby(["age_band", "setting"])["value"]
        .sum(min_count=1)
        * 1000
        * share
    )
    # supported living spend where no one is counted in supported living stays in community
    gce = gce.copy()
    for age in gce.index.get_level_values(0).unique():
        key = (age, "Supported living")
        if key in gce.index and ppl.get(key, 0.0) <= 0:
            gce[(age, "Community")] = np.nansum([gce.get((age, "Community"), np.nan), gce[key]])
            gce = gce.drop(key)
    per = (gce / ppl.where(ppl > 0)).rename("cost_cell")
    out = people.merge(per.reset_index(), on=["age_band", "setting"], how="left")
    out = out.merge(_reason_weights(a, la_code, year), on=CELL, how="left")
    out["weight"] = out["weight"].fillna(1.0)
    wp = out.assign(wp=out["weight"] * out["people"]).groupby(["age_band", "setting"])
    norm = wp[["wp", "people"]].transform("sum")
    scale = np.where(norm["wp"] > 0, norm["people"] / norm["wp"].where(norm["wp"] > 0, 1), 1.0)
    out["cost"] = out["cost_cell"] * out["weight"] * scale
    sc = scenario.value("setting_costs")
    to_year = {
        s: price_index(scenario, s, sc["price_year"], year)
        for s in ("Supported living", "Shared Lives")
    }
    for s, weekly in sc["weekly_cost_gbp"].items():
        out.loc[out["setting"] == s, "cost"] = weekly * 52 * to_year[s]
    # a cell with no published cost takes its age band's average (never NaN)
    band_avg = (
        out.dropna(subset=["cost"])
        .assign(sp=lambda d: d["cost"] * d["people"])
        .groupby("age_band")[["sp", "people"]]
        .sum()
    )
    avg = band_avg["sp"] / band_avg["people"].where(band_avg["people"] > 0)
    out["cost"] = out["cost"].fillna(out["age_band"].map(avg)).fillna(0.0)
    out = out[[*CELL, "cost"]]
    out.attrs["note"] = note
    return out


def _reason_weights(a: pd.DataFrame, la_code: str, year: int) -> pd.DataFrame:
    t = a[a["table_ref"].isin(["T53", "T54"]) & (a["la_code"] == la_code) & (a["year"] == year)]
    t = t[t["support_setting"].isin(["Nursing", "Residential"])]
    if t.empty:
        return pd.DataFrame(columns=[*CELL, "weight"])
    t = t[t["value"] > 0]  # a published unit cost of zero or less carries no weight
    t = t.assign(setting=t["support_setting"], client_group=t["primary_support_reason"])
    mean = t.groupby(["age_band", "setting"])["value"].transform("mean")
    return t.assign(weight=t["value"] / mean)[[*CELL, "weight"]].dropna()


def cost_path(
    scenario: Scenario, cost_base: pd.DataFrame, base: int, years: list[int]
) -> pd.DataFrame:
    """Cost per person by year and CELL: prices, real growth and workforce pay from the base."""
    real = scenario.value("unit_cost_real_growth_pct")
    wf = scenario.value("workforce")
    pay_share = scenario.value("price_path")["pay_share"]
    rows = []
    for s in cost_base["setting"].unique():
        r = real.get(s, real.get("default", 0.0)) / 100
        share = pay_share.get(s, pay_share.get("default", 0.0))
        pay = 1 + wf["pay_uplift_pct"] / 100 * share if s in wf["settings"] else 1.0
        for y in years:
            rows.append(
                {
                    "year": y,
                    "setting": s,
                    "price_factor": price_index(scenario, s, base, y),
                    "real_factor": (1 + r) ** (y - base),
                    "workforce_factor": pay,
                    "capacity_loss": wf["capacity_loss_pct"] / 100 if s in wf["settings"] else 0.0,
                }
            )
    return pd.DataFrame(rows)
