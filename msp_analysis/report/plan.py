"""One council's plan: the notebook run, rendered to HTML, PDF and Word, with ``summary.json``,
built in a temporary folder and swapped into ``<out>/<la_code>`` only when complete (its folder
and files then readable as the user's umask allows, like any file they make).

A new output format (a renderer module beside :mod:`~msp_analysis.report.render_html` and
:mod:`~msp_analysis.report.render_pdf`) is called from :func:`_build_into`, after the HTML.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from msp_analysis import atomic, geography, resources
from msp_analysis.errors import UsageError
from msp_analysis.progress import FileWatch
from msp_analysis.report import leftovers
from msp_analysis.report.kernel import KernelRunner, run_plan_notebook
from msp_analysis.report.render_docx import to_docx
from msp_analysis.report.render_html import to_html
from msp_analysis.report.render_pdf import to_pdf
from msp_analysis.report.resume import KEY
from msp_analysis.report.warmup import shared_backtest

#: where the plan notebook says its steps (inside the build folder; removed when it is done)
STEPS_FILE = ".steps"


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
    docx: bool = True,
    runner: KernelRunner | None = None,
    browser=None,
    build_key: str | None = None,
    tidy: bool | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Build one council's plan; returns paths, timings and headline figures (also in summary.json).

    Runs the notebook with papermill, or in ``runner``'s live kernel inside a batch. The
    plan is built in a temporary folder inside ``out_dir`` (named with this process's id)
    and swapped into ``<out_dir>/<la_code>`` only when complete, so a failed run leaves no
    stray folder, a killed one leaves one the next run removes
    (:mod:`~msp_analysis.report.leftovers`), and two runs finishing the same plan at once
    both succeed (:func:`msp_analysis.atomic.swap_folder`). ``build_key``
    (:func:`~msp_analysis.report.resume.plan_key`) is recorded in ``summary.json``. ``tidy``
    (default: a plan built alone, not a batch's) first removes what stopped runs left.
    ``progress`` is called with each step's name as it starts (the notebook's own steps too:
    see :mod:`msp_analysis.progress`).

    Raises:
        UsageError: ``la_code`` is not a council code (checked before it names any path).
    """
    start = time.perf_counter()
    if not isinstance(la_code, str) or not geography.COUNCIL_CODE.match(la_code):
        # checked before the code becomes part of any path
        raise UsageError(f"{la_code!r} is not a council's ONS code (e.g. E06000054)")
    final = Path(out_dir) / la_code
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    tidy = runner is None if tidy is None else tidy
    if tidy:  # a single plan (a batch cleans once, before its workers start)
        leftovers.clean(Path(out_dir))
    if backtest_file is None:
        backtest_file = shared_backtest(raw_dir)
    # build in a fresh folder beside the final one, then swap: a failed run leaves nothing
    out = Path(tempfile.mkdtemp(prefix=f".{la_code}-{leftovers.tag()}-", dir=out_dir))
    own_kernel = leftovers.kernel_files() if runner is None else contextlib.nullcontext()
    try:
        with own_kernel:  # a single plan's papermill kernel keeps its files in this run's folder
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
                docx=docx,
                runner=runner,
                browser=browser,
                progress=progress,
            )
        summary["seconds"] = round(time.perf_counter() - start, 1)
        if build_key:
            summary[KEY] = build_key
        (out / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
        share_as_umask_allows(out)
        atomic.swap_folder(out, final)
    except BaseException:
        shutil.rmtree(out, ignore_errors=True)
        raise
    return summary


def umask() -> int:
    """The process's umask (read by setting it and putting it back: there is no other way)."""
    mask = os.umask(0o077)
    os.umask(mask)
    return mask


def share_as_umask_allows(folder: Path) -> None:
    """Give ``folder`` and everything in it the permissions the user's umask gives a new folder
    or file (0755 and 0644 under the usual 022), so colleagues on a shared drive can open the
    plan: the temporary folder it is built in is created private (0700) by ``mkdtemp``.
    On Windows only the read-only flag exists, and it is left as it is."""
    mask = umask()
    for path in [folder, *folder.rglob("*")]:
        os.chmod(path, (0o777 if path.is_dir() else 0o666) & ~mask)


def _actions_param(actions_file: str | Path | None) -> str | None:
    """The plan notebook's actions_file: the file given (or 'example'), else the council's own
    in $MSP_TEMPLATES_DIR, else None (each market then gets a table to fill in)."""
    if actions_file == "example":
        return "example"
    path = actions_file or resources.actions_file()
    return str(Path(path).resolve()) if path else None


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
    docx: bool = True,
    progress: Callable[[str], None] | None = None,
) -> dict:
    params = {
        "la_code": la_code,
        "raw_dir": str(Path(raw_dir).resolve()),
        "scenarios": [str(Path(s).resolve()) for s in scenarios] if scenarios else None,
        "actions_file": _actions_param(actions_file),
        "evidence_file": str(Path(evidence_file).resolve()) if evidence_file else None,
        "horizon": horizon,
        "backtest_file": str(Path(backtest_file).resolve()) if backtest_file else None,
        "summary_file": str((out / "summary.json").resolve()),
    }
    step = progress or (lambda name: None)
    # absolute: papermill runs the notebook with the parent process's working directory
    # changed to ``cwd``, so a relative path would be followed in the wrong folder until the
    # notebook ended (every step then arrived at once and printed 0.0 s)
    steps_file = (out / STEPS_FILE).resolve()
    if progress is not None:  # the notebook's draft says each of its steps in this file
        params["progress_file"] = str(steps_file)
    executed = out / "plan.ipynb"
    t0 = time.perf_counter()
    step("data")
    with FileWatch(steps_file, step) if progress is not None else contextlib.nullcontext():
        run_plan_notebook(executed, params, out, runner)
    steps_file.unlink(missing_ok=True)
    t1 = time.perf_counter()
    # written by the notebook from the same draft
    summary = json.loads((out / "summary.json").read_text())
    mark = f"{summary.get('council') or la_code} · DRAFT" + (
        " · DEMO" if summary.get("demo") else ""
    )
    step("html")
    html_file = to_html(executed, out / "plan.html", mark=mark)
    t2 = time.perf_counter()
    if pdf:
        step("pdf")
    pdf_file = to_pdf(html_file, out / "plan.pdf", browser=browser) if pdf else None
    t3 = time.perf_counter()
    if docx:
        step("docx")
    docx_file = to_docx(executed, out / "plan.docx", mark=mark) if docx else None
    t4 = time.perf_counter()
    summary.update(
        html=str(html_file.name),
        pdf=str(pdf_file.name) if pdf_file else None,
        docx=str(docx_file.name) if docx_file else None,
    )
    summary["timings_s"] = {
        "notebook": round(t1 - t0, 2),
        "html": round(t2 - t1, 2),
        "pdf": round(t3 - t2, 2),
        "docx": round(t4 - t3, 2),
    }
    return summary
