"""One headless Chromium that prints many HTML plans to PDF, driven over the DevTools protocol.

Starting Chromium costs about a second and starts about ten processes; a batch of 150
plans should pay that once per worker, not once per plan. :class:`Browser` starts one
Chromium with ``--remote-debugging-pipe`` (commands on file descriptor 3, answers on 4:
JSON messages separated by NUL bytes, so no network port and no websocket library),
opens one page, and for each plan navigates to the HTML file and calls
``Page.printToPDF``. The CSS ``@page`` rule sets A4 and the margins, as the one-shot
``--print-to-pdf`` did.

Chromium runs in its own process group; :meth:`Browser.close` asks it to quit and then
ends the whole group, so no browser process outlives the command. If the Python process
dies, Chromium sees its pipe close and exits by itself.
"""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

log = logging.getLogger(__name__)

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--mute-audio",
    "--remote-debugging-pipe",
]


#: plans printed in one page before a fresh page is opened: a page's renderer keeps some
#: memory from every document it showed (30 MiB a plan; 830 MiB after 76 plans, 2026-11-25)
PAGE_PLANS = 10

#: a batch sets this to a folder of its own, so it can end every Chromium its workers started
BATCH_DIR_ENV = "MSP_CHROMIUM_DIR"


def kill_browsers_under(folder: str) -> int:
    """End every process whose command line names ``folder`` (the profiles of one batch).

    Chromium's helper processes (zygote, renderers) do not always follow their browser out;
    a batch calls this when its workers have exited so no browser process outlives it.
    """
    import psutil

    killed = 0
    for proc in psutil.process_iter(["pid", "cmdline"]):
        if proc.info["pid"] == os.getpid():
            continue
        if any(folder in part for part in proc.info.get("cmdline") or []):
            with contextlib.suppress(psutil.Error):
                proc.kill()
                killed += 1
    return killed


#: the longest folder a profile is made in (POSIX). Chromium makes a Unix socket in a folder
#: of the temporary folder it is given, here its profile (``<base>/msp-chromium-<pid>-<8>/
#: .org.chromium.Chromium.<6>/SingletonSocket``), and a socket's path is limited to 107
#: bytes: beyond, it exits at once (it did under pytest's temporary folders)
SHORT_BASE = 32


def profile_dir() -> str:
    """A fresh Chromium profile folder with a short path, named with this process's id
    (``msp-chromium-<pid>-...``) so the next run removes it if this one is killed
    (:mod:`msp_analysis.report.leftovers`); Chromium's own temporary files go in it too
    (:func:`chromium_env`). Under a long temporary folder it is made in /tmp (or the home
    folder)."""
    base = os.environ.get(BATCH_DIR_ENV) or tempfile.gettempdir()
    if len(base) > SHORT_BASE and os.name != "nt":
        base = next(
            (d for d in ("/tmp", "/var/tmp", str(Path.home())) if os.access(d, os.W_OK)), base
        )
    return tempfile.mkdtemp(prefix=f"msp-chromium-{os.getpid()}-", dir=base)


def chromium_env(profile: str) -> dict[str, str]:
    """The environment Chromium runs in: its temporary folder is its profile, so whatever
    it leaves there (its socket folder, shared-memory files; more when it is killed) goes
    with the profile, removed at the end or by the next run."""
    return {**os.environ, "TMPDIR": profile} if os.name != "nt" else dict(os.environ)


def start(engine: str) -> Browser | None:
    """A live :class:`Browser` for many documents, or None where it cannot run (Windows: the
    DevTools pipe needs inherited file descriptors 3 and 4) or does not start; each document
    is then printed by a Chromium of its own (:func:`msp_analysis.report.render_pdf.to_pdf`)."""
    if os.name == "nt":
        return None
    try:
        return Browser(engine)
    except (OSError, BrowserError) as exc:
        log.warning("could not start Chromium (%s): one per document instead", exc)
        return None


class BrowserError(RuntimeError):
    """Chromium did not answer, or answered with an error."""


class Browser:
    """A live headless Chromium with one page; ``print_pdf(html, pdf)`` for each document.

    Creating it only starts the process (milliseconds); Chromium boots in the background and
    the page is opened at the first print, so a single plan can start it before the notebook.
    """

    def __init__(self, engine: str, *, timeout: float = 60.0) -> None:
        self.timeout = timeout
        self.profile = profile_dir()
        cmd_read, self._cmd_write = os.pipe()  # we write commands, Chromium reads fd 3
        self._res_read, res_write = os.pipe()  # Chromium writes answers on fd 4

        def _fds() -> None:  # in the child, before exec: the pipe ends at 3 and 4
            a, b = os.dup(cmd_read), os.dup(res_write)  # above 4, so neither clobbers the other
            for src, dst in ((a, 3), (b, 4)):
                os.dup2(src, dst)
                os.set_inheritable(dst, True)

        self.proc = subprocess.Popen(
            [engine, *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=chromium_env(self.profile),
            preexec_fn=_fds,
            close_fds=False,  # the child's 3 and 4 are set in _fds; our other fds are not inheritable
            start_new_session=True,
        )
        os.close(cmd_read)
        os.close(res_write)
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict] = []
        self.printed = 0
        self.session: str | None = None  # the page, opened at the first print

    def _open_page(self) -> None:
        """Open the one page (at the first print, so Chromium starts up while the plan runs)."""
        try:
            target = self._call("Target.createTarget", {"url": "about:blank"})["targetId"]
            self._target = target
            self.session = self._call(
                "Target.attachToTarget", {"targetId": target, "flatten": True}
            )["sessionId"]
            self._call("Page.enable", session=True)
        except BaseException:
            self.close()
            raise

    def _close_page(self) -> None:
        """Close the page, so the next print opens a fresh one (and a fresh renderer)."""
        try:
            self._call("Target.closeTarget", {"targetId": self._target})
        except BrowserError as exc:  # the next page opens all the same
            log.info("could not close Chromium's page (%s)", exc)
        self.session = None

    # -- protocol -----------------------------------------------------------------------
    def _send(self, method: str, params: dict | None, session: bool) -> int:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self._cmd_write, data) :]
        return self._next_id

    def _receive(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError("Chromium did not answer in time")
            ready, _, _ = select.select([self._res_read], [], [], left)
            if ready:
                chunk = os.read(self._res_read, 1 << 20)
                if not chunk:
                    raise BrowserError("Chromium closed its DevTools pipe (it exited)")
                self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def _call(self, method: str, params: dict | None = None, *, session: bool = False) -> dict:
        wanted = self._send(method, params, session)
        deadline = time.monotonic() + self.timeout
        while True:
            message = self._receive(deadline)
            if message.get("id") == wanted:
                if "error" in message:
                    raise BrowserError(f"{method}: {message['error'].get('message')}")
                return message.get("result", {})
            if "method" in message:
                self._events.append(message)

    def _wait_event(self, method: str) -> dict:
        deadline = time.monotonic() + self.timeout
        while True:
            for i, event in enumerate(self._events):
                if event["method"] == method and event.get("sessionId") == self.session:
                    del self._events[: i + 1]
                    return event
            self._events.append(self._receive(deadline))

    # -- use ----------------------------------------------------------------------------
    def print_pdf(self, html_file: Path, target: Path) -> Path:
        """Print one HTML file to ``target`` (A4 from its CSS @page rule); returns ``target``."""
        if self.session is not None and self.printed and self.printed % PAGE_PLANS == 0:
            self._close_page()
        if self.session is None:
            self._open_page()
        self._events.clear()
        result = self._call(
            "Page.navigate", {"url": Path(html_file).resolve().as_uri()}, session=True
        )
        if result.get("errorText"):
            raise BrowserError(f"could not open {Path(html_file).name}: {result['errorText']}")
        self._wait_event("Page.loadEventFired")
        pdf = self._call(
            "Page.printToPDF",
            {"printBackground": True, "preferCSSPageSize": True, "displayHeaderFooter": False},
            session=True,
        )
        tmp = target.with_name(f".{target.name}.part")
        tmp.write_bytes(base64.b64decode(pdf["data"]))
        os.replace(tmp, target)
        self.printed += 1
        return target

    def close(self) -> None:
        """Quit Chromium and end its whole process group; remove its profile folder."""
        if getattr(self, "_closed", False):
            return
        self._closed = True
        try:
            if self.proc.poll() is None:
                try:
                    self._send("Browser.close", None, session=False)
                    self.proc.wait(timeout=5)
                except (OSError, subprocess.TimeoutExpired):
                    pass
        finally:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)  # any helper process left behind
            if self.proc.poll() is None:
                self.proc.kill()
            self.proc.wait()
            for fd in (self._cmd_write, self._res_read):
                with contextlib.suppress(OSError):
                    os.close(fd)
            shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
