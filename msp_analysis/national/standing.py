"""Where each council stands: distributions (never rankings) of the plans' headline figures.

Section 1's headline figures (each market's table) and Section 2's outlook (spend growth to the
horizon with its range, people growth, the share of the rise from pay and prices, population
and rates of support), summarised as quartiles nationally, by region and by council type. Each
figure is the one the council's plan prints (:mod:`msp_analysis.national.collect`).
"""

from __future__ import annotations

import pandas as pd

#: The outlook figures summarised, with their words (all per cent).
OUTLOOK = {
    "spend_change_pct": "Long-term care spend, change to the horizon",
    "people_change_pct": "People in long-term support, change to the horizon",
    "share_prices_pct": "Share of the rise in spend from pay and prices",
    "share_population_pct": "Share of the rise in spend from population change",
    "share_rate_pct": "Share of the rise in spend from changing rates of support",
}
#: The same, as table column heads.
OUTLOOK_SHORT = {
    "spend_change_pct": "Spend change",
    "people_change_pct": "People change",
    "share_prices_pct": "Rise from pay and prices",
    "share_population_pct": "Rise from population",
    "share_rate_pct": "Rise from rates of support",
}


#: A headline figure is a row of a plan's market table: its market, indicator and words (a plan
#: that lacks the figure shows the same words for the indicator's missing row, whatever its
#: breakdown).
KEYS = ["market", "indicator", "label"]


def _quartiles(values: pd.Series) -> dict:
    v = values.dropna().astype(float)
    if v.empty:
        return dict(
            councils=0,
            lowest=None,
            lower_quartile=None,
            median=None,
            upper_quartile=None,
            highest=None,
        )
    return dict(
        councils=len(v),
        lowest=float(v.min()),
        lower_quartile=float(v.quantile(0.25)),
        median=float(v.median()),
        upper_quartile=float(v.quantile(0.75)),
        highest=float(v.max()),
    )


def measure_year(measures: pd.DataFrame) -> pd.DataFrame:
    """Each headline figure's year for the comparison: the year most councils' plans show
    (councils whose latest figure is another year are counted apart, never mixed in)."""
    ok = measures[(measures["status"] == "ok") & measures["value"].notna()]
    keys = KEYS
    return (
        ok.groupby(keys)["year_label"]
        .agg(lambda s: s.dropna().mode().iloc[0] if s.notna().any() else None)
        .rename("year")
        .reset_index()
    )


def in_comparison_year(measures: pd.DataFrame) -> pd.DataFrame:
    """The measures frame with each figure's comparison year (``year``, :func:`measure_year`)
    and whether the council's figure is of that year (``in_year``): the input of the
    distributions below, computed once."""
    keys = KEYS
    m = measures.merge(measure_year(measures), on=keys, how="left")
    m["in_year"] = (
        (m["status"] == "ok")
        & m["value"].notna()
        & (m["year_label"].fillna("") == m["year"].fillna(""))
    )
    return m


def measure_distributions(m: pd.DataFrame) -> pd.DataFrame:
    """Per headline figure (in the plans' order; ``m`` from :func:`in_comparison_year`): its
    year, the councils with a figure that year and their quartiles, England's figure, councils
    whose latest figure is another year, and councils with none."""
    if m.empty:
        return pd.DataFrame()
    keys = KEYS
    rows = []
    for key, g in m.groupby(keys, sort=False):
        this = g[g["in_year"]]
        england = this["england"].dropna()
        shown = this if len(this) else g  # the unit and source of the figures shown
        rows.append(
            dict(
                zip(keys, key),
                breakdown=shown["breakdown"].iloc[0],
                unit=shown["unit"].iloc[0],
                year=g["year"].iloc[0],
                **_quartiles(this["value"]),
                england=float(england.mode().iloc[0]) if len(england) else None,
                other_year=int((g["status"].eq("ok") & g["value"].notna() & ~g["in_year"]).sum()),
                none=int((g["status"].ne("ok") | g["value"].isna()).sum()),
                source=shown["source"].iloc[0].removeprefix("DEMO - "),
            )
        )
    return pd.DataFrame(rows)


def measure_by(m: pd.DataFrame, by: str) -> pd.DataFrame:
    """Median and councils of each headline figure per ``by`` group (``region`` or ``la_type``),
    in the figure's comparison year (``m`` from :func:`in_comparison_year`)."""
    if m.empty:
        return pd.DataFrame()
    m = m[m["in_year"]]
    keys = KEYS
    return m.groupby([*keys, by], sort=False)["value"].agg(["median", "count"]).reset_index()


def same_year_values(m: pd.DataFrame, market: str, indicator: str, label: str) -> pd.DataFrame:
    """The councils' figures for one headline measure in its comparison year (for a chart;
    ``m`` from :func:`in_comparison_year`)."""
    sel = m[(m["market"] == market) & (m["indicator"] == indicator) & (m["label"] == label)]
    return sel[sel["in_year"]].reset_index(drop=True)


def outlook_summary(outlook: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Quartiles of each outlook figure (:data:`OUTLOOK`), nationally or per ``by`` group; the
    spend and people rows also carry the median of the councils' own 80% range bounds."""
    if outlook.empty:
        return pd.DataFrame()
    groups = [("England", outlook)] if by is None else list(outlook.groupby(by, sort=True))
    rows = []
    for name, g in groups:
        for col, words in OUTLOOK.items():
            if col not in g:
                continue
            row = dict(group=name, measure=col, words=words, **_quartiles(g[col]))
            stem = col.removesuffix("_change_pct")
            if f"{stem}_lower_pct" in g:
                row["range_lower"] = _median(g[f"{stem}_lower_pct"])
                row["range_upper"] = _median(g[f"{stem}_upper_pct"])
            rows.append(row)
    return pd.DataFrame(rows)


def _median(s: pd.Series) -> float | None:
    s = s.dropna()
    return float(s.median()) if len(s) else None


def not_forecast(plans) -> list[dict]:
    """Councils whose plan could not project spend, with the plan's own reason."""
    return [
        dict(la_code=f.la_code, council=f.council, region=f.region, reason=f.outlook_missing)
        for f in plans.facts
        if f.outlook is None
    ]
