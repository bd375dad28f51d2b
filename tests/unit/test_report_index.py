"""The batch's index page (report/index.py and templates/report/index.html.j2), from
hand-made batch results: what each row shows, links only to files the batch wrote, and
names and messages escaped as text."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from msp_analysis.report.index import render_index, write_index

pytestmark = pytest.mark.unit

BUILT = dict(
    ok=True,
    la_code="E06000054",
    council="Wiltshire",
    spend_change_pct=12.345,
    risks_flagged=["Workforce", "Provider exit"],
    pdf=True,
    docx=False,
)


class _Cells(HTMLParser):
    """The text of every table cell, row by row, and every link."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.links: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "a":
            self.links.append(dict(attrs)["href"])

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _parse(page: str) -> _Cells:
    cells = _Cells()
    cells.feed(page)
    return cells


def test_each_council_is_a_row_with_its_figures_and_the_files_written():
    not_projected = dict(BUILT, la_code="E09000012", council="Hackney", spend_change_pct=None)
    noted = dict(not_projected, la_code="E06000001", council="Hartlepool", note="no SALT return")
    page = render_index([BUILT, not_projected, noted])
    cells = _parse(page)
    assert cells.rows[0] == ["Council", "Code", "Spend change", "Risks flagged", "Plan"]
    assert cells.rows[1] == [
        "Wiltshire",
        "E06000054",
        "+12.3%",
        "Workforce, Provider exit",
        "HTML · PDF",
    ]
    assert cells.rows[2][2] == "not projected" and cells.rows[3][2] == "no SALT return"
    # a PDF link only where the batch wrote one; no Word link where it wrote none
    assert "E06000054/plan.pdf" in cells.links and "E06000054/plan.docx" not in cells.links
    assert "national/insights.html" not in cells.links
    assert "<title>Market Sustainability Plans</title>" in page  # not DEMO


def test_a_failed_council_shows_its_error_as_text_and_no_links():
    failed = dict(ok=False, la_code="E99999999", council=None, error='no <SALT> rows for "E99"')
    page = render_index([failed, dict(BUILT, council="A & B <Council>", risks_flagged=[])])
    cells = _parse(page)
    assert cells.rows[1] == ["E99999999", "E99999999", 'failed: no <SALT> rows for "E99"', ""]
    assert "<SALT>" not in page and "&lt;SALT&gt;" in page  # escaped, not markup
    assert cells.rows[2][0] == "A & B <Council>" and cells.rows[2][3] == "none"
    assert not any(link.startswith("E99999999") for link in cells.links)


def test_demo_batch_and_national_report_links(tmp_path):
    demo = dict(BUILT, la_code="E10900001", council=None, demo=True, docx=True)
    path = write_index([demo], tmp_path, national={"pdf": False})
    page = path.read_text(encoding="utf-8")
    assert path == tmp_path / "index.html"
    assert "<title>Market Sustainability Plans (DEMO)</title>" in page
    assert "<h1>Market Sustainability Plans - DEMO data</h1>" in page
    cells = _parse(page)
    assert cells.rows[1][0] == "Demoshire"  # the name from geography when the result has none
    assert "E10900001/plan.docx" in cells.links
    assert "national/insights.html" in cells.links and "national/insights.pdf" not in cells.links
    assert not re.search(r"\{\{|\{%", page)  # nothing of the template left unrendered
    assert list(tmp_path.iterdir()) == [path]  # written in place, no temporary file left
