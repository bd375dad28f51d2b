"""`msp report --all` killed half-way, then run again: nothing of the killed run is left
running or lying about, and the plans it finished are kept, not rebuilt.

The batch runs as a user runs it (`python -m msp_analysis.cli report --all`, one worker, two
DEMO councils). Once the first plan is in place and the second is being built in its hidden
folder, the batch is killed with SIGKILL: the main process alone (as ``kill -9 PID`` or the
out-of-memory killer does), with PDFs, so the worker holds a kernel and a Chromium; or its
whole process group (as a closed terminal does), HTML only. Every process of the batch must
end within seconds. The second run keeps the first plan (its files untouched), builds only
the second, and leaves no hidden plan folder in ``--out``, no browser profile and no kernel
files of the killed run in the temporary folders.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from msp_analysis.report.leftovers import RUN_FOLDER, run_folders, still_running

pytestmark = [
    pytest.mark.demo,
    pytest.mark.skipif(not hasattr(os, "killpg"), reason="POSIX signals"),
]

FIRST, SECOND = "E06900002", "E10900001"  # built in this order (sorted by code)


def _cmd(raw: Path, out: Path, *options: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "msp_analysis.cli",
        "report",
        "--all",
        "--la-list",
        f"{FIRST},{SECOND}",
        "--raw",
        str(raw),
        "--out",
        str(out),
        "--workers",
        "1",
        *options,
    ]


def _files(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}


@pytest.mark.parametrize(
    "kill, options",
    [("main process", ()), ("process group", ("--no-pdf", "--no-docx"))],
    ids=["main-alone-with-pdf", "whole-group-html-only"],
)
def test_a_killed_batch_leaves_nothing_and_the_rerun_builds_only_the_missing_plan(
    demo_raw, tmp_path, kill, options
):
    out = tmp_path / "reports"
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp)}  # the run's temporary folder
    places = [temp, Path("/tmp")]  # a batch's browser profiles go to /tmp (short socket paths)
    proc = subprocess.Popen(
        _cmd(demo_raw, out, *options),
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    first = out / FIRST
    deadline = time.monotonic() + 600
    # the first plan in place, the second half-built in its hidden folder
    while not ((first / "summary.json").exists() and list(out.glob(f".{SECOND}-*/plan.ipynb"))):
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline, "the first plan was not built in 10 minutes"
        time.sleep(0.2)
    family = [p.pid for p in psutil.Process(proc.pid).children(recursive=True)]
    if kill == "main process":
        os.kill(proc.pid, signal.SIGKILL)
    else:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    try:
        assert not still_running(family, 20), "processes of the killed batch outlived it"
    finally:
        for pid in family:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    killed = {proc.pid, *family}
    # what the killed run left: its half-built plan, its kernel files (and browser profile)
    assert [p.name for p in out.iterdir() if p.name.startswith(f".{SECOND}-")]
    left = run_folders(places, killed)
    assert any(name.startswith("msp-kernels-") for name in left), left
    assert any(name.startswith("msp-batch-") for name in left), left
    before = _files(first)
    kept_summary = json.loads((first / "summary.json").read_text())

    again = subprocess.run(
        _cmd(demo_raw, out, *options), env=env, capture_output=True, text=True, timeout=900
    )
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("Built 1 plan; kept 1 built before"), again.stdout
    assert _files(first) == before  # kept: no file of it written again
    assert json.loads((first / "summary.json").read_text()) == kept_summary
    second = json.loads((out / SECOND / "summary.json").read_text())
    assert second["build_key"] == kept_summary["build_key"]
    wanted = {"plan.html"} | ({"plan.pdf", "plan.docx"} if not options else set())
    assert wanted <= set(_files(out / SECOND)), _files(out / SECOND)
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == []
    assert run_folders(places, killed) == []
    assert [p.name for p in temp.iterdir() if RUN_FOLDER.match(p.name)] == []  # the re-run's
    if options:
        return
    # --force builds both again
    forced = subprocess.run(
        [*_cmd(demo_raw, out, *options), "--force"],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert forced.returncode == 0, forced.stderr
    assert forced.stdout.startswith("Built 2 plans; index:"), forced.stdout
    assert _files(first) != before
