"""The national insights report from hand-made council facts: Table 1's counts and shares,
DHSC's figures beside them, distributions, the forecast's record (equal to the plans' own
accuracy table), data coverage, reading a folder of plans, and the rendered page."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from msp_analysis.errors import UsageError
from msp_analysis.national import collect, coverage, facts, insights, record, standing, table1

pytestmark = pytest.mark.unit

BUILD = "a" * 64


def _risk(risk: str, market: str, state: str, **kw) -> facts.RiskCell:
    from msp_analysis.indicators.markets import MARKETS
    from msp_analysis.indicators.risk import RISKS

    return facts.RiskCell(
        risk=risk,
        risk_label=RISKS[risk],
        market=market,
        market_label=MARKETS[market],
        state=state,
        **kw,
    )


def _council(code: str, name: str, region: str, states: dict, **kw) -> facts.CouncilFacts:
    """A council's facts: ``states`` maps (risk, market) to its state; others 'could not run'."""
    from msp_analysis.indicators.risk import RISKS

    risks = [
        _risk(r, m, states.get((r, m), "could not run"))
        for r in RISKS
        for m in ("care_home_65", "home_care_18")
    ]
    base = dict(
        facts_version=facts.FACTS_VERSION,
        la_code=code,
        council=name,
        region=region,
        la_type="Unitary Authority",
        data=facts.DataBuild(label="TEST", built_at="2026-01-01T00:00:00", manifest_sha256=BUILD),
        risks=risks,
    )
    return facts.CouncilFacts(**{**base, **kw})


# Four councils; limited capacity in 18+ home care: flagged in A and B, not flagged in C,
# could not run in D -> 2 flagged of 3 tested, 1 not tested, 67%. North East (A, C): 1 of 2.
STATES = {
    "E06000001": {
        ("limited_capacity", "home_care_18"): "flagged",
        ("workforce", "care_home_65"): "flagged",
    },
    "E06000002": {
        ("limited_capacity", "home_care_18"): "flagged",
        ("workforce", "care_home_65"): "not flagged",
    },
    "E06000003": {
        ("limited_capacity", "home_care_18"): "not flagged",
        ("workforce", "care_home_65"): "flagged",
    },
    "E06000004": {("workforce", "care_home_65"): "flagged"},
}
REGIONS = {
    "E06000001": "North East",
    "E06000002": "North West",
    "E06000003": "North East",
    "E06000004": "London",
}


@pytest.fixture
def plans() -> collect.Plans:
    fs = [_council(c, f"Council {c[-1]}", REGIONS[c], s) for c, s in STATES.items()]
    return collect.Plans(
        facts=fs, links={f.la_code: {"html": f"{f.la_code}/plan.html", "pdf": None} for f in fs}
    )


def test_table1_counts_and_shares_by_hand(plans):
    t = table1.shares(collect.risks_frame(plans)).set_index(["risk", "market"])
    cap = t.loc[("limited_capacity", "home_care_18")]
    assert (cap.flagged, cap.tested, cap.not_tested, cap.councils) == (2, 3, 1, 4)
    assert cap.share_pct == pytest.approx(200 / 3)
    work = t.loc[("workforce", "care_home_65")]
    assert (work.flagged, work.tested, work.not_tested) == (3, 4, 0) and work.share_pct == 75
    # nothing ran for cost of care: no share (never 0%)
    cost = t.loc[("cost_of_care", "care_home_65")]
    assert (cost.tested, cost.not_tested) == (0, 4) and pd.isna(cost.share_pct)
    # risks in DHSC's order
    assert list(dict.fromkeys(t.index.get_level_values("risk")))[:2] == [
        "limited_capacity",
        "market_exit",
    ]


def test_table1_by_region(plans):
    r = table1.shares(collect.risks_frame(plans), by=["region"]).set_index(
        ["region", "risk", "market"]
    )
    ne = r.loc[("North East", "limited_capacity", "home_care_18")]
    assert (ne.flagged, ne.tested) == (1, 2) and ne.share_pct == 50
    london = r.loc[("London", "limited_capacity", "home_care_18")]
    assert (london.tested, london.not_tested) == (0, 1)


def test_dhsc_table1_is_the_published_one():
    """DHSC's Table 1 (insights report, 2 November 2023), as printed there."""
    t = table1.dhsc_table1().set_index(["risk", "dhsc_market"])["share_pct"]
    assert t[("limited_capacity", "home_care_18")] == 61
    assert t[("workforce", "home_care_18")] == 93
    assert t[("limited_capacity", "nursing_65")] == 67
    assert pd.isna(t[("diversity", "nursing_65")])  # N/A in the report
    assert len(t) == 15


def test_beside_dhsc_uses_the_combined_care_home_market_and_gaps(plans):
    compared = table1.beside_dhsc(table1.shares(collect.risks_frame(plans)))
    home = compared.set_index(["risk", "dhsc_market"])
    cap = home.loc[("limited_capacity", "home_care_18")]
    # DHSC 61% said so; the data flags 2 of 3 tested (3 of 4 councils tested: comparable)
    assert cap.dhsc_share_pct == 61 and cap.gap_points == pytest.approx(61 - 200 / 3)
    res = home.loc[("workforce", "residential_65")]
    assert res.market == "care_home_65" and bool(res.combined)  # no residential market of its own
    assert res.gap_points == pytest.approx(93 - 75)
    # cost of care: tested for no council, so no gap
    assert pd.isna(home.loc[("cost_of_care", "home_care_18")].gap_points)
    d = {x["dhsc_market"]: x for x in table1.differences(compared)}
    assert d["residential_65"]["widest"]["risk_label"] == "Workforce supply"
    assert "cost of care" in d["home_care_18"]["untested"]


def test_a_share_of_few_councils_is_not_set_beside_dhsc():
    """Tested for 1 of 4 councils (those with their own evidence): no gap, said apart."""
    states = {
        c: {("cost_of_care", "home_care_18"): "flagged"} if c == "E06000001" else {} for c in STATES
    }
    p = collect.Plans(facts=[_council(c, c, "London", s) for c, s in states.items()])
    compared = table1.beside_dhsc(table1.shares(collect.risks_frame(p)))
    row = compared.set_index(["risk", "dhsc_market"]).loc[("cost_of_care", "home_care_18")]
    assert row.data_share_pct == 100 and not row.comparable and pd.isna(row.gap_points)
    d = {x["dhsc_market"]: x for x in table1.differences(compared)}["home_care_18"]
    assert d["few"] == [{"risk_label": "cost of care", "tested": 1, "councils": 4}]


def _measure(value, year="2022-23", status="ok"):
    return facts.Measure(
        market="care_home_65",
        indicator="beds",
        breakdown="Total",
        label="Care home beds per 1,000 aged 65+",
        status=status,
        value=value,
        unit="beds per 1,000 aged 65+",
        year_label=year,
        england=40.0,
    )


def test_distributions_use_one_year_and_count_the_others():
    values = {"E06000001": 10.0, "E06000002": 20.0, "E06000003": 30.0, "E06000004": 40.0}
    fs = [_council(c, c, REGIONS[c], {}, measures=[_measure(v)]) for c, v in values.items()]
    fs.append(
        _council("E06000005", "Older", "London", {}, measures=[_measure(99.0, year="2021-22")])
    )
    fs.append(
        _council("E06000006", "None", "London", {}, measures=[_measure(None, status="missing")])
    )
    m = standing.in_comparison_year(collect.measures_frame(collect.Plans(facts=fs)))
    d = standing.measure_distributions(m).iloc[0]
    assert d.year == "2022-23" and d.councils == 4 and d.other_year == 1 and d.none == 1
    # quartiles of 10, 20, 30, 40 (linear): 17.5, 25, 32.5
    got = [d["lowest"], d["lower_quartile"], d["median"], d["upper_quartile"], d["highest"]]
    assert got == [10, 17.5, 25, 32.5, 40]
    assert d.england == 40
    by = standing.measure_by(m, "region").set_index("region")
    assert by.loc["North East", "median"] == 20 and by.loc["North East", "count"] == 2


def _outlook(change, lower, upper, prices=None):
    return facts.Outlook(
        scenario="market_unchanged",
        scenario_title="Market unchanged",
        base_year=2023,
        horizon_year=2028,
        base_spend_gbp=100.0,
        horizon_spend_gbp=100.0 + change,
        spend_change_pct=change,
        spend_lower_pct=lower,
        spend_upper_pct=upper,
        people_change_pct=change / 10,
        driver_share_pct={"prices": prices} if prices is not None else {},
    )


def test_outlook_quartiles_ranges_and_councils_not_forecast():
    fs = [
        _council("E06000001", "A", "North East", {}, outlook=_outlook(10, 5, 15, prices=60)),
        _council("E06000002", "B", "North East", {}, outlook=_outlook(20, 10, 30, prices=80)),
        _council("E06000003", "C", "London", {}, outlook=_outlook(30, 20, 40)),
        _council("E06000004", "D", "London", {}, outlook_missing="the 'salt' table is not loaded"),
    ]
    p = collect.Plans(facts=fs)
    o = collect.outlook_frame(p)
    s = standing.outlook_summary(o).set_index("measure")
    assert s.loc["spend_change_pct", "median"] == 20 and s.loc["spend_change_pct", "councils"] == 3
    assert (s.loc["spend_change_pct", "range_lower"], s.loc["spend_change_pct", "range_upper"]) == (
        10,
        30,
    )
    assert s.loc["share_prices_pct", "councils"] == 2 and s.loc["share_prices_pct", "median"] == 70
    r = standing.outlook_summary(o, "region").set_index(["group", "measure"])
    assert r.loc[("North East", "spend_change_pct"), "median"] == 15
    assert standing.not_forecast(p) == [
        dict(
            la_code="E06000004",
            council="D",
            region="London",
            reason="the 'salt' table is not loaded",
        )
    ]


class _StoredTables:
    def __init__(self, bt):
        self.bt = bt

    def stored(self, key, default=None):
        return self.bt if key == "spend_backtest" else default


class _Draft:
    def __init__(self, code, bt):
        self.la_code = code
        self.tables = _StoredTables(bt)


def _backtest() -> pd.DataFrame:
    """Model and naive forecasts for 5 councils at two origins (hand-made numbers)."""
    rows = []
    rng = np.random.default_rng(3)
    for la in [f"E0600000{i}" for i in range(1, 6)]:
        for origin, horizon in ((2021, 1), (2022, 1)):
            actual = 100.0
            for model in ("model", "naive", "linear_trend"):
                fc = 100 + rng.normal(0, 5)
                rows.append(
                    dict(
                        la_code=la,
                        target="asc_net_current_expenditure",
                        origin=origin,
                        horizon=horizon,
                        model=model,
                        actual=actual,
                        forecast=fc,
                        ape=abs(fc - actual) / actual * 100,
                        lower_80=fc - 4,
                        upper_80=fc + 4,
                        lower_95=fc - 6,
                        upper_95=fc + 6,
                        covered_80=fc - 4 <= actual <= fc + 4,
                        covered_95=fc - 6 <= actual <= fc + 6,
                        history_years=5,
                        method="m",
                    )
                )
    return pd.DataFrame(rows)


def test_record_from_the_plans_rows_equals_the_plans_accuracy_table():
    """Pooled from each plan's stored rows, the record at each origin is the backtest summary
    every plan prints (median error, beats naive, 80% coverage, bias): one source of truth."""
    from msp_analysis.forecast import backtest

    bt = _backtest()
    fs = [
        _council(c, c, REGIONS.get(c, "London"), {}, backtest=facts.backtest_rows(_Draft(c, bt)))
        for c in sorted(bt["la_code"].unique())
    ]
    mine = record.by_origin(collect.backtest_frame(collect.Plans(facts=fs))).set_index(
        ["target", "origin", "horizon"]
    )
    plan = backtest.summary(bt)
    plan = plan[plan["model"] == "model"].set_index(["target", "origin", "horizon"])
    for key in plan.index:
        assert mine.loc[key, "median_ape"] == pytest.approx(plan.loc[key, "median_ape"])
        assert mine.loc[key, "beats_naive_pct"] == pytest.approx(plan.loc[key, "beats_naive_pct"])
        assert mine.loc[key, "coverage_80"] == pytest.approx(plan.loc[key, "coverage_80"])
        assert mine.loc[key, "bias_pct"] == pytest.approx(plan.loc[key, "bias_pct"])
    pooled = record.by_horizon(collect.backtest_frame(collect.Plans(facts=fs))).iloc[0]
    model = bt[bt["model"] == "model"]
    assert pooled.forecasts == 10 and pooled.median_ape == pytest.approx(model["ape"].median())
    assert pooled.origins == ["2021-22", "2022-23"]


def test_non_submitters_and_tests_without_published_figures():
    ok = [
        facts.ReturnCover(
            family="ASC-FR (NHS Digital)", latest_year="2023-24", figures=80, unavailable=2
        )
    ]
    fs = [
        _council("E06000001", "A", "North East", {}, returns=ok),
        _council(
            "E06000002",
            "B",
            "North East",
            {},
            returns=[
                facts.ReturnCover(
                    family="ASC-FR (NHS Digital)", latest_year="2023-24", figures=80, unavailable=80
                )
            ],
        ),
        _council(
            "E06000003",
            "C",
            "London",
            {},
            returns=[
                facts.ReturnCover(family="ASC-FR (NHS Digital)", latest_year="2022-23", figures=80)
            ],
        ),
    ]
    directory = "the CQC care directory (HSCA Active Locations) covering the council"
    for f in fs:
        f.risks[0] = _risk(
            "limited_capacity",
            "care_home_65",
            "could not run",
            public_missing=[
                facts.MissingTest(
                    indicator="care_home_beds_per_1000_65",
                    label="Care home beds per 1,000 people aged 65+",
                    needs=directory,
                    reason="no CQC care directory (HSCA Active Locations) was loaded",
                )
            ],
        )
    fs[0].risks[1] = _risk(
        "limited_capacity",
        "home_care_18",
        "could not run",
        public_missing=[
            facts.MissingTest(
                indicator="care_home_rating_share",
                label="care home rating share (Inadequate)",
                needs="CQC latest ratings covering the council",
                reason=f"the CQC latest ratings data loaded has no figure for {fs[0].council}",
            )
        ],
    )
    p = collect.Plans(facts=fs)
    gaps = coverage.non_submitters(p).set_index("la_code")
    assert list(gaps.index) == ["E06000002", "E06000003"]
    assert "all 80 figures for 2023-24" in gaps.loc["E06000002", "reason"]
    assert "2022-23, not 2023-24" in gaps.loc["E06000003", "reason"]
    # grouped by the file each test needs: every council lacks the directory, one the ratings
    missing = coverage.tests_without_data(collect.risks_frame(p), councils=3).set_index("needs")
    d = missing.loc[directory]
    assert d.councils == 3 and d.every_council and d.names == "" and d.risks == "Limited capacity"
    r = missing.loc["CQC latest ratings covering the council"]
    assert (r.councils, r.every_council, r.names) == (1, False, "A")
    assert r.reasons == "the CQC latest ratings data loaded has no figure for the council"


def test_return_family_from_a_source_name():
    assert facts.return_family("DEMO - ASC-FR (NHS Digital) T43/T44; ONS") == "ASC-FR (NHS Digital)"
    assert facts.return_family("ASCOF 6A (DHSC, from Skills for Care ASC-WDS)") == "ASCOF (DHSC)"
    assert facts.return_family("Skills for Care ASC-WDS / NMDS-SC") == "Skills for Care"


def _write(folder, f: facts.CouncilFacts | None, doc: dict | str | None = None):
    d = folder / (f.la_code if f else doc["la_code"])
    d.mkdir(parents=True, exist_ok=True)
    if f is not None:
        doc = {"la_code": f.la_code, "facts": f.model_dump(mode="json")}
    (d / "summary.json").write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return d


def test_reading_a_folder_keeps_one_data_build_and_says_what_it_left(tmp_path, plans):
    for f in plans.facts[:3]:
        (_write(tmp_path, f) / "plan.html").write_text("<html></html>")
    other = plans.facts[3].model_copy(
        update={
            "data": facts.DataBuild(label="OLD", built_at="2025-01-01", manifest_sha256="b" * 64)
        }
    )
    _write(tmp_path, other)
    _write(tmp_path, None, {"la_code": "E06000005", "spend_change_pct": 1.0})  # an older plan
    (tmp_path / "E06000006").mkdir()
    (tmp_path / "E06000006" / "summary.json").write_text("{not json")
    (tmp_path / "national").mkdir()  # not a council folder
    got = collect.read_reports(tmp_path, manifest_sha256=BUILD)
    assert [f.la_code for f in got.facts] == ["E06000001", "E06000002", "E06000003"]
    assert got.links["E06000001"] == {"html": "E06000001/plan.html", "pdf": None}
    reasons = {r["la_code"]: r["reason"] for r in got.left_out}
    assert "another data build (OLD, 2025-01-01)" in reasons["E06000004"]
    assert "earlier version" in reasons["E06000005"] and "unreadable" in reasons["E06000006"]


def test_reading_a_folder_without_plans_is_a_clear_error(tmp_path):
    with pytest.raises(UsageError, match="no council plans here"):
        collect.read_reports(tmp_path)
    _write(tmp_path, None, {"la_code": "E06000005", "spend_change_pct": 1.0})
    with pytest.raises(UsageError, match=r"none of its 1 plans.*earlier version"):
        collect.read_reports(tmp_path)
    with pytest.raises(UsageError, match="no such folder"):
        collect.read_reports(tmp_path / "nope")


def test_the_page_prints_the_computed_table_and_links_every_plan(plans):
    fs = [
        f.model_copy(
            update={
                "outlook": _outlook(10 + i, 5 + i, 15 + i, prices=50),
                "measures": [_measure(10.0 * (i + 1))],
            }
        )
        for i, f in enumerate(plans.facts)
    ]
    p = collect.Plans(facts=fs, links=plans.links)
    page = insights.render(insights.context(p))
    text = re.sub(r"<[^>]+>", " ", page)
    # Table 1's home care capacity cell: 67% (2 of 3; 1 not tested), and DHSC's 61% beside it
    assert re.search(r"67%\s*\(2 of 3; 1 not tested\)", " ".join(text.split()))
    assert "61%" in text and "93%" in text
    for f in fs:  # each council's plan linked from its row, and from its dots
        assert page.count(f'href="../{f.la_code}/plan.html"') >= 2
    # every chart is an accessible image with its computed alt text; nothing raw reaches a reader
    assert page.count("<svg") == page.count('role="img"') >= 5
    assert "Dot chart, " in page and "Bar chart, " in page
    for bad in (r"\bNone\b", r"\bnan\b", r"\bNaN\b", r"\{'", "Traceback"):
        assert not re.search(bad, text), bad
    # no table of headers alone (a market no plan has a figure for says so in words)
    for table in re.findall(r"<table.*?</table>", page, flags=re.S):
        assert "<td" in table, table[:200]
    assert page.count("<table") == page.count("</table>")


def test_msp_insights_writes_the_page_from_a_folder_of_plans(tmp_path, plans, capsys):
    from msp_analysis import cli

    for f in plans.facts:
        _write(tmp_path, f)
    code = cli.main(["insights", "--reports", str(tmp_path), "--no-pdf"])
    out = capsys.readouterr().out
    assert code == 0 and "National insights:" in out and "4 councils' plans" in out
    page = (tmp_path / "national" / "insights.html").read_text(encoding="utf-8")
    assert "Table 1, computed" in page and "Council 1" in page
    assert sorted(p.name for p in (tmp_path / "national").iterdir()) == ["insights.html"]


def test_links_to_plans_are_relative_to_where_the_report_goes(tmp_path, plans):
    p = collect.Plans(facts=plans.facts, links=plans.links, root=tmp_path / "reports")
    assert insights.plan_links(p, None)["E06000001"] == "../E06000001/plan.html"
    elsewhere = insights.plan_links(p, tmp_path / "shared" / "national")
    assert elsewhere["E06000001"] == "../../reports/E06000001/plan.html"


def _text_pdf(path, text: str):
    """A one-page PDF with ``text`` on it (matplotlib's PDF backend)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(3, 3))
    fig.text(0.1, 0.5, text)
    fig.savefig(path, format="pdf")
    plt.close(fig)
    return str(path)


def test_the_pdf_links_each_plan_by_a_relative_path_and_names_no_folder(tmp_path):
    """Chromium prints links as file:// addresses of this machine; the report's PDF opens each
    plan's PDF by a path relative to itself instead (a plan without a PDF loses its link)."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.annotations import Link

    root, out = tmp_path / "reports", tmp_path / "reports" / "national"
    for code in ("E06000001", "E06000002"):
        (root / code).mkdir(parents=True)
        (root / code / "plan.html").write_text("plan")
    (root / "E06000001" / "plan.pdf").write_bytes(b"%PDF-1.4")
    out.mkdir()
    w = PdfWriter(clone_from=PdfReader(_text_pdf(tmp_path / "text.pdf", "Table 1, computed")))
    for i, code in enumerate(("E06000001", "E06000002", "https://example.org")):
        url = code if code.startswith("http") else (root / code / "plan.html").as_uri()
        w.add_annotation(0, Link(rect=(10, 10 + 30 * i, 50, 30 + 30 * i), url=url))
    pdf = out / "insights.pdf"
    with pdf.open("wb") as fh:
        w.write(fh)
    assert insights.portable_links(pdf, root, out) == 2
    # the rest of the document is copied as it was: its text reads the same
    assert "Table 1, computed" in PdfReader(str(pdf)).pages[0].extract_text()
    actions = [a.get_object().get("/A") for a in PdfReader(str(pdf)).pages[0]["/Annots"]]
    assert actions[0]["/S"] == "/GoToR" and actions[0]["/F"] == "../E06000001/plan.pdf"
    assert actions[1] is None  # no PDF of that plan to open
    assert actions[2]["/URI"] == "https://example.org"  # not a plan: left alone
    assert str(tmp_path).encode() not in pdf.read_bytes()


def _plan_hrefs(page: str) -> set[str]:
    return {h for h in re.findall(r'href="([^"#][^"]*)"', page) if h.endswith("plan.html")}


def test_msp_insights_out_elsewhere_links_every_plan_and_a_copied_folder_keeps_them(
    tmp_path, plans, capsys
):
    """`msp insights --out` another folder: every plan's link resolves from the report's own
    folder, and still does once the whole shared folder is copied elsewhere (a synced drive)."""
    import shutil

    from msp_analysis import cli

    shared = tmp_path / "shared"
    reports, out = shared / "plans" / "2024", shared / "circulated" / "national"
    for f in plans.facts:
        (_write(reports, f) / "plan.html").write_text("<html></html>")
    code = cli.main(["insights", "--reports", str(reports), "--out", str(out), "--no-pdf"])
    assert code == 0, capsys.readouterr()
    page = (out / "insights.html").read_text(encoding="utf-8")
    hrefs = _plan_hrefs(page)
    assert hrefs == {f"../../plans/2024/{f.la_code}/plan.html" for f in plans.facts}
    assert str(tmp_path) not in page  # no folder of this machine in the page
    assert not (reports / "national").exists()  # nothing written where it was not asked

    copy = tmp_path / "copied"
    shutil.copytree(shared, copy)
    shutil.rmtree(shared)
    page = (copy / "circulated" / "national" / "insights.html").read_text(encoding="utf-8")
    for href in _plan_hrefs(page):
        assert (copy / "circulated" / "national" / href).resolve().is_file(), href


def test_a_plan_on_another_drive_is_linked_by_its_address(tmp_path, plans, monkeypatch):
    """No relative path between two Windows drives: the link is the plan's file:// address."""

    def no_relative_path(*_):
        raise ValueError("path is on mount 'D:', start on mount 'C:'")

    monkeypatch.setattr(insights.os.path, "relpath", no_relative_path)
    p = collect.Plans(facts=plans.facts, links=plans.links, root=tmp_path / "reports")
    link = insights.plan_links(p, tmp_path / "elsewhere")["E06000001"]
    assert link == (tmp_path / "reports" / "E06000001" / "plan.html").resolve().as_uri()


def test_the_pdf_links_still_open_each_plan_after_the_folder_is_copied(tmp_path):
    import shutil

    from pypdf import PdfReader, PdfWriter
    from pypdf.annotations import Link

    root = tmp_path / "reports"
    (root / "E06000001").mkdir(parents=True)
    (root / "E06000001" / "plan.pdf").write_bytes(b"%PDF-1.4")
    (root / "national").mkdir()
    w = PdfWriter()
    w.add_blank_page(200, 200)
    w.add_annotation(0, Link(rect=(10, 10, 50, 30), url=(root / "E06000001/plan.html").as_uri()))
    with (root / "national" / "insights.pdf").open("wb") as fh:
        w.write(fh)
    insights.portable_links(root / "national" / "insights.pdf", root, root / "national")
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    shutil.rmtree(root)
    (annot,) = PdfReader(str(copy / "national" / "insights.pdf")).pages[0]["/Annots"]
    target = annot.get_object()["/A"]["/F"]
    assert (copy / "national" / target).resolve().is_file()


def test_a_unit_the_label_already_names_is_not_said_twice():
    """'Concentration of care home beds (HHI) (HHI (0-10,000))' in the national table."""
    from msp_analysis.national.insights import unit_beside

    hhi = "Concentration of care home beds (HHI)"
    assert unit_beside(hhi, "HHI (0-10,000)") == "0-10,000"
    assert unit_beside("Turnover (%)", "%") == ""
    assert unit_beside("People aged 65+ in care homes", "per 100,000 aged 65+") == (
        "per 100,000 aged 65+"
    )
    assert unit_beside("Spend", None) == ""
