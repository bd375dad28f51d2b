"""Demand: people in long-term support by council x age band x support setting x primary support reason.

Base year (SALT): people supported during the year by age band and setting (T34), split
by primary support reason with the council's year-end shares within each age band (T37);
setting and reason are assumed independent within an age band (no council-level
cross-tabulation is published). Suppressed SALT cells (0-4 people) enter the model at 2,
the middle of their range, and nothing in the output reveals them.

Projection: base x population factor (ONS projection, or the latest estimate held flat)
x rate factor (each age band's rate of long-term support per population, trended with
:mod:`msp_analysis.forecast.models`) x any extra setting growth, then shifts between
settings and workforce capacity loss from the scenario.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from msp_analysis.forecast import models
from msp_analysis.forecast.scenarios import Scenario
from msp_analysis.indicators.core import population_by_band
from msp_analysis.tables import MissingSource, Tables

AGE_BANDS = {"18 to 64": (18, 64), "65 and over": (65, None)}
SETTING_GROUPS = {
    "Nursing": "Nursing",
    "Residential": "Residential",
    "Community: Direct Payment Only": "Community",
    "Community: Part Direct Payment": "Community",
    "Community: CASSR Managed Personal Budget": "Community",
    "Community: CASSR Commissioned Support Only": "Community",
}
REASON_GROUPS = {
    "Physical Support: Access and Mobility Only": "Physical Support",
    "Physical Support: Personal Care Support": "Physical Support",
    "Physical Support": "Physical Support",
    "Sensory Support: Support for Visual Impairment": "Sensory Support",
    "Sensory Support: Support for Hearing Impairment": "Sensory Support",
    "Sensory Support: Support for Dual Impairment": "Sensory Support",
    "Sensory Support": "Sensory Support",
    "Support with Memory and Cognition": "Support with Memory and Cognition",
    "Learning Disability Support": "Learning Disability Support",
    "Mental Health Support": "Mental Health Support",
    "Social Support: Substance Misuse Support": "Social Support",
    "Social Support: Asylum Seeker Support": "Social Support",
    "Social Support: Support for Social Isolation/Other": "Social Support",
}
SUPPRESSED_AT = 2.0
KEYS = ["age_band", "setting", "client_group"]


def _salt(tables: Tables) -> pd.DataFrame:
    """The SALT tables the forecast uses (T2, T34, T37), selected once per data set."""
    if not tables.has("salt"):
        raise MissingSource("no SALT table: demand needs SALT tables T2, T34 and T37")
    if "salt_forecast" not in tables.cache:
        s = tables.get("salt")
        tables.cache["salt_forecast"] = s[s["table_ref"].isin(["T2", "T34", "T37"])]
    return tables.cache["salt_forecast"]


def base_year(tables: Tables) -> int:
    """Latest year with people by setting (SALT T34)."""
    s = _salt(tables)
    t34 = s[s["table_ref"] == "T34"]
    if t34.empty:
        raise MissingSource("SALT table T34 (people by support setting) is not loaded")
    return int(t34["year"].max())


def base_demand(tables: Tables, la_code: str, year: int) -> pd.DataFrame:
    """People in long-term support during ``year``: age_band, setting, client_group, people."""
    s = _salt(tables)
    t34 = s[
        (s["table_ref"] == "T34")
        & (s["la_code"] == la_code)
        & (s["year"] == year)
        & s["age_band"].isin(AGE_BANDS)
    ]
    t34 = t34[t34["support_setting"].isin(SETTING_GROUPS)]
    if t34.empty:
        raise MissingSource(f"no SALT T34 rows for {la_code} in {year}")
    if t34["marker"].eq("[x]").fillna(False).all():
        raise MissingSource(f"{la_code} did not submit SALT for {year}")
    people = t34.assign(
        v=t34["value"].where(~t34["suppressed"], SUPPRESSED_AT),
        setting=t34["support_setting"].map(SETTING_GROUPS),
    )
    by_setting = people.groupby(["age_band", "setting"], as_index=False)["v"].sum()
    t37 = s[(s["table_ref"] == "T37") & (s["la_code"] == la_code) & (s["year"] == year)]
    t37 = t37[t37["primary_support_reason"].isin(REASON_GROUPS)]
    reasons = t37.assign(
        v=t37["value"].where(~t37["suppressed"], SUPPRESSED_AT),
        client_group=t37["primary_support_reason"].map(REASON_GROUPS),
    )
    shares = reasons.groupby(["age_band", "client_group"])["v"].sum()
    shares = shares / shares.groupby(level=0).transform("sum")
    if shares.empty:
        shares = pd.Series(
            1.0,
            index=pd.MultiIndex.from_product(
                [list(AGE_BANDS), ["All client groups"]], names=["age_band", "client_group"]
            ),
        )
    out = by_setting.merge(shares.rename("share").reset_index(), on="age_band")
    out["people"] = out["v"] * out["share"]
    return out[[*KEYS, "people"]]


def rate_history(tables: Tables) -> pd.DataFrame:
    """People in long-term support during the year per adult in the age band, every council and year.

    Computed once per loaded data set (kept in ``tables.cache``).
    """
    if "rate_history" not in tables.cache:
        tables.cache["rate_history"] = _rate_history(tables)
    return tables.cache["rate_history"]


def _pooled(tables: Tables, band: str, base: int, hist: pd.DataFrame) -> models.PooledGrowth:
    key = ("pooled", band, base)
    if key not in tables.cache:
        tables.cache[key] = models.fit_pooled(hist)
    return tables.cache[key]


def _rate_history(tables: Tables) -> pd.DataFrame:
    s = _salt(tables)
    lts = s[
        ((s["table_ref"] == "T2") & (s["measure"] == "clients_lts_during_year"))
        | ((s["table_ref"] == "T34") & (s["support_setting"] == "Total"))
    ]
    lts = lts[lts["age_band"].isin(AGE_BANDS) & (lts["area_type"] == "council")].drop_duplicates(
        ["la_code", "year", "age_band"]
    )
    if not tables.has("population"):
        raise MissingSource("no population table: rates need ONS mid-year estimates")
    pop = population_by_band(tables.get("population"), AGE_BANDS)
    pop = pop[pop["area_type"] == "council"]
    counts = pop.groupby("year")["la_code"].nunique()
    full_years = sorted(int(y) for y, n in counts.items() if n >= 0.9 * counts.max())
    rows = []
    for y in sorted(lts["year"].unique()):
        py = min(full_years, key=lambda p: (abs(p - y), p > y))
        rows.append(pop[pop["year"] == py].assign(year=y, pop_year=py))
    popy = pd.concat(rows).rename(columns={"breakdown": "age_band", "value": "population"})
    out = lts.merge(
        popy[["la_code", "year", "age_band", "population", "pop_year"]],
        on=["la_code", "year", "age_band"],
        how="inner",
    )
    out["value"] = out["value"] / out["population"]
    return out[["la_code", "year", "age_band", "value", "pop_year"]]


def population_factors(
    tables: Tables, la_code: str, base: int, years: list[int], scenario: Scenario
) -> tuple[pd.DataFrame, str]:
    """Population in each forecast year relative to the base year, by age band, and a note on the source."""
    use_projection = scenario.value("population") == "projection"
    proj = tables.get("population_projections") if use_projection else None
    if proj is not None and (proj["la_code"] == la_code).any():
        bands = population_by_band(
            proj[proj["la_code"] == la_code], AGE_BANDS, estimate=proj["estimate"].iloc[0]
        )
        wide = bands.pivot_table(index="year", columns="breakdown", values="value")
        start = max(base, int(wide.index.min()))
        rows = []
        for y in years:
            yy = min(max(y, start), int(wide.index.max()))
            for band in AGE_BANDS:
                rows.append(
                    {
                        "year": y,
                        "age_band": band,
                        "pop_factor": wide.loc[yy, band] / wide.loc[start, band],
                    }
                )
        note = f"ONS {proj['estimate'].iloc[0]} (years beyond it held at its last year)"
        return pd.DataFrame(rows), note
    reason = (
        "scenario holds population flat"
        if not use_projection
        else "no population projection loaded for this council: latest mid-year estimate held flat"
    )
    return pd.DataFrame(
        [{"year": y, "age_band": b, "pop_factor": 1.0} for y in years for b in AGE_BANDS]
    ), reason


def rate_factors(
    tables: Tables, la_code: str, base: int, years: list[int], scenario: Scenario
) -> pd.DataFrame:
    """Rate in each forecast year relative to the base year, with intervals, method and history length."""
    if scenario.value("rate_trend") == "none":
        return pd.DataFrame(
            [
                {
                    "year": y,
                    "age_band": b,
                    "rate_factor": 1.0,
                    **{f"{k}_{lvl}": 1.0 for k in ("lower", "upper") for lvl in (80, 95)},
                    "method": "held at base-year rate",
                    "history_years": 0,
                }
                for y in years
                for b in AGE_BANDS
            ]
        )
    hist = rate_history(tables)
    hist = hist[hist["year"] <= base]
    out = []
    for band in AGE_BANDS:
        h = hist[hist["age_band"] == band]
        pooled = _pooled(tables, band, base, h)
        mine = h[h["la_code"] == la_code].set_index("year")["value"]
        if mine.empty or base not in mine.index:
            raise MissingSource(
                f"no base-year ({base}) rate of long-term support for {la_code}, {band}"
            )
        f = models.forecast(mine, years, pooled)
        ref = mine.loc[base]
        for col in ("value", "lower_80", "upper_80", "lower_95", "upper_95"):
            f[col] = f[col] / ref
        f = f.rename(columns={"value": "rate_factor"}).assign(age_band=band, pooled=pooled.describe)
        out.append(f)
    return pd.concat(out, ignore_index=True)


def project(
    tables: Tables, la_code: str, scenario: Scenario, horizon: int = 5, base: int | None = None
) -> tuple[pd.DataFrame, dict]:
    """People by year x age band x setting x client group, with intervals, for one scenario.

    Returns the frame (columns: year, age_band, setting, client_group, people, lower/upper 80/95,
    and the factor columns used) and a dict describing the run (base year, sources, methods).
    """
    base = base or base_year(tables)
    years = list(range(base + 1, base + horizon + 1))
    start = base_demand(tables, la_code, base)
    pop, pop_note = population_factors(tables, la_code, base, years, scenario)
    rate = rate_factors(tables, la_code, base, years, scenario)
    grid = start.merge(pd.DataFrame({"year": years}), how="cross")
    grid = grid.merge(pop, on=["year", "age_band"]).merge(
        rate[["year", "age_band", "rate_factor", "lower_80", "upper_80", "lower_95", "upper_95"]],
        on=["year", "age_band"],
    )
    growth = scenario.value("setting_growth_pct")
    step = (grid["year"] - base).to_numpy()
    grid["setting_factor"] = [
        (1 + growth.get(s, growth.get("default", 0.0)) / 100) ** t
        for s, t in zip(grid["setting"], step)
    ]
    grid["people_base"] = grid["people"]
    grid["people_noshift"] = (
        grid["people_base"] * grid["pop_factor"] * grid["rate_factor"] * grid["setting_factor"]
    )
    for lvl in (80, 95):
        for side in ("lower", "upper"):
            grid[f"{side}_{lvl}_ratio"] = grid[f"{side}_{lvl}"] / grid["rate_factor"]
    grid = apply_shifts(grid, scenario, base)
    wf = scenario.value("workforce")
    served = np.where(grid["setting"].isin(wf["settings"]), 1 - wf["capacity_loss_pct"] / 100, 1.0)
    grid["capacity_factor"] = served
    grid["people_unserved"] = grid["people_shifted"] * (1 - served)
    grid["people"] = grid["people_shifted"] * served
    for lvl in (80, 95):
        grid[f"people_lower_{lvl}"] = grid["people"] * grid[f"lower_{lvl}_ratio"]
        grid[f"people_upper_{lvl}"] = grid["people"] * grid[f"upper_{lvl}_ratio"]
    info = {
        "base_year": base,
        "population": pop_note,
        "rate_methods": "; ".join(
            f"{r.age_band}: {r.method}, {int(r.history_years)} years of history"
            for r in rate.drop_duplicates("age_band").itertuples()
        ),
        "history_years": int(rate["history_years"].min()),
        "pooled": "; ".join(sorted(set(rate.get("pooled", pd.Series(dtype=str)).dropna()))),
        "base_demand": start,
    }
    return grid, info


def apply_shifts(grid: pd.DataFrame, scenario: Scenario, base: int) -> pd.DataFrame:
    """Move a share of *new* demand between settings; people are conserved in every year.

    Adds ``people_shifted`` and ``cost_ratio`` (cost relative to the setting the people came from).
    """
    g = grid.copy()
    g["people_shifted"] = g["people_noshift"]
    g["cost_ratio"] = 1.0
    g["cost_from_setting"] = g["setting"]
    for shift in scenario.value("shifts"):
        frm = shift["from"]
        sel = g["setting"] == frm["setting"]
        if "client_group" in frm:
            sel &= g["client_group"] == frm["client_group"]
        if "age_band" in frm:
            sel &= g["age_band"] == frm["age_band"]
        phase = np.minimum(1.0, (g["year"] - base) / float(shift.get("phase_in_years", 1) or 1))
        new = np.maximum(g["people_noshift"] - g["people_base"], 0.0)
        moved = (new * shift["share_of_new_demand"] * phase).where(sel, 0.0)
        g.loc[sel, "people_shifted"] -= moved[sel]
        additions = []
        for to in shift["to"]:
            add = g[sel].copy()
            add["setting"] = to["setting"]
            add["people_base"] = 0.0
            add["people_noshift"] = 0.0
            add["people_shifted"] = moved[sel] * float(to["share"])
            add["cost_ratio"] = float(to.get("cost_ratio", 1.0))
            add["cost_from_setting"] = frm["setting"]
            additions.append(add)
        g = pd.concat([g, *additions], ignore_index=True)
        keys = ["year", "age_band", "setting", "client_group"]
        agg = {c: "sum" for c in ("people_base", "people_noshift", "people_shifted")}
        first = {c: "first" for c in g.columns if c not in agg and c not in keys}
        g = g.groupby(keys, as_index=False, sort=False).agg({**agg, **first})
    return g
