"""Stock and flow of people in long-term support, with shifts applied to new placements.

Each cell is an age band x client group x setting. In every year:

- **survivors**: people supported during the previous year who are still supported at its
  end, ``people[t-1] x (1 - exit_rate)`` (exit rates by age band and setting from SALT:
  people during the year minus people at year end, over people during the year);
- **new placements** for an age band and client group: the demand for that year (the
  base year's people x population and rate factors) less its survivors, never negative;
  spread across settings with the base year's placement mix;
- **shifts**: a share of the new placements in one cell goes to other settings instead
  (phased in linearly over ``phase_in_years``); people moved stay in their new setting and
  leave it at that setting's exit rate.

Total people in an age band and client group always equal the demand (a shift moves
people, it never creates them), and with no shift and flat demand the stock is flat
whenever the placement mix is the mix of leavers (the market-unchanged mix).

Worked by hand (one age band and client group; demand flat at 300 people):
residential 100 people leaving at 20% a year, community 200 at 30%, so 20 and 60 leave
and the market-unchanged placement mix is 25% residential / 75% community. A shift
moves 50% of new residential placements to supported living (exit 10%), at once.

====  ===========================  =========================  ============================
year  residential                  supported living           community
====  ===========================  =========================  ============================
1     80 + 20 - 10 = 90            0 + 10 = 10                140 + 60 = 200
2     72 + 19.75 - 9.875 = 81.875  9 + 9.875 = 18.875         140 + 59.25 = 199.25
3     65.5 + 9.7546875 = 75.2546875  16.9875 + 9.7546875      139.475 + 58.528125
                                   = 26.7421875               = 198.003125
====  ===========================  =========================  ============================

(new placements: year 1 300 - 220 = 80, year 2 300 - 221 = 79, year 3 300 - 221.9625 =
78.0375; every year's total is 300.)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CELL = ["age_band", "client_group", "setting"]
GROUP = ["age_band", "client_group"]


def project_stock(
    start: pd.DataFrame,
    exit_rate: pd.DataFrame,
    mix: pd.DataFrame,
    demand: pd.DataFrame,
    shifts: list[dict],
    base: int,
) -> pd.DataFrame:
    """People by year and cell, with new placements, moves and leavers.

    Args:
        start: one row per cell (age_band, client_group, setting) with ``people`` in ``base``;
            cells for settings people may be moved into must be present (with 0 people).
        exit_rate: age_band, setting, ``exit_rate`` (share of people during a year who are
            not supported at its end).
        mix: one row per cell with ``mix``, the share of the age band and client group's
            new placements that go to the cell's setting (sums to 1 in each group).
        demand: year, age_band, client_group, ``demand`` (people during the year).
        shifts: validated scenario shifts (``from``, ``to``, ``share_of_new_placements``,
            ``phase_in_years``).
        base: the year of ``start``.

    Returns:
        year, age_band, client_group, setting, people, survivors, placements (before
        shifts), moved_out, moved_in, people_noshift (the same run without shifts).

    Raises:
        ValueError: an input has negative or missing values.
    """
    cells = start[CELL].reset_index(drop=True)
    people0 = start["people"].to_numpy(dtype=float)
    x = cells.merge(exit_rate, on=["age_band", "setting"], how="left")["exit_rate"].to_numpy()
    m = cells.merge(mix, on=CELL, how="left")["mix"].fillna(0.0).to_numpy()
    for name, arr in (("people", people0), ("exit_rate", x), ("mix", m)):
        if np.isnan(arr).any() or (arr < 0).any():
            raise ValueError(f"{name} has missing or negative values in the stock-and-flow input")
    group_keys = cells[GROUP].apply(tuple, axis=1)
    groups = sorted(set(group_keys))
    gidx = np.array([groups.index(g) for g in group_keys])
    years = sorted(int(y) for y in demand["year"].unique() if y > base)
    dem = demand.set_index(["year", *GROUP])["demand"]
    if dem.isna().any() or (dem < 0).any():
        raise ValueError("demand has missing or negative values")
    moves = [_shift_matrix(cells, s) for s in shifts]
    rows = []
    for run_shifts in (False, True):
        people = people0.copy()
        for y in years:
            t = y - base
            survivors = people * (1 - x)
            surv_g = np.bincount(gidx, weights=survivors, minlength=len(groups))
            target = np.array([dem.get((y, *g), np.nan) for g in groups])
            if np.isnan(target).any():
                missing = [g for g, v in zip(groups, target) if np.isnan(v)]
                raise ValueError(f"no demand for {y} in {missing}")
            new_g = np.maximum(target - surv_g, 0.0)
            placements = new_g[gidx] * m
            moved_out = np.zeros_like(placements)
            moved_in = np.zeros_like(placements)
            if run_shifts:
                for s, (src, dest) in zip(shifts, moves):
                    p = s["phase_in_years"]
                    phase = 1.0 if p <= 0 else min(1.0, t / p)
                    out = (placements - moved_out) * src * s["share_of_new_placements"] * phase
                    moved_out += out
                    moved_in += dest @ out
            people = survivors + placements - moved_out + moved_in
            if run_shifts:
                rows.append(
                    cells.assign(
                        year=y,
                        people=people,
                        survivors=survivors,
                        placements=placements,
                        moved_out=moved_out,
                        moved_in=moved_in,
                    )
                )
            else:
                rows.append(cells.assign(year=y, people_noshift=people.copy()))
    n = len(years)
    plain = pd.concat(rows[:n], ignore_index=True)
    shifted = pd.concat(rows[n:], ignore_index=True)
    out = shifted.merge(plain, on=["year", *CELL])
    return out[
        [
            "year",
            *CELL,
            "people",
            "survivors",
            "placements",
            "moved_out",
            "moved_in",
            "people_noshift",
        ]
    ]


def _shift_matrix(cells: pd.DataFrame, shift: dict) -> tuple[np.ndarray, np.ndarray]:
    """(source indicator per cell, matrix sending a source cell's moves to its destinations)."""
    frm = shift["from"]
    src = cells["setting"].eq(frm["setting"])
    for k in ("client_group", "age_band"):
        if k in frm:
            src &= cells[k].eq(frm[k])
    src = src.to_numpy(dtype=float)
    dest = np.zeros((len(cells), len(cells)))
    index = {tuple(r): i for i, r in enumerate(cells[CELL].itertuples(index=False))}
    for i in np.flatnonzero(src):
        age, group, _ = cells.iloc[i][CELL]
        for t in shift["to"]:
            j = index.get((age, group, t["setting"]))
            if j is None:
                raise ValueError(f"no cell for {age}, {group}, {t['setting']} to move people into")
            dest[j, i] += t["share"]
    return src, dest
