"""What a dead run left, removed by the next run: half-built plan folders in ``--out``, the
browser profiles and kernel files of its workers in the temporary folder.

Every such folder carries the run's process id: ``.<la_code>-<host>-<pid>-...`` (and
``.tmp-old-<la_code>-<host>-<pid>-...``, a plan being swapped) in ``--out``, where ``<host>``
tells this computer from another writing to the same shared folder; ``msp-chromium-<pid>-``,
``msp-batch-<pid>-`` and ``msp-kernels-<pid>-`` in the temporary folder. A folder whose
process is gone is removed; one whose process is alive (another run going on at the same
time), or that another computer made, is left alone.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import re
import shutil
import socket
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

log = logging.getLogger(__name__)

#: a hidden folder a run builds a plan in, or puts an old plan aside in, beside the plans
_IN_OUT = re.compile(r"^\.(?:tmp-old-)?E\d{8}-([0-9a-f]{8})-(\d+)-")
#: a folder of the temporary folder a run keeps its browsers or kernels in (group 1: its pid)
RUN_FOLDER = re.compile(r"^msp-(?:chromium|batch|kernels)-(\d+)-")


def host() -> str:
    """This computer, as 8 hex digits (a folder shared by several computers tells their runs
    apart by it)."""
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


def tag() -> str:
    """``<host>-<pid>``: the part of a temporary folder's name that says which run made it."""
    return f"{host()}-{os.getpid()}"


def _gone(pid: int) -> bool:
    """True when no process has this id, or only a zombie (ended, not yet reaped)."""
    import psutil

    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True
    except psutil.Error:  # another user's process: not ours to judge
        return False


def _stale(name: str, pattern: re.Pattern) -> bool:
    m = pattern.match(name)
    if not m:
        return False
    if pattern is _IN_OUT:
        return m.group(1) == host() and _gone(int(m.group(2)))
    return _gone(int(m.group(1)))


def clean(out_dir: Path | None = None, temp_dirs: list[Path] | None = None) -> int:
    """Remove the leftovers of runs that are gone from ``out_dir`` and the temporary folders;
    returns how many were removed (a note says so)."""
    removed = 0
    places: list[tuple[Path, re.Pattern]] = []
    if out_dir is not None and Path(out_dir).is_dir():
        places.append((Path(out_dir), _IN_OUT))
    for temp in temp_dirs if temp_dirs is not None else _temp_dirs():
        if temp.is_dir():
            places.append((temp, RUN_FOLDER))
    for folder, pattern in places:
        try:
            entries = list(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            if not _stale(entry.name, pattern):
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed += not entry.exists()
    if removed:
        log.warning("removed %d folder(s) left by runs that were stopped", removed)
    return removed


def run_folders(places: list[Path], pids: set[int]) -> list[str]:
    """The folders of ``places`` (temporary folders) made by one of the runs ``pids``: what a
    killed run left there (its browser profiles, batch folder and kernel files)."""
    return [
        entry.name
        for place in places
        if place.is_dir()
        for entry in place.iterdir()
        if (m := RUN_FOLDER.match(entry.name)) and int(m.group(1)) in pids
    ]


def still_running(pids: list[int], seconds: float) -> list[int]:
    """The processes among ``pids`` still running after up to ``seconds`` (an ended process
    not yet reaped, a zombie, counts as ended): what outlived a run that was stopped."""
    deadline = time.monotonic() + seconds
    while True:
        alive = [pid for pid in pids if not _gone(pid)]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)


def _temp_dirs() -> list[Path]:
    """Where runs put browser profiles and kernel files: the temporary folder, and /tmp
    where Chromium's profiles go when the temporary folder's path is too long."""
    dirs = [Path(tempfile.gettempdir())]
    if Path("/tmp").is_dir() and Path("/tmp") not in dirs:
        dirs.append(Path("/tmp"))
    return dirs


@contextlib.contextmanager
def kernel_files() -> Iterator[Path]:
    """Kernels started meanwhile (papermill's, a batch worker's) keep their connection files
    in a folder of this run's own (``msp-kernels-<pid>-...``, through ``JUPYTER_RUNTIME_DIR``,
    which spawned workers inherit), removed at the end, or by the next run if this one is
    killed."""
    folder = Path(tempfile.mkdtemp(prefix=f"msp-kernels-{os.getpid()}-"))
    saved = os.environ.get("JUPYTER_RUNTIME_DIR")
    os.environ["JUPYTER_RUNTIME_DIR"] = str(folder)
    try:
        yield folder
    finally:
        if saved is None:
            os.environ.pop("JUPYTER_RUNTIME_DIR", None)
        else:
            os.environ["JUPYTER_RUNTIME_DIR"] = saved
        shutil.rmtree(folder, ignore_errors=True)
