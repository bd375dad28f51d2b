"""Every council's plan in parallel (:func:`build_all`): what the plans share is computed
first, once (:mod:`~msp_analysis.report.warmup`); then worker processes, each with one kernel
and one Chromium for all its councils (or a Dask cluster); one failure does not stop the
rest; after every plan, the national insights report (:func:`national_report`) and the index
page (:mod:`~msp_analysis.report.index`).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from msp_analysis import geography
from msp_analysis.errors import UsageError
from msp_analysis.report.index import write_index
from msp_analysis.report.kernel import KernelRunner
from msp_analysis.report.plan import build
from msp_analysis.report.render_pdf import pdf_engine
from msp_analysis.report.warmup import warm_in_own_process

log = logging.getLogger(__name__)

_RUNNER: KernelRunner | None = None
_BROWSER = None  # one headless Chromium per batch worker (msp_analysis.browser.Browser)


def _start_runner(cwd: str, pdf: bool = False) -> None:
    """Process-pool initializer: one kernel and one Chromium per worker, ended with the worker.

    ``multiprocessing.util.Finalize`` (not atexit, which pool workers skip) closes both.
    """
    from multiprocessing import util

    global _RUNNER, _BROWSER
    _RUNNER = KernelRunner(Path(cwd))
    util.Finalize(None, _RUNNER.close, exitpriority=10)
    engine = pdf_engine() if pdf else None
    if engine:
        from msp_analysis.browser import Browser, BrowserError

        try:
            _BROWSER = Browser(engine)
        except (OSError, BrowserError) as exc:
            log.warning("could not start Chromium for this worker (%s): one per plan instead", exc)
        else:
            util.Finalize(None, _BROWSER.close, exitpriority=10)


def _one(kwargs: dict) -> dict:
    try:
        return {"ok": True, **build(**kwargs, runner=_RUNNER, browser=_BROWSER)}
    except Exception as exc:  # one council's failure must not stop the batch
        return {
            "ok": False,
            "la_code": kwargs["la_code"],
            "error": f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1][:300] if str(exc).strip() else ''}",
        }


def build_all(
    *,
    raw_dir: str | Path,
    out_dir: str | Path = "reports",
    councils: list[str] | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    **kwargs,
) -> dict:
    """Every council's plan, in parallel; failures are collected, not fatal. Writes index.html.

    Each worker process (started fresh, never forked from a parent holding tables) keeps one
    kernel and one headless Chromium for all its councils; both end with the worker. Things
    computed for all councils (the backtest, indicators of every area, ...) are computed
    first, once, in a short-lived process of their own (:func:`warm_shared`), and stored in
    the data build's derived folder, where every worker finds them.
    """
    import multiprocessing

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    # everything the plans share is computed before any worker starts, in a process of its own
    bt_file, in_data = warm_in_own_process(raw_dir, councils)
    councils = councils or in_data
    bt_file = kwargs.pop("backtest_file", None) or bt_file
    jobs = [
        dict(la_code=c, raw_dir=raw_dir, out_dir=out, backtest_file=bt_file, **kwargs)
        for c in councils
    ]
    results = []
    if scheduler:
        try:
            from dask.distributed import Client
        except ImportError as exc:
            raise UsageError(
                "--scheduler needs dask.distributed (`pip install 'dask[distributed]'`); without it the batch runs on this machine"
            ) from exc
        with Client(scheduler) as client:
            futures = client.map(_one, jobs)
            results = client.gather(futures)
    else:
        from tqdm.auto import tqdm

        from msp_analysis.browser import BATCH_DIR_ENV, kill_browsers_under

        n = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
        # the workers' Chromium profiles go in one folder of this batch's own, so that every
        # browser process they started can be ended when the batch is over, whatever happened
        browsers = tempfile.mkdtemp(
            prefix="msp-batch-", dir="/tmp" if os.access("/tmp", os.W_OK) else None
        )
        previous = os.environ.get(BATCH_DIR_ENV)
        os.environ[BATCH_DIR_ENV] = browsers  # spawned workers inherit it
        try:
            with ProcessPoolExecutor(
                max_workers=n,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_runner,
                initargs=(str(out.resolve()), kwargs.get("pdf", True)),
            ) as pool:
                futures = [pool.submit(_one, j) for j in jobs]
                for f in tqdm(
                    as_completed(futures),
                    total=len(futures),
                    desc="plans",
                    unit="council",
                    disable=not progress,
                ):
                    results.append(f.result())
        finally:
            if previous is None:
                os.environ.pop(BATCH_DIR_ENV, None)
            else:
                os.environ[BATCH_DIR_ENV] = previous
            left = kill_browsers_under(browsers)
            if left:
                log.info("ended %d browser process(es) the workers left behind", left)
            shutil.rmtree(browsers, ignore_errors=True)
    results.sort(key=lambda r: r["la_code"])
    national = national_report(results, out, pdf=kwargs.get("pdf", True))
    write_index(results, out, national=national)
    failed = [r for r in results if not r["ok"]]
    return {
        "built": len(results) - len(failed),
        "failed": failed,
        "index": str(out / "index.html"),
        "national": national,
        "results": results,
    }


def national_report(results: list[dict], out: Path, *, pdf: bool = True) -> dict | None:
    """The national insights report of a batch (``<out>/national/``), from the facts its plans
    stored; the plans' facts leave the results (they are on disk). None, with a warning, when
    it cannot be written: the plans stand without it."""
    from msp_analysis import national
    from msp_analysis.errors import MspError

    builds = [
        r.pop("facts")["data"]["manifest_sha256"]
        for r in results
        if r.get("ok") and isinstance(r.get("facts"), dict)
    ]
    if not builds:
        return None
    failed = [
        dict(
            la_code=r["la_code"],
            council=geography.council_name(r["la_code"]) or r["la_code"],
            error=r["error"],
        )
        for r in results
        if not r["ok"]
    ]
    try:
        return national.write(out, manifest_sha256=builds[0], failed=failed, pdf=pdf)
    except (MspError, OSError) as exc:
        log.warning("the national report was not written: %s", exc)
        return None
