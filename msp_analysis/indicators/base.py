"""Coverage rules for built aggregates (the result type and declarations: ``catalogue``)."""

from __future__ import annotations

import pandas as pd

from msp_analysis import geography


def coverage(codes: pd.Series, *, demo: bool = False) -> dict[str, float]:
    """Share of each region's and England's councils present in ``codes``.

    The councils are the 153 current ones, or the fictional ones for DEMO data.
    """
    councils = geography.councils(status="demo" if demo else "current")
    present = set(codes)
    out = {
        r: councils.loc[councils["region_code"] == r, "la_code"].isin(present).mean()
        for r in geography.REGIONS
    }
    out[geography.ENGLAND_CODE] = councils["la_code"].isin(present).mean()
    return out


def drop_thin_aggregates(
    area: pd.DataFrame, covered: dict[str, float], minimum: float = 0.9
) -> tuple[pd.DataFrame, str]:
    """Blank built region / England values when the source covers too few of their councils.

    A file of one county's locations must not pose as England. Returns the frame and a note.
    """
    thin = [c for c, share in covered.items() if share < minimum]
    area = area.copy()
    mask = area["la_code"].isin(thin) & area["area_type"].isin(["region", "england"])
    area.loc[mask, "value"] = float("nan")
    note = ""
    if covered.get(geography.ENGLAND_CODE, 1.0) < minimum:
        note = (
            "England and region figures and ranks not shown: the source covers "
            f"{covered[geography.ENGLAND_CODE]:.0%} of councils"
        )
    return area, note
