"""The scenario workbench: settings -> a scenario file that loads and runs; its controls."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest
import yaml

from msp_analysis.forecast import costs, run, workbench
from msp_analysis.forecast import scenarios as S

sys.path.insert(0, str(Path(__file__).parent))
from test_forecast import LA, SHIFT, _evidence, _ledger_tables, _scenario, _tables

pytestmark = pytest.mark.unit


@pytest.fixture
def wb(tmp_path):
    f = _scenario(tmp_path, "start", population="flat", extra=SHIFT.format(share=0.5), fees="")
    return workbench.Workbench(_tables(), LA, f, horizon=3)


def test_defaults_are_the_starting_scenario_and_run_like_it(wb):
    """The shift in SHIFT moves 50% over 2 years; Shared Lives costs the scenario's £500 and
    supported living what the projection costs it from the returns (the scenario states no
    cost; returns' year 2021-22 = the scenario's price year); run with the defaults, people
    and spend equal the scenario run as a file."""
    d = wb.defaults
    assert (d.shift_share, d.phase_in_years) == (0.5, 2.0)
    sl = costs.supported_living_weekly(wb.tables, LA, 2021, wb.base)
    assert sl["basis"] == "default"
    assert d.supported_living_weekly_gbp == pytest.approx(sl["weekly_gbp"], abs=0.01)
    assert d.shared_lives_weekly_gbp == 500.0
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


def test_supported_living_is_stated_in_the_file_only_when_the_analyst_changes_it(wb, tmp_path):
    """Left at its default, the weekly cost stays the returns' and evidence's to set (the
    saved file states none); changed, the file states it and the run uses it."""
    kept = S.load(wb.save(wb.defaults, tmp_path / "kept.yml"))
    assert "Supported living" not in kept.value("setting_costs")["weekly_cost_gbp"]
    assert kept.value("setting_costs")["weekly_cost_gbp"]["Shared Lives"] == 500
    cheaper = dataclasses.replace(
        wb.defaults, supported_living_weekly_gbp=wb.defaults.supported_living_weekly_gbp / 2
    )
    spend = {
        name: wb.run(st).totals.query("measure == 'spend'")["value"].iloc[-1]
        for name, st in (("default", wb.defaults), ("cheaper", cheaper))
    }
    assert spend["cheaper"] < spend["default"]


def test_the_council_evidence_sets_the_workbench_as_it_sets_the_forecast(tmp_path):
    """A count of people in supported living turns ASC-FR's supported-living spend
    (£520k, T43) into the weekly cost: £520,000 / 20 / 52 = £500 a week, the workbench's
    default; its run equals the forecast's run with the same evidence."""
    count = _evidence({"market": "supported_living", "measure": "people_supported", "value": 20})
    f = _scenario(tmp_path, "start", population="flat", extra=SHIFT.format(share=0.5), fees="")
    wb = workbench.Workbench(_ledger_tables(), LA, f, horizon=2, evidence=count)
    assert wb.defaults.supported_living_weekly_gbp == pytest.approx(500, abs=0.01)
    p = wb.run()
    r = run.run(wb.tables, LA, [f], horizon=2, evidence=count)
    spend = r.forecast.query("measure == 'spend' and setting == 'All'")["value"]
    assert p.totals.query("measure == 'spend'")["value"].tolist() == pytest.approx(spend.tolist())
