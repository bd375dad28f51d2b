"""The scenario workbench: settings -> a scenario file that loads and runs; its controls."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest
import yaml

from msp_analysis.forecast import run, workbench
from msp_analysis.forecast import scenarios as S

sys.path.insert(0, str(Path(__file__).parent))
from test_forecast import LA, SHIFT, _scenario, _tables

pytestmark = pytest.mark.unit


@pytest.fixture
def wb(tmp_path):
    f = _scenario(tmp_path, "start", population="flat", extra=SHIFT.format(share=0.5), fees="")
    return workbench.Workbench(_tables(), LA, f, horizon=3)


def test_defaults_are_the_starting_scenario_and_run_like_it(wb):
    """The shift in SHIFT moves 50% over 2 years; weekly costs are the defaults (£1,400,
    £500); run with the defaults, people and spend equal the scenario run as a file."""
    d = wb.defaults
    assert (d.shift_share, d.phase_in_years) == (0.5, 2.0)
    assert (d.supported_living_weekly_gbp, d.shared_lives_weekly_gbp) == (1400.0, 500.0)
    assert d.first_year_uplift_pct is None
    p = wb.run()
    frame, info = run.project_council(wb.tables, LA, wb.base, 3)
    direct = run.totals(frame, info, "start", LA)
    assert p.totals["value"].tolist() == pytest.approx(direct["value"].tolist())


def test_settings_change_the_projection_as_they_say(wb):
    """No shift moves nobody (people equal; the shift's Shared Lives people are gone); a
    first-year fee uplift of 10% replaces that year's published path (pay 6.6%, CPI 3.1% in
    2022-23, pay share 60%: 5.2%), so spend that year is x 1.10 / 1.052."""
    base = wb.run().totals.set_index(["measure", "year"])["value"]
    no_shift = wb.run(dataclasses.replace(wb.defaults, shift_share=0.0))
    assert no_shift.totals.query("measure == 'people'")["value"].tolist() == pytest.approx(
        base["people"].tolist()
    )
    assert "shifts" not in no_shift.scenario.values or not no_shift.scenario.value("shifts")
    up = wb.run(dataclasses.replace(wb.defaults, first_year_uplift_pct=10.0))
    first = wb.first_year
    spend_up = up.totals.set_index(["measure", "year"]).loc[("spend", first), "value"]
    assert first == 2022
    assert spend_up == pytest.approx(
        base[("spend", first)] * 1.10 / (1 + (0.6 * 6.6 + 0.4 * 3.1) / 100)
    )


def test_save_writes_a_scenario_the_commands_read(wb, tmp_path):
    st = dataclasses.replace(wb.defaults, shift_share=0.74, supported_living_weekly_gbp=770)
    path = wb.save(st, tmp_path / "out" / "my settings")
    assert path.name == "my settings.yml"
    sc = S.load(path)
    assert sc.name == "my settings"
    assert sc.value("setting_costs")["weekly_cost_gbp"]["Supported living"] == 770
    assert sc.value("shifts")[0]["share_of_new_placements"] == 0.74
    doc = yaml.safe_load(path.read_text())
    assert "workbench" in doc["assumptions"]["setting_costs"]["source"]
    # the file runs in a forecast as any scenario does
    res = run.run(wb.tables, LA, [path], horizon=3)
    assert list(res.runs["scenario"]) == ["my settings"]


def test_a_bad_setting_is_refused_before_it_is_written(wb, tmp_path):
    bad = dataclasses.replace(wb.defaults, shift_share=1.5)
    with pytest.raises(S.ScenarioError if hasattr(S, "ScenarioError") else Exception):
        wb.save(bad, tmp_path / "bad.yml")
    assert not (tmp_path / "bad.yml").exists()


def test_controls_redraw_on_a_change_and_read_well_without_a_kernel(wb, tmp_path):
    from msp_analysis import widgets

    ui = widgets.controls(wb, save_dir=tmp_path)
    assert "need a running kernel" in repr(ui)
    share = ui.children[0]
    message = ui.children[-2]
    share.value = 0.0
    assert message.value.startswith("Re-run in")
    name_box, save = ui.children[-3].children
    name_box.value = "from widget.yml"
    save.click()
    assert (tmp_path / "from widget.yml").exists() and "Saved" in message.value
