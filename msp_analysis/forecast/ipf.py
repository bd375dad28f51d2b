"""Iterative proportional fitting (raking) of a seed table to a council's own margins.

SALT publishes the setting x primary support reason x age cross-tabulation for England
only (T35 during the year, T39 at year end); each council has the margins (setting x
age in T34/T38, reason x age in T37). Raking the England table to a council's margins
keeps England's association between setting and reason (people with a learning
disability are more often in supported living, people with memory and cognition needs
more often in care homes) while matching every published council total. With no seed
the fit is the independence table (rows x columns / total).
"""

from __future__ import annotations

import numpy as np


def rake(
    seed: np.ndarray,
    row_totals: np.ndarray,
    col_totals: np.ndarray,
    *,
    tol: float = 1e-10,
    max_iter: int = 500,
) -> np.ndarray:
    """Scale ``seed`` (rows x columns) until its row and column sums match the totals.

    Column totals are first scaled to the row totals' sum (the two margins come from
    different SALT measures and are rounded to the nearest 5). Cells where the seed is
    zero stay zero; a row or column whose seed is all zero is filled evenly first, so a
    council margin is never lost.

    Raises:
        ValueError: a total is negative or not finite, or the shapes disagree.
    """
    seed = np.asarray(seed, dtype=float)
    rows = np.asarray(row_totals, dtype=float)
    cols = np.asarray(col_totals, dtype=float)
    if seed.shape != (len(rows), len(cols)):
        raise ValueError(f"seed has shape {seed.shape}, margins {len(rows)} x {len(cols)}")
    for name, m in (("row", rows), ("column", cols), ("seed", seed)):
        if not np.isfinite(m).all() or (m < 0).any():
            raise ValueError(f"{name} values must be finite and not negative")
    total = rows.sum()
    if total == 0:
        return np.zeros_like(seed)
    cols = cols * (total / cols.sum()) if cols.sum() > 0 else np.full(len(cols), total / len(cols))
    x = seed.copy()
    x[(x.sum(axis=1) == 0) & (rows > 0), :] = 1.0
    x[:, (x.sum(axis=0) == 0) & (cols > 0)] = 1.0
    for _ in range(max_iter):
        r = x.sum(axis=1)
        x *= np.divide(rows, r, out=np.zeros_like(rows), where=r > 0)[:, None]
        c = x.sum(axis=0)
        x *= np.divide(cols, c, out=np.zeros_like(cols), where=c > 0)[None, :]
        if np.abs(x.sum(axis=1) - rows).max() <= tol * max(total, 1.0):
            break
    return x
