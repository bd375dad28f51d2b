"""What drove the change in spend: an exact decomposition by cell and driver.

The decomposition (log-mean Divisia index, exact with no residual) splits each cell's
change in spend between population, rate, setting mix (turnover of the stock), real unit
cost, prices and workforce pay; a shift's effect is the difference it makes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CELL = ["age_band", "client_group", "setting"]
DRIVERS = [
    "population",
    "rate",
    "setting_mix",
    "unit_cost",
    "prices",
    "workforce_pay",
    "shift",
]


def _lmdi_weight(s1: np.ndarray, s0: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        w = (s1 - s0) / (np.log(s1) - np.log(s0))
    return np.where(np.isclose(s1, s0), s0, w)


def decompose(frame: pd.DataFrame, year: int) -> pd.DataFrame:
    """Change in spend from the base year to ``year`` by CELL and driver (£); exact.

    ``frame`` is the projection (:func:`msp_analysis.forecast.run.project_council`): per
    year and cell people, people_noshift, people_base, cost_base, pop_factor, rate_factor,
    price_factor, real_factor, workforce_factor and spend.
    """
    f = frame[frame["year"] == year].reset_index(drop=True)
    s0 = (f["people_base"] * f["cost_base"]).to_numpy(dtype=float)
    demand = (f["people_base"] * f["pop_factor"] * f["rate_factor"]).to_numpy(dtype=float)
    noshift_people = f["people_noshift"].to_numpy(dtype=float)
    cost_t = (
        f["cost_base"] * f["price_factor"] * f["real_factor"] * f["workforce_factor"]
    ).to_numpy(dtype=float)
    s_noshift = noshift_people * cost_t
    valid = (s0 > 0) & (s_noshift > 0) & (demand > 0)
    w = np.where(valid, _lmdi_weight(np.where(valid, s_noshift, 1), np.where(valid, s0, 1)), 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = {
            "population": np.log(f["pop_factor"].to_numpy(dtype=float)),
            "rate": np.log(f["rate_factor"].to_numpy(dtype=float)),
            "setting_mix": np.log(np.where(valid, noshift_people / np.where(valid, demand, 1), 1)),
            "unit_cost": np.log(f["real_factor"].to_numpy(dtype=float)),
            "prices": np.log(f["price_factor"].to_numpy(dtype=float)),
            "workforce_pay": np.log(f["workforce_factor"].to_numpy(dtype=float)),
        }
    keys = f[CELL]
    rows = []
    for driver, lg in logs.items():
        vals = np.where(valid, w * np.nan_to_num(lg), 0.0)
        if driver == "setting_mix":
            vals = vals + np.where(valid, 0.0, s_noshift - s0)
        rows.append(keys.assign(driver=driver, change_gbp=vals))
    rows.append(
        keys.assign(driver="shift", change_gbp=f["spend"].to_numpy(dtype=float) - s_noshift)
    )
    out = pd.concat(rows, ignore_index=True)
    out = out.groupby([*CELL, "driver"], as_index=False)["change_gbp"].sum()
    out["year"] = year
    return out


def decompose_outside(
    base_gbp: float, row: pd.DataFrame, cell: tuple[str, str, str]
) -> pd.DataFrame:
    """The change in spend outside long-term care by driver (£), exact: its factors' logs
    weighted by the log-mean of the spend (see :func:`msp_analysis.forecast.ledger.outside_path`)."""
    age, group, setting = cell
    if row.empty or base_gbp <= 0:
        return pd.DataFrame(columns=[*CELL, "driver", "change_gbp", "year"])
    r = row.iloc[0]
    s1 = float(r["spend"])
    w = float(_lmdi_weight(np.array([s1]), np.array([base_gbp]))[0])
    factors = {
        "population": "pop_factor",
        "rate": "rate_factor",
        "unit_cost": "real_factor",
        "prices": "price_factor",
        "workforce_pay": "workforce_factor",
    }
    rows = [
        {
            "age_band": age,
            "client_group": group,
            "setting": setting,
            "driver": d,
            "change_gbp": w * float(np.log(r[col])),
            "year": int(r["year"]),
        }
        for d, col in factors.items()
    ]
    return pd.DataFrame(rows)


def shift_effect(frame: pd.DataFrame, year: int) -> pd.DataFrame:
    """What a scenario's shifts do in ``year``, by setting and cell: people and spend with the
    shifts less the same run without them (the market-unchanged placements).

    Returns CELL, people, people_noshift, people_change, cost (£ a person supported during the
    year), weeks_per_person (weeks of care a person), spend_change. People moved keep to their new setting and leave it at its rate, so
    the settings they left and joined change by more than the placements moved, and the other
    settings take the difference (total people never change).
    """
    f = frame[frame["year"] == year]
    cols = [*CELL, "people", "people_noshift", "cost"]
    if "weeks_per_person" in f:
        cols.append("weeks_per_person")
    out = f[cols].copy()
    if "weeks_per_person" not in out:
        out["weeks_per_person"] = 52.0
    out["people_change"] = out["people"] - out["people_noshift"]
    out["spend_change"] = out["people_change"] * out["cost"]
    out["year"] = year
    return out[out["people_change"].abs() > 1e-9].reset_index(drop=True)
