"""What every council's plan shares, computed once per data build and code version and
stored with the build's other derived results (:func:`msp_analysis.cache.derived_dir`): the
backtest of every council, and the council-independent frames a plan reads (:func:`warm_shared`)."""

from __future__ import annotations

import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from msp_analysis import atomic, cache, store

log = logging.getLogger(__name__)


def councils_in(raw_dir: str | Path) -> list[str]:
    """Councils of today with a base year of SALT data in the folder, their own or the
    returns of the council(s) they were made from (the 153 current councils for real data,
    never an abolished one; the demo ones for DEMO).

    Reads three columns of one table, so a batch's parent process stays small.
    """
    import pandas as pd

    salt = pd.read_parquet(
        store.ensure(raw_dir) / "salt.parquet", columns=["la_code", "table_ref", "area_type"]
    )
    from msp_analysis import geography

    published = set(
        salt.loc[(salt["table_ref"] == "T34") & (salt["area_type"] == "council"), "la_code"]
    )
    codes = {today for code in published for today in (geography.successors(code) or [code])}
    return sorted(codes)


def shared_backtest(raw_dir: str | Path, tables=None) -> Path:
    """The backtest summary of every council, computed once per data build and code version.

    Stored with the build's derived results (:func:`msp_analysis.cache.derived_dir`) and
    reused by every plan, instead of a rolling-origin backtest of all councils inside each plan.
    """
    processed = store.ensure(raw_dir)
    path = cache.derived_dir(processed) / "backtest_summary.csv"
    if path.exists():
        return path
    from msp_analysis.forecast import backtest
    from msp_analysis.tables import Tables

    log.info("computing the backtest of every council once for this data build")
    summary = backtest.summary(backtest.backtest(tables or Tables.load(processed)))
    return atomic.write_with(path, lambda tmp: summary.to_csv(tmp, index=False))


#: written beside the derived results once :func:`warm_shared` has computed them all
WARM_MARK = ".warm"


def warm_shared(raw_dir: str | Path, councils: list[str] | None = None) -> tuple[str, list[str]]:
    """Compute, once, every result all councils' plans share, and store it for them.

    The processed tables (built if needed), the backtest summary, and every
    council-independent frame a plan reads (``Tables.derived``: indicators of every area,
    comparator features, series, SALT and ASC-FR extracts...), by drafting one council's
    plan without a notebook. :func:`build_all` runs this in a short-lived process of its
    own before any worker starts, so neither the parent nor a worker reads the large
    tables, and the memory it needed is returned when it exits. Returns the backtest
    summary's path and the councils in the data.
    """
    from msp_analysis.indicators.assess import all_indicators
    from msp_analysis.indicators.comparators import features
    from msp_analysis.tables import Tables

    processed = store.ensure(raw_dir)
    in_data = councils_in(raw_dir)
    mark = cache.derived_dir(processed) / WARM_MARK
    if mark.exists():
        return str(shared_backtest(raw_dir)), in_data
    la_code = next((c for c in councils or [] if c in in_data), in_data[0])
    log.info("computing what every council's plan shares, once (with %s)", la_code)
    # one step at a time, each table released after the step that read it, so this process
    # holds only one step's tables (the ASC-FR table alone is about 300 MiB in memory); the
    # steps that need no statsmodels or matplotlib come first, before those are imported
    tables = Tables.load(processed)
    try:
        for step in (features, all_indicators):
            step(tables)
            tables.release()
        from msp_analysis.forecast.returns import ascfr_rows

        ascfr_rows(tables)
        tables.release()
    except Exception as exc:  # the draft below computes them, or says why it cannot
        log.warning("could not prepare the shared indicators (%s)", exc)
    bt = shared_backtest(raw_dir, tables)
    tables.release()
    try:
        import pandas as pd

        from msp_analysis.narrative import plan

        plan.draft(la_code, raw_dir=raw_dir, backtest_summary=pd.read_csv(bt))
        plan.tables_for(processed).release()
    except Exception as exc:  # each worker then computes what it needs, as before
        log.warning("could not prepare the shared results with %s (%s)", la_code, exc)
    else:
        mark.write_text(la_code + "\n")
    return str(bt), in_data


def warm_in_own_process(raw_dir: str | Path, councils: list[str] | None) -> tuple[str, list[str]]:
    """:func:`warm_shared` in a fresh process (spawned, so it never holds the parent's memory)."""
    from msp_analysis.lifeline import follow_parent

    with ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=follow_parent,  # a killed batch's warm-up ends with it
    ) as p:
        return p.submit(warm_shared, str(raw_dir), councils).result()
