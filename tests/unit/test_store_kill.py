"""A build killed while its workers read files: nothing outlives it, nothing blocks the next.

``msp data`` is run in a child process with one worker reading a file that takes a minute
(``store.pieces.piece_of`` slowed for it, in the worker too: the pool forks after the
patch). The child is killed with SIGKILL, the main process alone (as ``kill -9 PID`` or the
out-of-memory killer does) or its whole process group; its worker must end within seconds
and the next build must finish (not wait for ever on a lock an orphan holds), saying it
took the folder over, with the new pointer written and nothing temporary left behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from msp_analysis import store

pytestmark = [
    pytest.mark.unit,
    pytest.mark.skipif(not hasattr(os, "killpg"), reason="POSIX signals"),
]

HEADER = "CSSR (LA area),Sector,Service,Job role,Filled posts,Turnover rate\n"
FAST = HEADER + "Wiltshire,All,All,Care worker,5100,0.25\n"
# the biggest file: the worker takes it first (costliest first)
SLOW = (
    HEADER
    + "Wiltshire,All,All,Care worker,6100,0.2\n"
    + "\n".join(f"Wiltshire,All,All,Job role {i},{i},0.2" for i in range(300))
)

CHILD = """
import os, sys, time
from pathlib import Path
from msp_analysis import store
from msp_analysis.store import pieces

real = pieces.piece_of
marks = Path(sys.argv[3])


def slow(path, *args, **kwargs):
    if path.name.startswith("LA-data-download-2024"):
        (marks / f"worker-{os.getpid()}").write_text("")
        time.sleep(60)
    return real(path, *args, **kwargs)


pieces.piece_of = slow
store.build(sys.argv[1], sys.argv[2], progress=False, workers=2)
"""


def _raw(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "LA-data-download-2023-24.csv").write_text(FAST)
    (raw / "LA-data-download-2024-25.csv").write_text(SLOW + "\n")
    return raw


def _start(tmp_path: Path, raw: Path, out: Path) -> tuple[subprocess.Popen, int]:
    marks = tmp_path / "marks"
    marks.mkdir()
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(raw), str(out), str(marks)],
        start_new_session=True,  # its own process group, so the test can end the group
    )
    deadline = time.monotonic() + 60
    while not list(marks.glob("worker-*")):
        assert proc.poll() is None, "the build ended before its worker started"
        assert time.monotonic() < deadline, "no worker started"
        time.sleep(0.05)
    worker = int(next(marks.glob("worker-*")).name.split("-")[1])
    assert worker != proc.pid
    return proc, worker


def _ends(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("kill", ["main process alone", "whole process group"])
def test_killed_build_leaves_no_worker_and_the_next_build_finishes(tmp_path, kill):
    raw = _raw(tmp_path)
    out = tmp_path / "processed"
    proc, worker = _start(tmp_path, raw, out)
    try:
        if kill == "main process alone":
            os.kill(proc.pid, signal.SIGKILL)
        else:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        assert _ends(worker, 10), f"worker {worker} outlived its build ({kill} killed)"
    finally:
        for pid in (proc.pid, worker):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    # the next build does not wait on anything the dead one held
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "msp_analysis.cli",
            "data",
            "--raw",
            str(raw),
            "--out",
            str(out),
            "-q",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "waiting" not in done.stderr
    assert "did not finish (it was stopped): taking the folder over" in done.stderr
    assert (out / "current").is_file() and not (out / ".lock.owner").exists()
    assert not list(out.glob(".tmp-*")) and not list((out / "pieces").glob(".tmp-*"))
    assert store.manifest(out)["tables"]["workforce"]["rows"] == 2 * (1 + 1 + 300)
