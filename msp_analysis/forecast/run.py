"""Forecast runs: one council, one or more scenarios -> a :class:`ForecastResult`.

The projection starts at the base year: the latest year with outturn (MHCLG revenue
outturn, series ``asc_net_current_expenditure``), or the SALT year where no outturn is
loaded. Demand and costs are brought forward from the SALT / ASC-FR year on population
growth and the published price path, and the run records the age of every input; a base
more than two years after the activity data carries a warning.

Every output row carries the scenario name, and each run records the scenario file's
hash, the data manifest's hash, the base year, the population source and the methods.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from msp_analysis import geography
from msp_analysis.forecast import costs, demand, drivers, ranges, returns
from msp_analysis.forecast import population as P
from msp_analysis.forecast import scenarios as S
from msp_analysis.tables import Tables

log = logging.getLogger(__name__)

STALE_YEARS = 2
FORECAST_COLUMNS = [
    "la_code",
    "year",
    "scenario",
    "setting",
    "client_group",
    "age_band",
    "measure",
    "value",
    "lower_80",
    "upper_80",
    "lower_95",
    "upper_95",
    "base_year",
    "method",
    "history_years",
]
SIGNIFICANT_CHANGE_PCT = 1.0  # driver shares are given only when spend moves more than this


@dataclass
class ForecastResult:
    """Everything a forecast run produces for one council.

    Attributes:
        la_code: the council.
        forecast: long table (FORECAST_COLUMNS): people, spend and unmet need by year,
            scenario and cell, with totals (setting 'All').
        decomposition: change in spend base -> horizon by scenario, cell and driver (£).
        runs: one row per scenario: files, hashes, base year, headline figures, methods.
        assumptions: every scenario's assumptions with value, source and rating.
        inputs: each input, its year and its age at the base year.
        notes: how the base was built (sentences for the plan).
        outlook: next year's adult social care spend from the outturn series
            (:mod:`msp_analysis.forecast.outturn_forecast`), one row per measure.
        record: how the forecasts behind the ranges did on the past, by horizon
            (:func:`ranges.record`).
        rate_notes: how each rate of support moves and why (the trend's evidence and the
            backtest's choice), where a scenario follows the trend.
    """

    la_code: str
    forecast: pd.DataFrame
    decomposition: pd.DataFrame
    runs: pd.DataFrame
    assumptions: pd.DataFrame
    inputs: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    outlook: pd.DataFrame = field(default_factory=pd.DataFrame)
    record: pd.DataFrame = field(default_factory=pd.DataFrame)
    rate_notes: list[str] = field(default_factory=list)

    def __getitem__(self, key: str) -> pd.DataFrame:
        """``result['forecast']`` still works for code written against the earlier dict."""
        return getattr(self, key)


def fy(year: int) -> str:
    return f"{year}-{(year + 1) % 100:02d}"


def manifest_hash(tables: Tables) -> str:
    files = sorted((f["file"], f["sha256"]) for f in tables.manifest.get("files", []))
    return hashlib.sha256(json.dumps(files).encode()).hexdigest()


def outturn_year(tables: Tables) -> int | None:
    """Latest year in which most councils have ASC net current expenditure (revenue outturn)."""
    if "outturn_year" in tables.cache:
        return tables.cache["outturn_year"]
    year = None
    try:
        from msp_analysis.series import measures, series

        if "asc_net_current_expenditure" in measures():
            s = series(tables, "asc_net_current_expenditure")
            s = s[s["value"].notna() & s["la_code"].str.match(r"E0[6-9]|E10")]
            counts = s.groupby("year")["la_code"].nunique()
            ok = counts[counts >= 0.5 * counts.max()] if len(counts) else counts
            year = int(ok.index.max()) if len(ok) else None
    except Exception as exc:
        log.warning("outturn series not usable (%s): the base year is the SALT year", exc)
    tables.cache["outturn_year"] = year
    return year


def choose_base(tables: Tables) -> tuple[int, int, list[str]]:
    """(base year, SALT year, notes): the latest outturn year, never before the SALT year."""
    sy = returns.salt_year(tables)
    oy = outturn_year(tables)
    notes = []
    if oy is None:
        notes.append(
            f"No revenue outturn is loaded, so the projection starts at the SALT year {fy(sy)}."
        )
        return sy, sy, notes
    base = max(oy, sy)
    if base > sy:
        notes.append(
            f"The projection starts at {fy(base)}, the latest year with revenue outturn;"
            f" activity (SALT) and spend by setting (ASC-FR) are from {fy(sy)} and are brought"
            " forward with population growth and the published pay and price uplifts."
        )
    if base - sy > STALE_YEARS:
        notes.append(
            f"Warning: the activity data are {base - sy} years older than the base year;"
            " treat the split by setting and client group with care."
        )
    return base, sy, notes


def project_council(
    tables: Tables, la_code: str, scenario: S.Scenario, horizon: int = 5
) -> tuple[pd.DataFrame, dict]:
    """People, cost and spend by year and cell for one scenario (base year included)."""
    S.check_horizon(horizon)
    base, sy, notes = choose_base(tables)
    path = P.population_path(
        tables, la_code, use_projection=scenario.value("population") == "projection"
    )
    to_sy = costs.price_index(
        scenario, "Supported living", scenario.value("setting_costs")["price_year"], sy
    )
    bd = demand.base_demand(tables, la_code, scenario, base, path, to_sy)
    years = list(range(base + 1, base + horizon + 1))
    stock, factors = demand.project(tables, la_code, scenario, bd, path, years)
    # costs: SALT year -> base year on the published path, then the scenario's path
    cost_sy = costs.cost_per_person(tables, la_code, sy, bd.people_salt, scenario)
    if cost_sy.attrs.get("note"):
        bd.notes.append(cost_sy.attrs["note"])
    cost_sy["to_base"] = [costs.price_index(scenario, s, sy, base) for s in cost_sy["setting"]]
    cost_base = cost_sy.assign(cost_base=(cost_sy["cost"] * cost_sy["to_base"]).astype(float))[
        [*demand.CELL, "cost_base"]
    ]
    path_cost = costs.cost_path(scenario, cost_base, base, years)
    f = stock.merge(bd.people.rename(columns={"people": "people_base"}), on=demand.CELL)
    f = f.merge(factors, on=["year", "age_band", "client_group"]).merge(cost_base, on=demand.CELL)
    f = f.merge(path_cost, on=["year", "setting"])
    f["cost"] = f["cost_base"] * f["price_factor"] * f["real_factor"] * f["workforce_factor"]
    f["spend"] = f["people"] * f["cost"]
    f["people_unmet"] = f["people"] * f["capacity_loss"]
    people_range = ranges.people_ratios(tables, sy, [base, *years]).set_index("year")
    spend_range = (
        # today's unit costs on the outturn base: the range of the people's growth from it
        ranges.people_ratios(tables, base, years).set_index("year")
        if constant_prices(scenario, base, years[-1])
        else ranges.spend_ratios(tables, scenario, base, years).set_index("year")
    )
    for col in ranges.RATIO_COLUMNS:
        f[f"people_{col}"] = f["people"] * f["year"].map(people_range[col])
        f[f"spend_{col}"] = f["spend"] * f["year"].map(spend_range[col])
    base_rows = bd.people.merge(cost_base, on=demand.CELL).assign(year=base)
    base_rows["spend"] = base_rows["people"] * base_rows["cost_base"]
    bad = f[["people", "spend"]]
    if bad.isna().any().any() or (bad < 0).any().any():
        raise ValueError(f"{la_code}, {scenario.name}: a projected figure is negative or missing")
    info = {
        "base_year": base,
        "salt_year": sy,
        "population": path.note,
        "population_projected": path.projected,
        "rate_methods": _rate_methods(factors),
        "rate_sentences": list(dict.fromkeys(factors["method"].dropna()))
        if scenario.value("rate_trend") == "trend"
        else [],
        "people_range": people_range.reset_index(),
        "spend_range": spend_range.reset_index(),
        "history_years": int(factors["history_years"].min()),
        "pooled": "; ".join(sorted(set(factors["pooled"].dropna()))),
        "base": base_rows,
        "notes": notes + bd.notes,
        "flows": bd.flows,
        "supported_living_people": bd.supported_living_people,
        "latest_estimate_year": path.latest_estimate_year,
    }
    return f, info


def constant_prices(scenario: S.Scenario, base: int, last: int) -> bool:
    """True when the scenario fixes every year after the base at a 0% uplift (today's prices)."""
    fee = scenario.value("price_path")["fee_uplift_pct"]
    return all(fee.get(y) == 0 for y in range(base + 1, last + 1))


def _rate_methods(factors: pd.DataFrame) -> str:
    """How the rates move, in words: each distinct sentence once ('held at the base-year
    rate' said once for every age band)."""
    methods = list(dict.fromkeys(factors["method"].dropna()))
    if methods == ["held at the base-year rate"]:
        return "held at the base-year rate for every age band"
    if all(m.endswith(".") for m in methods):
        return " ".join(methods)
    by_band = factors.drop_duplicates("age_band")
    return "; ".join(f"{r.age_band}: {r.method}" for r in by_band.itertuples())


def _rows(
    frame: pd.DataFrame, measure: str, info: dict, scenario: str, la_code: str
) -> pd.DataFrame:
    col = {"people": "people", "spend": "spend", "unmet_need": "people_unmet"}[measure]
    bounds = {
        f"{s}_{lvl}": (frame[f"{'people' if measure != 'spend' else 'spend'}_{s}_{lvl}"])
        for s in ("lower", "upper")
        for lvl in (80, 95)
    }
    if measure == "unmet_need":
        bounds = {k: frame[col] for k in bounds}
    cells = pd.DataFrame(
        {
            "la_code": la_code,
            "year": frame["year"],
            "scenario": scenario,
            "setting": frame["setting"],
            "client_group": frame["client_group"],
            "age_band": frame["age_band"],
            "measure": measure,
            "value": frame[col],
            **bounds,
        }
    )
    b = info["base"]
    value = (
        b["people"]
        if measure == "people"
        else b["spend"]
        if measure == "spend"
        else 0.0 * b["people"]
    )
    base_rows = pd.DataFrame(
        {
            "la_code": la_code,
            "year": info["base_year"],
            "scenario": scenario,
            "setting": b["setting"],
            "client_group": b["client_group"],
            "age_band": b["age_band"],
            "measure": measure,
            "value": value,
            **{f"{s}_{lvl}": value for s in ("lower", "upper") for lvl in (80, 95)},
        }
    )
    if measure == "people":  # people in the base year are already brought forward from SALT
        at_base = info["people_range"].set_index("year").loc[info["base_year"]]
        for c in ranges.RATIO_COLUMNS:
            base_rows[c] = value * at_base[c]
    out = pd.concat([base_rows, cells], ignore_index=True)
    out = out[(out["value"] != 0) | out["setting"].isin(["Nursing", "Residential", "Community"])]
    # totals: every cell of a year has the same range ratio, so the bounds add up
    total = out.groupby(["la_code", "year", "scenario", "measure"], as_index=False)[
        ["value", "lower_80", "upper_80", "lower_95", "upper_95"]
    ].sum()
    total[["setting", "client_group", "age_band"]] = "All"
    out = pd.concat([out, total], ignore_index=True)
    out["base_year"] = info["base_year"]
    out["method"] = info["rate_methods"]
    out["history_years"] = info["history_years"]
    return out[FORECAST_COLUMNS]


def totals(frame: pd.DataFrame, info: dict, scenario: str, la_code: str) -> pd.DataFrame:
    """People and spend in all cells by year (base year included) with their ranges, from
    :func:`project_council`'s frame and info: measure, year, value, lower_80 ... upper_95."""
    out = pd.concat(
        [_rows(frame, m, info, scenario, la_code) for m in ("people", "spend")], ignore_index=True
    )
    out = out[out["setting"] == "All"]
    return out[
        ["measure", "year", "value", "lower_80", "upper_80", "lower_95", "upper_95"]
    ].reset_index(drop=True)


def run(
    tables: Tables, la_code: str, scenario_files: Sequence[str | Path], horizon: int = 5
) -> ForecastResult:
    """Forecast people and spend for each scenario."""
    if geography.council_name(la_code) is None:
        raise ValueError(f"{la_code} is not a council code this tool knows")
    S.check_horizon(horizon)
    forecasts, decomps, runs, assumptions = [], [], [], []
    info: dict = {}
    rate_notes: list[str] = []
    for path in scenario_files:
        sc = S.load(path)
        frame, info = project_council(tables, la_code, sc, horizon)
        if sc.value("rate_trend") == "trend" and not rate_notes:
            rate_notes = list(info["rate_sentences"])
        forecasts += [
            _rows(frame, m, info, sc.name, la_code) for m in ("people", "spend", "unmet_need")
        ]
        last = int(frame["year"].max())
        d = drivers.decompose(frame, last).assign(
            la_code=la_code, scenario=sc.name, base_year=info["base_year"]
        )
        decomps.append(d)
        end = frame[frame["year"] == last]
        base_spend = float(info["base"]["spend"].sum())
        base_people = float(info["base"]["people"].sum())
        runs.append(
            {
                "scenario": sc.name,
                "scenario_file": sc.file,
                "scenario_sha256": sc.sha256,
                "version": sc.version,
                "data_manifest_sha256": manifest_hash(tables),
                "data_label": tables.manifest.get("label", ""),
                "la_code": la_code,
                "base_year": info["base_year"],
                "salt_year": info["salt_year"],
                "horizon_year": last,
                "population_source": info["population"],
                "population_projected": info["population_projected"],
                "rate_method": info["rate_methods"],
                "history_years": info["history_years"],
                "pooled_growth": info["pooled"],
                "base_people": base_people,
                "horizon_people": float(end["people"].sum()),
                "people_change_pct": (float(end["people"].sum()) / base_people - 1) * 100
                if base_people
                else np.nan,
                "base_spend_gbp": base_spend,
                "horizon_spend_gbp": float(end["spend"].sum()),
                "spend_change_pct": (float(end["spend"].sum()) / base_spend - 1) * 100
                if base_spend
                else np.nan,
                "unserved_people_horizon": float(end["people_unmet"].sum()),
                "supported_living_people_base": info["supported_living_people"],
                "rate_trend": sc.value("rate_trend"),
                "constant_prices": constant_prices(sc, info["base_year"], last),
                "spend_range_calibrated": bool(
                    info["spend_range"].get("calibrated", pd.Series([False])).all()
                ),
            }
        )
        assumptions.append(S.assumption_table(sc))
    base, sy = info["base_year"], info["salt_year"]
    inputs = pd.DataFrame(
        [
            {"input": "SALT activity (people by setting, flows)", "year": sy},
            {"input": "ASC-FR spend by setting and unit costs", "year": sy},
            {"input": "ONS mid-year population estimate", "year": info["latest_estimate_year"]},
            {"input": "Revenue outturn (base year)", "year": outturn_year(tables)},
        ]
    )
    inputs["age_years"] = [base - y if y is not None and y == y else None for y in inputs["year"]]
    # a mid-year estimate is of a date (mid-2024), the returns of a financial year (2021-22)
    inputs["year_label"] = [
        None if y is None or y != y else (f"mid-{int(y)}" if "mid-year" in name else fy(int(y)))
        for name, y in zip(inputs["input"], inputs["year"])
    ]
    return ForecastResult(
        la_code=la_code,
        forecast=pd.concat(forecasts, ignore_index=True),
        decomposition=pd.concat(decomps, ignore_index=True),
        runs=pd.DataFrame(runs),
        assumptions=pd.concat(assumptions, ignore_index=True),
        inputs=inputs,
        notes=info["notes"],
        outlook=spend_outlook(tables, la_code),
        record=ranges.record(tables),
        rate_notes=rate_notes,
    )


def spend_outlook(tables: Tables, la_code: str) -> pd.DataFrame:
    """Next year's spend for the council from its outturn series (one row per measure), where
    the year's pay uplift and CPI are published; empty when no outturn is loaded."""
    from msp_analysis.forecast import backtest, outturn_forecast

    key = ("spend_outlook_fits",)
    if key not in tables.cache:
        try:
            hist = backtest.history(tables)
        except Exception as exc:
            log.warning("no spend history for the outlook (%s)", exc)
            hist = pd.DataFrame(columns=["la_code", "target", "year", "value"])
        fits = {}
        for target in ("asc_net_current_expenditure", "asc_gross_total_expenditure"):
            ht = hist[hist["target"] == target]
            if ht.empty:
                continue
            origin = int(ht["year"].max())
            try:
                outturn_forecast.price_signal(origin + 1)
            except KeyError:
                continue
            fits[target] = (ht, origin, outturn_forecast.fit(ht, origin))
        tables.cache[key] = fits
    rows = []
    for target, (ht, origin, fitted) in tables.cache[key].items():
        mine = ht[ht["la_code"] == la_code]
        if origin not in set(mine["year"]):
            continue
        f = outturn_forecast.forecast(mine, origin, origin + 1, fitted)
        if f.empty:
            continue
        r = f.iloc[0]
        rows.append(
            {
                "measure": target,
                "measure_words": backtest.TARGETS[target],
                "origin": origin,
                "year": origin + 1,
                "last_gbp": float(mine.loc[mine["year"] == origin, "value"].iloc[0]) * 1000,
                "forecast_gbp": float(r["forecast"]) * 1000,
                "lower_80_gbp": float(r["lower_80"]) * 1000,
                "upper_80_gbp": float(r["upper_80"]) * 1000,
                "method": r["method"],
            }
        )
    return pd.DataFrame(rows)


def headline(result: ForecastResult, scenario: str) -> dict:
    """Facts for 'spend grows N% over H years; X% of the increase comes from ...' (all computed).

    Shares are given only where spend moves by more than 1%; the top groups are the
    setting x client group cells that add most, as many as it takes to cover most of the
    increase (at most three), and their share can never exceed 100%.
    """
    r = result.runs.set_index("scenario").loc[scenario]
    d = result.decomposition[result.decomposition["scenario"] == scenario]
    total = float(d["change_gbp"].sum())
    material = abs(r["spend_change_pct"]) > SIGNIFICANT_CHANGE_PCT and total > 0
    by_cell = d.groupby(["setting", "client_group", "age_band"])["change_gbp"].sum()
    rises = by_cell[by_cell > 0].sort_values(ascending=False)
    top = rises.head(3) if material else rises.head(0)
    share = min(float(top.sum()) / float(rises.sum()) * 100, 100.0) if len(top) else np.nan
    by_driver = d.groupby("driver")["change_gbp"].sum().reindex(drivers.DRIVERS).fillna(0.0)
    # ('community support', 'older people who need physical support') per cell
    cells = [
        (S.setting_words(setting), S.people_words(age, group)) for setting, group, age in top.index
    ]
    return {
        "scenario": scenario,
        "base_year": int(r["base_year"]),
        "horizon_year": int(r["horizon_year"]),
        "years": int(r["horizon_year"] - r["base_year"]),
        "spend_change_pct": float(r["spend_change_pct"]),
        "people_change_pct": float(r["people_change_pct"]),
        "base_spend_gbp": float(r["base_spend_gbp"]),
        "horizon_spend_gbp": float(r["horizon_spend_gbp"]),
        "material": bool(material),
        "top_groups": [f"{where} for {who}" for where, who in cells],
        "top_cells": cells,
        "top_groups_share_pct": share,
        "driver_gbp": by_driver.to_dict(),
        "driver_share_pct": (by_driver / total * 100).to_dict() if material else {},
        "history_years": int(r["history_years"]),
        "constant_prices": bool(r.get("constant_prices", False)),
        **_horizon_range(result, scenario, int(r["horizon_year"])),
    }


def _horizon_range(result: ForecastResult, scenario: str, year: int) -> dict:
    """The 80% range of total spend in ``year`` (empty where the forecast has none)."""
    f = result.forecast
    row = f[
        (f["measure"] == "spend")
        & (f["setting"] == "All")
        & (f["scenario"] == scenario)
        & (f["year"] == year)
    ]
    if row.empty:
        return {}
    return {
        "horizon_spend_lower_80_gbp": float(row["lower_80"].iloc[0]),
        "horizon_spend_upper_80_gbp": float(row["upper_80"].iloc[0]),
    }


def write(result: ForecastResult, out_dir: str | Path) -> list[Path]:
    """forecast.csv, decomposition.csv, assumptions.csv and runs.json into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = [
        out / "forecast.csv",
        out / "decomposition.csv",
        out / "assumptions.csv",
        out / "runs.json",
    ]
    result.forecast.to_csv(paths[0], index=False)
    result.decomposition.to_csv(paths[1], index=False)
    result.assumptions.to_csv(paths[2], index=False)
    paths[3].write_text(result.runs.to_json(orient="records", indent=2))
    return paths


def _cells_text(cells: list[tuple[str, str]]) -> list[str]:
    """Cells (setting, people) in words, in their order, each thing said once where it repeats
    next to itself: settings for the same people are joined ('community support and residential
    care for older people who need physical support'), and a setting repeated for other people
    is not said again ('community support for older people ..., for adults aged 18 to 64 ...')."""
    groups: list[tuple[list[str], str]] = []
    for where, who in cells:
        if groups and groups[-1][1] == who:
            groups[-1][0].append(where)
        else:
            groups.append(([where], who))
    out, last = [], None
    for wheres, who in groups:
        out.append(f"for {who}" if wheres == [last] else f"{S.and_list(wheres)} for {who}")
        last = wheres[-1] if len(wheres) == 1 else None
    return out


def _join_cells(items: list[str]) -> str:
    """Items joined as a list, with a comma before the last 'and' where an item has its own
    'and' ('community support and residential care for older people ..., and supported living
    for ...'), so the reader sees where each item ends."""
    if len(items) > 1 and any(" and " in i for i in items):
        return ", ".join(items[:-1]) + ", and " + items[-1]
    return S.and_list(items)


def headline_sentence(h: dict, council: str) -> str:
    """'Under X, spend rises N% over Y years; Z% of the increase comes from ...'."""
    change = h["spend_change_pct"]
    verb = "rises" if change > 0.05 else ("falls" if change < -0.05 else "is unchanged")
    text = (
        f"Under '{S.scenario_words(h['scenario'])}', {council}'s long-term care spend {verb}"
        + (f" {abs(change):.1f}%" if verb != "is unchanged" else "")
        + f" over {h['years']} years, from £{h['base_spend_gbp'] / 1e6:,.1f}m in"
        f" {fy(h['base_year'])} to £{h['horizon_spend_gbp'] / 1e6:,.1f}m in {fy(h['horizon_year'])}"
    )
    lo, hi = h.get("horizon_spend_lower_80_gbp"), h.get("horizon_spend_upper_80_gbp")
    if lo is not None and hi is not None and hi > lo:
        text += f" (80% range £{lo / 1e6:,.0f}m to £{hi / 1e6:,.0f}m)"
    if h.get("constant_prices"):
        text += f", in constant {fy(h['base_year'])} prices"
    if h["material"] and h["top_groups"] and pd.notna(h["top_groups_share_pct"]):
        text += f"; {h['top_groups_share_pct']:.0f}% of the increase comes from " + _join_cells(
            _cells_text(h["top_cells"])
        )
    return text + "."
