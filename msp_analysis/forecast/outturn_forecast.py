"""A council's adult social care spend one to five years ahead, from its outturn series.

Most of the year-to-year change in a council's spend is national pay and price growth,
and the two figures that drive it are known before the year starts: the National Living
Wage uprating each April (announced the November before) and CPI in the September
before. The model is

    log(spend[t+1] / spend[t]) = log(1 + pay_share x NLW[t+1] + (1 - pay_share) x CPI[t+1])
                                 + real growth

where ``real growth`` is the council's own average growth beyond the price signal,
shrunk toward the median across councils (weight n / (n + K), n the years of the
council's own history), both measured only on years up to the forecast origin. Gaps
between years (2014-15 to 2017-18) are annualised log growth. The interval is
log-normal with the spread of councils' residuals around their year's median, plus
the spread of those yearly medians (the part of national growth the price signal does
not explain), both from the history up to the origin.

Further ahead, only the first year's uplift and CPI are known at the origin (or, in a
plan, every year :func:`last_published` covers): a year not yet published takes the mean
signal of the :data:`ASSUMED_YEARS` published years before it, and its surprise (how far
a year's signal has strayed from that mean, :func:`price_surprise_sd`) widens the
interval: ``sd^2 = h x (sd_council^2 + sd_year^2) + unpublished years x sd_price^2``.
Real growth counts in full in the first year and fades by :data:`DAMPING` a year after
it (real growth in one run of years has not lasted: the austerity years' -3% to -5% a
year became +2% after 2017). The ranges printed are then calibrated on the backtest at
each horizon (:mod:`msp_analysis.forecast.calibration`).

Reference models for the backtest: ``naive`` (last value), ``linear_trend`` (straight
line through the history), ``own_growth`` (the council's own long-run annual growth),
``pooled_growth`` (the median council's growth in the last observed interval) and
``oracle`` (the year's true median growth across councils, which no forecast can know:
the practical floor).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from msp_analysis.forecast.models import Z
from msp_analysis.forecast.scenarios import price_history
from msp_analysis.years import financial_year

PAY_SHARE = 0.6  # pay share of adult social care spend (DHSC fair cost of care exercises)
HALF_LIFE = 1.0  # years
ASSUMED_YEARS = 5  # an unpublished year's price signal: the mean of the last 5 published
DAMPING = 0.8  # real growth after the first year fades by this factor a year
SHRINK_K = 10.0  # prior weight of the pooled real growth, in years of own history
COUNCIL = r"^E(0[6-9]|10)"


@dataclass(frozen=True)
class Fit:
    """What the model learnt from the history up to ``origin``."""

    origin: int
    pooled_real: float  # median real growth across councils (log, a year)
    own_real: pd.Series  # each council's shrunk real growth (log, a year)
    sd_council: float  # one-year sd of a council's residual around the year's median
    sd_year: float  # one-year sd of the yearly median residual
    transitions: int
    sd_price: float = 0.0  # sd of a year's price signal around the mean assumed for it


def price_signal(year: int, pay_share: float = PAY_SHARE) -> float:
    """log(1 + pay_share x NLW uprating + (1 - pay_share) x CPI) for a financial year."""
    h = price_history()
    pay = h["pay_uplift_pct"]["values"].get(year)
    cpi = h["cpi_pct"]["values"].get(year)
    if pay is None or cpi is None:
        raise KeyError(f"no published pay uplift or CPI for {financial_year(year)}")
    return float(np.log1p((pay_share * pay + (1 - pay_share) * cpi) / 100))


def signal_between(start: int, end: int) -> float:
    return sum(price_signal(y) for y in range(start + 1, end + 1))


def last_published() -> int:
    """The last financial year with both the pay uplift and CPI in the price history."""
    h = price_history()
    return max(set(h["pay_uplift_pct"]["values"]) & set(h["cpi_pct"]["values"]))


def _published(year: int) -> bool:
    h = price_history()
    return year in h["pay_uplift_pct"]["values"] and year in h["cpi_pct"]["values"]


def assumed_signal(known_through: int) -> float:
    """The signal assumed for a year not published by ``known_through``: the mean of the
    :data:`ASSUMED_YEARS` published years up to it."""
    years = [
        y for y in range(known_through - ASSUMED_YEARS + 1, known_through + 1) if _published(y)
    ]
    if not years:
        raise KeyError(f"no published pay uplift or CPI up to {known_through}")
    return float(np.mean([price_signal(y) for y in years]))


def price_surprise_sd(known_through: int) -> float:
    """The sd of a year's signal around the mean of the published years before it (two
    at least, :data:`ASSUMED_YEARS` at most), over the years published by ``known_through``."""
    years = sorted(y for y in price_history()["pay_uplift_pct"]["values"] if y <= known_through)
    surprises = []
    for y in years:
        before = [b for b in range(y - ASSUMED_YEARS, y) if _published(b)]
        if len(before) >= 2 and _published(y):
            surprises.append(price_signal(y) - np.mean([price_signal(b) for b in before]))
    return float(np.sqrt(np.mean(np.square(surprises)))) if surprises else 0.02


def signal_path(origin: int, target: int, known_through: int) -> tuple[float, int]:
    """The price signal summed over the years after ``origin`` to ``target`` (published
    years as published, the rest at :func:`assumed_signal`), and how many were assumed."""
    total, assumed = 0.0, 0
    for y in range(origin + 1, target + 1):
        if y <= known_through and _published(y):
            total += price_signal(y)
        else:
            total += assumed_signal(min(known_through, last_published()))
            assumed += 1
    return total, assumed


def real_years(horizon: int, damping: float = DAMPING) -> float:
    """Years of real growth in ``horizon`` years: the first in full, then fading by ``damping``
    a year (1 + d + d^2 + ...; ``horizon`` itself when ``damping`` is 1)."""
    return float(sum(damping**k for k in range(max(int(horizon), 0))))


def sd_log(fitted: Fit | None, horizon: int, unpublished: int) -> float:
    """The model's spread of log spend ``horizon`` years ahead with ``unpublished`` years of
    pay and prices assumed (before calibration)."""
    if fitted is None:
        return float(np.sqrt(horizon) * 0.05)
    return float(
        np.sqrt(
            horizon * fitted.sd_council**2
            + horizon**2 * fitted.sd_year**2
            + unpublished * fitted.sd_price**2
        )
    )


def transitions(history: pd.DataFrame) -> pd.DataFrame:
    """Annualised log growth between consecutive available years, per council, with the
    price signal over the same years: la_code, year (end), gap, growth, signal, residual."""
    h = history.dropna(subset=["value"])
    h = h[h["value"] > 0].sort_values(["la_code", "year"])
    h = h.assign(logv=np.log(h["value"]))
    h["prev_year"] = h.groupby("la_code")["year"].shift()
    h["gap"] = h["year"] - h["prev_year"]
    h["growth"] = h.groupby("la_code")["logv"].diff() / h["gap"]
    t = h.dropna(subset=["growth"]).copy()
    t["prev_year"] = t["prev_year"].astype(int)
    cache = {}
    sig = []
    for a, b in zip(t["prev_year"], t["year"]):
        if (a, b) not in cache:
            cache[(a, b)] = signal_between(int(a), int(b)) / (b - a)
        sig.append(cache[(a, b)])
    t["signal"] = sig
    t["residual"] = t["growth"] - t["signal"]
    return t[["la_code", "prev_year", "year", "gap", "growth", "signal", "residual"]]


def fit(history: pd.DataFrame, origin: int) -> Fit | None:
    """Learn real growth and spreads from the transitions ending by ``origin``."""
    t = transitions(history[history["year"] <= origin])
    if t.empty:
        return None
    year_median = t.groupby("year")["residual"].transform("median")
    # recent years count more: a transition's weight halves every HALF_LIFE years before
    # the origin (real growth in the austerity years is not real growth today)
    t = t.assign(w=t["gap"] * 0.5 ** ((origin - t["year"]) / HALF_LIFE))
    yearly = t.groupby("year").agg(m=("residual", "median"), w=("w", "first"))
    pooled = float(np.average(yearly["m"], weights=yearly["w"]))
    # a council's deviation from its year's median; over g years the annualised
    # deviation has variance sd^2 / g, so g x deviation^2 estimates the one-year variance
    dev = t["residual"] - year_median
    sd_council = float(np.sqrt(np.median(t["gap"] * dev**2) / 0.455))  # robust (median of chi2_1)
    medians = t.groupby("year").agg(m=("residual", "median"), gap=("gap", "max"))
    sd_year = (
        float(np.sqrt((medians["gap"] * (medians["m"] - pooled) ** 2).mean()))
        if len(medians) > 1
        else 0.02
    )
    own = (
        t.assign(w=t["gap"])
        .groupby("la_code")
        .apply(
            lambda g: pd.Series(
                {"mean": np.average(g["residual"], weights=g["w"]), "n": g["w"].sum()}
            ),
            include_groups=False,
        )
    )
    weight = own["n"] / (own["n"] + SHRINK_K)
    own_real = weight * own["mean"] + (1 - weight) * pooled
    return Fit(
        origin,
        pooled,
        own_real,
        max(sd_council, 1e-3),
        max(sd_year, 1e-3),
        len(t),
        price_surprise_sd(min(origin + 1, last_published())),
    )


def forecast(
    history: pd.DataFrame,
    origin: int,
    target: int,
    fitted: Fit | None = None,
    *,
    known_through: int | None = None,
    damping: float | None = None,
) -> pd.DataFrame:
    """Each council's forecast of ``target`` from data up to ``origin``, with 80%/95% bounds.

    ``known_through`` is the last year whose pay uplift and CPI count as published (default
    ``origin + 1``: the first year's are announced before it starts).

    Returns la_code, origin, year, forecast, lower_80, upper_80, lower_95, upper_95, sd_log
    (the model's spread, before calibration), unpublished (years of prices assumed), method.
    """
    f = fitted or fit(history, origin)
    last = history[(history["year"] == origin)].dropna(subset=["value"])
    last = last[last["value"] > 0].set_index("la_code")["value"]
    h = target - origin
    known = origin + 1 if known_through is None else known_through
    sig, unpublished = signal_path(origin, target, known)
    sd = sd_log(f, h, unpublished)
    if f is None:
        real = pd.Series(0.0, index=last.index)
        method = "price signal only (no history before the origin)"
    else:
        real = f.own_real.reindex(last.index).fillna(f.pooled_real)
        method = f"price signal + real growth shrunk to the median ({f.transitions} changes)"
    d = DAMPING if damping is None else damping
    centre = np.log(last) + sig + real_years(h, d) * real
    out = pd.DataFrame({"la_code": last.index, "origin": origin, "year": target})
    out["forecast"] = np.exp(centre).to_numpy()
    for lvl, z in Z.items():
        out[f"lower_{lvl}"] = np.exp(centre - z * sd).to_numpy()
        out[f"upper_{lvl}"] = np.exp(centre + z * sd).to_numpy()
    out["sd_log"] = sd
    out["unpublished"] = unpublished
    out["method"] = method
    return out.reset_index(drop=True)
