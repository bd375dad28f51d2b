"""Read every council's stored plan facts from a folder of plans, and lay them out as tidy frames.

A batch writes ``<reports>/<la_code>/summary.json`` for each plan; its ``facts`` entry is a
:class:`~msp_analysis.national.facts.CouncilFacts`. :func:`read_reports` reads them all (a few
milliseconds each), keeps the plans of one data build (the newest, unless told which) and
says which it left out and why. The frames below are the only way the national report sees
the plans: one row per council and thing, never a pass over the data tables.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from pydantic import BaseModel, ValidationError

from msp_analysis import geography
from msp_analysis.council import council_of
from msp_analysis.errors import UsageError
from msp_analysis.national.facts import (
    FACTS_VERSION,
    BacktestRow,
    CouncilFacts,
    Measure,
    RiskCell,
)

log = logging.getLogger(__name__)

SUMMARY = "summary.json"


@dataclass
class Plans:
    """The councils' facts the national report is built from, and what was left out."""

    facts: list[CouncilFacts]
    #: the folder of plans (None for facts made in memory)
    root: Path | None = None
    #: la_code -> the plan's HTML and PDF, relative to the reports folder (None where absent)
    links: dict[str, dict[str, str | None]] = field(default_factory=dict)
    #: plans not used, each with the reason (la_code, council, reason)
    left_out: list[dict] = field(default_factory=list)
    #: councils whose plan failed in this batch (la_code, council, error)
    failed: list[dict] = field(default_factory=list)

    @property
    def demo(self) -> bool:
        return any(f.demo for f in self.facts)

    @property
    def data(self):
        """The data build every plan used (they are all one build)."""
        return self.facts[0].data


def _name(code: str) -> str:
    return council_of(code).name


def read_reports(
    reports_dir: str | Path, *, manifest_sha256: str | None = None, failed: list[dict] | None = None
) -> Plans:
    """The facts of every plan in ``reports_dir``, of one data build.

    ``manifest_sha256`` names the data build (a batch passes its own); without it the build of
    the most recently built plan is used. Plans of another build, plans written before facts
    were stored, and unreadable summaries are listed in ``left_out``, never mixed in.

    Raises:
        UsageError: the folder holds no plan with facts the national report can read.
    """
    root = Path(reports_dir)
    if not root.is_dir():
        raise UsageError(f"{root}: no such folder of plans (build them with `msp report --all`)")
    read: list[tuple[float, CouncilFacts]] = []
    links: dict[str, dict[str, str | None]] = {}
    left_out: list[dict] = []
    for summary in sorted(root.glob(f"*/{SUMMARY}")):
        code = summary.parent.name
        if not geography.COUNCIL_CODE.match(code):
            continue
        try:
            doc = json.loads(summary.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            left_out.append(
                dict(la_code=code, council=_name(code), reason=f"summary unreadable ({exc})")
            )
            continue
        raw = doc.get("facts") if isinstance(doc, dict) else None
        if not isinstance(raw, dict) or raw.get("facts_version") != FACTS_VERSION:
            left_out.append(
                dict(
                    la_code=code,
                    council=_name(code),
                    reason="built by an earlier version of msp-analysis, which stored no facts "
                    "for the national report: rebuild the plans with `msp report --all`",
                )
            )
            continue
        try:
            facts = CouncilFacts.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(x) for x in first["loc"])
            left_out.append(
                dict(
                    la_code=code,
                    council=_name(code),
                    reason=f"facts not valid ({where}: {first['msg']})",
                )
            )
            continue
        read.append((summary.stat().st_mtime, facts))
        links[code] = {
            kind: f"{code}/plan.{kind}" if (summary.parent / f"plan.{kind}").exists() else None
            for kind in ("html", "pdf")
        }
    if not read and not left_out:
        raise UsageError(f"{root}: no council plans here; build them with `msp report --all`")
    if not read:
        raise UsageError(
            f"{root}: none of its {len(left_out)} plans can be read for the national report "
            f"({left_out[0]['council']}: {left_out[0]['reason']})"
        )
    build = manifest_sha256 or max(read, key=lambda t: t[0])[1].data.manifest_sha256
    keep = []
    for _, f in read:
        if f.data.manifest_sha256 == build:
            keep.append(f)
        else:
            left_out.append(
                dict(
                    la_code=f.la_code,
                    council=f.council,
                    reason=f"built from another data build ({f.data.label or 'unlabelled'}, "
                    f"{f.data.built_at[:10]})",
                )
            )
    if not keep:
        raise UsageError(f"{root}: no plan was built from this data build; rebuild the plans")
    keep.sort(key=lambda f: f.la_code)
    return Plans(
        facts=keep,
        root=root,
        links={f.la_code: links[f.la_code] for f in keep},
        left_out=sorted(left_out, key=lambda r: r["la_code"]),
        failed=list(failed or []),
    )


IDS = ["la_code", "council", "region", "la_type"]


def _ids(f: CouncilFacts) -> dict:
    return {k: getattr(f, k) for k in IDS}


def _frame(plans: Plans, field: str, model: type[BaseModel]) -> pd.DataFrame:
    """One row per council and item of its ``field`` list (columns: the council, then the
    item model's fields, so an empty frame still has them)."""
    rows = [{**_ids(f), **item.model_dump()} for f in plans.facts for item in getattr(f, field)]
    return pd.DataFrame(rows, columns=[*IDS, *model.model_fields])


def councils_frame(plans: Plans) -> pd.DataFrame:
    """One row per council: code, name, region, type."""
    return pd.DataFrame([_ids(f) for f in plans.facts], columns=IDS)


def risks_frame(plans: Plans) -> pd.DataFrame:
    """One row per council, risk and market: the plan's state for it (flagged, not flagged, could
    not run), what flagged it, and the public-data tests that lacked their figures."""
    return _frame(plans, "risks", RiskCell)


def measures_frame(plans: Plans) -> pd.DataFrame:
    """One row per council and Section 1 headline figure, as its plan shows it."""
    return _frame(plans, "measures", Measure)


#: Drivers of the rise in spend the national report follows (the plan's driver keys).
DRIVER_SHARES = {"prices": "pay and prices", "population": "population", "rate": "rates of support"}


def outlook_frame(plans: Plans) -> pd.DataFrame:
    """One row per council with a forecast: spend and people to the horizon, ranges, drivers."""
    rows = []
    for f in plans.facts:
        o = f.outlook
        if o is None:
            continue
        row = {**_ids(f), **o.model_dump(exclude={"driver_gbp", "driver_share_pct"})}
        for key in DRIVER_SHARES:
            row[f"share_{key}_pct"] = o.driver_share_pct.get(key)
        rows.append(row)
    return pd.DataFrame(rows)


def backtest_frame(plans: Plans) -> pd.DataFrame:
    """One row per council, target and origin: the model's error, the last value's, coverage."""
    return _frame(plans, "backtest", BacktestRow)
