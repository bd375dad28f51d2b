"""One council's plan: the notebook run, rendered to HTML and PDF, with ``summary.json``,
built in a temporary folder and swapped into ``<out>/<la_code>`` only when complete.

A new output format (a renderer module beside :mod:`~msp_analysis.report.render_html` and
:mod:`~msp_analysis.report.render_pdf`) is called from :func:`_build_into`, after the HTML.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from pathlib import Path

from msp_analysis import geography, resources
from msp_analysis.errors import UsageError
from msp_analysis.report.kernel import KernelRunner, run_plan_notebook
from msp_analysis.report.render_html import to_html
from msp_analysis.report.render_pdf import to_pdf
from msp_analysis.report.warmup import shared_backtest


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
    run_plan_notebook(executed, params, out, runner)
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
