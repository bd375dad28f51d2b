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
from msp_analysis.forecast import costs, demand, drivers, ledger, ranges, returns
from msp_analysis.forecast import population as P
from msp_analysis.forecast import scenarios as S
from msp_analysis.tables import Tables
from msp_analysis.years import financial_year

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
        reconciliation: the base year's spend line by line, from the returns to the published
            outturn line (:func:`msp_analysis.forecast.ledger.reconciliation`).
        weekly_costs: the weekly cost a person of every setting and client group, in the
            returns' year and the base year, with its basis and source.
        shift_effects: what each scenario's shifts of placements do to people and spend by
            setting in the horizon year (:func:`msp_analysis.forecast.drivers.shift_effect`).
        uplifts: the price growth of the first projected year by setting: the council's own
            uplift or the national pay and price path.
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
    reconciliation: pd.DataFrame = field(default_factory=pd.DataFrame)
    weekly_costs: pd.DataFrame = field(default_factory=pd.DataFrame)
    shift_effects: pd.DataFrame = field(default_factory=pd.DataFrame)
    uplifts: pd.DataFrame = field(default_factory=pd.DataFrame)

    def __getitem__(self, key: str) -> pd.DataFrame:
        """``result['forecast']`` still works for code written against the earlier dict."""
        return getattr(self, key)


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
            f"No revenue outturn is loaded, so the projection starts at the SALT year {financial_year(sy)}."
        )
        return sy, sy, notes
    base = max(oy, sy)
    if base > sy:
        notes.append(
            f"The projection starts at {financial_year(base)}, the latest year with revenue outturn;"
            f" activity (SALT) and spend by setting (ASC-FR) are from {financial_year(sy)} and are brought"
            " forward with population growth and the published pay and price uplifts."
        )
    if base - sy > STALE_YEARS:
        notes.append(
            f"Warning: the activity data are {base - sy} years older than the base year;"
            " treat the split by setting and client group with care."
        )
    return base, sy, notes


def project_council(
    tables: Tables,
    la_code: str,
    scenario: S.Scenario,
    horizon: int = 5,
    figures: costs.CouncilFigures = costs.NO_FIGURES,
) -> tuple[pd.DataFrame, dict]:
    """People, cost and spend by year and cell for one scenario (base year included).

    ``figures`` are the council's own cost figures (fees, uplifts, people in supported living)
    from its local evidence file.
    """
    S.check_horizon(horizon)
    base, sy, notes = choose_base(tables)
    path = P.population_path(
        tables, la_code, use_projection=scenario.value("population") == "projection"
    )
    sl = costs.supported_living_weekly(tables, la_code, sy, scenario, figures)
    bd = demand.base_demand(tables, la_code, scenario, base, path, sl["weekly_gbp"])
    years = list(range(base + 1, base + horizon + 1))
    stock, factors = demand.project(tables, la_code, scenario, bd, path, years)
    # costs: the returns' year -> the base year on the published path (and the council's own
    # uplifts), then scaled to the outturn line (forecast/ledger.py), then the scenario's path
    cost_sy = costs.cost_per_person(tables, la_code, sy, bd.people_salt, scenario, sl, figures)
    if cost_sy.attrs.get("note"):
        bd.notes.append(cost_sy.attrs["note"])
    council = costs.council_uplifts(figures, cost_sy, range(sy + 1, base + 1))
    to_base: dict[tuple, float] = {}  # one factor per setting and set of council uplifts
    for s, c in zip(cost_sy["setting"], council):
        key = (s, tuple(sorted(c.items())))
        if key not in to_base:
            to_base[key] = costs.price_index(scenario, s, sy, base, c)
    cost_sy["to_base"] = [
        to_base[(s, tuple(sorted(c.items())))] for s, c in zip(cost_sy["setting"], council)
    ]
    modelled = (
        cost_sy.merge(bd.people_salt.rename(columns={"people": "people_salt"}), on=demand.CELL)
        .merge(bd.people.rename(columns={"people": "people_base"}), on=demand.CELL)
        .assign(
            spend_salt=lambda d: d["people_salt"] * d["cost"],
            spend_base=lambda d: d["people_base"] * d["cost"] * d["to_base"],
        )
    )
    book = ledger.build(tables, la_code, base, sy, modelled)
    scale = np.where(cost_sy["fixed"], 1.0, book.scale)
    cost_base = cost_sy.assign(cost_base=cost_sy["cost"] * cost_sy["to_base"] * scale)
    path_cost = costs.cost_path(scenario, cost_base, base, years, figures)
    f = stock.merge(bd.people.rename(columns={"people": "people_base"}), on=demand.CELL)
    f = f.merge(factors, on=["year", "age_band", "client_group"])
    f = f.merge(cost_base[[*demand.CELL, "cost_base", "weeks_per_person"]], on=demand.CELL)
    f = f.merge(path_cost, on=["year", *demand.CELL])
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
    base_rows = bd.people.merge(cost_base[[*demand.CELL, "cost_base"]], on=demand.CELL)
    base_rows = base_rows.assign(year=base, spend=lambda d: d["people"] * d["cost_base"])
    outside = ledger.outside_path(book, f, base_rows)
    bad = pd.concat([f["people"], f["spend"], outside["spend"]], ignore_index=True)
    if bad.isna().any() or (bad < 0).any():
        raise ValueError(f"{la_code}, {scenario.name}: a projected figure is negative or missing")
    weekly = cost_base.merge(bd.people.rename(columns={"people": "people_base"}), on=demand.CELL)
    weekly["weekly_base_gbp"] = weekly["cost_base"] / weekly["weeks_per_person"]
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
        "notes": notes + bd.notes + figures.notes + book.notes,
        "flows": bd.flows,
        "supported_living_people": bd.supported_living_people,
        "supported_living_weekly": sl,
        "latest_estimate_year": path.latest_estimate_year,
        "ledger": book,
        "outside": outside,
        "weekly_costs": weekly,
        "uplifts": figures.uplifts,
    }
    return f, info


def constant_prices(scenario: S.Scenario, base: int, last: int) -> bool:
    """True when the scenario holds prices at the base year (``hold_prices``) or fixes every
    year after the base at a 0% uplift: spend in today's prices."""
    price_path = scenario.value("price_path")
    if price_path.get("hold_prices"):
        return True
    fee = price_path["fee_uplift_pct"]
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
    outside = _outside_rows(info, measure, scenario, la_code, frame)
    out = pd.concat([base_rows, cells, *([outside] if len(outside) else [])], ignore_index=True)
    numbers = ["value", *ranges.RATIO_COLUMNS]
    out[numbers] = out[numbers].astype(float)
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


def _outside_rows(
    info: dict, measure: str, scenario: str, la_code: str, frame: pd.DataFrame
) -> pd.DataFrame:
    """Spend outside long-term care in the base year and each projected year (spend only).
    Its range is the year's spend range (one ratio for every cell of a year, so the range of
    the total is the total of the ranges); the base year's outturn is known."""
    o = info["outside"]
    base = info["ledger"].outside_base_gbp
    if measure != "spend" or (o.empty and not base):
        return pd.DataFrame(columns=["la_code", "year", "scenario", "setting", "measure", "value"])
    levels = [f"spend_{c}" for c in ranges.RATIO_COLUMNS]
    spend = frame.groupby("year")[["spend", *levels]].sum()
    ratio = spend[levels].div(spend["spend"].where(spend["spend"] > 0), axis=0)
    years = [info["base_year"], *o["year"].tolist()]
    value = np.array([base, *o["spend"].tolist()], dtype=float)
    ratio = ratio.reindex(years).fillna(1.0)
    return pd.DataFrame(
        {
            "la_code": la_code,
            "year": years,
            "scenario": scenario,
            "setting": ledger.OUTSIDE_SETTING,
            "client_group": ledger.OUTSIDE_GROUP,
            "age_band": ledger.OUTSIDE_AGES,
            "measure": measure,
            "value": value,
            **{c: value * ratio[f"spend_{c}"].to_numpy() for c in ranges.RATIO_COLUMNS},
        }
    )


def run(
    tables: Tables,
    la_code: str,
    scenario_files: Sequence[str | Path],
    horizon: int = 5,
    evidence=None,
) -> ForecastResult:
    """Forecast people and spend for each scenario.

    ``evidence`` is the council's local evidence (:class:`~msp_analysis.indicators.local.
    LocalEvidence`): its fees, uplifts and count of people in supported living set costs.
    """
    if geography.council_name(la_code) is None:
        raise ValueError(f"{la_code} is not a council code this tool knows")
    S.check_horizon(horizon)
    forecasts, decomps, runs, assumptions, shifts, first_years = [], [], [], [], [], []
    info: dict = {}
    rate_notes: list[str] = []
    figures = costs.CouncilFigures.from_evidence(evidence, la_code)
    for path in scenario_files:
        sc = S.load(path)
        frame, info = project_council(tables, la_code, sc, horizon, figures)
        if sc.value("rate_trend") == "trend" and not rate_notes:
            rate_notes = list(info["rate_sentences"])
        forecasts += [
            _rows(frame, m, info, sc.name, la_code) for m in ("people", "spend", "unmet_need")
        ]
        last = int(frame["year"].max())
        outside = info["outside"]
        d = pd.concat(
            [
                drivers.decompose(frame, last),
                drivers.decompose_outside(
                    info["ledger"].outside_base_gbp,
                    outside[outside["year"] == last],
                    (ledger.OUTSIDE_AGES, ledger.OUTSIDE_GROUP, ledger.OUTSIDE_SETTING),
                ),
            ],
            ignore_index=True,
        ).assign(la_code=la_code, scenario=sc.name, base_year=info["base_year"])
        decomps.append(d)
        if sc.value("shifts"):
            shifts.append(drivers.shift_effect(frame, last).assign(scenario=sc.name))
        first_years.append(first_year_prices(sc, frame, figures, info["base_year"] + 1))
        end = frame[frame["year"] == last]
        end_spend = float(end["spend"].sum()) + float(
            outside.loc[outside["year"] == last, "spend"].sum()
        )
        base_spend = float(info["base"]["spend"].sum()) + info["ledger"].outside_base_gbp
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
                "horizon_spend_gbp": end_spend,
                "spend_change_pct": (end_spend / base_spend - 1) * 100 if base_spend else np.nan,
                "unserved_people_horizon": float(end["people_unmet"].sum()),
                "supported_living_people_base": info["supported_living_people"],
                "rate_trend": sc.value("rate_trend"),
                "constant_prices": constant_prices(sc, info["base_year"], last),
                "spend_range_calibrated": bool(
                    info["spend_range"].get("calibrated", pd.Series([False])).all()
                ),
                "base_line": info["ledger"].line["words"] if info["ledger"].line else "",
                "base_line_gbp": info["ledger"].line["value_gbp"]
                if info["ledger"].line
                else np.nan,
                "ledger_scale": info["ledger"].scale,
                "description": sc.description,
            }
        )
        assumptions.append(S.assumption_table(sc))
    base, sy = info["base_year"], info["salt_year"]
    inputs = pd.DataFrame(
        [
            {"input": "SALT activity (people by setting, flows)", "year": sy},
            {"input": "ASC-FR spend by setting and unit costs", "year": sy},
            {
                "input": "ONS mid-year population estimate",
                "year": info["latest_estimate_year"],
            },
            {"input": "Revenue outturn (base year)", "year": outturn_year(tables)},
        ]
    )
    inputs["age_years"] = [base - y if y is not None and y == y else None for y in inputs["year"]]
    # a mid-year estimate is of a date (mid-2024), the returns of a financial year (2021-22)
    inputs["year_label"] = [
        None
        if y is None or y != y
        else (f"mid-{int(y)}" if "mid-year" in name else financial_year(int(y)))
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
        reconciliation=ledger.reconciliation(info["ledger"]),
        weekly_costs=weekly_cost_table(info),
        shift_effects=pd.concat(shifts, ignore_index=True) if shifts else pd.DataFrame(),
        uplifts=pd.concat(first_years, ignore_index=True) if first_years else pd.DataFrame(),
    )


def first_year_prices(
    scenario: S.Scenario, frame: pd.DataFrame, figures: costs.CouncilFigures, year: int
) -> pd.DataFrame:
    """Price growth of each setting and age band in the first projected year, and where it
    comes from: the scenario's own fee uplift, the council's uplift, or the national path."""
    f = frame[frame["year"] == year].drop_duplicates(["age_band", "setting"])
    fee = scenario.value("price_path")["fee_uplift_pct"]
    held = bool(scenario.value("price_path").get("hold_prices"))
    rows = []
    for r in f.itertuples():
        u = figures.uplift_for(r.setting, r.age_band, r.client_group, year)
        market = ""
        if held:
            basis, source = "scenario", "the scenario holds prices at the base year"
        elif year in fee:
            basis, source = "scenario", "the scenario's fee uplift"
        elif u is not None:
            basis, market, source = "council", costs.MARKET_WORDS[u.market], u.source
        else:
            basis = "national"
            source = "National Living Wage uprating and CPI, weighted by the setting's pay share"
        rows.append(
            {
                "scenario": scenario.name,
                "year": year,
                "age_band": r.age_band,
                "setting": r.setting,
                "growth_pct": (float(r.price_factor) - 1) * 100,
                "basis": basis,
                "market": market,
                "source": source,
            }
        )
    return pd.DataFrame(rows)


def weekly_cost_table(info: dict) -> pd.DataFrame:
    """The weekly cost a person in each setting and client group: in the returns' year (with
    its basis and source) and in the base year (brought forward and scaled to the ledger)."""
    w = info["weekly_costs"]
    keep = (w["people_base"] > 0) | (
        w["setting"].isin(["Supported living", "Shared Lives"]) & (w["age_band"] == "18 to 64")
    )
    w = w[keep]
    return pd.DataFrame(
        {
            "age_band": w["age_band"],
            "client_group": w["client_group"],
            "setting": w["setting"],
            "returns_year": info["salt_year"],
            "weekly_returns_year_gbp": w["weekly_gbp"].astype(float),
            "base_year": info["base_year"],
            "weekly_base_gbp": w["weekly_base_gbp"].astype(float),
            "weeks_per_person": w["weeks_per_person"],
            "people_base": w["people_base"],
            "basis": w["basis"],
            "scaled_to_ledger": ~w["fixed"].astype(bool),
            "source": w["source"],
        }
    ).reset_index(drop=True)


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
    care = d[d["setting"] != ledger.OUTSIDE_SETTING]  # the top groups are care settings
    by_cell = care.groupby(["setting", "client_group", "age_band"])["change_gbp"].sum()
    rises = by_cell[by_cell > 0].sort_values(ascending=False)
    top = rises.head(3) if material else rises.head(0)
    every = d.groupby(["setting", "client_group", "age_band"])["change_gbp"].sum()
    all_rises = float(every[every > 0].sum())
    share = min(float(top.sum()) / all_rises * 100, 100.0) if len(top) and all_rises else np.nan
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
    """forecast.csv, decomposition.csv, assumptions.csv, reconciliation.csv, weekly_costs.csv,
    first_year_prices.csv, shift_effects.csv and runs.json into ``out_dir``.

    Figures are written to two decimal places (pounds to the penny, people and percentages to a
    hundredth) so a spreadsheet shows them as a person reads them; the parts of the
    reconciliation still add to the published line to the pound."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tables = {
        "forecast.csv": result.forecast,
        "decomposition.csv": result.decomposition,
        "assumptions.csv": result.assumptions,
        "reconciliation.csv": result.reconciliation,
        "weekly_costs.csv": result.weekly_costs,
        "first_year_prices.csv": result.uplifts,
        "shift_effects.csv": result.shift_effects,
    }
    paths = []
    for name, frame in tables.items():
        floats = [c for c in frame.columns if pd.api.types.is_float_dtype(frame[c])]
        frame.assign(**{c: frame[c].round(2) for c in floats}).to_csv(out / name, index=False)
        paths.append(out / name)
    paths.append(out / "runs.json")
    paths[-1].write_text(result.runs.to_json(orient="records", indent=2))
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
        f"Under '{S.scenario_words(h['scenario'])}', {council}'s adult social care spend {verb}"
        + (f" {abs(change):.1f}%" if verb != "is unchanged" else "")
        + f" over {h['years']} years, from £{h['base_spend_gbp'] / 1e6:,.1f}m in"
        f" {financial_year(h['base_year'])} to £{h['horizon_spend_gbp'] / 1e6:,.1f}m in {financial_year(h['horizon_year'])}"
    )
    lo, hi = h.get("horizon_spend_lower_80_gbp"), h.get("horizon_spend_upper_80_gbp")
    if lo is not None and hi is not None and hi > lo:
        text += f" (80% range £{lo / 1e6:,.0f}m to £{hi / 1e6:,.0f}m)"
    if h.get("constant_prices"):
        text += f", in constant {financial_year(h['base_year'])} prices"
    if h["material"] and h["top_groups"] and pd.notna(h["top_groups_share_pct"]):
        text += f"; {h['top_groups_share_pct']:.0f}% of the increase comes from " + _join_cells(
            _cells_text(h["top_cells"])
        )
    return text + "."
