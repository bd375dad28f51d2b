"""The ranges a projection prints for people and spend, year by year, from the backtests.

- **People**: the rates backtest (:mod:`msp_analysis.forecast.rates`) gives the spread of
  people in long-term support ``h`` years after the last count (the SALT year), calibrated
  on how far its forecasts strayed at that horizon
  (:func:`rates.people_calibration`). The base year is already ``base - SALT year`` years
  on, so it has a range too.
- **Spend**: the outturn backtest (:mod:`msp_analysis.forecast.backtest`) gives how far
  forecasts of a council's spend ``h`` years ahead strayed from the outturn (log errors,
  :func:`backtest.spend_calibration`): council and national real growth, and the pay and
  price growth not yet published at their origin (they knew the first year's only). A
  projection that knows more of its years' pay and prices (:func:`unpublished_years`; none
  where the scenario fixes the year's uplift or holds prices) keeps the share of that spread
  the model gives them (:func:`published_share`). A scenario in constant prices counts people at
  today's costs on the base year's outturn: its range is that of the people's growth from
  the base year.

The same ratio applies to every cell of a year, so the range of a total is the total of
the ranges. A range never narrows from one year to the next (:func:`_never_narrower`): with
two or three origins a horizon, one horizon's quantile can fall below the one before it,
and a fan that pinches would say the later year is better known. Where a backtest has nothing to calibrate on (no outturn history loaded), the
model's own spread is used with normal quantiles, and :func:`spend_ratios` says so.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from msp_analysis.forecast import backtest, calibration, outturn_forecast, rates
from msp_analysis.forecast import scenarios as S
from msp_analysis.forecast.models import Z
from msp_analysis.tables import Tables

RATIO_COLUMNS = ["lower_80", "upper_80", "lower_95", "upper_95"]
SPEND_TARGET = "asc_net_current_expenditure"


def _normal(sd: float) -> dict[str, float]:
    return {
        f"{side}_{lvl}": float(np.exp(sign * z * sd))
        for lvl, z in Z.items()
        for side, sign in (("lower", -1), ("upper", 1))
    }


def _never_narrower(frame: pd.DataFrame) -> pd.DataFrame:
    """Each lower ratio at most the one before it, each upper at least (years in order)."""
    out = frame.sort_values("year").copy()
    for lvl in (80, 95):
        out[f"lower_{lvl}"] = out[f"lower_{lvl}"].cummin()
        out[f"upper_{lvl}"] = out[f"upper_{lvl}"].cummax()
    return out


def people_ratios(tables: Tables, start: int, years: list[int]) -> pd.DataFrame:
    """year, horizon (years after ``start``: the SALT year, the last count of people) and
    the range bounds as ratios to the projection, for people."""
    key = ("people_calibration",)
    if key not in tables.cache:
        bt = rates.backtest(tables)
        tables.cache[key] = rates.people_calibration(bt) if len(bt) else None
    cal = tables.cache[key]
    rows = []
    for y in years:
        h = max(int(y) - start, 0)
        sd = rates.SD_ONE_YEAR * h**rates.SPREAD_POWER
        if h == 0:
            r = dict.fromkeys(RATIO_COLUMNS, 1.0)
        elif cal is None or cal.table.empty:
            r = _normal(sd)
        else:
            r = cal.ratios(h, sd)
        calibrated = cal is not None and not cal.table.empty
        rows.append({"year": int(y), "horizon": h, "calibrated": calibrated, **r})
    return _never_narrower(pd.DataFrame(rows))


def unpublished_years(scenario: S.Scenario, base: int, year: int) -> int:
    """Years after ``base`` up to ``year`` whose pay uplift and CPI the scenario assumes:
    later than the last published year, and not fixed by a fee uplift of its own."""
    price_path = scenario.value("price_path")
    if price_path.get("hold_prices"):  # no price growth after the base year to be unsure of
        return 0
    fixed = set(price_path["fee_uplift_pct"])
    last = outturn_forecast.last_published()
    return sum(1 for y in range(base + 1, year + 1) if y > last and y not in fixed)


def _spend_model(
    tables: Tables,
) -> tuple[outturn_forecast.Fit | None, calibration.Calibration | None]:
    key = ("spend_range_model",)
    if key not in tables.cache:
        fit, cal = None, None
        hist = backtest.history(tables)
        h = hist[hist["target"] == SPEND_TARGET]
        if len(h):
            fit = outturn_forecast.fit(h, int(h["year"].max()))
            bt = backtest.backtest(tables)
            if len(bt):
                cal = backtest.spend_calibration(bt)
        tables.cache[key] = (fit, cal)
    return tables.cache[key]


def published_share(fit: outturn_forecast.Fit | None, horizon: int, unpublished: int) -> float:
    """How much of the backtest's spread ``horizon`` years ahead a projection keeps when it
    assumes ``unpublished`` years of pay and prices: the backtest's forecasts knew the first
    year's only (``horizon - 1`` assumed), so a projection knowing more is surer by the
    ratio of the model's spreads (1 when it assumes as many; never more)."""
    if fit is None or horizon <= 0:
        return 1.0
    backtest_sd = outturn_forecast.sd_log(fit, horizon, max(horizon - 1, 0))
    if backtest_sd <= 0:
        return 1.0
    return min(outturn_forecast.sd_log(fit, horizon, unpublished) / backtest_sd, 1.0)


def spend_ratios(tables: Tables, scenario: S.Scenario, base: int, years: list[int]) -> pd.DataFrame:
    """year, horizon (years after the base year), unpublished (years of pay and prices
    assumed), sd_log (the model's own spread), calibrated (bool) and the range bounds as
    ratios to the projection, for spend.

    Calibrated, a range is the backtest's log errors at the horizon
    (:func:`backtest.spend_calibration`), narrowed by :func:`published_share` for the pay and
    price years the projection knows and the backtest's forecasts did not; without a
    backtest, the model's own spread with normal quantiles."""
    fit, cal = _spend_model(tables)
    rows = []
    for y in years:
        h = max(int(y) - base, 0)
        u = unpublished_years(scenario, base, int(y))
        sd = outturn_forecast.sd_log(fit, h, u) if h else 0.0
        calibrated = cal is not None and not cal.table.empty
        if h == 0:
            r = dict.fromkeys(RATIO_COLUMNS, 1.0)
        elif cal is not None and calibrated:
            r = cal.ratios(h, published_share(fit, h, u))
        else:
            r = _normal(sd)
        rows.append(
            {
                "year": int(y),
                "horizon": h,
                "unpublished": u,
                "sd_log": sd,
                "calibrated": calibrated,
                **r,
            }
        )
    return _never_narrower(pd.DataFrame(rows))


#: the record of every measure: the measure, then one by-horizon row (rates.BY_HORIZON_COLUMNS)
RECORD_COLUMNS = ["measure", *rates.BY_HORIZON_COLUMNS]


def record(tables: Tables) -> pd.DataFrame:
    """How the forecasts behind the ranges did on the past, by horizon, pooled over origins:
    ``spend`` (adult social care net current expenditure alone; reference: the last value),
    ``spend, all measures`` (net, total and ASC-FR gross, pooled as the calibration pools
    them: the record the plan quotes, its base being total expenditure) and ``people`` (people in long-term support; reference: the
    rate held flat). Coverage is of the calibrated ranges, each origin calibrated on the
    others. Computed once per loaded data set."""
    key = ("forecast_record",)
    if key in tables.cache:
        return tables.cache[key].copy()
    parts = []
    bt = backtest.backtest(tables)
    if len(bt):
        for name, frame in (
            ("spend", bt[bt["target"] == SPEND_TARGET]),
            ("spend, all measures", bt.assign(target="all")),
        ):
            h = backtest.by_horizon(frame)
            naive = frame[frame["model"] == "naive"].groupby("horizon")["ape"].median()
            parts.append(h.assign(measure=name, reference_median_ape=h["horizon"].map(naive)))
    rb = rates.backtest(tables)
    if len(rb):
        h = rates.by_horizon(rb)
        parts.append(h.assign(measure="people"))
    out = (
        pd.concat(parts, ignore_index=True)[RECORD_COLUMNS]
        if parts
        else pd.DataFrame(columns=RECORD_COLUMNS)
    )
    out = out[out["horizon"] <= backtest.MAX_HORIZON].reset_index(drop=True)
    tables.cache[key] = out
    return out.copy()
