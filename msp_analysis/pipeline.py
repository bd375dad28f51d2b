"""The pipeline a user calls, stage by stage: ``load`` -> ``assess`` -> ``forecast`` -> ``plan``.

Each stage is a thin function over the library code that does the work (named in its
docstring), so a notebook or script reads as the plan is made::

    from msp_analysis import pipeline as msp

    tables = msp.load("data/raw")                    # published files -> tidy tables
    indicators, comparators = msp.assess(tables, "Wiltshire")    # Section 1: the market now
    result = msp.forecast(tables, "Wiltshire")                   # Section 2: people and spend
    summary = msp.plan("Wiltshire", "data/raw")                  # the plan: HTML, PDF, Word

A council is its ONS code or its name, as on the command line (``Wiltshire``,
``e06000054``). Without a folder of published files, ``load`` and ``plan`` use the embedded
DEMO data set (fictional councils such as ``Demoshire``), as ``msp report`` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from msp_analysis import config, demo, inputs, resources, store
from msp_analysis.forecast.run import ForecastResult, run
from msp_analysis.indicators.assess import assess as assess_council
from msp_analysis.report.plan import build
from msp_analysis.tables import Tables

#: the stages in the order a plan is made
STAGES = ("load", "assess", "forecast", "plan")


def _raw(raw_dir: str | Path | None) -> Path:
    """``raw_dir``, or the DEMO data set's folder (written there the first time)."""
    if raw_dir is not None:
        return Path(raw_dir)
    folder = config.demo_raw_dir()
    if not (folder / store.DEMO_MARKER).exists():
        demo.write(folder)
    return folder


def load(raw_dir: str | Path | None = None) -> Tables:
    """Stage 1: the tidy tables read from the published files in ``raw_dir`` (the DEMO data
    set when None).

    Built once by :func:`msp_analysis.store.ensure` and rebuilt only when a file changes
    (``msp data``); read by :meth:`msp_analysis.tables.Tables.load`.
    """
    return Tables.load(store.ensure(_raw(raw_dir)))


def assess(tables: Tables, council: str, *, k: int = 15) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stage 2 (Section 1, the market now): every indicator for ``council`` benchmarked
    against its ``k`` comparator councils, and those comparators
    (:func:`msp_analysis.indicators.assess.assess`; ``msp market``)."""
    return assess_council(tables, inputs.resolve_council(council, option="council"), k=k)


def forecast(
    tables: Tables,
    council: str,
    scenarios: Sequence[str | Path] | None = None,
    *,
    horizon: int = 5,
) -> ForecastResult:
    """Stage 3 (Section 2): people and spend for ``council`` over ``horizon`` years under each
    scenario file (default: the shipped scenarios; :func:`msp_analysis.forecast.run.run`;
    ``msp forecast``)."""
    files = list(scenarios) if scenarios else list(resources.scenario_files())
    return run(tables, inputs.resolve_council(council, option="council"), files, horizon=horizon)


def plan(
    council: str,
    raw_dir: str | Path | None = None,
    *,
    out_dir: str | Path = "reports",
    **options: Any,
) -> dict:
    """Stage 4: the plan for ``council`` written to ``<out_dir>/<code>/`` (notebook, HTML, PDF
    and Word; :func:`msp_analysis.report.build`, whose keyword ``options`` it passes on:
    ``scenarios``, ``actions_file``, ``evidence_file``, ``horizon``, ``pdf``, ``docx``;
    ``msp report``). Returns the plan's summary (paths, timings, headline figures)."""
    code = inputs.resolve_council(council, option="council")
    return build(code, raw_dir=_raw(raw_dir), out_dir=out_dir, **options)
