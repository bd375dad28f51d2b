"""Each council's plan facts, stored with the plan, that the national report reads.

A plan writes ``summary.json`` beside ``plan.html``; its ``facts`` entry (:class:`CouncilFacts`)
holds what the national report needs, taken from the plan's own computed facts (the Section 1
tables, the risk matrix, the Section 2 headline and drivers, the backtest rows the plan's
accuracy table summarises, the sources the plan lists). Nothing here is computed a second way:
each value is the one the plan prints, so the national report and every plan agree.

:func:`council_facts` builds them from a :class:`~msp_analysis.narrative.plan.Draft`;
:func:`risk_states` is the one place that reads the per-council risk frame.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict

from msp_analysis.council import Council
from msp_analysis.indicators import catalogue
from msp_analysis.years import financial_year

if TYPE_CHECKING:
    from msp_analysis.narrative.plan import Draft

#: Bumped when the facts' shape or labels change; the national report reads this version only
#: (3: returns named by the plan's own source names, 'ASC-FR (NHS Digital)', not 'NHS England').
FACTS_VERSION = 3

RiskState = Literal["flagged", "not flagged", "could not run"]


class _Facts(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MissingTest(_Facts):
    """A risk test on published figures that could not run: what it tests, the file it needs
    (as the thresholds file says), and the plan's reason."""

    indicator: str
    label: str
    needs: str
    reason: str


class RiskCell(_Facts):
    """One of DHSC's risks in one market, as the plan's risk table states it."""

    risk: str
    risk_label: str
    market: str
    market_label: str
    state: RiskState
    flagged_by: list[str] = []
    #: evidence that would run a test that could not run (the plan lists it)
    needs: list[str] = []
    #: tests on published figures that could not run (a file or a figure missing)
    public_missing: list[MissingTest] = []


class Measure(_Facts):
    """One headline figure of a Section 1 market table."""

    market: str
    indicator: str
    breakdown: str
    label: str
    status: str
    value: float | None = None
    unit: str = ""
    year_label: str | None = None
    england: float | None = None
    source: str = ""


class Outlook(_Facts):
    """The plan's Section 2 headline: spend and people to the horizon, with ranges and drivers."""

    scenario: str
    scenario_title: str
    base_year: int
    horizon_year: int
    base_spend_gbp: float
    horizon_spend_gbp: float
    spend_change_pct: float
    spend_lower_pct: float | None = None
    spend_upper_pct: float | None = None
    people_base: float | None = None
    people_horizon: float | None = None
    people_change_pct: float | None = None
    people_lower_pct: float | None = None
    people_upper_pct: float | None = None
    interval: str = "80%"
    #: the change in spend each driver makes, in £ (the plan's waterfall)
    driver_gbp: dict[str, float] = {}
    #: each driver's share of the rise as the plan says it (None where the plan gives none)
    driver_share_pct: dict[str, float | None] = {}
    material: bool = False


class BacktestRow(_Facts):
    """The council's own forecast errors at one origin: the rows the plan's accuracy table pools."""

    target: str
    target_words: str = ""
    origin: int
    horizon: int
    ape: float
    naive_ape: float | None = None
    error_pct: float
    covered_80: bool
    covered_95: bool


class SourceYears(_Facts):
    source: str
    years: str = ""


class ReturnCover(_Facts):
    """What one published return gave the plan: its latest year and the figures it held."""

    family: str
    latest_year: str | None = None
    figures: int = 0
    #: figures in the latest year that were suppressed or not submitted
    unavailable: int = 0


class ForecastInput(_Facts):
    input: str
    year_label: str | None = None
    age_years: float | None = None


class DataBuild(_Facts):
    label: str = ""
    built_at: str = ""
    manifest_sha256: str = ""
    code_version: str = ""
    files: list[dict[str, str]] = []


class CouncilFacts(_Facts):
    """Everything the national report reads about one council's plan."""

    facts_version: int
    la_code: str
    council: str
    region_code: str | None = None
    region: str = "Unknown region"
    la_type: str = "Unknown type"
    demo: bool = False
    data: DataBuild = DataBuild()
    risks: list[RiskCell] = []
    measures: list[Measure] = []
    outlook: Outlook | None = None
    #: why the forecast could not be made (empty when it was)
    outlook_missing: str = ""
    forecast_notes: list[str] = []
    inputs: list[ForecastInput] = []
    backtest: list[BacktestRow] = []
    sources: list[SourceYears] = []
    sources_missing: list[str] = []
    returns: list[ReturnCover] = []
    evidence_used: bool = False


def _num(v) -> float | None:
    """A JSON-safe float: None for missing, NaN or infinite."""
    if v is None or v is pd.NA:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def _fy(year) -> str | None:
    y = _num(year)
    return None if y is None else financial_year(y)


def council_place(council: Council) -> dict[str, Any]:
    """Region (code and name) and council type, as the package's council list has them."""
    return {
        "region_code": council.region_code,
        "region": council.region or "Unknown region",
        "la_type": council.la_type or "Unknown type",
    }


def risk_states(results: pd.DataFrame) -> list[RiskCell]:
    """Each risk x market of the plan's risk table (flagged, not flagged, could not run), and
    the council-wide row (market ``all``), leaving out cells no rule tests.

    The one place the national report reads a plan's risk results
    (:func:`~msp_analysis.indicators.risk.risk_results`, one row per test): the plan's own
    :func:`~msp_analysis.indicators.risk.risk_matrix` of them, plus, for each cell, the tests
    on published figures that lacked them (the council's own evidence is listed as ``needs``,
    never as a missing file). Each test is named as the plan names it (its ``measure``), else
    in the words of the indicator catalogue.
    """
    from msp_analysis.indicators import catalogue
    from msp_analysis.indicators.risk import risk_matrix

    matrix = risk_matrix(results)
    out = []
    for r in matrix[matrix["state"] != "no test"].itertuples():
        f = results[(results["risk"] == r.risk) & (results["market"] == r.market)]
        public = f[
            (f["state"] == "could not run") & ~f["indicator"].astype(str).str.startswith("local_")
        ]
        missing = {
            t.indicator: MissingTest(
                indicator=t.indicator,
                label=str(t.measure) or catalogue.label(t.indicator, t.breakdown),
                needs=str(t.needs),
                reason=str(t.reason),
            )
            for t in public.itertuples()
        }
        out.append(
            RiskCell(
                risk=r.risk,
                risk_label=r.risk_label,
                market=r.market,
                market_label=r.market_label,
                state=r.state,
                flagged_by=[x for x in str(r.flagged_by).split("; ") if x],
                needs=[x for x in str(r.evidence_needed).split("; ") if x],
                public_missing=[missing[k] for k in sorted(missing)],
            )
        )
    return out


def measures(section1: dict) -> list[Measure]:
    """The headline figures of every Section 1 market table, as the plan shows them."""
    out = []
    for m in section1["markets"]:
        for item in [*m["rows"], *m["missing"]]:
            out.append(
                Measure(
                    market=m["key"],
                    indicator=item["indicator"],
                    breakdown=item["breakdown"],
                    label=item["label"],
                    status=item["status"],
                    value=_num(item["value"]),
                    unit=item["unit"] or "",
                    year_label=item["year_label"],
                    england=_num(item["england"]),
                    source=str(item["source"]),
                )
            )
    return out


def outlook(draft: Draft) -> Outlook | None:
    """The headline scenario's spend and people to the horizon, with the plan's ranges and the
    driver shares Section 2 prints (None when the forecast could not be made)."""
    h = draft.headline
    if h is None or draft.forecast is None:
        return None
    f = draft.forecast.forecast
    total = f[
        (f["setting"] == "All")
        & (f["scenario"] == h["scenario"])
        & (f["year"] == h["horizon_year"])
    ].set_index("measure")
    base = f[
        (f["setting"] == "All") & (f["scenario"] == h["scenario"]) & (f["year"] == h["base_year"])
    ].set_index("measure")

    def pct(measure: str, col: str) -> float | None:
        if measure not in total.index or measure not in base.index:
            return None
        b = _num(base.loc[measure, "value"])
        v = _num(total.loc[measure, col])
        return None if not b or v is None else (v / b - 1) * 100

    shares: dict[str, float | None] = {}
    s2 = (draft.facts or {}).get("section2") or {}
    for s in s2.get("scenarios", []):
        if s.get("key") == h["scenario"]:
            shares = {d["key"]: _num(d["share_pct"]) for d in s["drivers"]}
    from msp_analysis.forecast.scenarios import scenario_title

    return Outlook(
        scenario=h["scenario"],
        scenario_title=scenario_title(h["scenario"]),
        base_year=h["base_year"],
        horizon_year=h["horizon_year"],
        base_spend_gbp=h["base_spend_gbp"],
        horizon_spend_gbp=h["horizon_spend_gbp"],
        spend_change_pct=h["spend_change_pct"],
        spend_lower_pct=pct("spend", "lower_80"),
        spend_upper_pct=pct("spend", "upper_80"),
        people_base=_num(base.loc["people", "value"]) if "people" in base.index else None,
        people_horizon=_num(total.loc["people", "value"]) if "people" in total.index else None,
        people_change_pct=_num(h["people_change_pct"]),
        people_lower_pct=pct("people", "lower_80"),
        people_upper_pct=pct("people", "upper_80"),
        driver_gbp={k: float(v) for k, v in h["driver_gbp"].items()},
        driver_share_pct=shares,
        material=bool(h["material"]),
    )


def backtest_rows(draft: Draft) -> list[BacktestRow]:
    """The council's rows of the stored backtest (the model and the last value carried forward)
    that the plan's accuracy table summarises; none when the data build stores no backtest."""
    from msp_analysis.forecast.backtest import TARGETS

    bt = draft.tables.stored("spend_backtest") if draft.tables is not None else None
    if bt is None or len(bt) == 0:
        return []
    mine = bt[(bt["la_code"] == draft.la_code) & bt["model"].isin(["model", "naive"])]
    keys = ["target", "origin", "horizon"]
    naive = mine[mine["model"] == "naive"].set_index(keys)["ape"]
    out = []
    for r in mine[mine["model"] == "model"].itertuples():
        key = (r.target, r.origin, r.horizon)
        out.append(
            BacktestRow(
                target=r.target,
                target_words=TARGETS.get(r.target, r.target.replace("_", " ")),
                origin=int(r.origin),
                horizon=int(r.horizon),
                ape=float(r.ape),
                naive_ape=_num(naive.get(key)),
                error_pct=float((r.forecast - r.actual) / r.actual * 100),
                covered_80=bool(r.covered_80),
                covered_95=bool(r.covered_95),
            )
        )
    return out


#: The returns a plan's figures come from, by how their source names start (first match).
RETURN_FAMILIES = {
    "ASC-FR": catalogue.ASCFR,  # one publisher name per source: the plan's (its files' publisher)
    "SALT": catalogue.SALT,
    "ASCOF": "ASCOF (DHSC)",
    "CQC": "CQC",
    "Skills for Care": "Skills for Care",
    "ONS": "ONS",
    "Council's own records": "Council's own records",
}


def return_family(source: str) -> str:
    """'DEMO - ASC-FR (NHS Digital) T43/T44; ONS' -> 'ASC-FR (NHS Digital)' (its first source)."""
    first = str(source).removeprefix("DEMO - ").split(";")[0].strip()
    for prefix, family in RETURN_FAMILIES.items():
        if first.lower().startswith(prefix.lower()):
            return family
    return first


def returns(indicators: pd.DataFrame) -> list[ReturnCover]:
    """Per published return: the latest year the plan's figures from it carry, how many figures
    that year held, and how many were suppressed or not submitted (a council that made no return
    has none that year)."""
    ind = indicators[indicators["status"] != "missing"]
    fam = ind["source"].map(return_family)
    out = []
    for family, g in ind.groupby(fam, sort=True):
        dated = g[g["year"].notna()]
        if dated.empty:
            out.append(ReturnCover(family=family, figures=len(g)))
            continue
        latest = dated[dated["year"] == dated["year"].max()]
        labels = latest["year_label"].dropna().astype(str)
        out.append(
            ReturnCover(
                family=family,
                # a snapshot's own label ('as at 11 July 2026'), else the financial year
                latest_year=labels.mode().iloc[0] if len(labels) else _fy(latest["year"].iloc[0]),
                figures=len(latest),
                unavailable=int((latest["status"] != "ok").sum()),
            )
        )
    return out


def data_build(draft: Draft) -> DataBuild:
    """The data build the plan stands on: label, date, the published files' fingerprint."""
    from msp_analysis import __version__
    from msp_analysis.forecast.run import manifest_hash
    from msp_analysis.narrative import context

    m = draft.tables.manifest if draft.tables is not None else {}
    return DataBuild(
        label=str(m.get("label", "")),
        built_at=str(m.get("built_at", "")),
        manifest_sha256=manifest_hash(draft.tables) if draft.tables is not None else "",
        code_version=__version__,
        files=context.files_read(m),
    )


def council_facts(draft: Draft) -> CouncilFacts:
    """The national report's facts for one council, from its drafted plan."""
    s1 = (draft.facts or {}).get("section1") or {}
    fc = draft.forecast
    headline = measures(s1) if s1 else []
    return CouncilFacts(
        facts_version=FACTS_VERSION,
        la_code=draft.la_code,
        council=draft.council,
        demo=bool(draft.demo),
        **council_place(draft.place),
        data=data_build(draft),
        risks=risk_states(draft.risks),
        measures=headline,
        outlook=outlook(draft),
        outlook_missing=draft.section2_unavailable if draft.headline is None else "",
        forecast_notes=list(fc.notes) if fc is not None else [],
        inputs=[
            ForecastInput(input=i.input, year_label=_fy(i.year), age_years=_num(i.age_years))
            for i in (fc.inputs.itertuples() if fc is not None else [])
        ],
        backtest=backtest_rows(draft),
        sources=[SourceYears(**s) for s in s1.get("sources", [])],
        sources_missing=list(s1.get("sources_missing", [])),
        returns=returns(draft.indicators),
        evidence_used=bool(s1.get("evidence", {}).get("used")),
    )
