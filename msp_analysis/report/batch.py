"""Every council's plan in parallel (:func:`build_all`): what the plans share is computed
first, once (:mod:`~msp_analysis.report.warmup`); then worker processes, each with one kernel
and one Chromium for all its councils (or a Dask cluster); one failure does not stop the
rest; after every plan, the national insights report (:func:`national_report`) and the index
page (:mod:`~msp_analysis.report.index`).

Nothing outlives the batch and nothing blocks the next one. Workers end with the batch,
however it ends (:func:`msp_analysis.lifeline.follow_parent`); a run's half-built plan
folders, browser profiles and kernel files carry its process id and are removed by the next
run once it is gone (:mod:`~msp_analysis.report.leftovers`). A plan already built for the
same data build, settings and code is kept (:mod:`~msp_analysis.report.resume`; ``force``
rebuilds it). A worker whose kernel does not start tries once more, then lists that council
as failed and goes on; a worker that dies (killed, out of memory) has its councils tried
once more in a new pool. A batch always ends with its index written: a council that failed
for a reason that is a bug names the log file holding the traceback (``<out>/logs/``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from msp_analysis.council import council_of
from msp_analysis.errors import MspError, UsageError
from msp_analysis.report import leftovers, resume
from msp_analysis.report.index import write_index
from msp_analysis.report.kernel import KernelRunner
from msp_analysis.report.plan import build
from msp_analysis.report.render_pdf import pdf_engine
from msp_analysis.report.warmup import warm_in_own_process

log = logging.getLogger(__name__)

_RUNNER: KernelRunner | None = None
_BROWSER = None  # one headless Chromium per batch worker (msp_analysis.browser.Browser)
_SETUP: dict = {}  # the worker's settings: the folder its kernel runs in, whether to print PDFs

#: where a batch writes the traceback of a council that failed for a reason that is a bug
LOGS = "logs"


def _start_worker(cwd: str, pdf: bool = False) -> None:
    """Process-pool initializer: the worker ends with the batch (however the batch ends); its
    kernel and Chromium start with its first council (:func:`_runner`, :func:`_browser`)
    and end with the worker (``multiprocessing.util.Finalize``: pool workers skip atexit)."""
    from msp_analysis.lifeline import follow_parent

    follow_parent()
    _SETUP.update(cwd=cwd, pdf=pdf)


def _runner() -> KernelRunner:
    """The worker's live kernel: started (or started again, when it died) with one retry.

    Raises:
        RuntimeError: the kernel did not start twice (the council it was for fails).
    """
    from multiprocessing import util

    global _RUNNER
    if _RUNNER is not None and _RUNNER.alive():
        return _RUNNER
    if _RUNNER is not None:
        log.warning("this worker's kernel stopped: starting a new one")
        with contextlib.suppress(Exception):
            _RUNNER.close()
        _RUNNER = None
    errors = []
    for _attempt in range(2):
        try:
            _RUNNER = KernelRunner(Path(_SETUP.get("cwd", ".")))
        except Exception as exc:  # jupyter_client raises many kinds
            errors.append(f"{type(exc).__name__}: {exc}")
            continue
        util.Finalize(None, _RUNNER.close, exitpriority=10)
        return _RUNNER
    raise RuntimeError(f"the worker's kernel did not start, twice ({errors[-1][:200]})")


def _browser():
    """The worker's Chromium (None without a PDF engine, or where it cannot run): started at
    the first plan, and once more when it has died; a plan it fails to print is printed by a
    Chromium of its own (:func:`~msp_analysis.report.render_pdf.to_pdf`)."""
    from multiprocessing import util

    global _BROWSER
    if not _SETUP.get("pdf"):
        return None
    if _BROWSER is not None and _BROWSER.proc.poll() is None:
        return _BROWSER
    if _BROWSER is not None:
        _BROWSER.close()
        _BROWSER = None
    engine = pdf_engine()
    if engine:
        from msp_analysis import browser

        _BROWSER = browser.start(engine)
        if _BROWSER is not None:
            util.Finalize(None, _BROWSER.close, exitpriority=10)
    return _BROWSER


def _one(kwargs: dict) -> dict:
    """One council's plan in a worker; never raises (a failure is a result)."""
    try:
        if _SETUP:  # a process-pool worker: its own kernel and Chromium for all its councils
            return {"ok": True, **build(**kwargs, runner=_runner(), browser=_browser())}
        # a Dask worker (on any computer): papermill, as a single plan, leaving other runs'
        # folders alone (the batch cleaned them before it started)
        return {"ok": True, **build(**kwargs, tidy=False)}
    except Exception as exc:  # one council's failure must not stop the batch
        return _failed(kwargs["la_code"], exc, Path(kwargs["out_dir"]))


def _failed(la_code: str, exc: BaseException, out: Path) -> dict:
    """A failed council's result: the error in one line; for an error that is not a data or
    settings problem (a bug, a kernel that would not start), the traceback in
    ``<out>/logs/<la_code>.log``, which the line names."""
    text = str(exc).strip()
    error = f"{type(exc).__name__}: {text.splitlines()[-1][:300] if text else ''}"
    if not isinstance(exc, MspError):
        path = out / LOGS / f"{la_code}.log"
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(
                "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
                encoding="utf-8",
            )
            error += f" (details in {LOGS}/{path.name})"
    return {"ok": False, "la_code": la_code, "error": error}


@contextlib.contextmanager
def _run_folders():
    """A folder of this run's own in the temporary folder for its workers' Chromium
    profiles (so every browser they started can be ended after) and kernel files (so a
    killed run's are removed by the next run); both named with this process's id."""
    from msp_analysis.browser import BATCH_DIR_ENV, kill_browsers_under

    base = "/tmp" if os.name != "nt" and os.access("/tmp", os.W_OK) else None
    browsers = tempfile.mkdtemp(prefix=f"msp-batch-{os.getpid()}-", dir=base)
    saved = os.environ.get(BATCH_DIR_ENV)
    os.environ[BATCH_DIR_ENV] = browsers  # spawned workers inherit it
    try:
        with leftovers.kernel_files():
            yield
    finally:
        if saved is None:
            os.environ.pop(BATCH_DIR_ENV, None)
        else:
            os.environ[BATCH_DIR_ENV] = saved
        left = kill_browsers_under(browsers)
        if left:
            log.info("ended %d browser process(es) the workers left behind", left)
        shutil.rmtree(browsers, ignore_errors=True)


def _in_pool(jobs: list[dict], n: int, out: Path, pdf: bool, progress: bool) -> list[dict]:
    """The jobs in a pool of ``n`` workers. When a worker dies (killed, out of memory) every
    job the pool still held is lost: they are tried once more in a new pool, and those lost
    again each in a pool of its own, so one council that kills its worker fails alone."""
    from tqdm.auto import tqdm

    results: list[dict] = []
    bar = tqdm(total=len(jobs), desc="plans", unit="council", disable=not progress)
    try:
        lost = _pool_round(jobs, n, out, pdf, results, bar)
        if lost:
            log.warning("a worker stopped; trying its %d council(s) once more", len(lost))
            lost = _pool_round(lost, n, out, pdf, results, bar)
        for job in lost:  # each alone: only a job that kills its worker fails
            for exc in _pool_round([job], 1, out, pdf, results, bar, errors=True):
                results.append(_failed(job["la_code"], exc, out))
                bar.update()
    finally:
        bar.close()
    return results


def _pool_round(jobs, n, out, pdf, results, bar, *, errors=False) -> list:
    """Run ``jobs`` in one pool; append what they return to ``results``; return the jobs
    lost with a dead worker (or, with ``errors``, the exceptions they were lost with)."""
    import multiprocessing

    lost = []
    with ProcessPoolExecutor(
        max_workers=max(1, min(n, len(jobs))),
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start_worker,
        initargs=(str(out.resolve()), pdf),
    ) as pool:
        futures = {pool.submit(_one, j): j for j in jobs}
        for f in as_completed(futures):
            try:
                results.append(f.result())
                bar.update()
            except Exception as exc:  # the worker died (BrokenProcessPool) or more
                lost.append(exc if errors else futures[f])
    return lost


def build_all(
    *,
    raw_dir: str | Path,
    out_dir: str | Path = "reports",
    councils: list[str] | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
    force: bool = False,
    **kwargs,
) -> dict:
    """Every council's plan, in parallel; failures are collected, not fatal. Writes index.html.

    Each worker process (started fresh, never forked from a parent holding tables) keeps one
    kernel and one headless Chromium for all its councils; both end with the worker. Things
    computed for all councils (the backtest, indicators of every area, ...) are computed
    first, once, in a short-lived process of their own (:func:`warm_shared`), and stored in
    the data build's derived folder, where every worker finds them. A plan already built in
    ``out_dir`` for the same data build, settings and code is kept (``kept`` in the result),
    unless ``force``.
    """
    from msp_analysis import store

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    leftovers.clean(out)
    # everything the plans share is computed before any worker starts, in a process of its own
    try:
        bt_file, in_data = warm_in_own_process(raw_dir, councils)
    except Exception as exc:  # each plan computes what it needs; the batch goes on
        log.warning("could not compute what the plans share, once (%s): each plan will", exc)
        from msp_analysis.report.warmup import councils_in

        bt_file, in_data = None, councils_in(raw_dir)
    councils = councils or in_data
    bt_file = kwargs.pop("backtest_file", None) or bt_file
    pdf = bool(kwargs.get("pdf", True)) and pdf_engine() is not None
    docx = bool(kwargs.get("docx", True))
    key = resume.plan_key(
        data_version=store.ensure(raw_dir).name,
        scenarios=kwargs.get("scenarios"),
        actions_file=kwargs.get("actions_file"),
        evidence_file=kwargs.get("evidence_file"),
        horizon=kwargs.get("horizon", 5),
        pdf=pdf,
        docx=docx,
    )
    results, todo = [], []
    for c in councils:
        summary = None if force else resume.kept(out, c, key, pdf=pdf, docx=docx)
        if summary is not None:
            results.append({"ok": True, "kept": True, **summary})
        else:
            todo.append(c)
    kept = len(results)
    if kept:
        log.info("kept %d plan(s) already built for this data build, settings and code", kept)
    jobs = [
        dict(
            la_code=c, raw_dir=raw_dir, out_dir=out, backtest_file=bt_file, build_key=key, **kwargs
        )
        for c in todo
    ]
    if scheduler and jobs:
        try:
            from dask.distributed import Client
        except ImportError as exc:
            raise UsageError(
                "--scheduler needs dask.distributed (`pip install 'dask[distributed]'`); without it the batch runs on this machine"
            ) from exc
        with Client(scheduler) as client:
            futures = client.map(_one, jobs)
            results += client.gather(futures)
    elif jobs:
        n = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
        with _run_folders():
            results += _in_pool(jobs, n, out, kwargs.get("pdf", True), progress)
    results.sort(key=lambda r: r["la_code"])
    national = national_report(results, out, pdf=kwargs.get("pdf", True))
    write_index(results, out, national=national)
    failed = [r for r in results if not r["ok"]]
    return {
        "built": len(results) - len(failed) - kept,
        "kept": kept,
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
            council=council_of(r["la_code"]).name,
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
