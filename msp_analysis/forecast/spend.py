"""Spend: people x annual cost per person x price path, and what drove the change.

Cost per person per year in the base year, by age band and setting group, is gross
current expenditure on long-term care in that setting (ASC-FR T43/T44, £ thousands)
divided by the people supported there during the year (SALT T34). Within nursing and
residential care, client groups are weighted by their weekly unit costs (ASC-FR
T53/T54) and re-scaled so the base year reproduces the published spend exactly.
People moved by a shift are costed at the setting they came from times the scenario's
``cost_ratio``. Each year the cost rises with inflation and real growth from the
scenario, and a workforce pay uplift where the scenario sets one.

The decomposition (log-mean Divisia index, exact with no residual) splits each cell's
change in spend between population, rate, setting growth, unit cost, inflation and
workforce capacity; a shift's effect is the difference it makes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from msp_analysis.forecast import demand
from msp_analysis.forecast.scenarios import Scenario
from msp_analysis.tables import MissingSource, Tables

GCE_GROUPS = {
    "Nursing": "Nursing",
    "Residential": "Residential",
    "Supported Accommodation": "Community",
    "Community: Direct Payments": "Community",
    "Community: Home Care": "Community",
    "Community: Supported Living": "Community",
    "Community: Other Long Term Care": "Community",
}
DRIVERS = ["population", "rate", "setting_growth", "unit_cost", "inflation", "capacity", "shift"]


def cost_per_person(
    tables: Tables, la_code: str, year: int, base_people: pd.DataFrame
) -> pd.DataFrame:
    """Annual £ per person by age_band, setting and client_group in the base year (reproduces published GCE)."""
    if not tables.has("ascfr"):
        raise MissingSource("no ASC-FR table: spend needs expenditure by setting (T43/T44)")
    if "ascfr_costs" not in tables.cache:
        full = tables.get("ascfr")
        tables.cache["ascfr_costs"] = full[full["table_ref"].isin(["T43", "T44", "T53", "T54"])]
    a = tables.cache["ascfr_costs"]
    g = a[
        a["table_ref"].isin(["T43", "T44"])
        & (a["la_code"] == la_code)
        & (a["year"] == year)
        & a["support_setting"].isin(GCE_GROUPS)
    ]
    if g.empty or g["value"].isna().all():
        raise MissingSource(f"no ASC-FR expenditure by setting (T43/T44) for {la_code} in {year}")
    gce = (
        g.assign(setting=g["support_setting"].map(GCE_GROUPS))
        .groupby(["age_band", "setting"])["value"]
        .sum(min_count=1)
        * 1000
    )
    people = base_people.groupby(["age_band", "setting"])["people"].sum()
    per = (gce / people).rename("cost_cell")
    weights = _reason_weights(a, la_code, year)
    out = base_people.merge(per.reset_index(), on=["age_band", "setting"], how="left")
    out = out.merge(weights, on=["age_band", "setting", "client_group"], how="left")
    out["weight"] = out["weight"].fillna(1.0)
    # re-scale the weights within each age band and setting so the cell's published spend is kept
    norm = (
        out.assign(wp=out["weight"] * out["people"])
        .groupby(["age_band", "setting"])[["wp", "people"]]
        .transform("sum")
    )
    out["cost"] = out["cost_cell"] * out["weight"] * norm["people"] / norm["wp"]
    return out[["age_band", "setting", "client_group", "cost"]]


def _reason_weights(a: pd.DataFrame, la_code: str, year: int) -> pd.DataFrame:
    t = a[a["table_ref"].isin(["T53", "T54"]) & (a["la_code"] == la_code) & (a["year"] == year)]
    t = t[t["support_setting"].isin(["Nursing", "Residential"])]
    if t.empty:
        return pd.DataFrame(columns=["age_band", "setting", "client_group", "weight"])
    t = t.assign(setting=t["support_setting"], client_group=t["primary_support_reason"])
    mean = t.groupby(["age_band", "setting"])["value"].transform("mean")
    return t.assign(weight=t["value"] / mean)[
        ["age_band", "setting", "client_group", "weight"]
    ].dropna()


def price_path(
    scenario: Scenario, base: int, years: list[int], settings: pd.Series
) -> pd.DataFrame:
    """Cumulative inflation and real-cost factors per year and setting (base year = 1)."""
    infl = scenario.value("inflation_pct")
    real = scenario.value("unit_cost_real_growth_pct")
    wf = scenario.value("workforce")
    rows = []
    for s in settings.unique():
        fi = fr = 1.0
        for y in years:
            fi *= 1 + infl.get(y, infl.get("default", 0.0)) / 100
            fr *= 1 + real.get(s, real.get(y, real.get("default", 0.0))) / 100
            pay = (
                1 + wf["pay_uplift_pct"] / 100 * wf["pay_share_of_cost_pct"] / 100
                if s in wf["settings"]
                else 1.0
            )
            rows.append({"year": y, "setting": s, "inflation_factor": fi, "real_factor": fr * pay})
    return pd.DataFrame(rows)


def project_spend(
    tables: Tables, la_code: str, scenario: Scenario, horizon: int = 5, base: int | None = None
) -> tuple[pd.DataFrame, dict]:
    """People and spend (£) by year x age band x setting x client group, with intervals."""
    people, info = demand.project(tables, la_code, scenario, horizon, base)
    b = info["base_year"]
    start = info.pop("base_demand")
    cost = cost_per_person(tables, la_code, b, start)
    # people moved into a new setting are costed at the setting they came from times cost_ratio
    people = people.merge(
        cost.rename(columns={"setting": "cost_from_setting", "cost": "cost_base"}),
        on=["age_band", "cost_from_setting", "client_group"],
        how="left",
    )
    people["cost_base"] = people["cost_base"] * people["cost_ratio"]
    path = price_path(scenario, b, sorted(people["year"].unique()), people["setting"])
    people = people.merge(path, on=["year", "setting"], how="left")
    people["cost"] = people["cost_base"] * people["inflation_factor"] * people["real_factor"]
    people["spend"] = people["people"] * people["cost"]
    for lvl in (80, 95):
        for side in ("lower", "upper"):
            people[f"spend_{side}_{lvl}"] = people[f"people_{side}_{lvl}"] * people["cost"]
    base_spend = start.merge(cost, on=["age_band", "setting", "client_group"])
    info["base_spend_gbp"] = float((base_spend["people"] * base_spend["cost"]).sum())
    info["base_people"] = float(start["people"].sum())
    info["base"] = base_spend.assign(spend=base_spend["people"] * base_spend["cost"])
    return people, info


def _lmdi_weight(s1: np.ndarray, s0: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        w = (s1 - s0) / (np.log(s1) - np.log(s0))
    return np.where(np.isclose(s1, s0), s0, w)


def decompose(frame: pd.DataFrame, info: dict, year: int) -> pd.DataFrame:
    """Change in spend from the base year to ``year`` by age band, setting, client group and driver (£).

    Exact: the drivers add up to the change in every cell.
    """
    f = frame[frame["year"] == year].copy()
    num = [
        "people_base",
        "cost_base",
        "people_noshift",
        "capacity_factor",
        "inflation_factor",
        "real_factor",
        "pop_factor",
        "rate_factor",
        "setting_factor",
        "spend",
    ]
    f[num] = f[num].astype("float64")
    s0 = f["people_base"] * f["cost_base"]
    s_noshift = (
        f["people_noshift"]
        * f["capacity_factor"]
        * f["cost_base"]
        * f["inflation_factor"]
        * f["real_factor"]
    )
    valid = (s0 > 0) & (s_noshift > 0)
    w = np.where(valid, _lmdi_weight(s_noshift.to_numpy(), s0.to_numpy()), 0.0)
    contrib = {
        "population": np.log(f["pop_factor"]),
        "rate": np.log(f["rate_factor"]),
        "setting_growth": np.log(f["setting_factor"]),
        "unit_cost": np.log(f["real_factor"]),
        "inflation": np.log(f["inflation_factor"]),
        "capacity": np.log(f["capacity_factor"]),
    }
    rows = []
    keys = f[["age_band", "setting", "client_group"]].reset_index(drop=True)
    for driver, logs in contrib.items():
        vals = np.where(valid, w * logs.to_numpy(), 0.0)
        rows.append(keys.assign(driver=driver, change_gbp=vals))
    shift = (f["spend"] - np.where(valid, s_noshift, 0.0)).to_numpy()
    rows.append(keys.assign(driver="shift", change_gbp=shift))
    out = pd.concat(rows, ignore_index=True)
    out = out.groupby(["age_band", "setting", "client_group", "driver"], as_index=False)[
        "change_gbp"
    ].sum()
    total = out["change_gbp"].sum()
    out["share_of_change"] = out["change_gbp"] / total if total else np.nan
    out["year"] = year
    return out
