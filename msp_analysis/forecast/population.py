"""Population by age band for the forecast: estimates, then projections rebased to them.

Bands 18-64, 65-74, 75-84 and 85+, because need rises steeply with age. Figures come
from the registered series ``population_estimate`` and ``population_projection`` (ONS
mid-year estimates and subnational projections, the projection rebased to the latest
estimate) when they are registered; otherwise from the processed ``population`` and
``population_projections`` tables, rebased here the same way. Where no projection covers
the council the latest estimate is held flat, and the note says "held flat".

Years between two estimates (no mid-2019 file; a council with a mid-2024 estimate but none
for 2022 and 2023) move evenly from one estimate to the next (:func:`_fill_gaps`), so a
newer estimate than the rest never makes a step in one year of the projection.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from msp_analysis.forecast.scenarios import POPULATION_BANDS
from msp_analysis.series.population import population_by_band
from msp_analysis.tables import MissingSource, Tables

BANDS = {
    "18 to 64": (18, 64),
    "65 to 74": (65, 74),
    "75 to 84": (75, 84),
    "85 and over": (85, None),
}


@dataclass(frozen=True)
class PopulationPath:
    """Population by year and band for one council, and how it was obtained."""

    frame: pd.DataFrame  # year, band, population, basis ('estimate', 'interpolated', 'projection')
    note: str
    projected: bool
    latest_estimate_year: int | None


def _band_name(label: str) -> str | None:
    nums = [int(n) for n in re.findall(r"\d+", str(label))]
    for name, (lo, hi) in BANDS.items():
        if nums and nums[0] == lo and ((len(nums) == 1 and hi is None) or hi in nums[1:2]):
            return name
    return None


def _from_series(tables: Tables, la_code: str) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    by_council = _series_by_council(tables)
    if by_council is None:
        return None
    empty = pd.DataFrame(columns=["year", "band", "population"])
    estimates, projections = by_council
    return estimates.get(la_code, empty), projections.get(la_code, empty)


def _series_by_council(tables: Tables) -> tuple[dict, dict] | None:
    """The registered population series (estimates, projection) as year, band, population
    for each council: read and split once per loaded data set, not once per council."""
    key = ("population_series_by_council",)
    if key in tables.cache:
        return tables.cache[key]
    try:
        from msp_analysis.series import measures, series
    except ImportError:  # pragma: no cover - the series package is part of the project
        return None
    known = measures()
    if "population_estimate" not in known:
        tables.cache[key] = None
        return None
    out: list[dict[str, pd.DataFrame]] = []
    for name in ("population_estimate", "population_projection"):
        try:
            s = series(tables, name) if name in known else None
        except MissingSource:  # the source table is not loaded: no rows, said by the caller
            s = None
        if s is None or s.empty:
            out.append({})
            continue
        s = s.assign(band=s["breakdown"].map(_band_name)).dropna(subset=["band", "value"])
        s = s[~s["basis"].isin(["missing", "not submitted"])]
        s = s.rename(columns={"value": "population"})[["la_code", "year", "band", "population"]]
        s = s.assign(  # plain types: each council's path groups and reshapes them many times
            year=s["year"].astype(int),
            band=s["band"].astype(object),
            population=s["population"].astype(float),
        )
        out.append(
            {
                la: g.drop(columns="la_code").reset_index(drop=True)
                for la, g in s.groupby("la_code", sort=False)
            }
        )
    tables.cache[key] = (out[0], out[1])
    return tables.cache[key]


def _from_tables(tables: Tables, la_code: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    frames = []
    for name in ("population", "population_projections"):
        t = tables.get(name)
        if t is None or not (t["la_code"] == la_code).any():
            frames.append(pd.DataFrame(columns=["year", "band", "population"]))
            continue
        t = t[t["la_code"] == la_code]
        b = population_by_band(t, BANDS, estimate=t["estimate"].iloc[0])
        frames.append(
            b.rename(columns={"breakdown": "band", "value": "population"})[
                ["year", "band", "population"]
            ].dropna()
        )
    return frames[0], frames[1]


def population_path(tables: Tables, la_code: str, *, use_projection: bool = True) -> PopulationPath:
    """Estimates for past years, then the projection rebased to the latest estimate.

    The same for every scenario that makes the same choice: computed once per council and
    choice (a copy returned)."""
    key = ("population_path", la_code, bool(use_projection))
    if key not in tables.cache:
        tables.cache[key] = _population_path(tables, la_code, use_projection=use_projection)
    path = tables.cache[key]
    return replace(path, frame=path.frame.copy())


def _population_path(
    tables: Tables, la_code: str, *, use_projection: bool = True
) -> PopulationPath:
    got = _from_series(tables, la_code)
    mye, proj = got if got is not None else _from_tables(tables, la_code)
    mye = mye[mye.groupby("year")["band"].transform("nunique") == len(BANDS)]
    if mye.empty:
        return PopulationPath(
            pd.DataFrame(columns=["year", "band", "population", "basis"]),
            "no population estimate loaded for this council",
            False,
            None,
        )
    latest = int(mye["year"].max())
    proj = proj[proj.groupby("year")["band"].transform("nunique") == len(BANDS)]
    est = _fill_gaps(mye.assign(basis="estimate"))
    if use_projection and not proj.empty and int(proj["year"].max()) > latest:
        projected = proj.groupby(["year", "band"])["population"].mean().unstack()
        anchor_year = latest if latest in projected.index else int(projected.index.min())
        ratio = projected / projected.loc[anchor_year]
        last = est[est["year"] == latest].set_index("band")["population"]
        future = (ratio[ratio.index > latest] * last).stack().rename("population").reset_index()
        future = future.assign(basis="projection")
        note = (
            f"ONS population projections by age band, rebased to the {latest} mid-year"
            f" estimate (to {int(projected.index.max())}; later years held at the last projected"
            " year)"
        )
        gap = _gap_words(est)
        if gap:
            note += f"; {gap}"
        frame = pd.concat([est, future], ignore_index=True)
        return PopulationPath(frame, note, True, latest)
    why = (
        "the scenario holds population flat"
        if not use_projection
        else ("no population projection covers this council")
    )
    note = f"population held flat at the {latest} mid-year estimate ({why})"
    return PopulationPath(est, note, False, latest)


def _gap_words(frame: pd.DataFrame) -> str:
    """The years filled between the latest estimate and the one before it, in words ('' if none):
    the only gap the projection's first years rest on."""
    est_years = sorted(int(y) for y in frame.loc[frame["basis"] == "estimate", "year"].unique())
    if len(est_years) < 2 or est_years[-1] - est_years[-2] < 2:
        return ""
    a, b = est_years[-2], est_years[-1]
    gap = list(range(a + 1, b))
    years = " and ".join(str(y) for y in gap) if len(gap) <= 2 else f"{gap[0]} to {gap[-1]}"
    return (
        f"{'years' if len(gap) > 1 else 'year'} {years}, between the {a} and {b} estimates,"
        f" {'move' if len(gap) > 1 else 'moves'} evenly from one to the other, so the newer"
        " estimate makes no step in one year"
    )


def _fill_gaps(est: pd.DataFrame) -> pd.DataFrame:
    """Estimates with the years between two of them filled, so a newer estimate makes no step.

    A year ``y`` between estimates in ``a`` and ``b`` moves evenly in logs from the one to
    the other, band by band: ``est[a] x (est[b] / est[a]) ** ((y - a) / (b - a))`` (basis
    ``interpolated``). The path passes through every estimate, and the difference between a
    newer estimate and what the older one implied is spread across the years between them.
    (The projection cannot give the shape of the gap: it is rebased to the latest estimate
    and starts there.)
    """
    known = est.groupby(["year", "band"])["population"].mean().unstack()
    full = known.reindex(range(int(known.index.min()), int(known.index.max()) + 1))
    filled = np.exp(np.log(full).interpolate(method="index", limit_area="inside"))
    out = filled.stack().rename("population").reset_index()
    out["year"] = out["year"].astype(int)
    out["basis"] = np.where(out["year"].isin(known.index), "estimate", "interpolated")
    return out.sort_values(["year", "band"]).reset_index(drop=True)[
        ["year", "band", "population", "basis"]
    ]


def wide(path: PopulationPath) -> pd.DataFrame:
    """Population by year (rows, every year of the path) and band (columns)."""
    by_year = path.frame.groupby(["year", "band"])["population"].mean().unstack()
    return by_year.reindex(columns=list(POPULATION_BANDS))


def band_population(path: PopulationPath, year: int) -> pd.Series:
    """Population by band in ``year``: the nearest year available (estimates before the
    first year, the last year held after the end)."""
    f = path.frame
    if f.empty:
        return pd.Series(1.0, index=list(POPULATION_BANDS))
    years = sorted(f["year"].unique())
    if year in years:
        y = year
    elif year > years[-1]:
        y = years[-1]
    elif year < years[0]:
        y = years[0]
    else:  # a gap between estimates: the nearest earlier year
        y = max(v for v in years if v < year)
    return f[f["year"] == y].set_index("band")["population"].reindex(list(POPULATION_BANDS))


def demand_factor(path: PopulationPath, start: int, year: int, weights: dict) -> dict[str, float]:
    """Population growth from ``start`` to ``year`` for SALT's bands: 18-64 as it is; 65+
    as the need-weighted sum of 65-74, 75-84 and 85+ (weights from the scenario)."""
    a, b = band_population(path, start), band_population(path, year)
    w = pd.Series(weights).reindex(list(POPULATION_BANDS[1:]))
    return {
        "18 to 64": float(b["18 to 64"] / a["18 to 64"]),
        "65 and over": float((b[w.index] * w).sum() / (a[w.index] * w).sum()),
    }
