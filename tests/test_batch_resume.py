"""`msp report --all` killed half-way, then run again: nothing of the killed run is left
running or lying about, and the plans it finished are kept, not rebuilt.

The batch runs as a user runs it (`python -m msp_analysis.cli report --all`, one worker, two
DEMO councils, HTML only). Once the first plan is in place, the main process alone is
killed with SIGKILL (as ``kill -9`` or the out-of-memory killer does): its worker and the
worker's kernel must end within seconds. The second run keeps the first plan (its
summary.json untouched), builds the second, and leaves no hidden folder behind.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import pytest

pytestmark = [
    pytest.mark.demo,
    pytest.mark.skipif(not hasattr(os, "killpg"), reason="POSIX signals"),
]

FIRST, SECOND = "E06900002", "E10900001"  # built in this order (sorted by code)


def _cmd(raw: Path, out: Path) -> list[str]:
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
        "--no-pdf",
        "--workers",
        "1",
    ]


def _ended(pids: list[int], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        alive = []
        for pid in pids:
            try:
                if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                    alive.append(pid)
            except psutil.NoSuchProcess:
                pass
        if not alive:
            return True
        time.sleep(0.1)
    return False


def test_a_killed_batch_leaves_nothing_running_and_the_rerun_keeps_finished_plans(
    demo_raw, tmp_path
):
    out = tmp_path / "reports"
    env = {**os.environ, "TMPDIR": str(tmp_path / "tmp")}  # the run's temporary folder
    (tmp_path / "tmp").mkdir()
    proc = subprocess.Popen(
        _cmd(demo_raw, out),
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    first = out / FIRST / "summary.json"
    deadline = time.monotonic() + 600
    while not first.exists():
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline, "the first plan was not built in 10 minutes"
        time.sleep(0.2)
    family = [p.pid for p in psutil.Process(proc.pid).children(recursive=True)]
    os.kill(proc.pid, signal.SIGKILL)  # the main process alone
    proc.wait(timeout=30)
    try:
        assert _ended(family, 20), "processes of the killed batch outlived it"
    finally:
        for pid in family:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    built_at = first.stat().st_mtime_ns
    kept_summary = json.loads(first.read_text())
    again = subprocess.run(
        _cmd(demo_raw, out), env=env, capture_output=True, text=True, timeout=900
    )
    assert again.returncode == 0, again.stderr
    assert "Built 1 plans, kept 1 already built" in again.stdout, again.stdout
    assert first.stat().st_mtime_ns == built_at  # kept, not rebuilt
    assert json.loads(first.read_text()) == kept_summary
    assert (out / SECOND / "plan.html").exists()
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]
    temp = tmp_path / "tmp"
    assert not [p.name for p in temp.iterdir() if p.name.startswith(("msp-batch-", "msp-kernels-"))]
    # --force builds both again
    forced = subprocess.run(
        [*_cmd(demo_raw, out), "--force"], env=env, capture_output=True, text=True, timeout=900
    )
    assert forced.returncode == 0 and "Built 2 plans;" in forced.stdout, forced.stdout
    assert first.stat().st_mtime_ns != built_at
    assert tempfile.gettempdir()  # the test's own temporary folder is untouched by the runs
