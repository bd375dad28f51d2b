"""The national insights report: every council's plan rolled up, from the facts stored with it.

Flow: each plan stores its facts (:mod:`.facts`, in ``<reports>/<la_code>/summary.json``) ->
:mod:`.collect` reads them all into tidy frames -> :mod:`.table1` (DHSC's five risks x markets,
beside DHSC's 2023 Table 1), :mod:`.standing` (distributions of the plans' headline figures),
:mod:`.record` (the forecast's backtest by horizon), :mod:`.coverage` (sources, returns, tests
without data) -> :mod:`.insights` renders ``national/insights.html`` and ``.pdf``.

``msp report --all`` writes it after the plans; ``msp insights`` writes it from a folder of
plans, or (``--raw``) from a data build, drafting each council's facts without rendering plans.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from msp_analysis.national.collect import Plans, read_reports
from msp_analysis.national.facts import FACTS_VERSION, CouncilFacts, council_facts

log = logging.getLogger(__name__)

#: The national report's folder inside a folder of plans.
FOLDER = "national"

__all__ = [
    "FACTS_VERSION",
    "FOLDER",
    "CouncilFacts",
    "Plans",
    "council_facts",
    "draft_facts",
    "read_reports",
    "write",
]


def write(
    reports_dir: str | Path,
    *,
    out_dir: str | Path | None = None,
    manifest_sha256: str | None = None,
    failed: list[dict] | None = None,
    pdf: bool = True,
) -> dict:
    """The national report of the plans in ``reports_dir``, into ``out_dir`` (default
    ``<reports_dir>/national``); returns its paths, councils and seconds."""
    from msp_analysis.national import insights

    start = time.perf_counter()
    plans = read_reports(reports_dir, manifest_sha256=manifest_sha256, failed=failed)
    out = insights.write(plans, out_dir or Path(reports_dir) / FOLDER, pdf=pdf)
    out["seconds"] = round(time.perf_counter() - start, 1)
    return out


def _facts_one(la_code: str, raw_dir: str, backtest_file: str, reports_dir: str) -> dict:
    """Draft one council's plan (no notebook, no HTML) and store its summary and facts."""
    import pandas as pd

    from msp_analysis.narrative import plan

    try:
        d = plan.draft(la_code, raw_dir=raw_dir, backtest_summary=pd.read_csv(backtest_file))
        summary = d.summary()
    except Exception as exc:  # one council's failure must not stop the rest
        text = str(exc).strip().splitlines()[-1][:300] if str(exc).strip() else ""
        return {"ok": False, "la_code": la_code, "error": f"{type(exc).__name__}: {text}"}
    folder = Path(reports_dir) / la_code
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".summary.json.{os.getpid()}"
    tmp.write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
    os.replace(tmp, folder / "summary.json")
    return {"ok": True, "la_code": la_code}


def _stored_build(summary: Path) -> str | None:
    try:
        facts = json.loads(summary.read_text(encoding="utf-8")).get("facts") or {}
    except (OSError, ValueError):
        return None
    if facts.get("facts_version") != FACTS_VERSION:
        return None
    return (facts.get("data") or {}).get("manifest_sha256")


def draft_facts(
    raw_dir: str | Path,
    reports_dir: str | Path,
    *,
    councils: list[str] | None = None,
    workers: int | None = None,
    progress: bool = True,
) -> dict:
    """Each council's facts from a data build, without rendering a plan: the councils whose
    stored facts are not from this build are drafted (in parallel processes) and their
    ``summary.json`` written into ``<reports_dir>/<la_code>/``. Returns the data build's
    fingerprint and the councils drafted and failed."""
    from tqdm.auto import tqdm

    from msp_analysis import report, store
    from msp_analysis.forecast.run import manifest_hash
    from msp_analysis.tables import Tables

    bt_file, in_data = report.warm_in_own_process(raw_dir, councils)
    build = manifest_hash(Tables(manifest=store.manifest(store.ensure(raw_dir))))
    wanted = councils or in_data
    todo = [c for c in wanted if _stored_build(Path(reports_dir) / c / "summary.json") != build]
    results = []
    if todo:
        n = max(1, min(workers or os.cpu_count() or 1, len(todo)))
        from msp_analysis.lifeline import follow_parent

        with ProcessPoolExecutor(
            max_workers=n,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=follow_parent,  # they end with the command, however it ends
        ) as pool:
            futures = [
                pool.submit(_facts_one, c, str(raw_dir), str(bt_file), str(reports_dir))
                for c in todo
            ]
            for f in tqdm(
                as_completed(futures),
                total=len(futures),
                desc="facts",
                unit="council",
                disable=not progress,
            ):
                results.append(f.result())
    failed = sorted((r for r in results if not r["ok"]), key=lambda r: r["la_code"])
    return {
        "manifest_sha256": build,
        "drafted": len(results) - len(failed),
        "reused": len(wanted) - len(todo),
        "failed": failed,
    }
