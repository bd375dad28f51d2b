"""The plan draft for one council: every section rendered from computed facts, with its charts.

``draft()`` is what ``notebooks/04_plan_draft.ipynb`` calls: it loads the tables, runs the
market assessment, the forecasts and the backtest, renders Sections 1-3 and a cover, and
offers the charts. A batch passes one backtest summary to every council instead of
recomputing it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd

from msp_analysis import __version__, geography, plots, progress, resources, store
from msp_analysis.council import Council, council_of
from msp_analysis.forecast import backtest, run
from msp_analysis.forecast.scenarios import default_dir, scenario_title
from msp_analysis.indicators import assess, local, risk_results
from msp_analysis.indicators.assess import indicator_area
from msp_analysis.indicators.risk import data_checks
from msp_analysis.indicators.summary import benchmark_long
from msp_analysis.narrative import context, currency, markets, render
from msp_analysis.tables import MissingSource, Tables
from msp_analysis.years import financial_year


def tables_for(processed: str | Path) -> Tables:
    """The tables of a processed version folder, loaded once per process.

    A batch runs many councils in one kernel: the tables (and their derived results) are
    loaded once and shared by every plan it drafts.
    """
    return _tables(str(processed))


@lru_cache(maxsize=4)
def _tables(processed: str) -> Tables:
    return Tables.load(processed)


#: ``actions_file`` naming the shipped example actions (``msp report --actions example``)
EXAMPLE_ACTIONS = "example"


def _actions(actions_file, demo: bool) -> dict | None:
    """The Section 3 actions: the file given; the shipped example when asked for
    (``example``) or for a DEMO plan given none; the council's own file in
    ``$MSP_TEMPLATES_DIR``; else None (Section 3 is then a table to fill in per market)."""
    if actions_file == EXAMPLE_ACTIONS or (actions_file is None and demo):
        return markets.read_actions(resources.example_actions())
    path = actions_file or resources.actions_file()
    return markets.read_actions(path) if path else None


def example_evidence() -> Path:
    """The filled local evidence workbook for the DEMO council (used for DEMO plans only)."""
    return resources.packaged("templates", "local_evidence_example.xlsx")


def _evidence(evidence_file, la_code: str, demo: bool):
    """The local evidence to use: the file given (a workbook or YAML, for this council); else
    for a DEMO plan of the example's council the example workbook, for a council with figures
    from public documents those (:func:`msp_analysis.resources.default_evidence`); otherwise
    none."""
    return local.evidence_for(la_code, evidence_file, demo=demo)


def files_covering(tables: Tables, la_code: str) -> set[str]:
    """The published files holding a figure for the council (or the areas it was made from)."""
    by_area = tables.derived("files_by_area", lambda: _files_by_area(tables))
    codes, todo = {la_code}, [la_code]
    while todo:  # the council's predecessors, and theirs (a county, its districts)
        for code in geography.predecessors(todo.pop())["predecessor_code"]:
            if code not in codes:
                codes.add(code)
                todo.append(code)
    return set().union(*(by_area.get(c, set()) for c in codes))


def _files_by_area(tables: Tables) -> dict[str, set[str]]:
    """Area code -> the files with a row for it, over every table of the build."""
    out: dict[str, set[str]] = {}
    for name in list(tables.frames):
        frame = tables.get(name)
        if frame is None or "source_file" not in frame:
            continue
        for col in ("la_code", "la_code_current"):
            if col in frame:
                pairs = frame[[col, "source_file"]].dropna().drop_duplicates()
                for code, file in pairs.itertuples(index=False):
                    out.setdefault(str(code), set()).add(str(file))
    return out


def anchor(title: str) -> str:
    """The id nbconvert gives a Markdown heading (spaces become '-')."""
    return title.replace(" ", "-")


#: The charts shown after each market's part of Section 1.
SECTION1_CHARTS: dict[str, tuple[str, ...]] = {
    "care_home_65": ("fig_care_home_rates", "fig_care_home_costs", "fig_ratings"),
}
#: Section 2's charts by the ``<!-- charts:key -->`` marker they follow in its template: people
#: and what drives spend after the scenarios, spend with its ranges after the spend table.
SECTION2_CHARTS: dict[str, tuple[str, ...]] = {
    "scenarios": ("fig_people", "fig_drivers"),
    "spend": ("fig_spend_scenarios",),
}


@dataclass
class Draft:
    la_code: str
    council: str
    #: the council resolved once (name, region, type, boundary history), handed to each section
    place: Council
    demo: bool
    cover: str
    contents: str
    section1: str
    section2: str
    section3: str
    appendix: str
    headline: dict | None
    tables: Tables = field(repr=False)
    indicators: pd.DataFrame = field(repr=False)
    comparators: pd.DataFrame = field(repr=False)
    forecast: run.ForecastResult | None = field(repr=False)
    #: the risk results: one row per risk test (:func:`~msp_analysis.indicators.risk.risk_results`)
    risks: pd.DataFrame = field(repr=False, default=None)
    section2_unavailable: str = ""
    #: the computed facts each section was rendered from ({"section1": ..., "section2": ...})
    facts: dict = field(repr=False, default_factory=dict)

    def summary(self) -> dict:
        """Headline figures for an index of plans, and (``facts``) what the national report
        reads (:mod:`msp_analysis.national.facts`)."""
        from msp_analysis.national.facts import council_facts

        risks = self.risks
        out = {
            "la_code": self.la_code,
            "council": self.council,
            "demo": self.demo,
            "risks_flagged": sorted(set(risks.loc[risks["state"] == "flagged", "risk_label"])),
            "scenario": None,
            "spend_change_pct": None,
            "base_spend_gbp": None,
            "horizon_spend_gbp": None,
            "note": "",
        }
        if self.headline is None:
            out["note"] = "no projection: " + self.section2_unavailable
        else:
            h = self.headline
            out.update(
                scenario=h["scenario"],
                spend_change_pct=round(h["spend_change_pct"], 1),
                base_spend_gbp=h["base_spend_gbp"],
                horizon_spend_gbp=h["horizon_spend_gbp"],
            )
        out["facts"] = council_facts(self).model_dump(mode="json")
        return out

    def write_summary(self, path: str | Path) -> None:
        import json

        Path(path).write_text(json.dumps(self.summary(), indent=2, default=str))

    @property
    def mark(self) -> str:
        """The running mark on every page and chart: council, DRAFT, and DEMO where it applies."""
        return f"{self.council} · DRAFT" + (" · DEMO" if self.demo else "")

    def section1_parts(self) -> list[tuple[str, list]]:
        """Section 1 as (Markdown, charts) pieces, so each chart sits under its own market."""
        return self._parts(self.section1, SECTION1_CHARTS)

    def section2_parts(self) -> list[tuple[str, list]]:
        """Section 2 as (Markdown, charts) pieces: each chart after the text it illustrates, the
        sources at the section's end (a template without the markers gets every chart just
        before its sources)."""
        text, heading, sources = self.section2.partition("#### Sources for this section")
        parts = self._parts(text, SECTION2_CHARTS)
        placed = set(re.findall(r"<!-- charts:(\w+) -->", text))
        rest = [n for k, names in SECTION2_CHARTS.items() if k not in placed for n in names]
        figs = [f for f in (getattr(self, n)() for n in rest) if f is not None]
        if figs:
            parts = [*parts[:-1], (parts[-1][0], parts[-1][1] + figs)] if parts else [("", figs)]
        return parts + ([(heading + sources, [])] if heading else [])

    def _parts(self, text: str, charts: Mapping[str, tuple[str, ...]]) -> list[tuple[str, list]]:
        """Markdown split at its ``<!-- charts:key -->`` markers, each piece with the charts
        named for the marker that ends it (none drawn for a key ``charts`` does not name)."""
        pieces = re.split(r"<!-- charts:(\w+) -->\n?", text)
        out: list[tuple[str, list]] = [(pieces[0], [])]
        for key, rest in zip(pieces[1::2], pieces[2::2], strict=True):
            figs = [getattr(self, name)() for name in charts.get(key, ())]
            out[-1] = (out[-1][0], [f for f in figs if f is not None])
            out.append((rest, []))
        return [(piece, figs) for piece, figs in out if piece.strip() or figs]

    # -- charts, built on demand so a batch pays only for what it shows --
    def fig_care_home_costs(self):
        """The residential unit cost's trend where three or more years are loaded; with fewer
        (a two-point line says little), the latest year among the comparator councils."""
        ind = self.indicators
        rows = ind[
            (ind["indicator"] == "unit_cost_weekly_65") & (ind["breakdown"] == "Residential")
        ]
        title = "ASC-FR unit cost of residential care, 65+ (spend per week, not the fee paid)"
        if rows["year"].dropna().nunique() >= 3:
            return plots.stamp(plots.trend(rows, title, council_name=self.council), self.mark)
        area = indicator_area(self.tables, "unit_cost_weekly_65", "Residential")
        if area.empty:
            return None
        year = rows.dropna(subset=["year"]).sort_values("year")["year_label"].iloc[-1]
        return plots.stamp(
            plots.ranked_bar(
                area,
                self.la_code,
                self.comparators["la_code"].tolist(),
                f"{title}, against comparators",
                unit="£ per week",
                source=f"ASC-FR T52 (NHS Digital), {year}",
            ),
            self.mark,
        )

    def fig_care_home_rates(self):
        return plots.stamp(self._care_home_rates(), self.mark)

    def _care_home_rates(self):
        return plots.ranked_bar(
            indicator_area(
                self.tables, "clients_65_in_care_homes_per_100k", "Nursing and residential"
            ),
            self.la_code,
            self.comparators["la_code"].tolist(),
            "People aged 65+ in care homes per 100,000 aged 65+, against comparators",
            unit="people per 100,000 aged 65+",
            source="SALT T34 (NHS Digital); ONS mid-year estimates",
        )

    def fig_ratings(self):
        """Care homes by CQC rating from the best source loaded: CQC's own ratings where they
        cover the council, else ASCOF 6B (the figure the care home table shows)."""
        ind = self.indicators
        cqc = ind[(ind["indicator"] == "care_home_rating_share") & (ind["status"] == "ok")]
        shown = (  # as the care home table: CQC's own where set against England, else ASCOF 6B
            ["care_home_rating_share"] if cqc["england"].notna().any() else []
        ) + ["ascof_6b_rating_share", "care_home_rating_share"]
        titles = {
            "care_home_rating_share": ("Care homes by latest CQC rating", "CQC latest ratings"),
            "ascof_6b_rating_share": (
                "Residential adult social care providers (care homes, all ages) by CQC rating "
                "(ASCOF 6B)",
                "ASCOF 6B (DHSC, from CQC)",
            ),
        }
        for indicator in dict.fromkeys(shown):
            title, source = titles[indicator]
            r = benchmark_long(self.indicators, indicator, self.council)
            r = r[(r["breakdown"] != "Good or outstanding") & r["value"].notna()]
            if len(r):  # areas the source covers only (a one-county file: the council alone)
                year = r["year_label"].iloc[0]
                return plots.stamp(
                    plots.rating_bars(r, title, source=f"{source}, {year}"), self.mark
                )
        return None  # no rating shares published for this council: no empty chart

    def fig_spend_scenarios(self):
        """Spend by scenario in £ with ranges: cash scenarios around the headline's fan, any
        constant-price scenario on an axis of its own."""
        if self.forecast is None:
            return None
        s = self.forecast["forecast"].query("measure == 'spend' and setting == 'All'")
        runs = self.forecast["runs"].set_index("scenario")
        base = int(runs["base_year"].iloc[0])
        constant = {
            n: f"constant {financial_year(base)} prices"
            for n in runs.index
            if bool(runs.get("constant_prices", pd.Series(False, index=runs.index))[n])
        }
        fig = plots.spend_fan(
            s,
            "Adult social care spend by scenario, with ranges",
            source="ASC-FR and SALT (NHS Digital), MHCLG outturn, ONS; msp-analysis scenarios;"
            " ranges from the backtest",
            fan_scenario=self.headline["scenario"] if self.headline else s["scenario"].iloc[0],
            constant=constant,
            titles={n: scenario_title(n) for n in s["scenario"].unique()},
        )
        return plots.stamp(fig, self.mark)

    def fig_drivers(self):
        if self.forecast is None:
            return None
        h = self.headline
        d = self.forecast["decomposition"].query("scenario == @h['scenario']")
        drivers = d.groupby("driver")["change_gbp"].sum() / 1e6
        drivers = drivers[drivers.abs() > 1e-9]
        drivers.index = [str(k).replace("_", " ").capitalize() for k in drivers.index]
        fig = plots.waterfall(
            drivers,
            f"What drives the change in spend: {scenario_title(h['scenario']).lower()}",
            start_label=financial_year(h["base_year"]),
            end_label=financial_year(h["horizon_year"]),
            start=h["base_spend_gbp"] / 1e6,
            unit="£ million",
            source="msp-analysis: the change split exactly between its drivers",
        )
        return plots.stamp(fig, self.mark)

    def fig_people(self):
        if self.forecast is None:
            return None
        people = self.forecast["forecast"].query(
            "measure == 'people' and setting == 'All' and scenario == @self.headline['scenario']"
        )
        return plots.stamp(
            plots.fan(
                people,
                f"People in long-term support, {self.council}",
                source="SALT (NHS Digital), ASCOF, ONS; msp-analysis forecast; ranges from the"
                " backtest",
                unit="people",
            ),
            self.mark,
        )


def draft(
    la_code: str,
    *,
    raw_dir: str | Path,
    scenarios: list[str | Path] | None = None,
    actions_file: str | Path | None = None,
    horizon: int = 5,
    backtest_summary: pd.DataFrame | None = None,
    headline_scenario: str = "market_unchanged",
    evidence_file: str | Path | None = None,
    progress_file: str | Path | None = None,
) -> Draft:
    """Everything the plan needs for one council.

    ``evidence_file`` is the council's local evidence (a workbook or YAML); without it a DEMO
    plan uses the example for the DEMO council and a real plan uses none and says which risk
    tests need it. ``progress_file``: each step's name is appended to it as the step starts
    (``msp report`` follows it to say what it is doing; see :mod:`msp_analysis.progress`).
    """
    step = progress.to_file(progress_file)
    step("data")
    tables = tables_for(store.ensure(raw_dir))
    place = council_of(la_code)
    council = place.name
    scenario_files = [Path(s) for s in (scenarios or sorted(default_dir().glob("*.yml")))]
    step("indicators")
    indicators, comparators = assess(tables, la_code)
    evidence = _evidence(evidence_file, la_code, tables.demo)
    own = local.evidence_rows(evidence, la_code)
    if len(own):
        indicators = pd.concat([indicators, own], ignore_index=True)
    risks = risk_results(indicators)
    checks = data_checks(indicators)
    evidence_facts = {
        "used": evidence is not None and bool(evidence.figures),
        "example": bool(evidence and evidence.example),
        "name": evidence.name if evidence else "",
        "count": len(evidence.figures) if evidence else 0,
    }
    step("forecast")
    if backtest_summary is None:
        backtest_summary = backtest.summary(backtest.backtest(tables))
    result: run.ForecastResult | None = None
    h: dict | None = None
    try:
        projected = run.run(tables, la_code, scenario_files, horizon=horizon, evidence=evidence)
    except (
        MissingSource
    ) as exc:  # e.g. a council that did not submit its return: say so, build the rest
        f2 = {
            "title": context.SECTION_TITLES[2],
            "council": council,
            "demo": tables.demo,
            "unavailable": str(exc),
        }
        headline_text = f"Spend and demand could not be projected for {council}: {exc}."
    else:
        result = projected
        names = list(projected["runs"]["scenario"])
        h = run.headline(projected, headline_scenario if headline_scenario in names else names[0])
        f2 = {
            **context.section2(place, projected, backtest_summary, demo=tables.demo),
            "headline_name": scenario_title(h["scenario"]),  # the scenario the charts follow
            "unavailable": None,
        }
        headline_text = run.headline_sentence(h, council)
    step("sections")
    actions_doc = _actions(actions_file, tables.demo)
    f1 = markets.section1(
        place,
        indicators,
        risks,
        comparators,
        demo=tables.demo,
        checks=checks,
        evidence=evidence_facts,
    )
    f3 = markets.section3(
        place,
        actions_doc["actions"] if actions_doc else None,
        indicators,
        risks,
        demo=tables.demo,
        example=bool(actions_doc and actions_doc["example"]),
        checks=checks,
    )
    data_currency = currency.data_currency(tables, place)
    cover = render.render(
        "cover.md.j2",
        {
            "council": council,
            "la_code": la_code,
            "demo": tables.demo,
            "version": __version__,
            "data_label": tables.manifest.get("label", ""),
            "built_at": tables.manifest.get("built_at", "")[:10],
            "headline": headline_text,
            "flagged": f1["flagged"],
            "flagged_where": f1["flagged_where"],
            "summary": markets.executive_summary(f1),
            "actions_example": f3["example"],
            "fill_in": f3["fill_in"],
            "evidence_example": evidence_facts["example"],
            "evidence_used": evidence_facts["used"],
            "not_run_count": f1["not_run_count"],
            "test_count": f1["test_count"],
            "currency": data_currency,
        },
    )
    contents = "\n".join(
        ["**Contents**", ""]
        + [f"- [{t}](#{anchor(t)})" for t in context.SECTION_TITLES.values()]
        + [f"- [Data used, glossary and sources](#{anchor('Data used, glossary and sources')})"]
    )
    appendix = render.render(
        "appendix.md.j2",
        context.appendix(
            tables.manifest,
            f1,
            demo=tables.demo,
            version=__version__,
            backtest_summary=backtest_summary,
            covering=files_covering(tables, la_code),
        ),
    )
    return Draft(
        la_code=la_code,
        council=council,
        place=place,
        demo=tables.demo,
        cover=cover,
        contents=contents,
        section1=render.render("section1.md.j2", f1),
        section2=render.render("section2.md.j2", f2),
        section3=render.render("section3.md.j2", f3),
        appendix=appendix,
        headline=h,
        tables=tables,
        indicators=indicators,
        comparators=comparators,
        forecast=result,
        risks=risks,
        section2_unavailable=str(f2.get("unavailable") or ""),
        facts={"section1": f1, "section2": f2, "currency": data_currency},
    )
