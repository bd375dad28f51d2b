"""Plan reports: run the plan notebook with papermill, render HTML (code hidden), a PDF and Word.

One council: ``build(la_code, ...)`` writes ``<out>/<la_code>/plan.ipynb``, ``plan.html``,
``plan.pdf`` (when a PDF engine is present), ``plan.docx`` and ``summary.json``.

The PDF is printed from the HTML by headless Chromium (Debian package ``chromium``):
it prints nbconvert's HTML exactly as a browser shows it, charts and tables included,
in about two seconds, with no LaTeX. ``make setup`` installs it where it can (root with
apt); without it, HTML is still written and the message says how to get PDFs.

Many councils: ``build_all`` runs councils in parallel processes (one failure does not
stop the rest), or on a Dask cluster when given a scheduler address, then writes an
index page linking every plan with its headline figures.

The modules, one job each:

- :mod:`~msp_analysis.report.plan`: one council's plan (:func:`build`): notebook, HTML, PDF,
  ``summary.json``, swapped in when complete.
- :mod:`~msp_analysis.report.kernel`: running the plan notebook (papermill, or a batch
  worker's live kernel, :class:`KernelRunner`).
- :mod:`~msp_analysis.report.render_html`: the executed notebook -> HTML with print rules.
- :mod:`~msp_analysis.report.render_pdf`: HTML -> PDF with headless Chromium.
- :mod:`~msp_analysis.report.render_docx`: the executed notebook -> Word (python-docx).
- :mod:`~msp_analysis.report.batch`: every council in parallel (:func:`build_all`), then the
  national insights report (:func:`national_report`, :mod:`msp_analysis.national`) and the index.
- :mod:`~msp_analysis.report.warmup`: what all plans share, computed once per data build
  (:func:`shared_backtest`, :func:`warm_shared`).
- :mod:`~msp_analysis.report.index`: the batch's index page.
"""

from __future__ import annotations

from msp_analysis.report.batch import build_all, national_report
from msp_analysis.report.index import write_index
from msp_analysis.report.kernel import KERNEL_ARGS, KernelRunner, plan_notebook
from msp_analysis.report.plan import build
from msp_analysis.report.render_docx import to_docx
from msp_analysis.report.render_html import A4_CSS, PLAN_CSS, alt_images, to_html
from msp_analysis.report.render_pdf import PDF_HELP, pdf_engine, to_pdf
from msp_analysis.report.warmup import (
    WARM_MARK,
    councils_in,
    shared_backtest,
    warm_in_own_process,
    warm_shared,
)

__all__ = [
    "A4_CSS",
    "KERNEL_ARGS",
    "PDF_HELP",
    "PLAN_CSS",
    "WARM_MARK",
    "KernelRunner",
    "alt_images",
    "build",
    "build_all",
    "councils_in",
    "national_report",
    "pdf_engine",
    "plan_notebook",
    "shared_backtest",
    "to_docx",
    "to_html",
    "to_pdf",
    "warm_in_own_process",
    "warm_shared",
    "write_index",
]
