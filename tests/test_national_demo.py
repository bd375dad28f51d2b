"""The national insights report on the DEMO data set, every DEMO council: facts drafted from the
data build (no plans rendered), Table 1 checked against the plans' own stored risk cells."""

from __future__ import annotations

import json
import re

import pytest

from msp_analysis import cli, geography

pytestmark = pytest.mark.demo


def _cells(folder) -> dict:
    """(la_code, risk, market) -> state, read straight from each summary.json."""
    out = {}
    for summary in folder.glob("E*/summary.json"):
        doc = json.loads(summary.read_text(encoding="utf-8"))
        for r in doc["facts"]["risks"]:
            out[(doc["la_code"], r["risk"], r["market"])] = r["state"]
    return out


def _by_hand(results, risk: str, market: str) -> str:
    """A cell of a plan's risk table from its risk results, without the package's risk_matrix:
    any test of that risk in that market flagged; else any that judged; else none (a market is
    tested on its own rules: council-wide tests have their own row)."""
    cell = results[(results["risk"] == risk) & (results["market"] == market)]
    states = set(cell["state"])
    if "flagged" in states:
        return "flagged"
    return "not flagged" if "not flagged" in states else "could not run"


def _results(demo_raw, codes) -> dict:
    """la_code -> the plan's risk results, computed as plan.draft does (indicators, the
    council's own evidence where DEMO has it), without the forecast."""
    import pandas as pd

    from msp_analysis import store
    from msp_analysis.indicators import assess, local, risk_results
    from msp_analysis.narrative import plan

    tables = plan.tables_for(store.ensure(demo_raw))
    out = {}
    for code in codes:
        indicators, _ = assess(tables, code)
        own = local.evidence_rows(plan._evidence(None, code, True), code)
        if len(own):
            indicators = pd.concat([indicators, own], ignore_index=True)
        out[code] = risk_results(indicators)
    return out


def test_msp_insights_from_the_demo_data_build_covers_every_demo_council(
    demo_raw, tmp_path, capsys
):
    reports = tmp_path / "reports"
    code = cli.main(
        ["insights", "--raw", str(demo_raw), "--reports", str(reports), "--workers", "2", "-q"]
    )
    out = capsys.readouterr().out
    demo_codes = sorted(geography.councils(status="demo")["la_code"])
    assert code == 0, out
    assert f"Facts of {len(demo_codes)} councils drafted" in out
    assert sorted(p.parent.name for p in reports.glob("E*/summary.json")) == demo_codes
    page = (reports / "national" / "insights.html").read_text(encoding="utf-8")
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "DEMO data" in text and f"Councils' plans read {len(demo_codes)}" in text
    # three cells of Table 1, counted by hand from each council's risk results; the cells each
    # plan stored for the national report agree with them
    cells = _cells(reports)
    results = _results(demo_raw, demo_codes)
    for risk, market, label in (
        ("limited_capacity", "home_care_18", "Limited capacity"),
        ("workforce", "care_home_65", "Workforce supply"),
        ("market_exit", "care_home_65", "Market exit"),
    ):
        states = [_by_hand(results[c], risk, market) for c in demo_codes]
        assert states == [cells[(c, risk, market)] for c in demo_codes], (risk, market)
        flagged = states.count("flagged")
        tested = flagged + states.count("not flagged")
        not_tested = states.count("could not run")
        share = f"{flagged / tested * 100:.0f}%"
        expected = f"{share} ({flagged} of {tested}" + (
            f"; {not_tested} not tested)" if not_tested else ")"
        )
        row = text[text.index("Table 1, computed") :]
        row = row[row.index(label) : row.index(label) + 400]
        assert expected in row, (label, expected, row[:200])
    # every DEMO council in the list of councils, with no plan to link (none was rendered)
    for code in demo_codes:
        assert geography.council_name(code) in text
    assert "/plan.html" not in page
    # a second run reuses the stored facts of the same data build
    assert (
        cli.main(["insights", "--raw", str(demo_raw), "--reports", str(reports), "--no-pdf", "-q"])
        == 0
    )
    assert "Facts of 0 councils drafted" in capsys.readouterr().out
