"""plan.html: the executed notebook as one page with the plan's print rules."""

from __future__ import annotations

import re

import nbformat
import pytest

from msp_analysis.report import render_html

pytestmark = pytest.mark.unit

SECTION = """## Section 2: Future changes

| Year | Spend |
|---|---|
| 2023-24 | £302.2m |

#### Sources for this section

- SALT (NHS Digital): people in long-term support, 2021-22.
"""


def test_the_plan_page_carries_its_print_rules(tmp_path):
    """Pages a commissioner reads: a short table never split across a page (a header and one
    row at a page's foot), a section's sources in the tables' type (Section 2's last lines
    spilled onto a page of their own), the mark in the running header."""
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("markdown(...)")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/markdown": SECTION})]
    nb.cells = [cell]
    path = tmp_path / "plan.ipynb"
    nbformat.write(nb, path)
    page = render_html.to_html(path, tmp_path / "plan.html", mark='Testshire "A" · DRAFT')
    text = page.read_text()
    head, body = text.split("</head>", 1)
    assert '@top-left { content: "Testshire \\"A\\" · DRAFT"' in head
    assert "table:not(:has(tbody tr:nth-child(11))) { break-inside: avoid; }" in head
    assert 'h4[id^="Sources-for-this-section"] + ul { font-size: 8.5pt' in head
    # no scroll bars on paper: the plan's rule comes after JupyterLab's 'overflow: auto'
    lab = head.index(".jp-OutputArea-output {")
    assert head.index(".jp-OutputArea-output, .jp-MarkdownOutput") > lab
    assert "overflow: visible !important" in head[lab:]
    # the rule's selector matches what nbconvert writes: the h4's id, then its list
    assert re.search(r'<h4 id="Sources-for-this-section">.*?</h4>\s*<ul>', body, flags=re.S)
    assert "<title>Testshire &quot;A&quot; · DRAFT</title>" in text
