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
    # three cells of Table 1, counted by hand from the stored risk cells
    cells = _cells(reports)
    for risk, market, label in (
        ("limited_capacity", "home_care_18", "Limited capacity"),
        ("workforce", "care_home_65", "Workforce supply"),
        ("market_exit", "care_home_65", "Market exit"),
    ):
        states = [cells[(c, risk, market)] for c in demo_codes]
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
