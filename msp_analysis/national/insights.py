"""The national insights report: every council's plan rolled up, from the plans' stored facts.

``write(plans, out_dir)`` renders ``insights.html`` (and ``insights.pdf`` with Chromium) from
:class:`~msp_analysis.national.collect.Plans`: Table 1 computed beside DHSC's 2023 Table 1,
where each council stands, the forecast's record, and data coverage. :func:`context` computes
every figure the template prints; the template (``resources/templates/national/``) only words
and formats them.
"""

from __future__ import annotations

import io
import logging
import os
import re
import time
from datetime import date
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

import pandas as pd

from msp_analysis.indicators.risk import RISKS
from msp_analysis.national import charts, collect, coverage, record, standing, table1
from msp_analysis.years import financial_year

log = logging.getLogger(__name__)

TITLE = "Market sustainability plans: national insights"
DHSC_REPORT = (
    "Department of Health and Social Care, Local authority market sustainability plans: "
    "insights report, published 2 November 2023 (GOV.UK), Table 1"
)
#: Headline figures drawn as charts per market (the first ones of its Section 1 table that most
#: councils have); every headline figure is in the tables.
CHARTS_PER_MARKET = 2


def _clean(v):
    if v is None:
        return None
    if isinstance(v, float) and pd.isna(v):
        return None
    return v


def _records(frame: pd.DataFrame) -> list[dict]:
    return [{k: _clean(v) for k, v in r.items()} for r in frame.to_dict("records")]


def plan_links(plans: collect.Plans, out_dir: str | Path | None) -> dict[str, str | None]:
    """Each council's plan (HTML) as a link from the report's folder (``out_dir``, by default
    ``<reports>/national``): relative, so a copied folder keeps its links."""
    root = Path(plans.root) if plans.root is not None else Path(".")
    base = Path(out_dir) if out_dir is not None else root / "national"
    out: dict[str, str | None] = {}
    for code, link in plans.links.items():
        html = link.get("html")
        out[code] = _relative(root.resolve() / html, base.resolve()) if html else None
    return out


def _relative(target: Path, start: Path) -> str:
    """``target`` as a link from the folder ``start``: a relative path, or its ``file://``
    address where none exists (on Windows, another drive than the report's)."""
    try:
        return Path(os.path.relpath(target, start)).as_posix()
    except ValueError:
        return target.as_uri()


def _risk_matrix(national: pd.DataFrame) -> dict:
    """Table 1 as rows (risks) x columns (markets), each cell with its share and counts."""
    markets = list(dict.fromkeys(national["market"]))
    labels = dict(zip(national["market"], national["market_label"]))
    rows = []
    for risk, label in RISKS.items():
        cells = []
        for m in markets:
            got = national[(national["risk"] == risk) & (national["market"] == m)]
            cells.append(_records(got)[0] if len(got) else None)
        rows.append(dict(risk=risk, label=label, cells=cells))
    return dict(columns=[labels[m] for m in markets], markets=markets, rows=rows)


def _region_tables(by_region: pd.DataFrame) -> list[dict]:
    """Per market: rows (regions) x columns (risks), each cell a share with its counts."""
    out = []
    for market, g in by_region.groupby("market", sort=False):
        rows = []
        for region, r in g.groupby("region", sort=True):
            cells = {x["risk"]: x for x in _records(r)}
            rows.append(dict(region=region, cells=[cells.get(k) for k in RISKS]))
        out.append(dict(market=market, label=g["market_label"].iloc[0], rows=rows))
    return out


def _dhsc_rows(compared: pd.DataFrame) -> dict:
    """DHSC's Table 1 beside the data: one row per risk, per DHSC market a pair of cells."""
    markets = list(dict.fromkeys(compared["dhsc_market"]))
    labels = dict(zip(compared["dhsc_market"], compared["dhsc_market_label"]))
    rows = []
    for risk, label in RISKS.items():
        cells = []
        for m in markets:
            got = compared[(compared["risk"] == risk) & (compared["dhsc_market"] == m)]
            cells.append(_records(got)[0] if len(got) else None)
        wording = compared.loc[compared["risk"] == risk, "dhsc_wording"]
        rows.append(
            dict(label=label, wording=wording.iloc[0] if len(wording) else label, cells=cells)
        )
    combined = sorted(set(compared.loc[compared["combined"], "market_label"].dropna()))
    return dict(columns=[labels[m] for m in markets], rows=rows, combined=combined)


#: Short region names for table columns (the full names are in the caption).
REGION_SHORT = {
    "North East": "NE",
    "North West": "NW",
    "Yorkshire and The Humber": "Y&H",
    "East Midlands": "EM",
    "West Midlands": "WM",
    "East of England": "E",
    "London": "L",
    "South East": "SE",
    "South West": "SW",
}


def _medians(by: pd.DataFrame, col: str, groups: list[str], market: str, r: dict) -> list:
    """A figure's median and councils in each group (None where the group has none)."""
    t = by[
        (by["market"] == market) & (by["indicator"] == r["indicator"]) & (by["label"] == r["label"])
    ].set_index(col)
    return [
        dict(median=_clean(t.loc[x, "median"]), count=int(t.loc[x, "count"]))
        if x in t.index
        else None
        for x in groups
    ]


def _measure_sections(measures: pd.DataFrame, plans: collect.Plans, links: dict, mark: str) -> dict:
    """Per market: the distribution of each headline figure, its medians by region and by
    council type, and dot charts by region of the first figures most councils have."""
    if measures.empty:
        return dict(markets=[], types=[], regions=[])
    measures = standing.in_comparison_year(measures)
    dist = standing.measure_distributions(measures)
    by_type = standing.measure_by(measures, "la_type")
    by_region = standing.measure_by(measures, "region")
    types = sorted(by_type["la_type"].unique())
    regions = sorted(by_region["region"].unique())
    from msp_analysis.indicators.markets import MARKETS

    out = []
    n = 0
    for market, d in dist.groupby("market", sort=False):
        rows = []
        for r in _records(d):
            r["unit_shown"] = unit_beside(r["label"], r["unit"])
            r["by_type"] = _medians(by_type, "la_type", types, market, r)
            r["by_region"] = _medians(by_region, "region", regions, market, r)
            rows.append(r)
        figs = []
        enough = [
            r
            for r in rows
            if r["councils"] >= max(2, len(plans.facts) // 2) and _comparable(r["unit"])
        ]
        for r in enough[:CHARTS_PER_MARKET]:
            n += 1
            values = standing.same_year_values(measures, market, r["indicator"], r["label"])
            chart = charts.strip(
                values,
                group="region",
                title=_short(r["label"]) + f", {r['year']}",
                unit=r["unit"],
                source=f"{r['source']}, {r['year']}; each council's plan",
                key=f"m{n}",
                links=links,
                england=r["england"],
                mark=mark,
            )
            if chart:
                figs.append(chart)
        out.append(dict(market=market, title=MARKETS.get(market, market), rows=rows, charts=figs))
    return dict(
        markets=out,
        types=types,
        regions=[dict(name=x, short=REGION_SHORT.get(x, x)) for x in regions],
    )


def unit_beside(label: str, unit: str | None) -> str:
    """The unit said after a label, less what the label already says: 'Concentration of care
    home beds (HHI)' with 'HHI (0-10,000)' gives '0-10,000' (the table printed '(HHI) (HHI
    (0-10,000))'); a unit the label holds whole gives ''."""
    unit = str(unit or "")
    named = re.fullmatch(r"(.+?)\s*\((.+)\)", unit)
    if named and f"({named.group(1)})" in label:
        return named.group(2)
    return "" if f"({unit})" in label else unit


def _comparable(unit: str) -> bool:
    """A figure councils of different sizes can be set beside each other on: a rate, a share or
    a cost per unit (not a count of people or a total in pounds)."""
    unit = unit.lower()
    return "per " in unit or unit.startswith("%") or "share" in unit or "hhi" in unit


def _short(label: str, limit: int = 90) -> str:
    """A chart title from a long label: up to its first bracket or comma past 40 characters."""
    if len(label) <= limit:
        return label
    cut = min((i for i in (label.find(" ("), label.find(", ", 40)) if i > 0), default=limit)
    return label[:cut]


def _outlook(plans: collect.Plans, links: dict, mark: str) -> dict:
    o = collect.outlook_frame(plans)
    if o.empty:
        return dict(available=False, not_forecast=standing.not_forecast(plans))
    base = int(o["base_year"].mode().iloc[0])
    horizon = int(o["horizon_year"].mode().iloc[0])
    years = f"{financial_year(base)} to {financial_year(horizon)}"
    scenario = o["scenario_title"].mode().iloc[0]
    src = f"each council's plan: '{scenario}' scenario, {years}"
    #: (figure, group, title, unit, range columns)
    shown = [
        (
            "spend_change_pct",
            "region",
            f"Long-term care spend, change {years}, by region",
            "% change in cash terms",
            "spend",
        ),
        (
            "spend_change_pct",
            "la_type",
            f"Long-term care spend, change {years}, by council type",
            "% change in cash terms",
            "spend",
        ),
        (
            "people_change_pct",
            "region",
            f"People in long-term support, change {years}, by region",
            "% change",
            "people",
        ),
        (
            "share_prices_pct",
            "region",
            "Share of the rise in spend from pay and prices, by region",
            "% of the rise",
            None,
        ),
    ]
    figs = [
        charts.strip(
            o.assign(value=o[col]),
            group=group,
            title=title,
            unit=unit,
            source=src,
            key=f"o{i}",
            links=links,
            lower=f"{bounds}_lower_pct" if bounds else None,
            upper=f"{bounds}_upper_pct" if bounds else None,
            mark=mark,
        )
        for i, (col, group, title, unit, bounds) in enumerate(shown, start=1)
    ]
    national = standing.outlook_summary(o)
    given = national["councils"] > 0
    return dict(
        available=True,
        councils=len(o),
        scenario=scenario,
        years=years,
        base=financial_year(base),
        horizon=financial_year(horizon),
        national=_records(national[given]),
        # figures no plan gives (a driver that adds to no council's spend), said in words
        none_given=[w[:1].lower() + w[1:] for w in national.loc[~given, "words"]],
        columns=[
            dict(key=k, label=standing.OUTLOOK_SHORT[k]) for k in national.loc[given, "measure"]
        ],
        by_region=_records(standing.outlook_summary(o, "region")),
        by_type=_records(standing.outlook_summary(o, "la_type")),
        charts=[c for c in figs if c],
        not_forecast=standing.not_forecast(plans),
        no_shares=int(o["share_prices_pct"].isna().sum()),
    )


def _record(plans: collect.Plans) -> dict:
    """The backtest pooled by measure and horizon (national), and by region for the headline
    measure (a row per region, the horizons side by side)."""
    bt = collect.backtest_frame(plans)
    if bt.empty:
        return dict(available=False)
    national = record.by_horizon(bt)
    regional = record.by_horizon(bt[bt["target"] == record.HEADLINE_TARGET], by="region")
    head = national[(national["target"] == record.HEADLINE_TARGET)]
    horizons = sorted(int(h) for h in regional["horizon"].unique()) if len(regional) else []
    by_region = []
    for region, g in regional.groupby("region", sort=True):
        cells = {int(r["horizon"]): r for r in _records(g)}
        by_region.append(
            dict(
                region=region,
                councils=int(g["councils"].max()),
                cells=[cells.get(h) for h in horizons],
            )
        )
    return dict(
        available=True,
        councils=int(bt["la_code"].nunique()),
        measures=[
            dict(words=g["target_words"].iloc[0], rows=_records(g))
            for _, g in national.groupby("target", sort=False)
        ],
        regional=by_region,
        horizons=horizons,
        headline_target=record.HEADLINE_TARGET,
        headline=_records(head.head(1))[0] if len(head) else None,
    )


def _every_council(
    plans: collect.Plans, links: dict, risks: pd.DataFrame, gaps: pd.DataFrame
) -> list[dict]:
    rows = []
    states = risks.groupby("la_code")["state"].value_counts().unstack(fill_value=0)
    gaps_by = (
        gaps.groupby("la_code")["family"].apply(lambda s: ", ".join(sorted(set(s))))
        if len(gaps)
        else {}
    )
    for f in plans.facts:
        s = states.loc[f.la_code] if f.la_code in states.index else {}
        o = f.outlook
        rows.append(
            dict(
                la_code=f.la_code,
                council=f.council,
                region=f.region,
                la_type=f.la_type,
                link=links.get(f.la_code),
                spend=o.spend_change_pct if o else None,
                spend_lower=o.spend_lower_pct if o else None,
                spend_upper=o.spend_upper_pct if o else None,
                people=o.people_change_pct if o else None,
                flagged=int(s.get("flagged", 0)),
                tested=int(s.get("flagged", 0)) + int(s.get("not flagged", 0)),
                not_tested=int(s.get("could not run", 0)),
                returns_missing=gaps_by.get(f.la_code, "") if len(gaps) else "",
            )
        )
    return sorted(rows, key=lambda r: (r["region"], r["council"]))


def _expected(plans: collect.Plans) -> list[dict]:
    """Councils of the data set (the 153 councils, or the DEMO ones) with no plan here."""
    from msp_analysis import geography

    have = {f.la_code for f in plans.facts} | {r["la_code"] for r in plans.left_out}
    have |= {r["la_code"] for r in plans.failed}
    known = geography.councils(status="demo" if plans.demo else "current")
    return [
        dict(la_code=c, council=n)
        for c, n in zip(known["la_code"], known["la_name"])
        if c not in have
    ]


def context(plans: collect.Plans, out_dir: str | Path | None = None) -> dict:
    """Every figure and sentence fact the national report prints, from the plans' facts
    (``out_dir``: where the report goes, for its links to the plans)."""
    links = plan_links(plans, out_dir)
    data = plans.data
    mark = (
        "National insights"
        + (f" · {data.label}" if data.label and data.label != "DEMO" else "")
        + (" · DEMO" if plans.demo else "")
    )
    risks = collect.risks_frame(plans)
    national = table1.shares(risks)
    compared = table1.beside_dhsc(national)
    by_region = table1.shares(risks, by=["region"])
    dhsc_charts = []
    for i, (_market, g) in enumerate(compared.groupby("dhsc_market", sort=False), start=1):
        c = charts.share_bars(
            g,
            title=f"{g['dhsc_market_label'].iloc[0]}: plans that flag each risk, and councils that said so",
            source=f"each council's plan ({data.label or 'published data'}); DHSC insights report (2023), Table 1",
            key=f"t{i}",
            mark=mark,
        )
        if c:
            dhsc_charts.append(c)
    measures = collect.measures_frame(plans)
    measure_sections = _measure_sections(measures, plans, links, mark)
    gaps = coverage.non_submitters(plans)
    files = {f["file"]: f["publisher"] for f in data.files}
    return dict(
        title=TITLE,
        mark=mark,
        demo=plans.demo,
        data_label=data.label,
        data_built=data.built_at[:10],
        code_version=data.code_version,
        made=date.today().isoformat(),
        councils=len(plans.facts),
        regions=sorted({f.region for f in plans.facts}),
        table1=_risk_matrix(national),
        dhsc=_dhsc_rows(compared),
        dhsc_source=DHSC_REPORT,
        differences=table1.differences(compared),
        agree_points=table1.AGREE_POINTS,
        dhsc_charts=dhsc_charts,
        table1_regions=_region_tables(by_region),
        risk_labels=list(RISKS.values()),
        measures=measure_sections,
        outlook=_outlook(plans, links, mark),
        record=_record(plans),
        sources=_records(coverage.sources(plans)),
        inputs=_records(coverage.inputs(plans)),
        non_submitters=_records(gaps),
        tests_without_data=_records(coverage.tests_without_data(risks, len(plans.facts))),
        councils_without_data=int(
            risks.loc[risks["public_missing"].map(len) > 0, "la_code"].nunique()
        ),
        councils_no_return=int(gaps["la_code"].nunique()),
        evidence_needed=_records(coverage.evidence_needed(risks)),
        files=[dict(file=k, publisher=v) for k, v in files.items()],
        left_out=plans.left_out,
        failed=plans.failed,
        missing=_expected(plans),
        every_council=_every_council(plans, links, risks, gaps),
    )


def render(facts: dict) -> str:
    """The national report's HTML from its facts."""
    from msp_analysis.narrative.render import html_environment

    env = html_environment("national", keep_trailing_newline=False)
    env.filters["signed"] = lambda v: "not available" if v is None else f"{v:+.1f}%"
    return env.get_template("insights.html.j2").render(**facts)


def portable_links(pdf: Path, root: Path, out: Path) -> int:
    """Point the PDF's links to the plans at each plan's PDF by a relative path, so the report
    names no folder of this machine and a copied folder keeps its links.

    Chromium prints a relative link as an absolute ``file://`` address; each one into ``root``
    (the folder of plans) becomes a go-to-file action opening ``<code>/plan.pdf`` beside the
    report, or loses its action where that plan has no PDF. Returns the links rewritten;
    without pypdf the PDF is left as printed.
    """
    try:
        from pypdf import PdfReader
        from pypdf.generic import (
            ArrayObject,
            DictionaryObject,
            IndirectObject,
            NameObject,
            NumberObject,
            TextStringObject,
        )
    except ImportError:
        log.info("pypdf is not installed: the PDF's links to the plans are left as printed")
        return 0
    root, out = root.resolve(), out.resolve()
    data = pdf.read_bytes()
    reader = PdfReader(io.BytesIO(data))
    if reader.xref_objStm:  # Chromium never packs objects in streams
        log.info("%s packs objects in streams: its links are left as printed", pdf.name)
        return 0
    changed: dict = {}  # object number -> the object, changed
    done = 0
    for page in reader.pages:
        for ref in page.get("/Annots") or []:
            a = ref.get_object() if isinstance(ref, IndirectObject) else None
            if not isinstance(a, DictionaryObject):  # Chromium writes each link as an object
                continue
            uri = str((a.get("/A") or {}).get("/URI", ""))
            if not uri.startswith("file:"):
                continue
            target = Path(url2pathname(urlparse(uri).path))  # file:///C:/x -> C:/x on Windows
            if not target.is_relative_to(root):
                continue
            plan_pdf = target.with_name("plan.pdf")
            link = _relative(plan_pdf, out)
            if link.startswith("file:"):  # no relative path (another drive): left as printed
                continue
            if plan_pdf.exists():
                a[NameObject("/A")] = DictionaryObject(
                    {
                        NameObject("/S"): NameObject("/GoToR"),
                        NameObject("/F"): TextStringObject(link),
                        NameObject("/D"): ArrayObject([NumberObject(0), NameObject("/Fit")]),
                    }
                )
            else:
                del a["/A"]
            changed[ref.idnum] = a
            done += 1
    if changed:
        pdf.write_bytes(_with_objects(data, reader, changed))
    return done


def _with_objects(data: bytes, reader, changed: dict) -> bytes:
    """The PDF ``data`` written again with the ``changed`` objects (number -> object) in place
    of theirs and every other object copied byte for byte, under a new cross-reference table:
    the old objects are gone from the file (an incremental update would keep them), and only
    the changed objects are written by pypdf (its whole-document copy took 6 s for the links
    of 153 councils)."""
    from pypdf.generic import DictionaryObject

    spans = sorted(
        (offset, num, gen)
        for gen, table in reader.xref.items()
        for num, offset in table.items()
        if offset
    )
    startxref = int(data[data.rfind(b"startxref") + len(b"startxref") :].split()[0])
    body = io.BytesIO()
    body.write(data[: spans[0][0]])
    at = {}
    for i, (offset, num, gen) in enumerate(spans):
        end = spans[i + 1][0] if i + 1 < len(spans) else startxref
        at[num] = (body.tell(), gen)
        if num in changed:
            body.write(f"{num} {gen} obj\n".encode())
            changed[num].write_to_stream(body)
            body.write(b"\nendobj\n")
        else:
            body.write(data[offset:end])
    xref = body.tell()
    body.write(b"xref\n0 1\n0000000000 65535 f\r\n")
    numbers = sorted(at)
    runs: list[list[int]] = []
    for num in numbers:
        if runs and num == runs[-1][-1] + 1:
            runs[-1].append(num)
        else:
            runs.append([num])
    for run in runs:
        body.write(f"{run[0]} {len(run)}\n".encode())
        for num in run:
            body.write(f"{at[num][0]:010d} {at[num][1]:05d} n\r\n".encode())
    trailer = DictionaryObject(
        {k: v for k, v in reader.trailer.items() if k not in ("/Prev", "/XRefStm")}
    )
    body.write(b"trailer\n")
    trailer.write_to_stream(body)
    body.write(f"\nstartxref\n{xref}\n%%EOF\n".encode())
    return body.getvalue()


def write(plans: collect.Plans, out_dir: str | Path, *, pdf: bool = True, browser=None) -> dict:
    """Write ``insights.html`` (and ``insights.pdf``) into ``out_dir``; returns paths and seconds.

    Each file is written beside its final name and renamed into place, so a failure leaves the
    previous report whole.
    """
    from msp_analysis import report

    start = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    page = render(context(plans, out))
    html_file = out / "insights.html"
    tmp = out / f".insights.html.{os.getpid()}"
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, html_file)
    t_html = time.perf_counter() - start
    pdf_file = None
    if pdf:
        tmp_pdf = out / f".insights.{os.getpid()}.pdf"
        done = report.to_pdf(html_file, tmp_pdf, browser=browser)
        if done is not None:
            if plans.root is not None:
                portable_links(tmp_pdf, Path(plans.root), out)
            pdf_file = out / "insights.pdf"
            os.replace(tmp_pdf, pdf_file)
    seconds = time.perf_counter() - start
    log.info("national report: %d plans, %.1f s (HTML %.1f s)", len(plans.facts), seconds, t_html)
    return dict(
        html=str(html_file),
        pdf=str(pdf_file) if pdf_file else None,
        councils=len(plans.facts),
        left_out=len(plans.left_out),
        seconds=round(seconds, 1),
    )
