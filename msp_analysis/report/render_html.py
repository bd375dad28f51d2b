"""An executed plan notebook -> one HTML page (nbconvert, code and prompts hidden) with the
plan's print rules (A4, running header, page numbers) and the charts' alt text."""

from __future__ import annotations

import html
from pathlib import Path

A4_CSS = "<style>@page { size: A4; margin: 14mm 12mm; } body { font-size: 11pt; } .jp-Cell { break-inside: avoid-page; }</style>"
#: Print rules for a plan: A4, a running header (council, DRAFT, DEMO) and page numbers on
#: every page, sections from a new page, charts and table rows never split, compact tables.
PLAN_CSS = """<style>
@page {
  size: A4;
  margin: 17mm 13mm 15mm 13mm;
  @top-left { content: "%(mark)s"; font: 8pt sans-serif; color: #777; }
  @top-right { content: "Market Sustainability Plan"; font: 8pt sans-serif; color: #777; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font: 8pt sans-serif; color: #777; }
}
body { font-size: 10pt; }
.jp-Cell { break-inside: auto; }
/* JupyterLab scrolls an output that overflows its box: printed, a scroll bar ran down the right
   of North Yorkshire's pages 17-20. A page has no scrolling: its outputs are shown whole. */
.jp-OutputArea, .jp-OutputArea-output, .jp-MarkdownOutput.jp-RenderedHTMLCommon { overflow: visible !important; }
.jp-OutputArea-child { display: block; overflow: visible; break-inside: auto !important; }
.jp-RenderedImage, .jp-RenderedHTMLCommon img { break-inside: avoid; }
.jp-RenderedHTMLCommon h2 { break-before: page; margin-top: 0; }
.jp-RenderedHTMLCommon h2#Executive-summary, .jp-RenderedHTMLCommon h2[id^="Section-1"] { break-before: auto; }
.jp-RenderedHTMLCommon h2, .jp-RenderedHTMLCommon h3, .jp-RenderedHTMLCommon h4 { break-after: avoid; }
.jp-RenderedHTMLCommon table { font-size: 8.5pt; width: 100%%; border-collapse: collapse; table-layout: auto; }
.jp-RenderedHTMLCommon th, .jp-RenderedHTMLCommon td { padding: 2px 4px; vertical-align: top; text-align: left; }
.jp-RenderedHTMLCommon tr { break-inside: avoid; }
/* a short table (up to 10 rows) is never split across pages: a header and one row at a page's
   foot, the rest overleaf, read badly (Section 2's inputs and spend tables) */
.jp-RenderedHTMLCommon table:not(:has(tbody tr:nth-child(11))) { break-inside: avoid; }
.jp-RenderedHTMLCommon th { font-size: 8pt; }
.jp-RenderedHTMLCommon td { white-space: normal; }
.jp-RenderedHTMLCommon th, .jp-RenderedHTMLCommon td { overflow-wrap: normal; word-break: normal; hyphens: manual; }
.jp-RenderedHTMLCommon h4 { font-size: 10pt; margin: 10px 0 4px 0; }
/* a section's sources list in the tables' type: reference matter, and at 10pt Section 2's last
   lines spilled onto a page of their own (Lincolnshire and North Yorkshire, page 23) */
.jp-RenderedHTMLCommon h4[id^="Sources-for-this-section"] + ul { font-size: 8.5pt; line-height: 1.35; }
.jp-RenderedHTMLCommon h4[id^="Sources-for-this-section"] + ul li { margin: 0; }
.jp-RenderedHTMLCommon p:has(+ table), .jp-RenderedHTMLCommon p:has(+ ul) { break-after: avoid; }
/* each kind of table (marked by an empty span in its first header cell) gets its own columns */
.jp-RenderedHTMLCommon table:not(:has(th span[class^="tbl-"])) th:first-child { width: 30%%; }
.jp-RenderedHTMLCommon table:has(.tbl-figures) th:first-child { width: 36%%; }
.jp-RenderedHTMLCommon table:has(.tbl-figures) td:nth-child(7) { white-space: nowrap; }
.jp-RenderedHTMLCommon table:has(.tbl-own) th:first-child { width: 36%%; }
.jp-RenderedHTMLCommon table:has(.tbl-own) td:nth-child(3) { white-space: nowrap; }
.jp-RenderedHTMLCommon table:has(.tbl-matrix) th:first-child { width: 25%%; }
.jp-RenderedHTMLCommon table:has(.tbl-matrix) { break-inside: avoid; }
.jp-RenderedHTMLCommon table:has(.tbl-matrix) td:nth-child(n+2) { white-space: nowrap; }
.jp-RenderedHTMLCommon table:has(.tbl-tests) th:first-child { width: 58%%; }
.jp-RenderedHTMLCommon table:has(.tbl-summary) th:nth-child(1) { width: 16%%; }
.jp-RenderedHTMLCommon table:has(.tbl-summary) th:nth-child(2) { width: 42%%; }
.jp-RenderedHTMLCommon table:has(.tbl-fill) th:nth-child(1) { width: 19%%; }
.jp-RenderedHTMLCommon table:has(.tbl-fill) th:nth-child(2) { width: 31%%; }
.jp-RenderedHTMLCommon table:has(.tbl-fill) th:nth-child(3) { width: 23%%; }
.jp-RenderedHTMLCommon table:has(.tbl-fill) th:nth-child(n+4) { width: 9%%; }
.jp-RenderedHTMLCommon table:has(.tbl-fill) td, .jp-RenderedHTMLCommon table:has(.tbl-blank) td { height: 2.6em; }
.jp-RenderedHTMLCommon table:has(.tbl-blank) th { width: 25%%; }
.jp-RenderedHTMLCommon table:has(.tbl-files) th:first-child { width: 45%%; }
.jp-RenderedHTMLCommon table:has(.tbl-actions) th:nth-child(1) { width: 22%%; }
.jp-RenderedHTMLCommon table:has(.tbl-actions) th:nth-child(2) { width: 14%%; }
.jp-RenderedHTMLCommon table:has(.tbl-actions) th:nth-child(5) { width: 30%%; }
.jp-RenderedHTMLCommon .unit { color: #555; font-size: 92%%; }
.jp-RenderedHTMLCommon .draft-mark { color: #a4161a; font-weight: bold; letter-spacing: 0.04em; }
.jp-RenderedHTMLCommon blockquote { border-left: 4px solid #a4161a; background: #fbf1f1; padding: 4px 10px; }
</style>"""


def _css_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def alt_images(nb) -> int:
    """Turn each PNG output that carries alt text in its metadata into an HTML image with that
    alt text (nbconvert's own image template drops it). Returns how many were turned."""
    done = 0
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            alt = out.get("metadata", {}).get("image/png", {}).get("alt")
            if "image/png" in data and alt:
                png = (
                    "".join(data["image/png"])
                    if isinstance(data["image/png"], list)
                    else data["image/png"]
                )
                out["data"] = {
                    "text/html": f'<img src="data:image/png;base64,{png.strip()}" '
                    f'alt="{html.escape(alt, quote=True)}">'
                }
                out["metadata"] = {}
                done += 1
    return done


def to_html(notebook: Path, target: Path, mark: str | None = None) -> Path:
    """nbconvert HTML of an executed notebook with code and prompts hidden, print rules added.

    With ``mark`` (e.g. "Wiltshire · DRAFT") the page carries the plan's print rules: a running
    header with the mark, page numbers, and charts' alt text; without it, plain A4 rules.
    """
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(notebook, as_version=4)
    if mark:
        alt_images(nb)
    exporter = HTMLExporter(
        template_name="lab",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _ = exporter.from_notebook_node(nb)
    title = next(
        (c.source for c in nb.cells if c.cell_type == "markdown"), "Market Sustainability Plan"
    )
    css = PLAN_CSS % {"mark": _css_string(mark)} if mark else A4_CSS
    body = body.replace("</head>", css + "</head>", 1).replace(
        "<title>Notebook</title>",
        f"<title>{html.escape(mark or title[:80])}</title>",
    )
    target.write_text(body)
    return target
