"""Charts for the national report: every council a dot, grouped by region or council type.

Dots are never sorted by value (the report shows where councils stand, not a league table).
Each chart is returned as inline SVG: every dot links to its council's plan and names it on
hover, and the chart carries its alt text (``role="img"`` with a title), computed from the
values it draws. The house colours are :mod:`msp_analysis.plots`'.
"""

from __future__ import annotations

import html
import io
import re
import textwrap
import zlib
from dataclasses import dataclass

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter

from msp_analysis import plots


@dataclass
class Chart:
    """An inline SVG chart, its alt text and its source (shown under it)."""

    svg: str
    alt: str
    source: str


def _n(v: float, unit: str = "") -> str:
    if v is None or pd.isna(v):
        return "not available"
    if unit.startswith("%"):
        return f"{v:.1f}%"
    return plots._n(v)


def _jitter(code: str) -> float:
    """A fixed offset per council within its row (the same on every build)."""
    return (zlib.crc32(code.encode()) % 1000) / 1000 - 0.5


def _figure(title: str, rows: int, left_in: float, row_in: float = 0.34) -> tuple:
    """A figure and axes with fixed margins in inches (the title above, wrapped to the width;
    labels and a legend below), so no layout pass is needed: one draw per chart."""
    lines = textwrap.wrap(title, 75)
    top_in, bottom_in, width = 0.22 + 0.2 * len(lines), 0.75, 7.2
    height = row_in * rows + top_in + bottom_in
    fig = Figure(figsize=(width, height))  # no pyplot: no backend, nothing to close
    ax = fig.add_axes(
        (
            left_in / width,
            bottom_in / height,
            1 - (left_in + 0.15) / width,
            1 - (top_in + bottom_in) / height,
        )
    )
    fig.text(
        0.1 / width,
        1 - 0.12 / height,
        "\n".join(lines),
        fontsize=10,
        fontweight="bold",
        va="top",
        ha="left",
    )
    return fig, ax


def _to_svg(fig, alt: str, key: str) -> str:
    buf = io.StringIO()
    with mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": "msp-national"}):
        fig.savefig(buf, format="svg")
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]
    # ids unique across the charts of one page
    svg = re.sub(r'id="([^"]+)"', rf'id="{key}-\1"', svg)
    svg = svg.replace("url(#", f"url(#{key}-").replace('xlink:href="#', f'xlink:href="#{key}-')
    svg = svg.replace("<svg ", f'<svg role="img" aria-labelledby="{key}-title" class="chart" ', 1)
    end = svg.index(">") + 1  # the title is the svg element's first child: its accessible name
    return svg[:end] + f'<title id="{key}-title">{html.escape(alt)}</title>' + svg[end:]


def strip(
    frame: pd.DataFrame,
    *,
    group: str,
    title: str,
    unit: str,
    source: str,
    key: str,
    links: dict[str, str | None],
    england: float | None = None,
    lower: str | None = None,
    upper: str | None = None,
    mark: str = "",
) -> Chart | None:
    """Councils' values (``value``) as dots in one row per ``group``, each group's median as a
    bar, England as a dashed line, and (``lower``/``upper``) each council's range as a line."""
    f = frame.dropna(subset=["value"])
    if f.empty:
        return None
    groups = sorted(f[group].unique())
    ypos = {g: i for i, g in enumerate(reversed(groups))}
    labels = [f"{g} ({n})" for g, n in f.groupby(group).size().items()]
    fig, ax = _figure(title, len(groups), left_in=0.25 + 0.068 * max(len(x) for x in labels))
    y = np.array([ypos[g] + 0.55 * _jitter(c) for g, c in zip(f[group], f["la_code"])])
    if lower and upper:
        ok = f[lower].notna() & f[upper].notna()
        ax.hlines(
            y[ok.to_numpy()],
            f.loc[ok, lower],
            f.loc[ok, upper],
            color=plots.COMPARATOR,
            linewidth=0.5,
            alpha=0.35,
        )
    dots = ax.scatter(f["value"], y, s=16, color=plots.COUNCIL, alpha=0.85, zorder=3, linewidths=0)
    dots.set_urls([links.get(c) for c in f["la_code"]])
    medians = f.groupby(group)["value"].median()
    for g, med in medians.items():
        ax.vlines(med, ypos[g] - 0.38, ypos[g] + 0.38, color="#222222", linewidth=2, zorder=4)
    if england is not None and not pd.isna(england):
        ax.axvline(england, color=plots.ENGLAND, linestyle="--", linewidth=1.1, label="England")
    counts = f.groupby(group).size()
    ax.set_yticks([ypos[g] for g in groups], [f"{g} ({counts[g]})" for g in groups])
    ax.set_ylim(-0.6, len(groups) - 0.4)
    ax.set_xlabel(unit, fontsize=9)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.10g}"))
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="x", color="#e5e5e5", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.tick_params(labelsize=8.5)
    handles = [
        Line2D(
            [], [], marker="o", linestyle="", color=plots.COUNCIL, markersize=4, label="a council"
        ),
        Line2D([], [], color="#222222", linewidth=2, label="median"),
    ]
    if lower and upper:
        handles.append(Line2D([], [], color=plots.COMPARATOR, linewidth=1, label="its 80% range"))
    if england is not None and not pd.isna(england):
        handles.append(Line2D([], [], color=plots.ENGLAND, linestyle="--", label="England"))
    fig.legend(handles=handles, frameon=False, fontsize=7.5, loc="lower center", ncol=len(handles))
    if mark:
        fig.text(0.995, 0.995, mark, fontsize=7, color="#9a9a9a", ha="right", va="top")
    med_all = float(f["value"].median())
    alt = (
        f"Dot chart, {title}: one dot per council ({len(f)}), in rows by {group.replace('la_type', 'council type')}; "
        f"councils' median {_n(med_all, unit)}, from {_n(f['value'].min(), unit)} to {_n(f['value'].max(), unit)}"
        + (f"; England {_n(england, unit)}" if england is not None and not pd.isna(england) else "")
        + "; medians: "
        + ", ".join(f"{g} {_n(medians[g], unit)}" for g in groups)
        + "."
    )
    return Chart(svg=_to_svg(fig, alt, key), alt=alt, source=source)


def share_bars(
    table: pd.DataFrame, *, title: str, source: str, key: str, mark: str = ""
) -> Chart | None:
    """Horizontal bars: the share of tested councils whose plan flags each risk (one market),
    with DHSC's 2023 share as a marker where DHSC gave one."""
    t = table.reset_index(drop=True)
    if t["data_share_pct"].isna().all():
        return None
    labels = list(t["risk_label"])
    fig, ax = _figure(
        title, len(labels), left_in=0.25 + 0.068 * max(len(x) for x in labels), row_in=0.3
    )
    yy = np.arange(len(labels))[::-1]
    tested = t["data_share_pct"].notna().to_numpy()
    ax.barh(
        yy[tested],
        t.loc[tested, "data_share_pct"],
        color=plots.COUNCIL,
        height=0.55,
        label="plans that flag it (of those tested)",
    )
    if (~tested).any():
        ax.barh(
            yy[~tested],
            100,
            color="none",
            edgecolor="#bbbbbb",
            hatch="////",
            linewidth=0,
            height=0.55,
            label="not tested from published data",
        )
    d = t["dhsc_share_pct"]
    ax.scatter(
        d,
        yy,
        marker="D",
        color=plots.REGION,
        zorder=3,
        s=28,
        label="councils that said so (DHSC, 2023)",
    )
    ax.set_yticks(yy, labels)
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of councils", fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="x", color="#e5e5e5", linewidth=0.8)
    ax.set_axisbelow(True)
    ax.tick_params(labelsize=8.5)
    fig.legend(frameon=False, fontsize=7.5, loc="lower center", ncol=3)
    if mark:
        fig.text(0.995, 0.995, mark, fontsize=7, color="#9a9a9a", ha="right", va="top")
    alt = (
        f"Bar chart, {title}: "
        + "; ".join(
            (
                f"{r.risk_label} flagged for {r.data_share_pct:.0f}% of councils tested"
                if pd.notna(r.data_share_pct)
                else f"{r.risk_label} not tested from published data"
            )
            + (
                f", against {r.dhsc_share_pct:.0f}% who said so in 2023"
                if pd.notna(r.dhsc_share_pct)
                else ""
            )
            for r in t.itertuples()
        )
        + "."
    )
    return Chart(svg=_to_svg(fig, alt, key), alt=alt, source=source)
