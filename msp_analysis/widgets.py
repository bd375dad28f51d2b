"""ipywidgets controls for the scenario workbench (notebook 03); the logic is in
:mod:`msp_analysis.forecast.workbench`, the charts in :mod:`msp_analysis.plots`.

Controls need a running kernel; a notebook read on the web shows the text of
:meth:`Controls.__repr__` in their place, so the notebook also shows the default state as a
static chart and table.
"""

from __future__ import annotations

import logging
from pathlib import Path

import ipywidgets as w
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

from msp_analysis import plots
from msp_analysis.errors import SettingsError
from msp_analysis.forecast import run as forecast_run
from msp_analysis.forecast import scenarios as S
from msp_analysis.forecast.workbench import Projection, Settings, Workbench
from msp_analysis.years import financial_year

log = logging.getLogger(__name__)


def figures(
    wb: Workbench, projection: Projection, reference: Projection | None = None
) -> list[plt.Figure]:
    """Spend (the settings' fan, beside the starting scenario's line when given) and people,
    with ranges."""
    name = S.scenario_title(wb.base.name)
    parts = [projection.totals.query("measure == 'spend'").assign(scenario="settings")]
    if reference is not None:
        parts.append(reference.totals.query("measure == 'spend'").assign(scenario="as shipped"))
    spend = pd.concat(parts)
    constant = forecast_run.constant_prices(
        projection.scenario, wb.base_year, wb.base_year + wb.horizon
    )
    fig = plots.spend_fan(
        spend,
        f"Adult social care spend, {wb.council}",
        source="msp-analysis scenario workbench; ranges from the backtest",
        fan_scenario="settings",
        constant={"settings": f"constant {financial_year(wb.base_year)} prices"}
        if constant
        else None,
        titles={
            "settings": "Your settings" if reference is not None else f"{name} (as shipped)",
            "as shipped": f"{name} (as shipped)",
        },
    )
    people = plots.fan(
        projection.totals.query("measure == 'people'"),
        f"People in long-term support, {wb.council}",
        source="SALT (NHS Digital), ASCOF, ONS; msp-analysis scenario workbench",
        unit="people",
    )
    return [fig, people]


class Controls(w.VBox):
    """The workbench's controls, its charts and a button that saves the settings."""

    def __repr__(self) -> str:  # what a notebook read without a kernel shows
        return "Scenario workbench: its controls need a running kernel (open in Jupyter)."


STYLE = {"description_width": "22em"}
WIDTH = "40em"


def _control(kind, value: float, bounds: tuple[float, float, float], description: str, **extra):
    """A slider or number box: value, (min, max, step), its label; sliders run on release."""
    lo, hi, step = bounds
    if kind is w.FloatSlider:
        extra.setdefault("continuous_update", False)
    return kind(
        value=value,
        min=lo,
        max=hi,
        step=step,
        description=description,
        style=STYLE,
        layout=w.Layout(width=WIDTH),
        **extra,
    )


def controls(wb: Workbench, save_dir: str | Path = ".") -> Controls:
    """Sliders and boxes for each setting; any change re-runs the projection and redraws
    spend and people with their ranges; 'Save scenario' writes the settings as YAML to
    ``save_dir``."""
    d = wb.defaults
    prices = financial_year(wb.base.value("setting_costs")["price_year"])
    share = _control(
        w.FloatSlider,
        d.shift_share,
        (0, 1, 0.01),
        "LD 18-64 residential placements moved",
        readout_format=".0%",
    )
    phase = _control(w.FloatSlider, d.phase_in_years, (0, 10, 0.5), "Years to phase in")
    sl = _control(
        w.BoundedFloatText,
        d.supported_living_weekly_gbp,
        (1, 10_000, 10),
        f"Supported living, £ a week ({prices} prices)",
    )
    shl = _control(
        w.BoundedFloatText,
        d.shared_lives_weekly_gbp,
        (1, 10_000, 10),
        f"Shared Lives, £ a week ({prices} prices)",
    )
    own = w.Checkbox(
        value=d.first_year_uplift_pct is not None,
        description=f"Council's own fee uplift for {financial_year(wb.first_year)}",
        style=STYLE,
        layout=w.Layout(width=WIDTH),
    )
    uplift = _control(
        w.FloatSlider, d.first_year_uplift_pct or 0.0, (-5, 25, 0.01), "Fee uplift, %"
    )
    pay = _control(
        w.FloatSlider,
        d.pay_uplift_pct,
        (0, 15, 0.1),
        "Wage floor after the published years, % a year",
    )
    cpi = _control(
        w.FloatSlider, d.cpi_pct, (-2, 15, 0.1), "CPI after the published years, % a year"
    )
    file_name = w.Text(
        value="my_scenario.yml", description="Save as", style=STYLE, layout=w.Layout(width=WIDTH)
    )
    save = w.Button(description="Save scenario", button_style="primary")
    message = w.HTML()
    out = w.Output()
    reference = wb.run()

    def settings() -> Settings:
        return Settings(
            shift_share=share.value,
            phase_in_years=phase.value,
            supported_living_weekly_gbp=sl.value,
            shared_lives_weekly_gbp=shl.value,
            first_year_uplift_pct=uplift.value if own.value else None,
            pay_uplift_pct=pay.value,
            cpi_pct=cpi.value,
        )

    def redraw(_=None) -> None:
        uplift.disabled = not own.value
        try:
            p = wb.run(settings())
        except SettingsError as exc:
            message.value = f"<b>Not run:</b> {exc}"
            return
        out.clear_output(wait=True)
        with out:
            for fig in figures(wb, p, reference):
                display(fig)
                plt.close(fig)
        message.value = f"Re-run in {p.seconds:.2f} s."

    def on_save(_) -> None:
        try:
            path = wb.save(settings(), Path(save_dir) / file_name.value)
        except (SettingsError, OSError) as exc:
            message.value = f"<b>Not saved:</b> {exc}"
            return
        message.value = (
            f"Saved <code>{path.name}</code>: use it with <code>msp forecast --scenario"
            f" {path.name}</code> or <code>msp report --scenario {path.name}</code>."
        )

    for c in (share, phase, sl, shl, own, uplift, pay, cpi):
        c.observe(redraw, names="value")
    save.on_click(on_save)
    ui = Controls(
        [share, phase, sl, shl, own, uplift, pay, cpi, w.HBox([file_name, save]), message, out]
    )
    redraw()
    return ui


def default_state(wb: Workbench) -> tuple[pd.DataFrame, list[plt.Figure], pd.DataFrame]:
    """The workbench's default settings (table), charts and spend and people by year (table,
    £ million and people), for a notebook read without a kernel."""
    p = wb.run()
    t = p.totals.pivot_table(
        index="year", columns="measure", values=["value", "lower_80", "upper_80"]
    )
    by_year = pd.DataFrame(
        {
            "year": [financial_year(y) for y in t.index],
            "spend_m": t[("value", "spend")].to_numpy() / 1e6,
            "spend_lower_80_m": t[("lower_80", "spend")].to_numpy() / 1e6,
            "spend_upper_80_m": t[("upper_80", "spend")].to_numpy() / 1e6,
            "people": t[("value", "people")].to_numpy(),
            "people_lower_80": t[("lower_80", "people")].to_numpy(),
            "people_upper_80": t[("upper_80", "people")].to_numpy(),
        }
    )
    return wb.settings_table(wb.defaults), figures(wb, p), by_year
