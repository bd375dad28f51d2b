"""Plan templates: each branch of the adaptive wording, StrictUndefined, and no numbers typed into templates."""

from __future__ import annotations

import re

import jinja2
import pytest

from msp_analysis import resources
from msp_analysis.errors import ScenarioError
from msp_analysis.narrative import context, render

pytestmark = pytest.mark.unit
TEMPLATES = resources.packaged("templates", "narrative")


def _item(**kw):
    base = dict(
        label="Weekly unit cost of nursing care, 65+",
        indicator="unit_cost_weekly_65",
        breakdown="Nursing",
        status="ok",
        value=630.27,
        unit="£ per week",
        year_label="2021-22",
        england=810.1,
        region=870.4,
        comparator_median=816.4,
        vs_england="below",
        vs_region="below",
        vs_comparators="below",
        rank=132,
        n_ranked=150,
        change_pct=-17.27,
        note="",
        source="ASC-FR (NHS Digital) T52",
    )
    base.update(kw)
    return base


def _s1(items, risks=(), flagged=(), demo=False, missing=()):
    return dict(
        title="Section 1: Assessment of the current sustainability of local care markets",
        council="Testshire",
        la_code="E06000054",
        region="South West",
        demo=demo,
        comparator_count=2,
        comparator_names=["A", "B"],
        comparator_method="nearest neighbours.",
        markets=[
            dict(
                key="care_home_65",
                title="65+ care homes",
                indicators=list(items),
                risks=list(risks),
                flagged=list(flagged),
            )
        ],
        sources=[dict(source="ASC-FR (NHS Digital) T52", years="2020-21, 2021-22")],
        sources_missing=list(missing),
    )


def test_filters_format_only():
    assert (
        render.number(1409.2) == "1,409"
        and render.number(25.64) == "25.6"
        and render.number(15) == "15"
    )
    assert (
        render.money(156_189_000) == "£156.2m"
        and render.money(630.27) == "£630"
        and render.money(21.39) == "£21.39"
    )
    assert (
        render.change(8.28) == "up 8.3% on the year before"
        and render.change(-2.0) == "down 2.0% on the year before"
    )
    assert render.change(0.0) == "unchanged on the year before" and render.change(None).startswith(
        "with no earlier"
    )
    assert (
        render.movement(15.6) == "rises 15.6%"
        and render.movement(-3) == "falls 3.0%"
        and render.movement(0.01) == "is unchanged"
    )
    assert render.number(float("nan")) == "not available"


def test_section1_values_comparisons_and_rank():
    text = render.render("section1.md.j2", _s1([_item()]))
    assert (
        "£630 (£ per week, 2021-22), below England (£810), below South West (£870), below the comparator median (£816)"
        in text
    )
    assert "132 of 150 councils" in text and "down 17.3% on the year before" in text
    assert text.startswith(
        "## Section 1: Assessment of the current sustainability of local care markets"
    )


def test_section1_above_in_line_and_unchanged():
    text = render.render(
        "section1.md.j2", _s1([_item(vs_england="above", vs_region="in line with", change_pct=0.0)])
    )
    assert (
        "above England" in text
        and "in line with South West" in text
        and "unchanged on the year before" in text
    )


def test_section1_missing_and_suppressed_said_plainly():
    text = render.render(
        "section1.md.j2",
        _s1(
            [
                _item(status="missing", value=None, note="no CQC care directory was loaded"),
                _item(
                    label="People in care homes", value=None, status="suppressed or not submitted"
                ),
            ],
            missing=["CQC care directory"],
        ),
    )
    assert "not available from the published data loaded (no CQC care directory was loaded)" in text
    assert "People in care homes**: suppressed or not submitted for 2021-22" in text
    assert (
        "Not loaded, so the indicators that need them are shown as not available: CQC care directory"
        in text
    )


def test_section1_risk_branches_and_demo_label():
    risks = [
        dict(
            label="Cost of care",
            indicator="unit_cost_weekly_65",
            breakdown="Nursing",
            flag=True,
            rule="more than 10% below England",
            value=630.3,
            england=810.1,
            reason="flagged: 630.3 against England 810.1",
        ),
        dict(
            label="Workforce supply",
            indicator="vacancy_rate",
            breakdown="All services",
            flag=None,
            rule="more than 1 points above England",
            value=None,
            england=None,
            reason="no data: no Skills for Care file",
        ),
    ]
    text = render.render(
        "section1.md.j2", _s1([_item()], risks=risks, flagged=["Cost of care"], demo=True)
    )
    assert (
        "**Risks flagged:** Cost of care." in text
        and "Cost of care, nursing (more than 10% below England): **flagged" in text
    )
    assert (
        "Workforce supply (more than 1 points above England): no data: no Skills for Care file"
        in text
    )
    assert "**DEMO data.**" in text
    calm = render.render(
        "section1.md.j2",
        _s1(
            [_item()],
            risks=[
                {**risks[0], "flag": False, "reason": "not flagged: 812.1 against England 747.4"}
            ],
        ),
    )
    assert "No risk is flagged for this market" in calm


def _s2(change=15.6, backtest=True, stale=False, unserved=None):
    scen = dict(
        name="market unchanged",
        description="price path: pay 4% a year",
        spend_change_pct=change,
        base_spend=156_189_000.0,
        horizon_spend=180_556_140.0,
        material=abs(change) > 1,
        sentence="Under 'market unchanged', Testshire's long-term care spend rises 15.6% over 5 years.",
        drivers=[
            dict(name="pay and prices", gbp=20e6, sign="+", amount=20e6, share_pct=80.0),
            dict(name="population change", gbp=5e6, sign="+", amount=5e6, share_pct=20.0),
            dict(
                name="moving placements between settings",
                gbp=-617_999.0,
                sign="-",
                amount=617_999.0,
                share_pct=None,
            ),
        ],
        people_base=5545.0,
        people_horizon=5123.0,
        people_horizon_lower_80=4096.0,
        people_horizon_upper_80=6407.0,
        people_change_pct=-7.6,
        unserved=unserved,
    )
    record = dict(
        target_words="adult social care net current expenditure (revenue outturn)",
        year_label="2023-24",
        origin_label="2022-23",
        median_ape=5.2,
        councils=140,
        naive_median_ape=12.2,
        oracle_median_ape=3.8,
        beats_naive_pct=89.3,
        coverage_80=82.9,
    )
    row = dict(
        target="net current expenditure",
        origin="2022-23",
        year="2023-24",
        horizon=1,
        councils=140,
        median_ape=5.2,
        mape=6.0,
        bias=-2.9,
        beats_naive=89.3,
        beats_linear=None,
        coverage_80=82.9,
    )
    return dict(
        title="Section 2: Assessment of the impact of future market changes",
        council="Testshire",
        demo=False,
        base_year_label="2023-24",
        salt_year_label="2021-22",
        horizon_year_label="2028-29",
        years=5,
        notes=["The projection starts at 2023-24, the latest year with revenue outturn."],
        inputs=[dict(input="SALT activity", year="2021-22", age=2)],
        stale=stale,
        population_source="ONS projections rebased to the 2021 mid-year estimate",
        rate_method="18 to 64: held at the base-year rate",
        scenarios=[scen],
        outlook=[
            dict(
                measure="net current expenditure",
                last_year="2023-24",
                last=176_600_000.0,
                year="2024-25",
                forecast=192_900_000.0,
                lower_80=175_800_000.0,
                upper_80=211_600_000.0,
                change_pct=9.2,
            )
        ],
        record=record if backtest else None,
        backtest_table=[row] if backtest else [],
        assumption_count=4,
        assumption_sources=[
            dict(assumption="price path", source="Low Pay Commission", rating="medium")
        ],
        interval="80%",
        unavailable=None,
    )


def test_section2_pounds_shares_backtest_and_warnings():
    text = render.render("section2.md.j2", _s2())
    assert "The projection starts at 2023-24, the latest year with revenue outturn." in text
    assert "| SALT activity | 2021-22 | 2 |" in text and "Warning" not in text
    assert "Testshire's long-term care spend rises 15.6% over 5 years." in text
    # pounds for every driver; shares only of the rise, never negative or above 100%
    assert (
        "pay and prices +£20.0m (80% of the rise); population change +£5.0m (20% of the rise)"
        in text
    )
    assert "moving placements between settings -£617,999." in text
    assert "80% range 4,096 to 6,407" in text and "the number falls 7.6%" in text
    assert "forecast £192.9m in 2024-25 (80% range £175.8m to £211.6m), so it rises 9.2%" in text
    assert "its median error was 5.2% across 140 councils, against 12.2% for carrying" in text
    assert (
        "| net current expenditure | 2022-23 | 2023-24 | 140 | 5.2% | 6.0% | -2.9% | 89% | - | 83% |"
        in text
    )
    assert "- Price path (medium): Low Pay Commission" in text
    assert "could not be met" not in text
    other = render.render("section2.md.j2", _s2(backtest=False, stale=True, unserved=414.0))
    assert "No backtest could be run" in other and "**Warning:**" in other
    assert "Workforce: 414 people whose need could not be met in 2028-29" in other
    none = render.render(
        "section2.md.j2", {**_s2(), "unavailable": "Testshire did not submit SALT for 2021"}
    )
    assert (
        "could not be projected for Testshire from the data loaded: Testshire did not submit SALT for 2021"
        in none
    )
    assert "Scenario:" not in none


def test_section3_actions_with_evidence(tmp_path):
    facts = dict(
        title="Section 3: Plans for each market to address sustainability issues",
        council="Testshire",
        demo=False,
        markets=[
            dict(
                key="care_home_65",
                title="65+ care homes",
                actions=[
                    dict(
                        id="CH1",
                        title="Pay a sustainable fee",
                        description="Review fees.",
                        owner="Head of Commissioning",
                        due="2026",
                        evidence=[
                            _item(),
                            _item(label="Beds", status="missing", value=None, note="no directory"),
                        ],
                        risks=[
                            dict(label="Cost of care", flag=True),
                            dict(label="Market exit", flag=None),
                        ],
                    )
                ],
            )
        ],
    )
    text = render.render("section3.md.j2", facts)
    assert "#### Pay a sustainable fee" in text and "*Owner:* Head of Commissioning" in text
    assert (
        "- Weekly unit cost of nursing care, 65+: £630 (£ per week, 2021-22), below England (£810)."
        in text
    )
    assert "- Beds: not available (no directory)." in text
    assert "Risks it answers: Cost of care (flagged); Market exit (not assessed)." in text


def test_strict_undefined_fails_loudly():
    with pytest.raises(jinja2.UndefinedError):
        render.render("section1.md.j2", {"title": "x"})


def test_no_numbers_typed_into_templates():
    """Digits may appear only in headings (section numbers, years); every other number comes from the facts."""
    for path in TEMPLATES.glob("*.j2"):
        for n, line in enumerate(path.read_text().splitlines(), start=1):
            if line.lstrip().startswith("#"):
                continue
            outside_tags = re.sub(r"{[{%#].*?[}%#]}", "", line)
            assert not re.search(r"\d", outside_tags), (
                f"{path.name}:{n} types a number: {line.strip()}"
            )
            for expr in re.findall(r"{[{%](.*?)[}%]}", line):
                assert not re.search(r"(?<![\w.])\d", expr) and not re.search(
                    r"[-+*/]\s*\w", expr.replace("not ", "")
                ), f"{path.name}:{n} computes in a template: {expr.strip()}"


def test_actions_file_validated(tmp_path):
    actions = context.load_actions(resources.packaged("templates", "actions.yml"))
    assert {a["market"] for a in actions} >= {"care_home_65", "home_care_18", "specialist", "all"}
    bad = tmp_path / "actions.yml"
    bad.write_text(
        "name: x\nactions:\n  - {id: A, market: care_home_65, title: t, owner: o, colour: red}\n"
    )
    with pytest.raises(ScenarioError, match="unknown key"):
        context.load_actions(bad)
    bad.write_text("name: x\nactions:\n  - {id: A, market: moon, title: t, owner: o}\n")
    with pytest.raises(ScenarioError, match="moon"):
        context.load_actions(bad)
