"""The plan draft end to end on the DEMO data: notebook -> HTML -> PDF, one council and a batch."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest

from msp_analysis import cache, report

pytestmark = pytest.mark.demo
SECTIONS = [
    "Section 1: Assessment of the current sustainability of local care markets",
    "Section 2: Assessment of the impact of future market changes",
    "Section 3: Plans for each market to address sustainability issues",
]


def _pdf_text(path) -> str:
    from pypdf import PdfReader

    return " ".join(
        " ".join((page.extract_text() or "").split()) for page in PdfReader(str(path)).pages
    )


def test_one_council_html_and_pdf(demo_raw, tmp_path):
    steps: list[str] = []
    s = report.build("E10900001", raw_dir=demo_raw, out_dir=tmp_path, progress=steps.append)
    out = tmp_path / "E10900001"
    # each step said as it starts, the notebook's own among them, in order
    said = [x for i, x in enumerate(steps) if x not in steps[:i]]
    assert said[:5] == ["data", "indicators", "forecast", "sections", "html"], steps
    assert said[-1] == "docx" and not (out / ".steps").exists()
    _check_docx(out / "plan.docx")
    if os.name == "posix":  # the folder and files as the umask allows (0755/0644 under 022)
        mask = report.plan.umask()
        assert (out.stat().st_mode & 0o777) == 0o777 & ~mask
        assert all((p.stat().st_mode & 0o777) == 0o666 & ~mask for p in out.iterdir())
    page = (out / "plan.html").read_text()
    assert len(page) > 100_000 and page.count("<img") >= 5  # charts are in it
    for title in SECTIONS:
        assert title in page
    assert "DEMO" in page and "Demoshire" in page
    assert "plan.draft(" not in page and "from msp_analysis" not in page  # code hidden
    # every chart carries its own alt text (not nbconvert's placeholder), and no warning shows
    assert "No description has been provided" not in page and 'alt="Bar chart, ' in page
    assert "Warning" not in page and "Traceback" not in page
    # a DEMO plan uses the example evidence and the example actions, and says both on page 1
    assert "are EXAMPLE actions, not Demoshire" in page and "EXAMPLE figures" in page
    summary = json.loads((out / "summary.json").read_text())
    assert (
        summary["la_code"] == "E10900001"
        and summary["spend_change_pct"] is not None
        and summary["demo"] is True
    )
    if report.pdf_engine() is None and not os.environ.get("CI"):
        pytest.skip("no PDF engine here (make setup installs chromium where it can)")
    assert s["pdf"] == "plan.pdf" and (out / "plan.pdf").stat().st_size > 50_000
    text = _pdf_text(out / "plan.pdf")
    for title in SECTIONS:
        assert title in text
    assert "Market Sustainability Plan: Demoshire" in text
    # running header and page numbers on every page
    from pypdf import PdfReader

    pages = PdfReader(str(out / "plan.pdf")).pages
    for n, pg in enumerate(pages, start=1):
        words = " ".join((pg.extract_text() or "").split())
        assert "Demoshire · DRAFT · DEMO" in words and f"Page {n} of {len(pages)}" in words, n


def _check_docx(path) -> None:
    """plan.docx opens in python-docx with the sections as Word headings, real tables (Section
    3's actions among them) and every chart as a picture with its alt text."""
    import docx

    doc = docx.Document(str(path))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    for title in SECTIONS:
        assert title in headings, headings
    assert len(doc.tables) >= 5
    assert any(
        [c.text for c in t.rows[0].cells]
        == ["Action", "Owner", "When", "Funding", "Evidence", "Risks it answers"]
        for t in doc.tables
    )
    assert len(doc.inline_shapes) >= 5
    for shape in doc.inline_shapes:
        assert shape._inline.docPr.get("descr", "").count(",") >= 1  # 'Bar chart, ...'
    header = doc.sections[0].header.paragraphs[0].text
    assert header.startswith("Demoshire · DRAFT · DEMO")


def _processes_mentioning(text: str) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmdline:
            found.append(f"{proc.name}: {cmdline[:120]}")
    return found


def test_batch_continues_past_a_failure_and_indexes(demo_raw, tmp_path, monkeypatch):
    """Two workers, each with one Chromium printing its plans; none left when the batch ends."""
    # the batch's own folder, where its workers' Chromium profiles go: a browser of this batch
    # names it on its command line (other browsers on the machine are none of this test's)
    made: list[str] = []
    real_mkdtemp = tempfile.mkdtemp

    def mkdtemp(*args, **kwargs):
        made.append(real_mkdtemp(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(tempfile, "mkdtemp", mkdtemp)
    out = tmp_path / "out"
    result = report.build_all(
        raw_dir=demo_raw,
        out_dir=out,
        councils=["E10900001", "E06900002", "E99999999"],
        workers=2,
        progress=False,
        pdf=True,
    )
    batch = [d for d in made if Path(d).name.startswith("msp-batch-")]
    assert len(batch) == 1
    assert _processes_mentioning(batch[0]) == []  # no browser outlives the batch
    assert result["built"] == 2 and [f["la_code"] for f in result["failed"]] == ["E99999999"]
    if report.pdf_engine() is not None:
        assert all(
            (out / c / "plan.pdf").stat().st_size > 50_000 for c in ("E10900001", "E06900002")
        )
        assert "Market Sustainability Plan: Demoshire" in _pdf_text(out / "E10900001" / "plan.pdf")
    tmp_path = out
    index = (tmp_path / "index.html").read_text()
    assert "Demoshire" in index and "E10900001/plan.html" in index and "failed" in index
    assert "E10900001/plan.docx" in index  # each plan's Word draft is linked too
    # Port Demo did not submit ASC-FR: its plan is built, and its projection says that it
    # costs people at its region's unit costs instead of the council's own
    port = " ".join((tmp_path / "E06900002" / "plan.html").read_text().split())
    assert "E06900002/plan.html" in index
    assert "made no ASC-FR return" in port and "costs per person are its region" in port
    # the national report of the batch, from the facts each plan stored; linked from the index
    assert result["national"]["councils"] == 2 and "national/insights.html" in index
    facts = json.loads((out / "E10900001" / "summary.json").read_text())["facts"]
    assert facts["la_code"] == "E10900001" and len(facts["risks"]) >= 35
    national = (out / "national" / "insights.html").read_text()
    assert (
        'href="../E10900001/plan.html"' in national and 'href="../E06900002/plan.html"' in national
    )
    assert "the plan failed to build" in national  # the council that failed is listed
    if report.pdf_engine() is not None:
        assert "Table 1, computed" in _pdf_text(out / "national" / "insights.pdf")
        # its links open each plan's PDF by a relative path: no folder of this machine in it
        assert str(out).encode() not in (out / "national" / "insights.pdf").read_bytes()


def test_a_failed_plan_leaves_no_folder_and_keeps_the_previous_one(demo_raw, tmp_path):
    """The notebook fails (a scenario the kernel cannot load): nothing new, nothing lost."""
    previous = tmp_path / "E10900001"
    previous.mkdir()
    (previous / "plan.html").write_text("the previous plan")
    bad = tmp_path / "bad.yml"
    bad.write_text("name: [unclosed\n")
    with pytest.raises(Exception, match="not valid YAML"):
        report.build(
            "E10900001", raw_dir=demo_raw, out_dir=tmp_path, scenarios=[str(bad)], pdf=False
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["E10900001", "bad.yml"]
    assert (previous / "plan.html").read_text() == "the previous plan"


def test_a_council_value_is_checked_before_it_names_a_path(demo_raw, tmp_path):
    from msp_analysis.errors import UsageError

    out = tmp_path / "deep" / "out"
    with pytest.raises(UsageError, match="not a council"):
        report.build("../../escaped", raw_dir=demo_raw, out_dir=out)
    assert not out.exists() and not (tmp_path / "escaped").exists()


def test_backtest_is_computed_once_per_data_build(demo_raw, monkeypatch):
    """Plans reuse the stored backtest summary; a change to the code gives it a new key."""
    from msp_analysis.forecast import backtest

    first = report.shared_backtest(demo_raw)
    assert first.exists() and first.parent.parent.name == "derived"
    assert first.parent.name == cache.code_key()

    def recompute(*args, **kwargs):
        raise AssertionError("the backtest was recomputed for the same data and code")

    monkeypatch.setattr(backtest, "backtest", recompute)
    assert report.shared_backtest(demo_raw) == first
    monkeypatch.setattr(cache, "code_key", lambda scope="package": "another-code")
    with pytest.raises(AssertionError, match="recomputed"):
        report.shared_backtest(demo_raw)


@pytest.mark.skipif(report.pdf_engine() is None, reason="needs Chromium")
def test_the_browser_opens_a_fresh_page_every_few_plans(tmp_path, monkeypatch):
    """A page's renderer keeps memory from each document: after PAGE_PLANS prints the next
    one goes to a new page; every PDF is still printed, with its own text."""
    from msp_analysis import browser

    monkeypatch.setattr(browser, "PAGE_PLANS", 2)
    b = browser.Browser(report.pdf_engine())
    pages = []
    try:
        for i in range(3):
            page = tmp_path / f"p{i}.html"
            page.write_text(f"<html><body><h1>Plan number {i}</h1></body></html>")
            b.print_pdf(page, tmp_path / f"p{i}.pdf")
            pages.append(b._target)
    finally:
        b.close()
    assert pages[0] == pages[1] != pages[2]  # the third print opened a new page
    for i in range(3):
        assert f"Plan number {i}" in _pdf_text(tmp_path / f"p{i}.pdf")
