"""plan.docx: the plan's Markdown and charts as a Word document a commissioner can edit."""

from __future__ import annotations

import base64
import io
import zipfile

import nbformat
import pytest

from msp_analysis.report import render_docx as word

pytestmark = pytest.mark.unit

SECTIONS = """# Market Sustainability Plan: Testshire

<p class="draft-mark">DRAFT · for discussion</p>

> **EXAMPLE actions.** Replace them.

**In brief.** Spend rises 12.0%.
## Executive summary

| Market | Headline figures | Risk tests |
|---|---|---|
| **65+ care homes** | Rate per 100,000 people aged 65+: **916**<br>Share: **25.5%** | flagged: cost of care |
| Home care | £21.39 <span class="unit">£ per hour</span> | not flagged |

**Contents**

- [Section 1: Current markets](#Section-1)
- [Section 2: Future changes](#Section-2)

## Section 1: Current markets

Text with *emphasis* and `code`.

- first point
- second point
  - a point inside it

### 65+ care homes

<!-- charts:care_home_65 -->
"""


def _png() -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 1))
    ax.plot([1, 2], [1, 2])
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def _notebook(tmp_path):
    nb = nbformat.v4.new_notebook()
    md = nbformat.v4.new_code_cell("markdown(...)")
    md.outputs = [
        nbformat.v4.new_output("display_data", data={"text/markdown": SECTIONS, "text/plain": ""})
    ]
    fig = nbformat.v4.new_code_cell("show(fig)")
    fig.outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={"image/png": base64.b64encode(_png()).decode(), "text/plain": "<Figure>"},
            metadata={"image/png": {"alt": "Line chart, Spend: Testshire 2 in 2024-25"}},
        )
    ]
    end = nbformat.v4.new_code_cell("markdown(...)")
    end.outputs = [
        nbformat.v4.new_output(
            "display_data", data={"text/markdown": "## Section 2: Future changes\n\nMore."}
        )
    ]
    nb.cells = [md, fig, end]
    path = tmp_path / "plan.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.fixture
def document(tmp_path):
    import docx

    target = word.to_docx(
        _notebook(tmp_path), tmp_path / "plan.docx", mark="Testshire · DRAFT · DEMO"
    )
    return docx.Document(str(target)), target


def test_headings_use_word_styles_for_the_navigation_pane(document):
    doc, _ = document
    heads = [
        (p.style.name, p.text)
        for p in doc.paragraphs
        if p.style.name.startswith(("Heading", "Title"))
    ]
    assert heads == [
        ("Title", "Market Sustainability Plan: Testshire"),
        ("Heading 1", "Executive summary"),  # CommonMark: no blank line is needed before it
        ("Heading 1", "Section 1: Current markets"),
        ("Heading 2", "65+ care homes"),
        ("Heading 1", "Section 2: Future changes"),
    ]
    sections = [p for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert [p.paragraph_format.page_break_before for p in sections] == [None, True, True]
    assert doc.core_properties.title == "Market Sustainability Plan: Testshire"


def test_tables_are_real_tables_with_a_repeated_header_row(document):
    doc, _ = document
    assert len(doc.tables) == 1
    t = doc.tables[0]
    assert [c.text for c in t.rows[0].cells] == ["Market", "Headline figures", "Risk tests"]
    # <br> in a cell is a line break; the unit span is kept as text; bold stays bold
    assert t.rows[1].cells[1].text == "Rate per 100,000 people aged 65+: 916\nShare: 25.5%"
    assert t.rows[2].cells[1].text == "£21.39 £ per hour"
    assert any(r.bold for r in t.rows[1].cells[0].paragraphs[0].runs)
    assert t.rows[0]._tr.xpath("./w:trPr/w:tblHeader") and t.rows[1]._tr.xpath(
        "./w:trPr/w:cantSplit"
    )
    widths = [c.width for c in t.rows[0].cells]
    assert widths[1] > widths[2]  # the column with more text gets more room


def test_a_table_keeps_the_sentence_before_it_and_its_header_with_its_first_row(document):
    """Word printed 'Spend by scenario and year' and its sentence at a page's foot and the
    table overleaf: the lead-in keeps with the table, and the header row with the first."""
    doc, _ = document
    t = doc.tables[0]
    from docx.text.paragraph import Paragraph

    lead = Paragraph(t._tbl.getprevious(), t._parent)  # here the 'Executive summary' heading
    assert lead.text == "Executive summary" and lead.paragraph_format.keep_with_next is True
    keeps = [r.cells[0].paragraphs[0].paragraph_format.keep_with_next for r in t.rows]
    assert keeps == [True, None, None]  # the header kept with the first row, no more


def test_chart_is_a_picture_with_its_alt_text(document):
    doc, _ = document
    assert len(doc.inline_shapes) == 1
    pr = doc.inline_shapes[0]._inline.docPr
    assert pr.get("descr") == "Line chart, Spend: Testshire 2 in 2024-25"


def test_header_mark_page_numbers_a4_and_contents_field(document):
    doc, path = document
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert (
        section.header.paragraphs[0].text == "Testshire · DRAFT · DEMO\tMarket Sustainability Plan"
    )
    footer = section.footer.paragraphs[0]._p.xml
    assert " PAGE " in footer and " NUMPAGES " in footer
    xml = zipfile.ZipFile(path).read("word/document.xml").decode()
    assert 'TOC \\o "1-2"' in xml  # the plan's contents list became Word's contents field
    assert "#Section-1" not in xml and "charts:care_home_65" not in xml
    settings = zipfile.ZipFile(path).read("word/settings.xml").decode()
    assert 'w:updateFields w:val="true"' in settings


def test_lists_quotes_and_the_draft_mark(document):
    doc, _ = document
    styles = {p.text: p.style.name for p in doc.paragraphs}
    assert styles["first point"] == "List Bullet" and styles["a point inside it"] == "List Bullet 2"
    assert "DRAFT · for discussion" in styles
    quote = next(p for p in doc.paragraphs if p.text.startswith("EXAMPLE actions."))
    assert quote._p.xpath("./w:pPr/w:pBdr/w:left")


def test_column_widths_fit_the_line_and_never_split_a_word():
    total = 10_000_000
    w = word.column_widths([["Indicator", "Year"], ["A long label " * 4, "2021-22"]], total)
    assert sum(w) <= total and sum(w) > total * 0.99
    assert w[1] >= len("2021-22") * word.CHAR_EMU + word.PAD_EMU
    # an empty fill-in column keeps its bold header whole ('Owner' broke as 'Owne / r' in
    # Word and LibreOffice at the width of exactly five average characters)
    fill = word.column_widths(
        [["Risk", "Evidence", "Owner"], ["Cost of care", "x " * 40, ""]], total
    )
    assert fill[2] >= (len("Owner") + 1) * word.CHAR_EMU + word.PAD_EMU
    assert w[0] > w[1]
    squeezed = word.column_widths([["x" * 200, "y" * 200]], total)
    assert sum(squeezed) <= total and squeezed[0] == squeezed[1]
