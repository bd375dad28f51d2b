"""Package data: shipped scenarios, templates and plan notebook, and the user's folders overriding them."""

from __future__ import annotations

import pytest

from msp_analysis import resources
from msp_analysis.forecast import scenarios
from msp_analysis.narrative import plan, render

pytestmark = pytest.mark.unit


def test_shipped_files_are_inside_the_package():
    package = resources.packaged()
    assert package.name == "resources" and package.parent.name == "msp_analysis"
    names = [p.name for p in resources.scenario_files()]
    # the five scenarios the README lists
    assert names == [
        "baseline.yml",
        "home_care_growth.yml",
        "ld_residential_to_supported_living.yml",
        "market_unchanged.yml",
        "workforce_shock.yml",
    ]
    for p in resources.scenario_files():
        assert p.is_relative_to(package)
    assert {p.name for p in resources.packaged("templates", "narrative").glob("*.j2")} == {
        "appendix.md.j2",
        "cover.md.j2",
        "section1.md.j2",
        "section2.md.j2",
        "section3.md.j2",
    }
    assert resources.example_actions() == package / "templates" / "actions.yml"
    assert resources.plan_notebook().read_text().count('tags=["parameters"]') == 1


def test_missing_packaged_file_names_it():
    with pytest.raises(FileNotFoundError, match=r"templates/nope\.yml"):
        resources.packaged("templates", "nope.yml")


def test_scenarios_dir_follows_the_environment(tmp_path, monkeypatch):
    (tmp_path / "mine.yml").write_text("name: mine\n")
    monkeypatch.setenv(resources.SCENARIOS_ENV, str(tmp_path))
    assert resources.scenario_files() == [tmp_path / "mine.yml"]
    assert scenarios.default_dir() == tmp_path


def test_user_template_replaces_only_its_namesake(tmp_path, monkeypatch):
    (tmp_path / "narrative").mkdir()
    (tmp_path / "narrative" / "cover.md.j2").write_text("Our own cover for {{ council }}\n")
    monkeypatch.setenv(resources.TEMPLATES_ENV, str(tmp_path))
    env = render.environment()
    assert (
        env.get_template("cover.md.j2").render(council="Anytown") == "Our own cover for Anytown\n"
    )
    # a template the user did not supply still comes from the package
    shipped = resources.packaged("templates", "narrative", "section3.md.j2").read_text()
    assert env.loader.get_source(env, "section3.md.j2")[0] == shipped


def test_council_actions_file_else_tables_to_fill_in(tmp_path, monkeypatch):
    """A real council's plan prints the council's own actions file from $MSP_TEMPLATES_DIR;
    with none, no example: each market gets a table to fill in. The example is for DEMO plans
    and for --actions example."""
    monkeypatch.setenv(resources.TEMPLATES_ENV, str(tmp_path))
    assert resources.actions_file() is None
    assert plan._actions(None, demo=False) is None
    assert plan._actions(None, demo=True)["example"] is True
    assert plan._actions(plan.EXAMPLE_ACTIONS, demo=False)["example"] is True
    (tmp_path / "actions.yml").write_text("name: ours\nactions: []\n")
    assert resources.actions_file() == tmp_path / "actions.yml"
    assert plan._actions(None, demo=False) == {"name": "ours", "example": False, "actions": []}


def test_default_evidence_is_the_councils_own_public_figures_or_none(tmp_path):
    from msp_analysis.indicators.local import evidence_for

    wilts = resources.public_evidence("E06000054")
    assert wilts is not None and wilts.is_relative_to(resources.packaged())
    assert resources.public_evidence("E06000055") is None
    ev = evidence_for("E06000054")
    assert ev.la_code == "E06000054" and not ev.example
    people = [f for f in ev.figures if f.measure == "people_supported"]
    # Wiltshire's whole-life MSP: 519 adults with a learning disability and 150 with mental
    # health needs in supported living, December 2023
    assert [f.value for f in people] == [669] and people[0].market == "supported_living"
    uplifts = {f.market: f.value for f in ev.figures if f.measure == "fee_uplift_pct"}
    assert uplifts == {"care_home_65": 5.87, "home_care_18": 8.23}  # CQC's assessment
    assert evidence_for("E06000055") is None
    # the DEMO example only for its own council; a file given always wins
    assert evidence_for("E10900001", demo=True).example
    assert evidence_for("E06900002", demo=True) is None
    own = tmp_path / "own.yml"
    own.write_text(
        "name: own\nla_code: E06000054\nfigures:\n  - {market: supported_living, measure:"
        " people_supported, value: 600, period: March 2024, source: own records,"
        " date: 2024-03-31}\n"
    )
    assert evidence_for("E06000054", own).name == "own"
