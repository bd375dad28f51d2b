"""Demand: people in long-term support by age band x client group x setting, stock and flow.

Base (the latest SALT year): people supported during the year by age band and setting
(T34) and at year end (T38), people at year end by primary support reason (T37), and new
clients whose request ended in long-term nursing, residential or community support (T10,
T11). Suppressed SALT cells (0-4 people) enter at 2, the middle of their range.

- **Setting x client group**: SALT publishes the setting x reason x age cross-tabulation
  for England only (T35); each council's joint table is an iterative proportional fit of
  that table to the council's own margins (:mod:`msp_analysis.forecast.ipf`), or of an even
  seed (setting and reason independent within an age band) where T35 is not loaded. The
  run says which.
- **Supported living and Shared Lives** are settings for adults 18-64: people in supported
  living are ASC-FR spend on it (T43 "Community: Supported Living") over its weekly cost
  (:func:`msp_analysis.forecast.costs.supported_living_weekly`: the council's own fee or
  count where given, else a sourced default), taken out of SALT's community figure and shared
  between learning disability and mental health support in proportion to their community
  numbers. Shared Lives starts at 0 people (ASC-FR has no line for it) and is filled by
  shifts.
- **Exits**: people during the year minus people at year end, by age band and setting
  (T34 - T38), as a share of people during the year; supported living and Shared Lives
  leave at their age band's community rate.
- **New placements** go to settings in the mix of the base year's leavers (so with flat
  demand the market stays as it is); shifts then move a share of them
  (:mod:`msp_analysis.forecast.stockflow`).
- **Demand** in each year: the base people in an age band and client group x population
  growth (18-64; 65+ as the need-weighted growth of 65-74, 75-84 and 85+) x the rate
  factor (held at the base year, or the trend of the evidence for adults 18-64, adults
  18-64 with a learning disability and people 65+: :mod:`msp_analysis.forecast.rates`).

When the base year (the latest outturn year) is later than the SALT year, demand is
brought forward from SALT by the same population and rate factors, and the run says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from msp_analysis.forecast import ipf, models, rates, stockflow
from msp_analysis.forecast import population as P
from msp_analysis.forecast.returns import (
    SETTING_GROUPS,
    ascfr_rows,
    by_group,
    salt_rows,
    salt_year,
    source_code,
    values,
)
from msp_analysis.forecast.scenarios import AGE_BANDS, CLIENT_GROUPS, SETTINGS, Scenario
from msp_analysis.series.population import population_by_band
from msp_analysis.tables import MissingSource, Tables
from msp_analysis.years import financial_year

ENTRY_GROUPS = {
    "Long Term Care: Nursing": "Nursing",
    "Long Term Care: Residential": "Residential",
    "Long Term Care: Community": "Community",
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
SL_GROUPS = ("Learning Disability Support", "Mental Health Support")
SL_SHARE_CAP = 0.8  # supported living never takes more than 80% of LD + MH community people
CELL = stockflow.CELL


@dataclass
class BaseDemand:
    """The base year's people by cell and the flows that move them."""

    salt_year: int
    base_year: int
    people: pd.DataFrame  # CELL + people, in the base year (brought forward from SALT)
    people_salt: pd.DataFrame  # CELL + people, in the SALT year
    exit_rate: pd.DataFrame  # age_band, setting, exit_rate
    mix: pd.DataFrame  # CELL + mix (share of new placements)
    flows: pd.DataFrame  # age_band, setting: during, year_end, leavers, new_clients (SALT year)
    supported_living_people: float
    notes: list[str] = field(default_factory=list)


def _seed(s: pd.DataFrame, year: int) -> pd.DataFrame | None:
    """England's setting x reason x age table (T35) where loaded, else None."""
    t35 = s[(s["table_ref"] == "T35") & (s["year"] == year)]
    if t35.empty:
        return None
    t35 = t35[
        t35["support_setting"].isin(SETTING_GROUPS)
        & t35["primary_support_reason"].isin(REASON_GROUPS)
    ]
    return (
        t35.assign(
            v=values(t35),
            setting=t35["support_setting"].map(SETTING_GROUPS),
            client_group=t35["primary_support_reason"].map(REASON_GROUPS),
        )
        .groupby(["age_band", "setting", "client_group"])["v"]
        .sum()
    )


def salt_base(tables: Tables, la_code: str, year: int) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """People during ``year`` by CELL (Nursing, Residential, Community), the flows by age band
    and setting, and how setting and client group were joined.

    The same for every scenario: computed once per council and year (copies returned)."""
    key = ("salt_base", la_code, year)
    if key not in tables.cache:
        tables.cache[key] = _salt_base(tables, la_code, year)
    people, flows, method = tables.cache[key]
    return people.copy(), flows.copy(), method


def _salt_base(tables: Tables, la_code: str, year: int) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    s = salt_rows(tables)
    code, share, _ = source_code(tables, la_code)
    mine = s[(s["la_code"] == code) & (s["year"] == year)]
    if share != 1.0:
        mine = mine.assign(value=mine["value"] * share)
    t34 = mine[(mine["table_ref"] == "T34") & mine["age_band"].isin(AGE_BANDS)]
    if t34.empty:
        raise MissingSource(f"no SALT T34 rows for {la_code} in {year}")
    if t34["marker"].eq("[x]").fillna(False).all():
        raise MissingSource(f"{la_code} did not submit SALT for {year}")
    during = by_group(t34, "support_setting", SETTING_GROUPS)
    t38 = mine[(mine["table_ref"] == "T38") & mine["age_band"].isin(AGE_BANDS)]
    year_end = by_group(t38, "support_setting", SETTING_GROUPS)
    t37 = mine[(mine["table_ref"] == "T37") & mine["age_band"].isin(AGE_BANDS)]
    reasons = by_group(t37, "primary_support_reason", REASON_GROUPS)
    entries = mine[mine["table_ref"].isin(["T10", "T11"])]
    new_clients = by_group(entries, "what_happened_next", ENTRY_GROUPS)
    seed = _seed(s, year)
    method = (
        "Within each age band, people are split between settings and the reasons they need"
        " support in England's proportions (SALT), adjusted to match the council's own totals"
        " of each"
        if seed is not None
        else "Within each age band, people are split between settings and the reasons they need"
        " support as if the two were unrelated (England's table of the two together is not"
        " loaded), matching the council's own totals of each"
    )
    rows = []
    base_settings = ["Nursing", "Residential", "Community"]
    for age in AGE_BANDS:
        r = during.get(age, pd.Series(dtype=float)).reindex(base_settings).fillna(0.0)
        c = reasons.get(age, pd.Series(dtype=float)).reindex(list(CLIENT_GROUPS)).fillna(0.0)
        if c.sum() == 0:
            c[:] = 1.0
        if seed is not None and age in seed.index.get_level_values(0):
            sd = seed[age].unstack().reindex(index=base_settings, columns=list(CLIENT_GROUPS))
            sd = sd.fillna(0.0).to_numpy()
        else:
            sd = np.ones((len(base_settings), len(CLIENT_GROUPS)))
        fit = ipf.rake(sd, r.to_numpy(), c.to_numpy())
        for i, setting in enumerate(base_settings):
            for j, group in enumerate(CLIENT_GROUPS):
                rows.append((age, group, setting, fit[i, j]))
    people = pd.DataFrame(rows, columns=[*CELL, "people"])
    flows = pd.DataFrame(
        [
            {
                "age_band": age,
                "setting": st,
                "during": float(during.get((age, st), 0.0)),
                "year_end": float(year_end.get((age, st), np.nan)),
                "new_clients": float(new_clients.get((age, st), 0.0)),
            }
            for age in AGE_BANDS
            for st in base_settings
        ]
    )
    flows["leavers"] = (flows["during"] - flows["year_end"]).clip(lower=0.0)
    return people, flows, method


def _supported_living_spend(tables: Tables, la_code: str, year: int) -> float:
    if not tables.has("ascfr"):
        return 0.0
    a = ascfr_rows(tables)
    code, share, _ = source_code(tables, la_code)
    sel = a[
        (a["table_ref"] == "T43")
        & (a["la_code"] == code)
        & (a["year"] == year)
        & (a["support_setting"] == "Community: Supported Living")
    ]
    v = sel["value"].sum(min_count=1)
    return 0.0 if pd.isna(v) else float(v) * 1000 * share


def base_demand(
    tables: Tables,
    la_code: str,
    scenario: Scenario,
    base: int,
    path: P.PopulationPath,
    supported_living_weekly_gbp: float,
) -> BaseDemand:
    """People by cell in ``base`` (brought forward from the SALT year), exits and placement mix.

    ``supported_living_weekly_gbp`` is the weekly cost of supported living in the SALT year's
    prices (:func:`msp_analysis.forecast.costs.supported_living_weekly`).
    """
    sy = salt_year(tables)
    people, flows, method = salt_base(tables, la_code, sy)
    notes = [f"{method}."]
    if source_code(tables, la_code)[2]:
        notes.insert(0, source_code(tables, la_code)[2])
    # supported living out of 18-64 community
    weekly = supported_living_weekly_gbp
    spend = _supported_living_spend(tables, la_code, sy)
    comm = people[
        (people["age_band"] == "18 to 64")
        & (people["setting"] == "Community")
        & people["client_group"].isin(SL_GROUPS)
    ]
    sl_total = 0.0
    if spend > 0 and comm["people"].sum() > 0:
        sl_total = min(spend / (weekly * 52), SL_SHARE_CAP * comm["people"].sum())
        notes.append(
            f"Supported living: {sl_total:,.0f} adults aged 18 to 64, the people £{spend / 1e6:,.1f}m"
            f" of ASC-FR supported-living spend (T43) pays for at £{weekly:,.0f} a week, taken out"
            " of SALT's community figure for their age."
        )
    sl = comm.assign(setting="Supported living", people=comm["people"] / comm["people"].sum())
    sl["people"] = sl["people"].fillna(0.0) * sl_total
    people = people.merge(
        sl[["age_band", "client_group", "people"]].rename(columns={"people": "sl"}),
        on=["age_band", "client_group"],
        how="left",
    )
    take = people["setting"].eq("Community") & people["sl"].notna()
    people.loc[take, "people"] -= people.loc[take, "sl"]
    people = people.drop(columns="sl")
    # every setting exists in every cell (0 people where none), so shifts have somewhere to go
    grid = pd.MultiIndex.from_product([AGE_BANDS, CLIENT_GROUPS, SETTINGS], names=CELL).to_frame(
        index=False
    )
    full = grid.merge(pd.concat([people, sl[[*CELL, "people"]]]), on=CELL, how="left")
    full["people"] = full["people"].fillna(0.0).clip(lower=0.0)
    # exits by age band and setting; the new settings leave at the community rate
    during_total = flows.groupby("age_band")[["during", "leavers"]].sum()
    rates = []
    for f in flows.itertuples():
        band_rate = during_total.loc[f.age_band, "leavers"] / max(
            during_total.loc[f.age_band, "during"], 1.0
        )
        rate = f.leavers / f.during if f.during > 0 and not np.isnan(f.year_end) else band_rate
        rates.append({"age_band": f.age_band, "setting": f.setting, "exit_rate": rate})
    exit_rate = pd.DataFrame(rates)
    exit_rate["exit_rate"] = exit_rate["exit_rate"].fillna(0.0).clip(0.0, 0.95)
    comm_rate = exit_rate[exit_rate["setting"] == "Community"].set_index("age_band")["exit_rate"]
    extra = [
        {"age_band": a, "setting": st, "exit_rate": float(comm_rate.get(a, 0.2))}
        for a in AGE_BANDS
        for st in ("Supported living", "Shared Lives")
    ]
    exit_rate = pd.concat([exit_rate, pd.DataFrame(extra)], ignore_index=True)
    # placement mix: the mix of leavers (market unchanged)
    m = full.merge(exit_rate, on=["age_band", "setting"])
    m["leavers"] = m["people"] * m["exit_rate"]
    tot = m.groupby(["age_band", "client_group"])["leavers"].transform("sum")
    ptot = m.groupby(["age_band", "client_group"])["people"].transform("sum")
    m["mix"] = np.where(tot > 0, m["leavers"] / tot.where(tot > 0, 1.0), 0.0)
    m["mix"] = np.where((tot == 0) & (ptot > 0), m["people"] / ptot.where(ptot > 0, 1.0), m["mix"])
    notes.append(
        "Each year some people leave long-term support (those supported during the year but"
        " not at its end, SALT), by age band and setting; new placements go to settings in the"
        " mix of those leaving, so with flat demand each setting keeps its size."
    )
    salt_people = full[[*CELL, "people"]].copy()
    # bring forward to the base year
    if base > sy:
        fac = P.demand_factor(path, sy, base, scenario.value("need_weights"))
        rate = _rate_factor_between(tables, la_code, scenario, sy, base)
        full = full.merge(rate, on=["age_band", "client_group"], how="left")
        full["people"] = full["people"] * full["age_band"].map(fac) * full["rate_factor"]
        full = full.drop(columns="rate_factor")
        notes.append(
            f"Demand brought forward from SALT {financial_year(sy)} to the base year"
            f" {financial_year(base)} with population growth"
            + " and each rate's trend over those years (see the rates below)."
        )
    return BaseDemand(
        salt_year=sy,
        base_year=base,
        people=full[[*CELL, "people"]],
        people_salt=salt_people,
        exit_rate=exit_rate,
        mix=m[[*CELL, "mix"]],
        flows=flows,
        supported_living_people=float(sl_total),
        notes=notes,
    )


# ---- rates of long-term support per population, and their trend ----------------------

RATE_BANDS = {"18 to 64": (18, 64), "65 and over": (65, None)}


def rate_history(tables: Tables) -> pd.DataFrame:
    """People in long-term support during the year per adult in the band, every council and year."""
    return tables.derived("rate_history", lambda: _rate_history(tables))


def _rate_history(tables: Tables) -> pd.DataFrame:
    s = salt_rows(tables)
    lts = s[
        ((s["table_ref"] == "T2") & (s["measure"] == "clients_lts_during_year"))
        | ((s["table_ref"] == "T34") & (s["support_setting"] == "Total"))
    ]
    lts = lts[lts["age_band"].isin(AGE_BANDS) & (lts["area_type"] == "council")].drop_duplicates(
        ["la_code", "year", "age_band"]
    )
    if not tables.has("population"):
        return pd.DataFrame(columns=["la_code", "year", "age_band", "value"])
    pop = population_by_band(tables.get("population"), RATE_BANDS)
    pop = pop[pop["area_type"] == "council"]
    counts = pop.groupby("year")["la_code"].nunique()
    full_years = sorted(int(y) for y, n in counts.items() if n >= 0.9 * counts.max())
    if not full_years:
        return pd.DataFrame(columns=["la_code", "year", "age_band", "value"])
    rows = []
    for y in sorted(lts["year"].unique()):
        py = min(full_years, key=lambda p: (abs(p - y), p > y))
        rows.append(pop[pop["year"] == py].assign(year=y))
    popy = pd.concat(rows).rename(columns={"breakdown": "age_band", "value": "population"})
    out = lts.merge(
        popy[["la_code", "year", "age_band", "population"]],
        on=["la_code", "year", "age_band"],
    )
    out["value"] = out["value"] / out["population"]
    return out[["la_code", "year", "age_band", "value"]]


def _pooled(tables: Tables, band: str, upto: int) -> models.PooledGrowth:
    key = ("pooled_rate", band, upto)
    if key not in tables.cache:
        h = rate_history(tables)
        tables.cache[key] = models.fit_pooled(h[(h["age_band"] == band) & (h["year"] <= upto)])
    return tables.cache[key]


def _rate_factor_between(
    tables: Tables, la_code: str, scenario: Scenario, start: int, end: int
) -> pd.DataFrame:
    """age_band, client_group, rate_factor from ``start`` to ``end``."""
    # the years up to the base year are past: every scenario follows the rates' evidence
    # through them (``none`` holds rates only after the base year; ``model`` keeps its fit)
    mode = "model" if scenario.value("rate_trend") == "model" else "trend"
    f = rate_factors(tables, la_code, scenario, start, [end], mode=mode)
    return f[["age_band", "client_group", "rate_factor"]]


#: The rates group each cell's rate follows (:mod:`msp_analysis.forecast.rates`).
def rate_group(age_band: str, client_group: str) -> str:
    if age_band == "18 to 64" and client_group == "Learning Disability Support":
        return "learning disability 18 to 64"
    return age_band


def rate_factors(
    tables: Tables,
    la_code: str,
    scenario: Scenario,
    start: int,
    years: list[int],
    *,
    mode: str | None = None,
) -> pd.DataFrame:
    """Each age band and client group's rate in ``years`` relative to ``start``.

    ``rate_trend``: ``none`` holds every rate; ``trend`` follows each rate's evidence
    (:func:`rates.council_rates`: adults 18-64, learning disability within them, and 65+),
    damped as the backtest chose; ``model`` fits each band's own SALT history
    (:func:`models.forecast`). Returns year, age_band, client_group, rate_factor, method
    (words), history_years (years of evidence), pooled (the median council's trend).
    ``mode`` overrides the scenario's ``rate_trend``.
    """
    mode = mode or scenario.value("rate_trend")
    cells = pd.MultiIndex.from_product(
        [years, AGE_BANDS, CLIENT_GROUPS], names=["year", "age_band", "client_group"]
    ).to_frame(index=False)
    if mode == "trend":
        r = rates.council_rates(tables, la_code, start, years, scenario.value("need_weights"))
        why = rates.why_chosen(tables)
        words = dict(zip(r["group"].drop_duplicates(), rates.describe(r, why)))
        r = r.assign(
            method=r["group"].map(words),
            history_years=r["points"],
            pooled=[f"median council {np.expm1(x) * 100:+.1f}% a year" for x in r["pooled_slope"]],
        )
        cells["group"] = [
            rate_group(a, c) for a, c in zip(cells["age_band"], cells["client_group"])
        ]
        out = cells.merge(
            r[["group", "year", "rate_factor", "method", "history_years", "pooled"]],
            on=["group", "year"],
            how="left",
        )
        return out.drop(columns="group")
    hist = rate_history(tables)
    out = []
    for band in AGE_BANDS:
        pooled = _pooled(tables, band, start)
        mine = hist[(hist["la_code"] == la_code) & (hist["age_band"] == band)]
        mine = mine[mine["year"] <= start].set_index("year")["value"]
        if mode == "model" and len(mine):
            f = models.forecast(mine, years, pooled)
            f = f.assign(rate_factor=f["value"] / float(mine.iloc[-1]))
        else:
            f = pd.DataFrame({"year": years, "rate_factor": 1.0})
            f["method"] = "held at the base-year rate"
            f["history_years"] = len(mine)
        f = f.assign(age_band=band, pooled=pooled.describe)
        out.append(f[["year", "age_band", "rate_factor", "method", "history_years", "pooled"]])
    return cells.merge(pd.concat(out, ignore_index=True), on=["year", "age_band"], how="left")


def project(
    tables: Tables,
    la_code: str,
    scenario: Scenario,
    base: BaseDemand,
    path: P.PopulationPath,
    years: list[int],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """People by year and cell (stock and flow) and the demand factors behind them (one row
    per year, age band and client group)."""
    b = base.base_year
    weights = scenario.value("need_weights")
    factors = rate_factors(tables, la_code, scenario, b, years)
    pop = {y: P.demand_factor(path, b, y, weights) for y in years}
    factors.insert(
        3, "pop_factor", [pop[y][a] for y, a in zip(factors["year"], factors["age_band"])]
    )
    groups = base.people.groupby(["age_band", "client_group"], as_index=False)["people"].sum()
    keys = ["age_band", "client_group"]
    dem = groups.merge(factors[["year", *keys, "pop_factor", "rate_factor"]], on=keys)
    dem["demand"] = dem["people"] * dem["pop_factor"] * dem["rate_factor"]
    stock = stockflow.project_stock(
        base.people, base.exit_rate, base.mix, dem, scenario.value("shifts"), b
    )
    return stock, factors
