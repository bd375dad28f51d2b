"""The plan's HTML page -> PDF, printed by headless Chromium (Debian package ``chromium``).

Chromium prints nbconvert's HTML exactly as a browser shows it, charts and tables included,
in about two seconds, with no LaTeX. ``make setup`` installs it where it can (root with apt);
without it, HTML is still written and :data:`PDF_HELP` says how to get PDFs. In a batch, a
worker keeps one Chromium for all its plans (:class:`msp_analysis.browser.Browser`).
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from pathlib import Path

log = logging.getLogger(__name__)

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
