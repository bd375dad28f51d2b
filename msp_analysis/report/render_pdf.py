"""The plan's HTML page -> PDF, printed by a headless Chromium-based browser: Debian's
``chromium``, or Google Chrome or Microsoft Edge where Windows and macOS install them
(:func:`pdf_engine`).

Chromium prints nbconvert's HTML exactly as a browser shows it, charts and tables included,
in about two seconds, with no LaTeX. ``make setup`` installs it where it can (root with apt);
without it, HTML is still written and :data:`PDF_HELP` says how to get PDFs. In a batch, a
worker keeps one Chromium for all its plans (:class:`msp_analysis.browser.Browser`; on
Windows each plan starts its own).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

log = logging.getLogger(__name__)

PDF_HELP = (
    "no PDF engine found: install Google Chrome, Microsoft Edge or Chromium (on Debian "
    "`sudo apt-get install chromium`, or re-run `make setup` as root), or set MSP_BROWSER to "
    "the path of one; the HTML plan was written and prints to PDF from any browser"
)

#: a Chromium-based browser to print with, chosen by the user (a path, or a name on PATH)
ENGINE_ENV = "MSP_BROWSER"
#: names a Chromium-based browser goes by on PATH (Linux packages, and Windows or macOS
#: where the user put one on PATH)
_NAMES = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chrome",
    "microsoft-edge",
    "microsoft-edge-stable",
    "msedge",
)
#: where the Windows installers put them: (environment variable of the base folder, the
#: path below it)
_CHROME = ("Google", "Chrome", "Application", "chrome.exe")
_EDGE = ("Microsoft", "Edge", "Application", "msedge.exe")
_WINDOWS = (
    ("PROGRAMFILES", _CHROME),
    ("PROGRAMFILES(X86)", _CHROME),
    ("LOCALAPPDATA", _CHROME),
    ("PROGRAMFILES(X86)", _EDGE),
    ("PROGRAMFILES", _EDGE),
    ("LOCALAPPDATA", _EDGE),
    ("LOCALAPPDATA", ("Chromium", "Application", "chrome.exe")),
)
_MACOS = (
    "Google Chrome.app/Contents/MacOS/Google Chrome",
    "Microsoft Edge.app/Contents/MacOS/Microsoft Edge",
    "Chromium.app/Contents/MacOS/Chromium",
)


def pdf_engine() -> str | None:
    """Path of a Chromium-based browser to print PDFs with, or None.

    In this order: ``$MSP_BROWSER`` (a path, or a name on PATH); a Chromium, Chrome or Edge
    on PATH; where the Windows installers put Chrome and Edge (Program Files, Program Files
    (x86), the user's AppData\\Local); where macOS keeps applications (/Applications and
    ~/Applications).
    """
    chosen = os.environ.get(ENGINE_ENV, "").strip()
    if chosen:
        found = shutil.which(chosen) or (chosen if Path(chosen).is_file() else None)
        if found:
            return found
        log.warning("%s=%s is not a browser found on this machine", ENGINE_ENV, chosen)
    for name in _NAMES:
        path = shutil.which(name)
        if path:
            return path
    if sys.platform == "win32":
        for env, below in _WINDOWS:
            base = os.environ.get(env)
            if base and Path(base, *below).is_file():
                return str(Path(base, *below))
    if sys.platform == "darwin":
        for apps in (Path("/Applications"), Path.home() / "Applications"):
            for below in _MACOS:
                if (apps / below).is_file():
                    return str(apps / below)
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
    from msp_analysis.browser import chromium_env, profile_dir

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
        proc = subprocess.run(
            cmd, capture_output=True, text=True, timeout=120, env=chromium_env(profile)
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    if proc.returncode != 0 or not target.exists():
        log.warning(
            "PDF printing failed (%s); the HTML plan is still there",
            browser_message(proc.stderr, proc.returncode),
        )
        return None
    return target


#: Chromium's own log prefix: '[1207/121502.123456:ERROR:file.cc(42)] '
_CHROMIUM_PREFIX = re.compile(r"^\[[\d/.:]+:(?:[A-Z]+):[^\]]*\]\s*")


def browser_message(stderr: str, returncode: int) -> str:
    """What the browser said when it failed, for a person: its last error line without
    Chromium's log prefix, and never its crash reporter's chatter ('chrome_crashpad_handler:
    --database is required', which every headless run on Linux prints)."""
    lines = [
        _CHROMIUM_PREFIX.sub("", line).strip()
        for line in str(stderr or "").splitlines()
        if line.strip() and "crashpad" not in line.lower()
    ]
    said = next((line for line in reversed(lines) if line), "")
    return said[-200:] if said else f"the browser stopped with exit code {returncode}"
