"""Plan reports: run the plan notebook with papermill, render HTML (code hidden) and a PDF.

One council: ``build(la_code, ...)`` writes ``<out>/<la_code>/plan.ipynb``, ``plan.html``,
``plan.pdf`` (when a PDF engine is present) and ``summary.json``.

The PDF is printed from the HTML by headless Chromium (Debian package ``chromium``):
it prints nbconvert's HTML exactly as a browser shows it, charts and tables included,
in about two seconds, with no LaTeX. ``make setup`` installs it where it can (root with
apt); without it, HTML is still written and the message says how to get PDFs.

Many councils: ``build_all`` runs councils in parallel processes (one failure does not
stop the rest), or on a Dask cluster when given a scheduler address, then writes an
index page linking every plan with its headline figures.
"""

from __future__ import annotations

import html
import json
import logging
import os
import shutil
import subprocess
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import TYPE_CHECKING

from msp_analysis import geography, resources
from msp_analysis.errors import UsageError

if TYPE_CHECKING:
    import nbformat

log = logging.getLogger(__name__)

A4_CSS = "<style>@page { size: A4; margin: 14mm 12mm; } body { font-size: 11pt; } .jp-Cell { break-inside: avoid-page; }</style>"
#: Print rules for a plan: A4, a running header (council, DRAFT, DEMO) and page numbers on
#: every page, sections from a new page, charts and table rows never split, compact tables.
PLAN_CSS = """<style>
@page {
  size: A4;
  margin: 17mm 13mm 15mm 13mm;
  @top-left { content: "%(mark)s"; font: 8pt sans-serif; color: #777; }
  @top-right { content: "Market Sustainability Plan"; font: 8pt sans-serif; color: #777; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font: 8pt sans-serif; color: #777; }
}
body { font-size: 10pt; }
.jp-Cell { break-inside: auto; }
.jp-OutputArea-child { display: block; overflow: visible; break-inside: auto !important; }
.jp-RenderedImage, .jp-RenderedHTMLCommon img { break-inside: avoid; }
.jp-RenderedHTMLCommon h2 { break-before: page; margin-top: 0; }
.jp-RenderedHTMLCommon h2#Executive-summary { break-before: auto; }
.jp-RenderedHTMLCommon h3, .jp-RenderedHTMLCommon h4 { break-after: avoid; }
.jp-RenderedHTMLCommon table { font-size: 8.5pt; width: 100%%; border-collapse: collapse; }
.jp-RenderedHTMLCommon th, .jp-RenderedHTMLCommon td { padding: 2px 4px; vertical-align: top; text-align: left; }
.jp-RenderedHTMLCommon tr { break-inside: avoid; }
.jp-RenderedHTMLCommon td:first-child, .jp-RenderedHTMLCommon th:first-child { width: 30%%; }
.jp-RenderedHTMLCommon th { font-size: 8pt; }
.jp-RenderedHTMLCommon td:nth-child(7) { white-space: nowrap; }
.jp-RenderedHTMLCommon th, .jp-RenderedHTMLCommon td { overflow-wrap: break-word; }
.jp-RenderedHTMLCommon td { white-space: normal; }
.jp-RenderedHTMLCommon .unit { color: #555; font-size: 92%%; }
.jp-RenderedHTMLCommon .draft-mark { color: #a4161a; font-weight: bold; letter-spacing: 0.04em; }
.jp-RenderedHTMLCommon blockquote { border-left: 4px solid #a4161a; background: #fbf1f1; padding: 4px 10px; }
</style>"""
PDF_HELP = (
    "no PDF engine found: install Debian's chromium (`sudo apt-get install chromium`, or re-run `make setup` as root); "
    "the HTML plan was written and prints to PDF from any browser"
)


def pdf_engine() -> str | None:
    """Path of a headless Chromium, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _css_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def alt_images(nb) -> int:
    """Turn each PNG output that carries alt text in its metadata into an HTML image with that
    alt text (nbconvert's own image template drops it). Returns how many were turned."""
    done = 0
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            alt = out.get("metadata", {}).get("image/png", {}).get("alt")
            if "image/png" in data and alt:
                png = (
                    "".join(data["image/png"])
                    if isinstance(data["image/png"], list)
                    else data["image/png"]
                )
                out["data"] = {
                    "text/html": f'<img src="data:image/png;base64,{png.strip()}" '
                    f'alt="{html.escape(alt, quote=True)}">'
                }
                out["metadata"] = {}
                done += 1
    return done


def to_html(notebook: Path, target: Path, mark: str | None = None) -> Path:
    """nbconvert HTML of an executed notebook with code and prompts hidden, print rules added.

    With ``mark`` (e.g. "Wiltshire · DRAFT") the page carries the plan's print rules: a running
    header with the mark, page numbers, and charts' alt text; without it, plain A4 rules.
    """
    import nbformat
    from nbconvert import HTMLExporter

    nb = nbformat.read(notebook, as_version=4)
    if mark:
        alt_images(nb)
    exporter = HTMLExporter(
        template_name="lab",
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    body, _ = exporter.from_notebook_node(nb)
    title = next(
        (c.source for c in nb.cells if c.cell_type == "markdown"), "Market Sustainability Plan"
    )
    css = PLAN_CSS % {"mark": _css_string(mark)} if mark else A4_CSS
    body = body.replace("</head>", css + "</head>", 1).replace(
        "<title>Notebook</title>",
        f"<title>{html.escape(mark or title[:80])}</title>",
    )
    target.write_text(body)
    return target


def to_pdf(html_file: Path, target: Path, engine: str | None = None, browser=None) -> Path | None:
    """Print HTML to PDF with headless Chromium; None (and a log message) when there is no engine.

    ``browser`` (a live :class:`msp_analysis.browser.Browser`) prints in an already running
    Chromium; otherwise one is started for this document.
    """
    if browser is not None:
        from msp_analysis.browser import BrowserError

        try:
            return browser.print_pdf(html_file, target)
        except (OSError, BrowserError) as exc:
            log.warning("the worker's Chromium failed (%s): printing with a new one", exc)
    engine = engine or pdf_engine()
    if engine is None:
        log.warning(PDF_HELP)
        return None
    from msp_analysis.browser import profile_dir

    profile = profile_dir()
    try:
        cmd = [
            engine,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-pdf-header-footer",
            "--virtual-time-budget=10000",
            f"--user-data-dir={profile}",
            f"--print-to-pdf={target}",
            html_file.resolve().as_uri(),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    if proc.returncode != 0 or not target.exists():
        log.warning(
            "PDF printing failed (%s); the HTML plan is still there", proc.stderr.strip()[-300:]
        )
        return None
    return target


#: The kernel logs only errors: its start-up notice ("Kernel is running over TCP without
#: encryption", harmless on one machine) is not for a council analyst's terminal.
KERNEL_ARGS = ["--IPKernelApp.log_level=ERROR"]


class KernelRunner:
    """One live kernel that runs papermill-parameterised notebooks one after another.

    A batch worker keeps it for all its councils, so the kernel starts, imports and loads
    the tables once instead of once per council. Each run still executes every cell of
    the freshly parameterised notebook, exactly as papermill would.
    """

    def __init__(self, cwd: Path):
        from jupyter_client.manager import start_new_kernel

        self.cwd = cwd
        self.km, self.kc = start_new_kernel(
            kernel_name="python3", cwd=str(cwd), extra_arguments=KERNEL_ARGS
        )

    def run(self, template: nbformat.NotebookNode, target: Path, parameters: dict) -> None:
        import nbformat
        from nbclient import NotebookClient
        from papermill.parameterize import parameterize_notebook

        nb = nbformat.from_dict(template)
        nb.metadata.setdefault("papermill", {})  # papermill records the parameters here
        nb = parameterize_notebook(nb, parameters)
        client = NotebookClient(
            nb,
            km=self.km,
            kernel_name="python3",
            timeout=900,
            resources={"metadata": {"path": str(self.cwd)}},
        )
        client.kc = self.kc
        client.execute(reset_kc=False)
        nbformat.write(nb, target)

    def close(self) -> None:
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


_RUNNER: KernelRunner | None = None
_BROWSER = None  # one headless Chromium per batch worker (msp_analysis.browser.Browser)


def plan_notebook() -> nbformat.NotebookNode:
    """The plan notebook, read from its packaged jupytext source (``msp_analysis.resources``)."""
    import jupytext

    return jupytext.read(resources.plan_notebook())


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


def build(
    la_code: str,
    *,
    raw_dir: str | Path,
    out_dir: str | Path = "reports",
    scenarios: list[str] | None = None,
    actions_file: str | Path | None = None,
    evidence_file: str | Path | None = None,
    horizon: int = 5,
    backtest_file: str | Path | None = None,
    pdf: bool = True,
    runner: KernelRunner | None = None,
    browser=None,
) -> dict:
    """Build one council's plan; returns paths, timings and headline figures (also in summary.json).

    Runs the notebook with papermill, or in ``runner``'s live kernel inside a batch. The
    plan is built in a temporary folder inside ``out_dir`` and moved to
    ``<out_dir>/<la_code>`` only when complete, so a failed run leaves no stray folder.

    Raises:
        UsageError: ``la_code`` is not a council code (checked before it names any path).
    """
    start = time.perf_counter()
    if not isinstance(la_code, str) or not geography.COUNCIL_CODE.match(la_code):
        # checked before the code becomes part of any path
        raise UsageError(f"{la_code!r} is not a council's ONS code (e.g. E06000054)")
    final = Path(out_dir) / la_code
    if backtest_file is None:
        backtest_file = shared_backtest(raw_dir)
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    # build in a fresh folder beside the final one, then swap: a failed run leaves nothing
    out = Path(tempfile.mkdtemp(prefix=f".{la_code}-", dir=out_dir))
    try:
        summary = _build_into(
            out,
            la_code,
            raw_dir=raw_dir,
            scenarios=scenarios,
            actions_file=actions_file,
            evidence_file=evidence_file,
            horizon=horizon,
            backtest_file=backtest_file,
            pdf=pdf,
            runner=runner,
            browser=browser,
        )
        summary["seconds"] = round(time.perf_counter() - start, 1)
        (out / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
        _swap_in(out, final)
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)
        raise
    return summary


def _swap_in(new: Path, final: Path) -> None:
    """Replace ``final`` by ``new`` (two renames; the old folder is removed after)."""
    old = None
    if final.exists() or final.is_symlink():
        old = final.with_name(f".{final.name}-old-{os.getpid()}")
        os.replace(final, old)
    os.replace(new, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink()


def _build_into(
    out: Path,
    la_code: str,
    *,
    raw_dir: str | Path,
    scenarios: list[str] | None,
    actions_file: str | Path | None,
    horizon: int,
    backtest_file: str | Path | None,
    pdf: bool,
    runner: KernelRunner | None,
    browser=None,
    evidence_file: str | Path | None = None,
) -> dict:
    params = {
        "la_code": la_code,
        "raw_dir": str(Path(raw_dir).resolve()),
        "scenarios": [str(Path(s).resolve()) for s in scenarios] if scenarios else None,
        "actions_file": str(Path(actions_file).resolve())
        if actions_file
        else str(resources.actions_file().resolve()),
        "evidence_file": str(Path(evidence_file).resolve()) if evidence_file else None,
        "horizon": horizon,
        "backtest_file": str(Path(backtest_file).resolve()) if backtest_file else None,
        "summary_file": str((out / "summary.json").resolve()),
    }
    executed = out / "plan.ipynb"
    t0 = time.perf_counter()
    if runner is not None:
        runner.run(plan_notebook(), executed, params)
    else:
        import papermill

        papermill.execute_notebook(
            plan_notebook(),
            str(executed),
            parameters=params,
            cwd=str(out),
            progress_bar=False,
            log_output=False,
            kernel_name="python3",
            extra_arguments=KERNEL_ARGS,
        )
    t1 = time.perf_counter()
    # written by the notebook from the same draft
    summary = json.loads((out / "summary.json").read_text())
    mark = f"{summary.get('council') or la_code} · DRAFT" + (
        " · DEMO" if summary.get("demo") else ""
    )
    html_file = to_html(executed, out / "plan.html", mark=mark)
    t2 = time.perf_counter()
    pdf_file = to_pdf(html_file, out / "plan.pdf", browser=browser) if pdf else None
    t3 = time.perf_counter()
    summary.update(html=str(html_file.name), pdf=str(pdf_file.name) if pdf_file else None)
    summary["timings_s"] = {
        "notebook": round(t1 - t0, 2),
        "html": round(t2 - t1, 2),
        "pdf": round(t3 - t2, 2),
    }
    return summary


def _one(kwargs: dict) -> dict:
    try:
        return {"ok": True, **build(**kwargs, runner=_RUNNER, browser=_BROWSER)}
    except Exception as exc:  # one council's failure must not stop the batch
        return {
            "ok": False,
            "la_code": kwargs["la_code"],
            "error": f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1][:300] if str(exc).strip() else ''}",
        }


def councils_in(raw_dir: str | Path) -> list[str]:
    """Councils with a base year of SALT data in the folder (every current council for real data; the demo ones for DEMO).

    Reads three columns of one table, so a batch's parent process stays small.
    """
    import pandas as pd

    from msp_analysis import store

    salt = pd.read_parquet(
        store.ensure(raw_dir) / "salt.parquet", columns=["la_code", "table_ref", "area_type"]
    )
    codes = set(
        salt.loc[(salt["table_ref"] == "T34") & (salt["area_type"] == "council"), "la_code"]
    )
    return sorted(codes)


def code_key() -> str:
    """The code fingerprint derived results are stored under (see :func:`msp_analysis.tables.code_key`)."""
    from msp_analysis.tables import code_key as key

    return key()


def shared_backtest(raw_dir: str | Path, tables=None) -> Path:
    """The backtest summary of every council, computed once per data build and code version.

    Stored beside the processed tables (``<processed>/derived/<code key>/``) and reused by
    every plan, instead of a rolling-origin backtest of all councils inside each plan.
    """
    from msp_analysis import store

    processed = store.ensure(raw_dir)
    path = processed / "derived" / code_key() / "backtest_summary.csv"
    if path.exists():
        return path
    from msp_analysis.forecast import backtest
    from msp_analysis.tables import Tables

    log.info("computing the backtest of every council once for this data build")
    summary = backtest.summary(backtest.backtest(tables or Tables.load(processed)))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    summary.to_csv(tmp, index=False)
    os.replace(tmp, path)
    return path


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
    from msp_analysis import store
    from msp_analysis.indicators.assess import all_indicators
    from msp_analysis.indicators.comparators import features
    from msp_analysis.tables import Tables

    processed = store.ensure(raw_dir)
    in_data = councils_in(raw_dir)
    mark = processed / "derived" / code_key() / WARM_MARK
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


def _warm_in_own_process(raw_dir: str | Path, councils: list[str] | None) -> tuple[str, list[str]]:
    """:func:`warm_shared` in a fresh process (spawned, so it never holds the parent's memory)."""
    import multiprocessing

    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as p:
        return p.submit(warm_shared, str(raw_dir), councils).result()


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
    bt_file, in_data = _warm_in_own_process(raw_dir, councils)
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


def write_index(results: list[dict], out: Path, national: dict | None = None) -> Path:
    """An index page linking each council's plan with a few headline figures, and the national
    insights report when the batch wrote one."""
    rows = []
    for r in results:
        name = html.escape(r.get("council") or geography.council_name(r["la_code"]) or r["la_code"])
        if r["ok"]:
            links = f'<a href="{r["la_code"]}/plan.html">HTML</a>' + (
                f' · <a href="{r["la_code"]}/plan.pdf">PDF</a>' if r.get("pdf") else ""
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
