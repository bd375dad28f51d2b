"""Charts in one house style. Each function takes tidy frames and returns a matplotlib Figure.

Every chart names its source and years in a footer line, and DEMO data says so.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from msp_analysis.years import financial_year

_BOUNDS = ("lower_80", "upper_80", "lower_95", "upper_95")
COUNCIL = "#1d4e89"
ENGLAND = "#7f7f7f"
REGION = "#e3a21a"
COMPARATOR = "#8fb3d9"
RATINGS = {
    "Outstanding": "#1a7f37",
    "Good": "#7bc47f",
    "Requires improvement": "#f0b429",
    "Inadequate": "#c0392b",
    "Other": "#e67e22",
    "Not yet rated": "#bdbdbd",
}


def _n(v: float) -> str:
    """A number for alt text: thousands separators, sensible decimals."""
    if v is None or pd.isna(v):
        return "not available"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.1f}"


def describe(fig: plt.Figure, text: str) -> plt.Figure:
    """Attach alt text (what the chart shows, in words) for screen readers and the HTML plan."""
    fig.msp_alt = text  # type: ignore[attr-defined]
    return fig


def alt_text(fig: plt.Figure) -> str | None:
    """The alt text a chart carries, or None."""
    return getattr(fig, "msp_alt", None)


def stamp(fig: plt.Figure, text: str) -> plt.Figure:
    """Print a running mark (council, DRAFT, DEMO) in the top right corner of a chart image."""
    fig.text(0.99, 0.995, text, fontsize=7, color="#9a9a9a", ha="right", va="top")
    return fig


def _style(ax, title: str, ylabel: str = "") -> None:
    ax.set_title(title, loc="left", fontsize=11, fontweight="bold")
    ax.set_ylabel(ylabel, fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#e5e5e5", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.tick_params(labelsize=9)


def _footer(fig, source: str) -> None:
    fig.text(0.01, 0.01, f"Source: {source}", fontsize=7.5, color="#555555", ha="left", va="bottom")


def _years(frame: pd.DataFrame) -> str:
    labels = sorted(frame["year_label"].dropna().unique()) if "year_label" in frame else []
    return f"{labels[0]} to {labels[-1]}" if len(labels) > 1 else (labels[0] if labels else "")


def trend(ind: pd.DataFrame, title: str, *, council_name: str) -> plt.Figure:
    """Council against England, region and comparator median over time (one benchmark breakdown)."""
    from msp_analysis.geography import REGIONS, region_of

    f = ind.dropna(subset=["year"]).sort_values("year")
    region = REGIONS.get(region_of(f["la_code"].iloc[0]) or "", "Region") if len(f) else "Region"
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    x = f["year_label"].astype(str)
    for col, label, color, style in [
        ("value", council_name, COUNCIL, "-o"),
        ("england", "England", ENGLAND, "--s"),
        ("region", region, REGION, ":^"),
        ("comparator_median", "Comparator median", COMPARATOR, "-.d"),
    ]:
        if f[col].notna().any():
            ax.plot(
                x,
                f[col],
                style,
                label=label,
                color=color,
                linewidth=2 if col == "value" else 1.4,
                markersize=5,
            )
    _style(ax, title, f["unit"].iloc[0] if len(f) else "")
    ax.legend(frameon=False, fontsize=8, loc="best")
    _footer(fig, f"{f['source'].iloc[0]}, {_years(f)}" if len(f) else "")
    fig.tight_layout(rect=(0, 0.04, 1, 0.97))
    if len(f):
        first, last = f.iloc[0], f.iloc[-1]
        describe(
            fig,
            f"Line chart, {title}: {council_name} {_n(first['value'])} in {first['year_label']} "
            f"and {_n(last['value'])} in {last['year_label']}; England {_n(last['england'])} "
            f"in {last['year_label']}.",
        )
    return fig


def ranked_bar(
    area: pd.DataFrame, la_code: str, comparators: list[str], title: str, *, unit: str, source: str
) -> plt.Figure:
    """The council among its comparators, highest first, with England as a line."""
    from msp_analysis.geography import council_name

    codes = [la_code, *comparators]
    names = {c: council_name(c) or c for c in codes}
    f = area[area["la_code"].isin(codes)].dropna(subset=["value"]).sort_values("value")
    fig, ax = plt.subplots(figsize=(7.5, 0.22 * len(f) + 1.3))
    colors = [COUNCIL if c == la_code else COMPARATOR for c in f["la_code"]]
    ax.barh([names.get(c, c) for c in f["la_code"]], f["value"], color=colors)
    eng = area.loc[area["area_type"] == "england", "value"]
    if len(eng) and pd.notna(eng.iloc[0]):
        ax.axvline(eng.iloc[0], color=ENGLAND, linestyle="--", linewidth=1.2, label="England")
        ax.legend(frameon=False, fontsize=8, loc="lower right")
    _style(ax, title)
    ax.set_xlabel(unit, fontsize=9)
    ax.grid(axis="x", color="#e5e5e5", linewidth=0.8)
    ax.grid(axis="y", visible=False)
    _footer(fig, source)
    fig.tight_layout(rect=(0, 0.04, 1, 0.97))
    order = f.sort_values("value", ascending=False).reset_index(drop=True)
    mine = order.index[order["la_code"] == la_code]
    eng_text = f"; England {_n(eng.iloc[0])}" if len(eng) and pd.notna(eng.iloc[0]) else ""
    describe(
        fig,
        f"Bar chart, {title}: {names.get(la_code, la_code)} "
        + (
            f"{_n(order.loc[mine[0], 'value'])}, {mine[0] + 1} of {len(order)} councils shown "
            f"counting from the highest"
            if len(mine)
            else "has no value"
        )
        + eng_text
        + ".",
    )
    return fig


def _stacked_bars(
    wide: pd.DataFrame,
    colors: list,
    title: str,
    *,
    xlabel: str,
    source: str,
    height: float,
    ncol: int,
    legend_y: float,
    xlim: tuple | None = None,
) -> plt.Figure:
    """Horizontal stacked bars, one per row of ``wide``, one segment per column."""
    fig, ax = plt.subplots(figsize=(7.5, 0.5 * len(wide) + height))
    left = np.zeros(len(wide))
    for col, color in zip(wide.columns, colors):
        ax.barh(wide.index, wide[col], left=left, color=color, label=col)
        left += wide[col].to_numpy()
    if xlim:
        ax.set_xlim(*xlim)
    ax.invert_yaxis()
    _style(ax, title)
    ax.set_xlabel(xlabel, fontsize=9)
    ax.legend(
        frameon=False, fontsize=7.5, ncol=ncol, loc="upper center", bbox_to_anchor=(0.5, legend_y)
    )
    _footer(fig, source)
    fig.tight_layout(rect=(0, 0.04, 1, 0.97))
    describe(
        fig,
        f"Stacked bar chart, {title}: "
        + "; ".join(
            f"{area}: " + ", ".join(f"{col} {_n(v)}%" for col, v in row.items() if v > 0)
            for area, row in wide.iterrows()
        )
        + ".",
    )
    return fig


def rating_bars(shares: pd.DataFrame, title: str, *, source: str) -> plt.Figure:
    """Stacked bars of rating shares (%), one bar per area (columns: area, breakdown, value)."""
    wide = shares.pivot_table(index="area", columns="breakdown", values="value", sort=False)
    wide = wide.reindex(columns=[r for r in RATINGS if r in wide.columns]).fillna(0)
    return _stacked_bars(
        wide,
        [RATINGS[r] for r in wide.columns],
        title,
        xlabel="% of locations",
        source=source,
        height=1.4,
        ncol=5,
        legend_y=-0.25,
        xlim=(0, 100),
    )


def spend_mix(shares: pd.DataFrame, title: str, *, source: str) -> plt.Figure:
    """Stacked shares of spend by setting for the council, region and England (columns: area, breakdown, value)."""
    wide = shares.pivot_table(index="area", columns="breakdown", values="value", sort=False).fillna(
        0
    )
    palette = plt.get_cmap("tab10")
    return _stacked_bars(
        wide,
        [palette(i % 10) for i in range(len(wide.columns))],
        title,
        xlabel="% of long-term gross current expenditure",
        source=source,
        height=1.8,
        ncol=3,
        legend_y=-0.3,
    )


def fan(forecast: pd.DataFrame, title: str, *, source: str, unit: str = "") -> plt.Figure:
    """Fan chart of one series: central forecast with 80% and 95% ranges (columns year, value,
    lower/upper); ``unit`` labels the axis."""
    f = forecast.sort_values("year")
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    x = f["year"].map(financial_year)
    ax.fill_between(x, f["lower_95"], f["upper_95"], color=COUNCIL, alpha=0.12, label="95% range")
    ax.fill_between(x, f["lower_80"], f["upper_80"], color=COUNCIL, alpha=0.25, label="80% range")
    ax.plot(x, f["value"], "-o", color=COUNCIL, linewidth=2, markersize=4, label="Central forecast")
    _style(ax, title, unit)
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    _footer(fig, source)
    fig.tight_layout(rect=(0, 0.04, 1, 0.97))
    if len(f):
        a, b = f.iloc[0], f.iloc[-1]
        describe(
            fig,
            f"Fan chart, {title}: central forecast {_n(a['value'])} in {x.iloc[0]} and "
            f"{_n(b['value'])} in {x.iloc[-1]}, 80% range {_n(b['lower_80'])} to "
            f"{_n(b['upper_80'])} in {x.iloc[-1]}.",
        )
    return fig


def spend_fan(
    spend: pd.DataFrame,
    title: str,
    *,
    source: str,
    fan_scenario: str,
    constant: dict[str, str] | None = None,
    titles: dict[str, str] | None = None,
) -> plt.Figure:
    """Spend by scenario in £ million with ranges: cash scenarios on one axis (``fan_scenario``
    with its 80% and 95% ranges, the others as lines with their 80% range dotted), and any
    constant-price scenario on an axis of its own, labelled with its prices.

    Args:
        spend: scenario, year, value, lower_80, upper_80, lower_95, upper_95 (£).
        title: the chart's title.
        source: the footer's source line.
        fan_scenario: the cash scenario drawn as a fan.
        constant: scenario -> its price words ('constant 2023-24 prices') for each
            constant-price scenario.
        titles: scenario file names -> titles.
    """
    constant = constant or {}
    name = lambda n: (titles or {}).get(n) or n.replace("_", " ").capitalize()  # noqa: E731
    f = spend.assign(**{c: spend[c] / 1e6 for c in ("value", *_BOUNDS)}).sort_values("year")
    cash = [n for n in dict.fromkeys(f["scenario"]) if n not in constant]
    const = [n for n in dict.fromkeys(f["scenario"]) if n in constant]
    widths = [2.3, 1.0] if const and cash else [1.0]
    fig, axes = plt.subplots(
        1, len(widths), figsize=(7.5, 3.9), gridspec_kw={"width_ratios": widths}, squeeze=False
    )
    palette = plt.get_cmap("tab10")
    ends = []
    ax = axes[0][0]
    if cash:
        others = [n for n in cash if n != fan_scenario]
        for i, n in enumerate([fan_scenario, *others] if fan_scenario in cash else others):
            g = f[f["scenario"] == n]
            x = g["year"].map(financial_year)
            if n == fan_scenario:
                ax.fill_between(
                    x, g["lower_95"], g["upper_95"], color=COUNCIL, alpha=0.10, label="95% range"
                )
                ax.fill_between(
                    x, g["lower_80"], g["upper_80"], color=COUNCIL, alpha=0.22, label="80% range"
                )
                ax.plot(
                    x, g["value"], "-o", color=COUNCIL, linewidth=2, markersize=4, label=name(n)
                )
            else:
                ax.plot(x, g["value"], "-", color=palette(i % 10), linewidth=1.4, label=name(n))
            ends.append(
                f"{name(n)} £{g['value'].iloc[-1]:,.1f}m in {x.iloc[-1]} (80% range"
                f" £{g['lower_80'].iloc[-1]:,.0f}m to £{g['upper_80'].iloc[-1]:,.0f}m)"
            )
        _style(ax, title, "£ million, cash")
        ax.legend(frameon=False, fontsize=7.5, loc="upper left")
        ax.tick_params(axis="x", labelsize=8)
    if const:
        cax = axes[0][-1]
        for n in const:
            g = f[f["scenario"] == n]
            x = g["year"].map(financial_year)
            cax.fill_between(x, g["lower_80"], g["upper_80"], color=ENGLAND, alpha=0.25)
            cax.plot(x, g["value"], "-o", color=ENGLAND, linewidth=1.6, markersize=3)
            ends.append(
                f"{name(n)} £{g['value'].iloc[-1]:,.1f}m in {x.iloc[-1]} in {constant[n]}"
                f" (80% range £{g['lower_80'].iloc[-1]:,.0f}m to £{g['upper_80'].iloc[-1]:,.0f}m)"
            )
        words = " and ".join(dict.fromkeys(constant[n] for n in const))
        _style(cax, " and ".join(name(n) for n in const) if cash else title, f"£ million, {words}")
        cax.title.set_fontsize(9 if cash else 11)
        cax.tick_params(axis="x", labelsize=7, rotation=45)
    _footer(fig, source)
    fig.tight_layout(rect=(0, 0.04, 1, 0.97))
    describe(fig, f"Fan chart, {title}: " + "; ".join(ends) + ".")
    return fig


def scenario_lines(
    totals: pd.DataFrame,
    title: str,
    *,
    unit: str,
    source: str,
    titles: dict[str, str] | None = None,
) -> plt.Figure:
    """One line per scenario (columns scenario, year, value); ``titles`` maps file names to titles."""
    fig, ax = plt.subplots(figsize=(7.5, 3.8))
    palette = plt.get_cmap("tab10")
    ends = []
    for i, (name, g) in enumerate(totals.sort_values("year").groupby("scenario", sort=True)):
        label = (titles or {}).get(name) or name.replace("_", " ").capitalize()
        years = g["year"].map(financial_year)
        ax.plot(years, g["value"], "-o", markersize=3.5, color=palette(i % 10), label=label)
        ends.append(f"{label} {_n(g['value'].iloc[-1])} in {years.iloc[-1]}")
    _style(ax, title, unit)
    ax.legend(frameon=False, fontsize=8, loc="upper left")
    _footer(fig, source)
    fig.tight_layout(rect=(0, 0.04, 1, 0.97))
    describe(fig, f"Line chart, {title} ({unit}): " + "; ".join(ends) + ".")
    return fig


def waterfall(
    steps: pd.Series,
    title: str,
    *,
    start_label: str,
    end_label: str,
    start: float,
    unit: str,
    source: str,
) -> plt.Figure:
    """Waterfall from a start value through driver contributions (a Series label -> change) to the end.

    Each step is a floating bar from the running total before it to the running total after
    it, whichever is lower at the bottom, so a negative step hangs down from the level it
    starts at. The value axis starts at zero (no hidden break); each step is labelled with
    its signed change because small steps are thin beside the totals.
    """
    fig, ax = plt.subplots(figsize=(7.5, 3.8))
    labels = [start_label, *[str(s).replace("_", " ") for s in steps.index], end_label]
    values = steps.to_numpy(dtype=float)
    before = start + np.concatenate([[0.0], np.cumsum(values)[:-1]])
    after = before + values
    end = start + values.sum()
    ax.bar(0, start, color=ENGLAND, label="_start")
    for i, (lo_level, change) in enumerate(zip(before, values), start=1):
        ax.bar(
            i,
            abs(change),
            bottom=min(lo_level, lo_level + change),
            color="#c0392b" if change >= 0 else "#1a7f37",
        )
        ax.annotate(
            f"{change:+,.1f}",
            (i, max(lo_level, lo_level + change)),
            xytext=(0, 2),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=7.5,
        )
    ax.bar(len(labels) - 1, end, color=COUNCIL)
    for i, total in ((0, start), (len(labels) - 1, end)):
        ax.annotate(
            f"{total:,.1f}",
            (i, total),
            xytext=(0, 2),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=7.5,
        )
    ax.set_xticks(range(len(labels)), labels, rotation=20, ha="right")
    top = max(start, end, *after, *before)
    bottom = min(0.0, start, end, *after, *before)
    ax.set_ylim(bottom * 1.05 if bottom < 0 else 0, top * 1.08)
    _style(ax, title, unit)
    _footer(fig, source)
    fig.tight_layout(rect=(0, 0.04, 1, 0.97))
    describe(
        fig,
        f"Waterfall chart, {title} ({unit}): {_n(start)} in {start_label}, "
        + ", ".join(f"{lab} {v:+,.1f}" for lab, v in zip(labels[1:-1], values))
        + f", to {_n(end)} in {end_label}.",
    )
    return fig


def spend_history(
    spend: pd.DataFrame,
    title: str,
    *,
    council_name: str,
    label: str = "outturn",
    other: pd.DataFrame | None = None,
    other_label: str = "",
) -> plt.Figure:
    """A council's and England's annual spend side by side (£ millions), gaps left as gaps.

    ``spend`` holds one series for the council and England (columns area ('council' or
    'england'), year, year_label, value, basis, source), e.g. from
    :func:`msp_analysis.series.expenditure.council_and_england`. Not-submitted years are marked
    with a cross on the axis; years with no figure are left empty and named in the footer.
    ``other`` is a second measure in the same shape (ASC-FR beside outturn), drawn dashed
    with its own label and never joined to the first.
    """
    years = sorted(spend["year"].unique())
    labels = dict(zip(spend["year"], spend["year_label"]))
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    for ax, area, name, color in [
        (axes[0], "council", council_name, COUNCIL),
        (axes[1], "england", "England", ENGLAND),
    ]:
        f = spend[spend["area"] == area].set_index("year").reindex(years)
        ax.plot(years, f["value"] / 1000, "-o", color=color, linewidth=2, markersize=4, label=label)
        ns = f[f["basis"] == "not submitted"]
        if len(ns):
            ax.plot(
                ns.index,
                np.zeros(len(ns)),
                "x",
                color="#c0392b",
                markersize=7,
                label="not submitted",
            )
        if other is not None:
            o = other[other["area"] == area].set_index("year").reindex(years)
            if o["value"].notna().any():
                ax.plot(
                    years,
                    o["value"] / 1000,
                    "--s",
                    color=REGION,
                    linewidth=1.2,
                    markersize=4,
                    label=other_label,
                )
        _style(ax, name, "£ millions")
        step = max(1, -(-len(years) // 5))
        ax.set_xticks(years[::step], [labels[y] for y in years[::step]])
        ax.set_ylim(bottom=0)
        ax.legend(frameon=False, fontsize=7.5, loc="lower right")
    fig.suptitle(title, x=0.01, ha="left", fontsize=11, fontweight="bold")
    mine = spend[spend["area"] == "council"].set_index("year")
    from msp_analysis.sources._parsing import fy_ranges

    missing = [y for y in years if mine["basis"].get(y) == "missing"]
    sources = sorted(set(spend["source"]) - {""})
    if other is not None:
        sources += sorted(set(other["source"]) - {""})
    note = f"; no {label} for {fy_ranges(missing)}" if missing else ""
    _footer(fig, f"{'; '.join(sources)}; {labels[years[0]]} to {labels[years[-1]]}{note}")
    fig.tight_layout(rect=(0, 0.05, 1, 0.95))
    return fig
