"""One build at a time on a processed folder: ``<out>/.lock``, held for the whole build.

The lock is :mod:`filelock`'s: the operating system's own file lock (``fcntl`` on POSIX,
``msvcrt`` on Windows), released by the system when the process holding it ends, however
it ends; where the platform has none, a lock file whose presence is the lock. Beside it,
``<out>/.lock.owner`` names the process that holds it (process id, host, since when).
A build that finds the owner record of a process that is gone takes the folder over and
says so: the build it stopped left temporary folders, which it then removes
(:func:`msp_analysis.store.versions.clean_stale`); a lock file left by a holder that is gone
is removed. A second build while the first is alive waits (and says so) or refuses.

The lock's file descriptor is not kept by processes forked while it is held (the build's
reading workers): a worker that outlived its build would otherwise hold the lock for ever.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from msp_analysis import atomic
from msp_analysis.store.outcome import BuildError

log = logging.getLogger(__name__)

LOCK = ".lock"
OWNER = ".lock.owner"
#: how often a waiting build looks whether the holder is still alive
POLL_SECONDS = 1.0

_HELD: set[int] = set()  # lock file descriptors this process holds (closed in forked children)


def _forget_in_child() -> None:
    for fd in list(_HELD):
        with contextlib.suppress(OSError):
            os.close(fd)  # the parent's lock stays held: the parent keeps its own descriptor
    _HELD.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_in_child)


def _lock_class():
    """filelock's lock for this platform (looked up when used, so a test can take fcntl away)."""
    import importlib

    import filelock

    if os.name == "nt":  # pragma: no cover - Windows: msvcrt
        return filelock.FileLock
    try:
        importlib.import_module("fcntl")  # filelock's system lock on POSIX
    except ImportError:
        return filelock.SoftFileLock
    return filelock.FileLock


def _me() -> dict:
    now = datetime.now(UTC)
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "since": now.isoformat(timespec="seconds"),
        "since_s": now.timestamp(),  # a process started after this is not the holder
    }


def owner(out_dir: Path) -> dict:
    """The owner record of the folder's lock (empty when none, or unreadable)."""
    try:
        return json.loads((out_dir / OWNER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def is_gone(record: dict) -> bool:
    """True when the process a record names has ended (on this host; a process elsewhere,
    on a shared drive, is taken to be alive: its host's lock says so)."""
    import psutil

    if not record.get("pid") or record.get("host") != socket.gethostname():
        return False
    try:
        proc = psutil.Process(int(record["pid"]))
        if proc.status() == psutil.STATUS_ZOMBIE:  # ended, not yet reaped
            return True
        since = float(record.get("since_s") or 0)
        # the same id given to a process that started after the lock was taken
        return bool(since) and proc.create_time() > since + 1.0
    except (psutil.NoSuchProcess, ValueError):
        return True
    except psutil.Error:  # another user's process: taken to be alive
        return False


@contextmanager
def locked(out_dir: Path, *, wait: bool) -> Iterator[None]:
    """Hold ``<out>/.lock`` for one build; a second build waits (or refuses).

    Raises:
        BuildError: ``wait`` is False and another build holds the folder.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    lock = _lock_class()(str(out_dir / LOCK))
    said = False
    while True:
        try:
            lock.acquire(timeout=0)
            break
        except TimeoutError:  # filelock.Timeout is a TimeoutError
            holder = owner(out_dir)
            if is_gone(holder) and _take_over_soft(lock, out_dir, holder):
                continue
            if not wait:
                raise BuildError(
                    f"another build is writing to {out_dir.name} (lock {out_dir.name}/{LOCK}); "
                    "try again when it has finished"
                ) from None
            if not said:
                log.warning(
                    "another build is writing to %s%s; waiting for it to finish",
                    out_dir.name,
                    f" (process {holder['pid']}, since {holder.get('since', '?')})"
                    if holder.get("pid")
                    else "",
                )
                said = True
            time.sleep(POLL_SECONDS)
    fd = getattr(lock, "_context", None) and lock._context.lock_file_fd
    if isinstance(fd, int):
        _HELD.add(fd)
    try:
        before = owner(out_dir)
        if before.get("pid") and before.get("pid") != os.getpid() and is_gone(before):
            log.warning(
                "the build started %s by process %s did not finish (it was stopped): "
                "taking the folder over and removing what it left",
                before.get("since", "at an unknown time"),
                before["pid"],
            )
        atomic.write_text(out_dir / OWNER, json.dumps(_me()))
        yield
    finally:
        (out_dir / OWNER).unlink(missing_ok=True)
        if isinstance(fd, int):
            _HELD.discard(fd)
        lock.release(force=True)


def _take_over_soft(lock, out_dir: Path, holder: dict) -> bool:
    """A lock file whose presence is the lock (no system lock here), left by a process that
    is gone: removed, so the next try takes it. False for a system lock (the system frees it
    when its holder ends: one that is still held has a live holder, a worker of the build)."""
    import filelock

    if not isinstance(lock, filelock.SoftFileLock):
        return False
    log.warning(
        "process %s, which held %s/%s since %s, is gone: taking its lock over",
        holder.get("pid"),
        out_dir.name,
        LOCK,
        holder.get("since", "?"),
    )
    (out_dir / LOCK).unlink(missing_ok=True)
    return True
