"""Charts drawn correctly by construction: bar extents checked against the data."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.patches import Rectangle

from msp_analysis import plots

pytestmark = pytest.mark.unit


def _bars(fig):
    ax = fig.axes[0]
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    return ax, sorted(bars, key=lambda b: b.get_x())


def test_waterfall_bars_span_running_totals_with_negative_steps():
    # Start 100; +20 (population), -30 (rate), +5 (inflation): running totals 100, 120, 90, 95.
    steps = pd.Series({"population": 20.0, "rate": -30.0, "inflation": 5.0})
    fig = plots.waterfall(
        steps, "t", start_label="2021-22", end_label="2026-27", start=100.0, unit="£m", source="s"
    )
    ax, bars = _bars(fig)
    extents = [(round(b.get_y(), 6), round(b.get_y() + b.get_height(), 6)) for b in bars]
    # worked by hand: start bar 0-100; +20 from 100 to 120; -30 hangs from 120 down to 90;
    # +5 from 90 to 95; end bar 0-95
    assert extents == [(0, 100), (100, 120), (90, 120), (90, 95), (0, 95)]
    assert all(b.get_height() >= 0 for b in bars)  # no negative heights drawn below the bottom
    assert ax.get_ylim()[0] == 0  # value axis from zero: no hidden break
    assert ax.get_ylim()[1] >= 120
    labels = [t.get_text() for t in ax.texts]
    assert "-30.0" in labels and "+20.0" in labels
    plt.close(fig)


def test_waterfall_falling_total_below_start():
    # Start 50; -10, -15: totals 50, 40, 25; end bar 25.
    steps = pd.Series({"rate": -10.0, "shift": -15.0})
    fig = plots.waterfall(
        steps, "t", start_label="a", end_label="b", start=50.0, unit="", source=""
    )
    _, bars = _bars(fig)
    extents = [(round(b.get_y(), 6), round(b.get_y() + b.get_height(), 6)) for b in bars]
    assert extents == [(0, 50), (40, 50), (25, 40), (0, 25)]
    plt.close(fig)


def test_charts_carry_alt_text_with_their_figures():
    steps = pd.Series({"population": 20.0, "rate": -30.0})
    fig = plots.waterfall(
        steps,
        "Drivers",
        start_label="2021-22",
        end_label="2026-27",
        start=100.0,
        unit="£m",
        source="",
    )
    # worked by hand: 100 + 20 - 30 = 90
    assert plots.alt_text(fig) == (
        "Waterfall chart, Drivers (£m): 100 in 2021-22, population +20.0, rate -30.0, to 90.0 in 2026-27."
    )
    plt.close(fig)
    area = pd.DataFrame(
        dict(
            la_code=["E06000054", "E06000024", "E92000001"],
            area_type=["council", "council", "england"],
            value=[1383.0, 1500.0, 1900.0],
        )
    )
    fig = plots.ranked_bar(area, "E06000054", ["E06000024"], "Rates", unit="u", source="s")
    text = plots.alt_text(fig)
    assert text.startswith("Bar chart, Rates: Wiltshire 1,383, 2 of 2 councils shown")
    assert text.endswith("England 1,900.")
    plt.close(fig)


def test_stamp_puts_the_running_mark_on_the_image():
    fig, _ax = plt.subplots()
    plots.stamp(fig, "Wiltshire · DRAFT")
    assert "Wiltshire · DRAFT" in [t.get_text() for t in fig.texts]
    plt.close(fig)


@pytest.mark.unit
def test_no_empty_ratings_chart_when_a_council_has_no_rating_shares():
    # City of London (E09000001) has no ASCOF 6B shares: the plan shows no chart, rather
    # than an empty one with a legend warning above it
    from types import SimpleNamespace

    from msp_analysis.narrative.plan import Draft

    cols = ["la_code", "indicator", "status", "breakdown", "year", "year_label"]
    cols += ["value", "region", "england"]
    none = pd.DataFrame(columns=cols)
    draft = SimpleNamespace(indicators=none, council="City of London", mark="")
    assert Draft.fig_ratings(draft) is None
    rows = [
        ("E09000001", "ascof_6b_rating_share", "ok", b, 2023, "2023-24", v, 20.0, 21.0)
        for b, v in [("Outstanding", 10.0), ("Good", 70.0), ("Requires improvement", 20.0)]
    ]
    draft.indicators = pd.DataFrame(rows, columns=cols)
    fig = Draft.fig_ratings(draft)
    assert fig is not None and len(fig.axes[0].patches) == 9  # 3 areas x 3 ratings


def test_spend_fan_puts_cash_and_constant_prices_on_axes_of_their_own():
    """Two cash scenarios and the constant-price Baseline: the cash axis says cash and draws
    the fan scenario's 80% and 95% ranges; the Baseline sits on its own axis labelled with
    its prices; the alt text gives each scenario's last year and range in £ millions."""
    rows = []
    for name, v in (("market_unchanged", 300e6), ("home_care_growth", 290e6), ("baseline", 250e6)):
        for i, year in enumerate((2023, 2024, 2025)):
            w = 0.1 * i
            rows.append(
                dict(
                    scenario=name,
                    year=year,
                    value=v,
                    lower_80=v * (1 - w),
                    upper_80=v * (1 + w),
                    lower_95=v * (1 - 2 * w),
                    upper_95=v * (1 + 2 * w),
                )
            )
    fig = plots.spend_fan(
        pd.DataFrame(rows),
        "Adult social care spend",
        source="test",
        fan_scenario="market_unchanged",
        constant={"baseline": "constant 2023-24 prices"},
        titles={"baseline": "Baseline", "market_unchanged": "Market unchanged"},
    )
    cash, const = fig.axes
    assert cash.get_ylabel() == "£ million, cash"
    assert const.get_ylabel() == "£ million, constant 2023-24 prices"
    assert len(cash.collections) == 2 and len(const.collections) == 1  # 95%, 80%; 80%
    labels = [t.get_text() for t in cash.get_legend().get_texts()]
    assert "Baseline" not in labels and {"80% range", "95% range", "Market unchanged"} <= set(
        labels
    )
    alt = plots.alt_text(fig)
    assert "Market unchanged £300.0m in 2025-26 (80% range £240m to £360m)" in alt
    assert "Baseline £250.0m in 2025-26 in constant 2023-24 prices" in alt
    plt.close(fig)
