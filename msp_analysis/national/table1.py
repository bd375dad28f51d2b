"""Table 1, computed: each of DHSC's five risks in each market, the share of councils whose plan
flags it, with the counts behind the share; beside it DHSC's own 2023 Table 1 (what councils said).

A council's plan "flags" a risk in a market when one of the plan's risk tests for it ran and
fired; "tested" counts the councils where at least one test had the figures to run; "could not
be tested" the others. The share is flagged / tested. Every state is read from the plans' stored
risk tables (:func:`msp_analysis.national.collect.risks_frame`), never re-tested here.

DHSC's figures (``msp_analysis/data/dhsc_insights_2023_table1.csv``) are the share of councils
that *expressed* each concern in their provisional plans of October 2022, read by hand: they are
shown as what councils said, beside what the published data flags.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import pandas as pd

from msp_analysis.indicators.risk import RISKS

STATES = ("flagged", "not flagged", "could not run")
#: Gaps between what councils said and what the data flags, in percentage points, below which
#: the two are said to agree.
AGREE_POINTS = 10.0
#: A share is set beside DHSC's only where the data tested at least this share of the councils
#: (a share of the few councils that hold their own evidence says little about all of them).
MIN_TESTED_SHARE = 0.5


@lru_cache(maxsize=1)
def dhsc_table1() -> pd.DataFrame:
    """DHSC's 2023 Table 1: risk, DHSC market, its wording, share of councils (None for N/A), the
    markets of ours that answer it (first present wins) and the source."""
    with (
        resources.files("msp_analysis.data")
        .joinpath("dhsc_insights_2023_table1.csv")
        .open("rb") as fh
    ):
        t = pd.read_csv(fh, dtype={"share_pct": float})
    t["markets"] = t["markets"].str.split("|")
    return t


def shares(risks: pd.DataFrame, by: list[str] | None = None) -> pd.DataFrame:
    """Flagged, tested, could-not-be-tested counts and the share flagged of tested, per risk and
    market (and per ``by`` group: e.g. ``["region"]``)."""
    keys = [*(by or []), "risk", "risk_label", "market", "market_label"]
    cols = [*keys, "councils", "flagged", "tested", "not_tested", "share_pct"]
    if risks.empty:
        return pd.DataFrame(columns=cols)
    counts = (
        risks.assign(n=1)
        .pivot_table(index=keys, columns="state", values="n", aggfunc="sum", fill_value=0)
        .reindex(columns=list(STATES), fill_value=0)
        .reset_index()
    )
    counts["flagged"] = counts["flagged"].astype(int)
    counts["tested"] = (counts["flagged"] + counts["not flagged"]).astype(int)
    counts["not_tested"] = counts["could not run"].astype(int)
    counts["councils"] = counts["tested"] + counts["not_tested"]
    counts["share_pct"] = (counts["flagged"] / counts["tested"] * 100).where(counts["tested"] > 0)
    risk_order = {k: i for i, k in enumerate(RISKS)}
    market_order = {m: i for i, m in enumerate(dict.fromkeys(risks["market"]))}
    counts["_risk"] = counts["risk"].map(risk_order)
    counts["_market"] = counts["market"].map(market_order)
    counts = counts.sort_values([*(by or []), "_risk", "_market"])
    return counts[cols].reset_index(drop=True)


def beside_dhsc(national: pd.DataFrame) -> pd.DataFrame:
    """DHSC's 2023 figures beside the computed shares, for the markets DHSC covered.

    One row per DHSC market and risk: DHSC's share, the data's share and counts, the market of
    ours that answered it (``combined`` where one market of ours answers two of DHSC's, as
    65+ care homes do for residential and nursing) and the gap in points (DHSC minus data).
    """
    ours = set(national["market"])
    rows = []
    for r in dhsc_table1().itertuples():
        market = next((m for m in r.markets if m in ours), None)
        got = (
            national[(national["risk"] == r.risk) & (national["market"] == market)]
            if market
            else national.iloc[0:0]
        )
        g = got.iloc[0] if len(got) else None
        comparable = g is not None and bool(g["tested"] >= MIN_TESTED_SHARE * g["councils"])
        data_share = g["share_pct"] if g is not None else None
        data_share = None if data_share is None or pd.isna(data_share) else float(data_share)
        dhsc = None if pd.isna(r.share_pct) else float(r.share_pct)
        rows.append(
            dict(
                risk=r.risk,
                risk_label=RISKS[r.risk],
                dhsc_market=r.dhsc_market,
                dhsc_market_label=r.dhsc_market_label,
                dhsc_wording=r.dhsc_wording,
                dhsc_share_pct=dhsc,
                market=market,
                market_label=g["market_label"] if g is not None else None,
                combined=market is not None and market != r.markets[0],
                flagged=int(g["flagged"]) if g is not None else 0,
                tested=int(g["tested"]) if g is not None else 0,
                not_tested=int(g["not_tested"]) if g is not None else 0,
                data_share_pct=data_share,
                comparable=comparable,
                gap_points=dhsc - data_share
                if comparable and dhsc is not None and data_share is not None
                else None,
                source=r.source,
            )
        )
    return pd.DataFrame(rows)


def differences(compared: pd.DataFrame) -> list[dict]:
    """Per DHSC market, the facts for one sentence on where the data and councils' view differ:
    the widest gap among the risks the data tested for enough councils (:data:`MIN_TESTED_SHARE`),
    the largest other gap, the risks tested for too few councils to compare, and those the data
    could not test for any council."""
    out = []
    for market, g in compared.groupby("dhsc_market", sort=False):
        said = g[g["dhsc_share_pct"].notna()]
        both = said[said["gap_points"].notna()]
        widest = both.loc[both["gap_points"].abs().idxmax()] if len(both) else None
        others = both.drop(index=widest.name) if widest is not None else both
        few = said[(said["tested"] > 0) & ~said["comparable"]]
        out.append(
            dict(
                dhsc_market=market,
                label=g["dhsc_market_label"].iloc[0],
                market_label=g["market_label"].dropna().iloc[0]
                if g["market_label"].notna().any()
                else None,
                combined=bool(g["combined"].any()),
                widest=None
                if widest is None
                else dict(
                    risk_label=widest["risk_label"],
                    dhsc_share_pct=float(widest["dhsc_share_pct"]),
                    data_share_pct=float(widest["data_share_pct"]),
                    tested=int(widest["tested"]),
                    gap_points=float(widest["gap_points"]),
                    agrees=abs(float(widest["gap_points"])) <= AGREE_POINTS,
                ),
                others_max_gap=float(others["gap_points"].abs().max()) if len(others) else None,
                few=[
                    dict(
                        risk_label=r.risk_label.lower(),
                        tested=int(r.tested),
                        councils=int(r.tested + r.not_tested),
                    )
                    for r in few.itertuples()
                ],
                untested=[r.lower() for r in said.loc[said["tested"] == 0, "risk_label"]],
            )
        )
    return out
