"""The batch's index page: each council's plan linked with a few headline figures.

The page is the Jinja2 template ``resources/templates/report/index.html.j2`` (autoescaped);
this module only says what each row shows.
"""

from __future__ import annotations

from pathlib import Path

from msp_analysis import atomic
from msp_analysis.council import council_of
from msp_analysis.narrative.render import html_environment

TEMPLATE = "index.html.j2"


def _row(result: dict) -> dict:
    """What the index shows for one council's result from the batch."""
    code = result["la_code"]
    row = dict(
        name=result.get("council") or council_of(code).name,
        la_code=code,
        error=None if result["ok"] else result["error"],
    )
    if not result["ok"]:
        return row
    links = [("HTML", f"{code}/plan.html")]
    links += [("PDF", f"{code}/plan.pdf")] if result.get("pdf") else []
    links += [("Word", f"{code}/plan.docx")] if result.get("docx") else []
    change = result.get("spend_change_pct")
    return row | dict(
        links=links,
        change=f"{change:+.1f}%" if change is not None else result.get("note") or "not projected",
        risks=", ".join(result["risks_flagged"]) or "none",
    )


def render_index(results: list[dict], national: dict | None = None) -> str:
    """The index page's HTML for the batch's ``results`` (and its national report, if any)."""
    template = html_environment("report").get_template(TEMPLATE)
    return template.render(
        demo=any(r.get("demo") for r in results),
        national=national,
        rows=[_row(r) for r in results],
    )


def write_index(results: list[dict], out: Path, national: dict | None = None) -> Path:
    """An index page linking each council's plan with a few headline figures, and the national
    insights report when the batch wrote one."""
    path = Path(out) / "index.html"
    atomic.write_text(path, render_index(results, national))
    return path
