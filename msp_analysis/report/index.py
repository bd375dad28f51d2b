"""The batch's index page: each council's plan linked with a few headline figures."""

from __future__ import annotations

import html
from pathlib import Path

from msp_analysis import geography


def write_index(results: list[dict], out: Path, national: dict | None = None) -> Path:
    """An index page linking each council's plan with a few headline figures, and the national
    insights report when the batch wrote one."""
    rows = []
    for r in results:
        name = html.escape(r.get("council") or geography.council_name(r["la_code"]) or r["la_code"])
        if r["ok"]:
            links = (
                f'<a href="{r["la_code"]}/plan.html">HTML</a>'
                + (f' · <a href="{r["la_code"]}/plan.pdf">PDF</a>' if r.get("pdf") else "")
                + (f' · <a href="{r["la_code"]}/plan.docx">Word</a>' if r.get("docx") else "")
            )
            change = (
                f"{r['spend_change_pct']:+.1f}%"
                if r.get("spend_change_pct") is not None
                else html.escape(r.get("note") or "not projected")
            )
            rows.append(
                f"<tr><td>{name}</td><td>{r['la_code']}</td><td>{change}</td>"
                f"<td>{html.escape(', '.join(r['risks_flagged']) or 'none')}</td><td>{links}</td></tr>"
            )
        else:
            rows.append(
                f"<tr><td>{name}</td><td>{r['la_code']}</td><td colspan=2>failed: {html.escape(r['error'])}</td><td></td></tr>"
            )
    demo = any(r.get("demo") for r in results)
    national_link = (
        "<p><b>National insights</b>: every plan rolled up, beside what councils told DHSC in 2023: "
        '<a href="national/insights.html">HTML</a>'
        + (' · <a href="national/insights.pdf">PDF</a>' if national.get("pdf") else "")
        + "</p>\n"
        if national
        else ""
    )
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>Market Sustainability Plans{" (DEMO)" if demo else ""}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}td,th{{border-bottom:1px solid #ddd;padding:4px 10px;text-align:left}}</style></head>
<body><h1>Market Sustainability Plans{" - DEMO data" if demo else ""}</h1>
{national_link}<p>Spend change: long-term care spend over the forecast horizon if the market is unchanged. Risks: DHSC risks flagged from published indicators.</p>
<table><tr><th>Council</th><th>Code</th><th>Spend change</th><th>Risks flagged</th><th>Plan</th></tr>
{"".join(rows)}
</table></body></html>"""
    path = out / "index.html"
    path.write_text(page)
    return path
