"""Plan templates: each branch of the adaptive wording, StrictUndefined, and no numbers typed into templates."""

from __future__ import annotations

import re

import jinja2
import pandas as pd
import pytest

from msp_analysis import resources
from msp_analysis.errors import SettingsError
from msp_analysis.narrative import context, render
from msp_analysis.narrative import markets as narrative_markets

pytestmark = pytest.mark.unit
TEMPLATES = resources.packaged("templates", "narrative")


def _item(**kw):
    base = dict(
        label="Weekly unit cost of nursing care, 65+",
        digits=None,
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


def _risk(label="Cost of care", state="flagged", **kw):
    base = dict(
        risk="cost_of_care",
        label=label,
        measure="Fee paid against the council's cost of care",
        state=state,
        reason="-6.6% (below 0%)"
        if state != "could not run"
        else "needs the fee (local evidence file)",
        rule="below 0%",
        year_label="2024-25",
        needs="the fee the council pays and its cost of care (local evidence file)",
        why="",
        rating="medium",
        source="the council's fee schedule",
        own=True,
    )
    base.update(kw)
    return base


def _appendix(**facts) -> str:
    """The appendix rendered from empty lists but ``facts`` (a comparator method given)."""
    return render.render(
        "appendix.md.j2",
        dict(
            demo=False,
            version="x",
            sources=[],
            comparator_method="Nearest neighbours: Euclidean distance.",
            evidence_used=False,
            files=[],
            data_notes=[],
            glossary=[],
            rules=[],
            sources_grouped=[],
            files_other=[],
        )
        | facts,
    )


def _s1(
    items,
    risks=(),
    flagged=(),
    demo=False,
    missing=(),
    own=(),
    evidence=None,
    checks=(),
    missing_items=(),
):
    return dict(
        title="Section 1: Assessment of the current sustainability of local care markets",
        council="Testshire",
        la_code="E06000054",
        region="South West",
        demo=demo,
        comparator_count=2,
        comparator_names=["A", "B"],
        comparator_summary="the 2 councils most like Testshire on one measure: the number of adults",
        comparator_method="Nearest neighbours: Euclidean distance on log adult population.",
        markets=[
            dict(
                key="care_home_65",
                title="65+ care homes",
                council_wide=False,
                rows=list(items),
                missing=list(missing_items),
                own=list(own),
                risks=list(risks),
                shown_risks=[r for r in risks if not (r["own"] and r["state"] == "could not run")],
                flagged=list(flagged),
            )
        ],
        risk_labels=["Cost of care", "Workforce supply"],
        risk_table=[
            dict(
                key="care_home_65",
                market="65+ care homes",
                cells=["flagged" if flagged else "could not run", "not flagged"],
            ),
            dict(
                key="home_care_18", market="18+ home care", cells=["could not run", "not flagged"]
            ),
            dict(key="all", market="Council-wide", cells=["no test", "not flagged"]),
        ],
        not_run=[
            dict(
                needs="the CQC care directory (HSCA Active Locations)",
                markets=["18+ home care"] if flagged else ["65+ care homes", "18+ home care"],
                all_markets=not flagged,
            )
        ],
        not_run_own=["the fee the council pays and its cost of care"],
        test_count=4,
        run_count=3 if flagged else 2,
        not_run_count=1 if flagged else 2,
        flagged_count=1 if flagged else 0,
        flagged=list(flagged),
        flagged_where=[dict(label=f, markets=["65+ care homes"]) for f in flagged],
        rules=[],
        checks=list(checks),
        evidence=evidence or dict(used=False, example=False, name="", count=0),
        sources=[dict(source="ASC-FR (NHS Digital) T52", years="2020-21, 2021-22")],
        sources_grouped=[dict(source="ASC-FR (NHS Digital)", parts=["T52 (2020-21, 2021-22)"])],
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
    assert render.number(194.2, "£ million") == "£194.2m"
    assert (
        render.unit_words("£ per week") == "a week" and render.unit_words("£ per hour") == "an hour"
    )
    assert render.unit_words("% of people") == "" and render.unit_words("people") == "people"
    assert render.nobreak("mid-2021 to mid-2026") == "mid\u20112021 to mid\u20112026"


def test_section1_table_row_values_comparisons_and_rank():
    text = render.render("section1.md.j2", _s1([_item()]))
    # the row of the market's table: council, region, England, comparator median, rank
    assert (
        "| Weekly unit cost of nursing care, 65+ | 2021\u201122 | **£630** | £870 | £810 | £816 | 132 of 150 |"
        in text
    )
    assert "Indicator | Year | Testshire | South West | England | Peer median | Rank |" in text
    # numbers and years never break in a cell: the year's hyphen does not break
    assert text.startswith(
        "## Section 1: Assessment of the current sustainability of local care markets"
    )


def test_section1_percent_unit_shown_and_missing_values_dashed():
    text = render.render(
        "section1.md.j2",
        _s1([_item(unit="% of requests", region=None, comparator_median=None, rank=None)]),
    )
    assert "(% of requests)" in text and "| **630.3%** | - | 810.1% | - | - |" in text


def test_section1_missing_and_suppressed_said_plainly():
    text = render.render(
        "section1.md.j2",
        _s1(
            [_item(label="People in care homes", value=None, status="suppressed or not submitted")],
            missing=["CQC care directory"],
            missing_items=[
                _item(status="missing", value=None, note="no CQC care directory was loaded")
            ],
        ),
    )
    assert (
        "#### Not measured from the data loaded\n\n- Weekly unit cost of nursing care, 65+: no CQC care "
        "directory was loaded." in text
    )
    assert "| People in care homes | 2021\u201122 | suppressed or not submitted |" in text
    assert (
        "Not loaded, or not covering Testshire, so the indicators that need them are listed as not measured: CQC care directory"
        in text
    )


def test_section1_risk_table_not_run_flag_lines_and_demo_label():
    risks = [_risk(), _risk(label="Workforce supply", state="could not run", own=True)]
    text = render.render(
        "section1.md.j2", _s1([_item()], risks=risks, flagged=["Cost of care"], demo=True)
    )
    assert "Risks flagged: cost of care. Of the 4 market tests, 3 ran and 1 could not." in text
    assert "Market | Cost of care | Workforce supply | " in text
    assert "| 65+ care homes | **flagged** | not flagged | " in text
    assert "| 18+ home care | not run | not flagged | " in text
    # the council-wide row is its own row; a risk no rule tests there is a dash
    assert "| *Council-wide* | - | not flagged | " in text
    assert (
        "| **Cost of care**: Fee paid against the council's cost of care (2024\u201125); below 0% "
        "| **flagged**: -6.6% (below 0%) |" in text
    )
    # a test on the council's own figures that could not run is said once, not per market
    assert "needs the fee (local evidence file)" not in text
    assert "- The CQC care directory (HSCA Active Locations): 18+ home care." in text
    assert (
        "- The council's own figures, in every market (a local evidence file): the fee the "
        "council pays and its cost of care." in text
    )
    assert "**DEMO data.**" in text
    calm = render.render("section1.md.j2", _s1([_item()]))
    assert "No risk is flagged by the tests that could run." in calm
    assert "- The CQC care directory (HSCA Active Locations): every market." in calm


def test_section1_local_evidence_example_and_absent():
    own = [
        _item(
            label="Fee rate the council pays",
            indicator="local_fee_rate",
            value=780.0,
            unit="£ per week",
            year_label="2024-25",
            source="Fee schedule (example), 1 April 2024",
        )
    ]
    text = render.render(
        "section1.md.j2",
        _s1(
            [_item()],
            own=own,
            evidence=dict(used=True, example=True, name="EXAMPLE local evidence", count=1),
        ),
    )
    assert (
        '| Fee rate the council pays | 2024\u201125 | **£780** <span class="unit">a week</span> | '
        "Fee schedule (example), 1 April 2024 |" in text  # was '£780 £ per week'
    )
    assert "These are example figures, not the council's" in text
    assert "The council's own records, as listed in its local evidence file" in text
    none = render.render("section1.md.j2", _s1([_item()]))
    assert "No local evidence file was given" in none and "council's own figures:" not in none


def test_section1_fees_are_not_unit_costs_and_checks():
    checks = [
        dict(
            label="ASC-FR unit cost of nursing care, 65+",
            year_label="2021-22",
            change_pct=-17.27,
            threshold=15,
        )
    ]
    text = render.render("section1.md.j2", _s1([_item()], checks=checks))
    assert "**Spend per week is not the fee.**" in text
    assert (
        "- ASC-FR unit cost of nursing care, 65+: down 17.3% on the year before in 2021-22 (more "
        "than 15% either way)." in text
    )
    assert "Figures to check" not in render.render("section1.md.j2", _s1([_item()]))


def test_cover_says_example_actions_and_evidence_on_page_one():
    facts = dict(
        council="Testshire",
        la_code="E06000054",
        demo=False,
        version="0.1",
        data_label="published data",
        built_at="2026-11-25",
        headline="Spend rises.",
        flagged=["Cost of care"],
        flagged_where=[dict(label="Cost of care", markets=["65+ care homes"])],
        summary=[
            dict(
                key="care_home_65",
                title="65+ care homes",
                figures=[_item()],
                flagged=[
                    dict(
                        label="Cost of care",
                        measure="ASC-FR unit cost of nursing care, 65+",
                        reason="£630 against England £810 and the region £870",
                    )
                ],
                not_flagged=["Workforce supply"],
                not_run=["Limited capacity"],
                council_wide=False,
            )
        ],
        actions_example=True,
        fill_in=False,
        evidence_example=True,
        evidence_used=True,
        not_run_count=3,
        test_count=35,
    )
    text = render.render("cover.md.j2", facts)
    assert "are EXAMPLE actions, not Testshire's" in text
    assert "EXAMPLE figures" in text and "DRAFT" in text
    assert "Risks flagged by the published data: cost of care (65+ care homes)." in text
    assert "3 of 35 market risk tests could not run" in text
    assert (
        "| **65+ care homes** | Weekly unit cost of nursing care, 65+: **£630** (England £810), "
        "2021\u201122 | **Cost of care flagged**: ASC-FR unit cost of nursing care, 65+, £630 against "
        "England £810 and the region £870.<br>Not flagged: workforce supply.<br>Not run (no "
        "figure): limited capacity. |" in text
    )
    own = render.render(
        "cover.md.j2",
        {**facts, "actions_example": False, "evidence_example": False, "fill_in": True},
    )
    assert "EXAMPLE" not in own and "The plans section is for the council to complete" in own


def test_executive_summary_tells_each_market_its_own_results():
    risks = [
        _risk(),
        _risk(label="Cost of care", state="not flagged", measure="Second measure"),
        _risk(label="Workforce supply", state="not flagged"),
        _risk(label="Market exit", state="could not run"),
    ]
    f1 = _s1([_item(), _item(label="Second"), _item(label="Third")], risks=risks)
    rows = narrative_markets.executive_summary(f1)
    assert [i["label"] for i in rows[0]["figures"]] == [
        "Weekly unit cost of nursing care, 65+",
        "Second",
    ]
    assert [f["label"] for f in rows[0]["flagged"]] == ["Cost of care"]
    # a risk flagged by one test is not also 'not flagged' by another
    assert rows[0]["not_flagged"] == ["Workforce supply"]
    assert rows[0]["not_run"] == ["Market exit"]


def test_sources_deduplicated_with_tables_and_years():
    import pandas as pd

    ind = pd.DataFrame(
        dict(
            source=[
                "ASC-FR (NHS Digital) T52",
                "ASC-FR (NHS Digital) T52",
                "ASC-FR (NHS Digital) T15; ONS",
                "CQC care directory; ONS",
                "Council's own records: fee schedule",
            ],
            year_label=["2020-21", "2021-22", "2021-22", None, "2024-25"],
            status=["ok", "ok", "ok", "missing", "ok"],
        )
    )
    used, missing = narrative_markets.sources_used(ind)
    assert used == [
        dict(source="ASC-FR (NHS Digital) T15", years="2021-22"),
        dict(source="ASC-FR (NHS Digital) T52", years="2020-21, 2021-22"),
        dict(source="ONS", years="2021-22"),
    ]
    assert missing == ["CQC care directory"]  # ONS was used, so it is never 'not loaded'


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
    longer = dict(
        record, year_label="2017-18", origin_label="2014-15", median_ape=7.0, councils=153
    )
    row = dict(
        forecast="2023-24 from 2022-23, 1 year ahead",
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
        accuracy=dict(
            record=record if backtest else None,
            longer=longer if backtest else None,
            measures=[dict(name="Net current expenditure", rows=[row])] if backtest else [],
            interval="80%",
        ),
        assumption_count=4,
        assumptions_shared="population: projection",
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
    # the outturn lines are told apart: the scenarios start from total expenditure
    assert "The scenarios above start from total expenditure." in text
    # one line on the record in Section 2; the table is in the appendix
    assert (
        "One year ahead from the latest outturn (2023-24, forecast from 2022-23, 140 councils),"
        " the forecast of adult social care net current expenditure (revenue outturn) was out by"
        " a median 5.2%, closer than the last value for 89% of councils." in text
    )
    assert "| 2022-23 | 2023-24 |" not in text and "in the appendix" in text
    appendix = _appendix(accuracy=_s2()["accuracy"])
    assert "its median error was 5.2% across 140 councils, against 12.2% for carrying" in appendix
    assert (
        "**Net current expenditure**\n\n| Forecast | Councils |" in appendix
        and "| 2023-24 from 2022-23, 1 year ahead | 140 | 5.2% | 6.0% | -2.9% | 89% | - | 83% |"
        in appendix
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


def test_section2_prints_spend_ranges_the_record_by_horizon_and_the_rates():
    """The money with its range per scenario and year (constant prices labelled), the record
    by years ahead for spend and people with the five-year test in words, and each rate's
    trend as a bullet."""
    facts = dict(
        _s2(),
        constant_prices="constant 2023-24 prices",
        prices_published_to="2026-27",
        spend_table=dict(
            calibrated=True,
            columns=[
                dict(key="market_unchanged", name="Market unchanged", basis="cash"),
                dict(key="baseline", name="Baseline", basis="constant 2023-24 prices"),
            ],
            rows=[
                dict(
                    year="2023-24",
                    cells=[dict(value="£192.6m", range=""), dict(value="£192.6m", range="")],
                ),
                dict(
                    year="2028-29",
                    cells=[
                        dict(value="£276.1m", range="£189m to £404m"),
                        dict(value="£205.3m", range="£166m to £253m"),
                    ],
                ),
            ],
        ),
        record=dict(
            spend=[
                dict(
                    horizon=1,
                    origins="2011-12, 2022-23",
                    forecasts=599,
                    median_ape=4.3,
                    bias_pct=0.2,
                    coverage_80=80.6,
                    reference=4.8,
                ),
                dict(
                    horizon=5,
                    origins="2012-13, 2017-18",
                    forecasts=302,
                    median_ape=10.0,
                    bias_pct=-4.0,
                    coverage_80=79.1,
                    reference=15.2,
                ),
            ],
            people=[
                dict(
                    horizon=3,
                    origins="2021-22",
                    forecasts=302,
                    median_ape=7.1,
                    bias_pct=-3.4,
                    coverage_80=76.5,
                    reference=7.2,
                ),
            ],
            all_measures=[],
            people_sources="from SALT and ASCOF",
            five=dict(
                horizon=5,
                origins="2012-13, 2017-18",
                forecasts=302,
                median_ape=10.0,
                bias_pct=-4.0,
                coverage_80=79.1,
                reference=15.2,
                bias_words="short of",
                bias_size=4.0,
            ),
        ),
        rates=dict(
            notes=["Adults aged 18 to 64: +1.9% a year from 2019-20 to 2024-25."],
            held=["Baseline"],
            held_verb="holds",
            definition="people supported per head",
            ascof_source="ASCOF: people in long-term support.",
        ),
    )
    text = render.render("section2.md.j2", facts)
    assert "| Year | Market unchanged | Baseline (constant 2023-24 prices) |" in text
    assert "| 2028-29 | £276.1m<br>£189m to £404m | £205.3m<br>£166m to £253m |" in text
    assert "| 2023-24 | £192.6m | £192.6m |" in text
    assert "published to 2026-27" in text and "tested on the past (below)" in text
    uncal = render.render(
        "section2.md.j2", {**facts, "spend_table": {**facts["spend_table"], "calibrated": False}}
    )
    assert "could not be tested on the past: they are the model's own spread" in uncal
    assert "| 5 | 2012-13, 2017-18 | 302 | 10.0% | -4.0% | 79% | 15.2% |" in text
    assert "| 3 | 2021-22 | 302 | 7.1% | -3.4% | 76% | 7.2% |" in text
    assert (
        "Five years ahead, the plan's horizon, the forecasts were out by a median 10.0%, short of"
        " the outturn by 4.0% on average, and their 80% ranges held 79% of outturns (302"
        " forecasts from 2012-13, 2017-18)." in text
    )
    assert "- Adults aged 18 to 64: +1.9% a year from 2019-20 to 2024-25." in text
    assert "Baseline holds every rate at its base-year level" in text


def _s3(**kw):
    facts = dict(
        title="Section 3: Plans for each market to address sustainability issues",
        council="Testshire",
        demo=False,
        example=False,
        fill_in=False,
        markets=[
            dict(
                key="care_home_65",
                title="65+ care homes",
                council_wide=False,
                flagged=[
                    dict(
                        label="Cost of care",
                        evidence=[
                            "ASC-FR unit cost of nursing care, 65+: £630 against England £810"
                        ],
                    )
                ],
                not_run=["Workforce supply"],
                not_flagged=["Market exit"],
                actions=[
                    dict(
                        id="CH1",
                        title="Pay a sustainable fee",
                        description="Review fees.",
                        owner="Head of Commissioning",
                        due="2026",
                        funding="MSIF 2025-26",
                        evidence=[
                            _item(),
                            _item(label="Beds", status="missing", value=None, note="no directory"),
                        ],
                        withheld=["Unit cost of nursing care"],
                        risks=[
                            dict(label="Cost of care", state="flagged"),
                            dict(label="Market exit", state="could not run"),
                        ],
                    )
                ],
            )
        ],
    )
    facts.update(kw)
    return facts


def test_section3_actions_with_evidence():
    text = render.render("section3.md.j2", _s3())
    assert "Action | Owner | When | Funding | Evidence | Risks it answers |" in text
    assert (
        "| **Pay a sustainable fee**<br>Review fees. | Head of Commissioning | 2026 | MSIF 2025-26 | "
        "Weekly unit cost of nursing care, 65+: £630 a week (2021\u201122), below England (£810)<br>Beds: not "
        "available<br>Unit cost of nursing care: not cited (listed in the first section as a figure to "
        "check) | Cost of care (flagged)<br>Market exit (not tested) |" in text
    )
    assert "These are Testshire's actions" in text and "EXAMPLE" not in text
    example = render.render("section3.md.j2", _s3(example=True))
    assert "**EXAMPLE ACTIONS: replace with your own.**" in example
    assert "not Testshire's" in example and "These are Testshire's actions" not in example


def test_section3_to_fill_in_lists_flagged_risks_with_empty_cells():
    text = render.render("section3.md.j2", _s3(fill_in=True))
    assert "This section is Testshire's to write." in text
    assert "Risk | Evidence | Action | Owner | By when | Funding |" in text
    assert (
        "| **Cost of care** | ASC-FR unit cost of nursing care, 65+: £630 against England £810 "
        "| | | | |" in text
    )
    assert "| Another risk the council identifies | | | | | |" in text
    assert "Not tested from published data in this market: workforce supply" in text
    assert "### Provider engagement" in text and "### Strategies this plan relies on" in text
    assert "Pay a sustainable fee" not in text and "EXAMPLE" not in text


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
    actions = narrative_markets.load_actions(resources.example_actions())
    assert {a["market"] for a in actions} >= {
        "care_home_65",
        "home_care_18",
        "supported_living",
        "all",
    }
    assert narrative_markets.read_actions(resources.example_actions())["example"] is True
    bad = tmp_path / "actions.yml"
    bad.write_text(
        "name: x\nactions:\n  - {id: A, market: care_home_65, title: t, owner: o, colour: red}\n"
    )
    with pytest.raises(SettingsError, match="unknown key"):
        narrative_markets.load_actions(bad)
    bad.write_text("name: x\nactions:\n  - {id: A, market: moon, title: t, owner: o}\n")
    with pytest.raises(SettingsError, match="moon"):
        narrative_markets.load_actions(bad)


def test_accuracy_summary_comes_from_the_backtest_summary():
    # two origins of net current expenditure, one and three years ahead, and one ASC-FR row
    def row(target, origin, horizon, model, median_ape):
        return dict(
            target=target,
            origin=origin,
            horizon=horizon,
            model=model,
            councils=150,
            median_ape=median_ape,
            mape=median_ape + 1,
            bias_pct=-1.0,
            coverage_80=80.0,
            beats_naive_pct=60.0,
        )

    nce, fr = "asc_net_current_expenditure", "ascfr_gross_current_expenditure"
    frame = pd.DataFrame(
        [
            row(nce, 2014, 3, "model", 7.0),
            row(nce, 2022, 1, "model", 5.2),
            row(nce, 2022, 1, "naive", 12.2),
            row(nce, 2022, 1, "oracle", 3.8),
            row(fr, 2020, 1, "model", 4.7),
        ]
    )
    acc = context.accuracy(frame)
    assert acc["record"]["median_ape"] == 5.2 and acc["record"]["year_label"] == "2023-24"
    assert acc["record"]["naive_median_ape"] == 12.2
    assert acc["longer"]["median_ape"] == 7.0
    assert (acc["longer"]["origin_label"], acc["longer"]["year_label"]) == ("2014-15", "2017-18")
    # one table a measure, net current expenditure first, model rows only, origins in order
    assert [m["name"] for m in acc["measures"]] == [
        "Adult social care net current expenditure (revenue outturn)",
        "Adult social care gross current expenditure (ASC-FR)",
    ]
    assert [r["forecast"] for r in acc["measures"][0]["rows"]] == [
        "2017-18 from 2014-15, 3 years ahead",
        "2023-24 from 2022-23, 1 year ahead",
    ]
    assert context.accuracy(None) == {
        "record": None,
        "longer": None,
        "measures": [],
        "interval": "80%",
    }


def test_a_row_of_figures_shares_its_decimals():
    # Wiltshire's ASCOF 2B row read "19.7 | 17 | 17 | 18.8": whole numbers lost their decimal
    assert narrative_markets._row_digits("", [19.7, 17.0, 17.0, 18.8]) == 1
    assert (
        narrative_markets._row_digits("", [916.0, 1104.0, 1271.0, 983.0]) is None
    )  # counts stay whole
    assert narrative_markets._row_digits("", [201.4, 70.0, float("nan")]) == 0
    assert (
        narrative_markets._row_digits("£ per week", [630.27, 810.1]) is None
    )  # money formats itself
    # DEMO's spend per adult read "£201 | £70.90 | £53.56 | £52.29"
    assert narrative_markets._row_digits("£ per adult", [201.4, 70.9, 53.56, 52.29]) == 2
    assert render.number(201.4, "£ per adult", 2) == "£201.40"
    assert (
        narrative_markets._row_digits("£ thousands", [51_500_000.0, 20.5]) is None
    )  # £51.5m stays
    text = render.render(
        "section1.md.j2",
        _s1(
            [
                _item(
                    label="Admissions of adults 18-64",
                    unit="per 100,000",
                    value=19.7,
                    region=17.0,
                    england=17.0,
                    comparator_median=18.8,
                    digits=1,
                )
            ]
        ),
    )
    assert "| **19.7** | 17.0 | 17.0 | 18.8 |" in text


@pytest.mark.unit
def test_amounts_in_one_sentence_share_one_unit():
    # Wiltshire's baseline drivers (2023-24 to 2028-29): +£12.2m population beside +£127,303
    assert render.money_among([12_210_000.0, 127_303.0, 40_000.0]) == [
        "£12.2m",
        "£0.1m",
        "£0.04m",
    ]
    # below £1m every amount keeps its own unit, as money() says it
    assert render.money_among([617_999.0, 21.39]) == ["£617,999", "£21.39"]
    assert render.money_among([]) == []
    facts = _s2()
    facts["scenarios"][0]["drivers"][2]["amount_text"] = "£0.6m"
    assert "moving placements between settings -£0.6m." in render.render("section2.md.j2", facts)


@pytest.mark.unit
def test_assumption_sources_name_the_scenarios_only_where_they_differ():
    import pandas as pd

    from msp_analysis.narrative import context

    rows = [
        ("baseline", "population", "ONS", "medium"),
        ("market_unchanged", "population", "ONS", "medium"),
        ("baseline", "price_path", "Constant prices", "high"),
        ("market_unchanged", "price_path", "Low Pay Commission", "medium"),
        ("workforce_shock", "population", "ONS", "medium"),
        ("workforce_shock", "price_path", "Low Pay Commission", "medium"),
    ]
    frame = pd.DataFrame(rows, columns=["scenario", "assumption", "source", "rating"])
    got = context._assumption_sources({"assumptions": frame})
    assert [(a["source"], a["scenarios"]) for a in got] == [
        ("ONS", ""),
        ("Constant prices", "Baseline"),
        ("Low Pay Commission", "every scenario but Baseline"),
    ]
    facts = _s2()
    facts["assumption_sources"] = [
        dict(assumption="price path", source="Constant prices", rating="high", scenarios="Baseline")
    ]
    assert "- Price path (high; Baseline): Constant prices" in render.render(
        "section2.md.j2", facts
    )


@pytest.mark.unit
def test_assumptions_said_once_and_each_scenario_only_where_it_differs():
    """Five scenarios printed the same assumptions paragraph five times (Wiltshire's pages
    16-19): the values most scenarios share are said once, each scenario adds its own."""
    rows = [
        ("baseline", "population", "projection"),
        ("baseline", "rate_trend", "none"),
        ("baseline", "price_path", "prices held"),
        ("market_unchanged", "population", "projection"),
        ("market_unchanged", "rate_trend", "trend"),
        ("market_unchanged", "price_path", "pay 4%"),
        ("market_unchanged", "pay_share", "55%"),
        ("workforce_shock", "population", "projection"),
        ("workforce_shock", "rate_trend", "trend"),
        ("workforce_shock", "price_path", "pay 4%"),
        ("workforce_shock", "pay_share", "55%"),
        ("workforce_shock", "workforce", "8% lost"),
    ]
    frame = pd.DataFrame(rows, columns=["scenario", "assumption", "value"])
    shared, own = context._assumption_words({"assumptions": frame})
    words = {k: context_words(k) for k in ("population", "rate_trend", "price_path", "pay_share")}
    assert shared == (
        f"{words['population']}: projection; {words['rate_trend']}: trend; "
        f"{words['price_path']}: pay 4%; {words['pay_share']}: 55%"
    )
    assert own == {
        "baseline": f"{words['rate_trend']}: none; {words['price_path']}: prices held; "
        f"{words['pay_share']}: not used",
        "market_unchanged": "",
        "workforce_shock": f"{context_words('workforce')}: 8% lost",
    }
    # one scenario: all of it shared, nothing of its own
    alone = frame[frame["scenario"] == "baseline"]
    assert context._assumption_words({"assumptions": alone})[1] == {"baseline": ""}
    facts = _s2()
    facts["assumptions_shared"] = shared
    facts["scenarios"] = [dict(facts["scenarios"][0], name=n, description=own[n]) for n in own]
    text = render.render("section2.md.j2", facts)
    assert text.count(f"{words['population']}: projection") == 1  # once, not per scenario
    assert text.count("*What the scenarios assume*") == 1
    assert "*Where its assumptions differ:* " + own["workforce_shock"] + "." in text
    assert "*Assumptions:* those above, with none of its own." in text


def context_words(key: str) -> str:
    from msp_analysis.forecast import scenarios as scenarios_mod

    return scenarios_mod.assumption_words(key)


@pytest.mark.unit
def test_assumption_sources_put_one_bracket_after_a_plain_name():
    import pandas as pd

    from msp_analysis.narrative import context

    rows = [
        ("baseline", "unit_cost_real_growth_pct", "Held at today's prices", "low"),
        ("market_unchanged", "unit_cost_real_growth_pct", "PSSRU/CPEC", "low"),
        ("baseline", "setting_costs", "msp-analysis assumption", "low"),
        ("market_unchanged", "setting_costs", "msp-analysis assumption", "low"),
    ]
    frame = pd.DataFrame(rows, columns=["scenario", "assumption", "source", "rating"])
    facts = _s2()
    facts["assumption_sources"] = context._assumption_sources({"assumptions": frame})
    text = render.render("section2.md.j2", facts)
    # was 'Real growth in unit costs (% a year) (low; Baseline)'
    assert "- Real growth in unit costs (low; Baseline): Held at today's prices" in text
    assert "- Real growth in unit costs (low; Market unchanged): PSSRU/CPEC" in text
    assert ") (" not in text
    # a name keeps its capitals: Jinja's capitalize made it 'shared lives'
    assert (
        "- Weekly costs of Shared Lives and other settings the returns do not cost (low):"
        " msp-analysis" in text
    )
    assert render.upper_first("adult social care spend (ASC-FR)") == (
        "Adult social care spend (ASC-FR)"
    )


@pytest.mark.unit
def test_comparators_in_plain_words_in_section1_and_the_method_in_the_appendix():
    text = render.render("section1.md.j2", _s1([_item()]))
    assert (
        "a group of 2 comparator councils (A, B). They are the 2 councils most like Testshire on "
        "one measure: the number of adults. The appendix sets out the method. In the tables,"
    ) in text
    assert "Euclidean" not in text
    appendix = _appendix(accuracy=_s2(backtest=False)["accuracy"])
    assert "### How comparator councils are chosen\n\nNearest neighbours: Euclidean distance." in (
        appendix
    )


def test_a_register_with_no_period_takes_no_year_from_the_population_it_is_joined_to():
    # Beds per 1,000 people aged 65+ joins the CQC directory (a register as downloaded) to ONS
    # 2022-23 population: the year is ONS's; the directory was listed as '2022-23' before.
    import pandas as pd

    ind = pd.DataFrame(
        dict(
            source=[
                "CQC care directory (HSCA Active Locations); ONS",
                "CQC care directory (HSCA Active Locations)",
            ],
            year_label=["2022-23", None],
            status=["ok", "ok"],
        )
    )
    used, _ = narrative_markets.sources_used(ind)
    assert used == [
        dict(source="CQC care directory (HSCA Active Locations)", years=""),
        dict(source="ONS", years="2022-23"),
    ]


def test_one_rating_figure_per_market_from_the_best_source():
    """Lincolnshire had 'care homes rated good 70.2%' (its one-county CQC extract) beside ASCOF
    6B's 75.8% and a rank of '1 of 1'; Wiltshire had 'rated good: not measured' beside the 6B
    chart. Now the care home table shows one rating figure: CQC's own where it can be set
    against England, else ASCOF 6B, and never the other as 'not measured'."""

    def row(indicator, value, england, status="ok"):
        return dict(
            indicator=indicator,
            breakdown="Good or outstanding",
            status=status,
            value=value,
            england=england,
            region=None,
            comparator_median=None,
            unit="%",
            year=2024,
            year_label="2024-25",
            rank=None,
            n_ranked=None,
            change_pct=None,
            note="",
            source="s",
            market="care_home_65",
        )

    def labels(*rows):
        shown, missing = narrative_markets.market_rows(pd.DataFrame(list(rows)), "care_home_65")
        return [i["indicator"] for i in shown], [i["indicator"] for i in missing]

    ascof = row("ascof_6b_rating_share", 75.8, 81.7)
    extract = row("care_home_rating_share", 70.2, None)
    national = row("care_home_rating_share", 72.0, 78.0)
    absent = row("care_home_rating_share", None, None, status="missing")
    assert labels(ascof, extract) == (["ascof_6b_rating_share"], [])
    assert labels(ascof, national) == (["care_home_rating_share"], [])
    assert labels(ascof, absent) == (["ascof_6b_rating_share"], [])


def test_data_notes_say_which_files_are_not_as_published_or_from_an_earlier_build():
    from msp_analysis.narrative import context

    manifest = {
        "unpublished": [
            {
                "file": "ASCFR_and_SALT_Data_Tables_2021-22.xlsx",
                "published_as": "ASCFR_and_SALT_Data_Tables_2021-22.xlsx",
                "publisher": "NHS Digital, Adult Social Care Activity and Finance Report",
            }
        ],
        "failures": [
            {
                "file": "ascof_2024_25.ods",
                "missing": True,
                "kept_previous_rows": {"ascof": 73556},
                "kept_from_build": "2026-12-07T07:32:07+00:00",
            },
            {"file": "broken.csv", "kept_previous_rows": {}},  # nothing of it is used
        ],
    }
    notes = context.data_notes(manifest)
    assert notes == [
        "ASCFR_and_SALT_Data_Tables_2021-22.xlsx is not the file NHS Digital published as "
        "ASCFR_and_SALT_Data_Tables_2021-22.xlsx: its content differs from the published "
        "release, so a figure in it may have been edited; its figures are used as the file "
        "gives them.",
        "ascof_2024_25.ods is no longer in the data folder; the figures it gave the data build "
        "of 7 December 2026 are used.",
    ]
    assert context.data_notes({"files": []}) == []


@pytest.mark.unit
def test_section2_charts_sit_with_their_text_and_the_sources_come_last():
    """Section 2's three charts printed together after its accuracy tables, just before its
    sources: each now follows the text it illustrates, and the sources end the section."""
    from msp_analysis.narrative import plan

    facts = _s2()
    facts["headline_name"] = "Market unchanged"
    facts["spend_table"] = dict(
        columns=[dict(name="Market unchanged", basis="cash")],
        rows=[dict(year="2023-24", cells=[dict(value="£302.2m", range="")])],
        calibrated=True,
    )
    facts["prices_published_to"] = "2026-27"
    facts["constant_prices"] = "constant 2023-24 prices"
    draft = plan.Draft.__new__(plan.Draft)
    draft.section2 = render.render("section2.md.j2", facts)
    for name in ("fig_people", "fig_drivers", "fig_spend_scenarios"):
        setattr(draft, name, lambda name=name: name)
    parts = draft.section2_parts()
    assert [figs for _, figs in parts] == [
        ["fig_people", "fig_drivers"],
        ["fig_spend_scenarios"],
        [],
        [],
    ]
    assert "The charts below follow one scenario, 'market unchanged'" in parts[0][0]
    assert parts[1][0].lstrip().startswith("### Scenario: market unchanged")
    assert "### Spend by scenario and year" in parts[1][0]
    assert parts[-1][0].startswith("#### Sources for this section")
    assert "<!--" not in "".join(text for text, _ in parts)
    # a template without the markers (a council's own) gets every chart before its sources
    draft.section2 = "## Section 2\n\nText.\n\n#### Sources for this section\n\n- ONS\n"
    parts = draft.section2_parts()
    assert [figs for _, figs in parts] == [
        ["fig_people", "fig_drivers", "fig_spend_scenarios"],
        [],
    ]
