"""Worker processes that end when the process that started them ends, however it ends.

A pool worker is a separate process: when its parent is killed (``kill -9``, the
out-of-memory killer, a closed terminal on Windows) nothing ends it, and it goes on
holding what it held (open workbooks, a kernel, a browser, a lock). :func:`follow_parent`,
called first in every worker (a pool initializer), starts a thread that ends the worker
as soon as the parent is gone: it waits on the parent's sentinel (a pipe that closes, or
on Windows the parent's process handle, both given by :mod:`multiprocessing`), and on
POSIX also sees the worker handed to another parent. Nothing to clean up is left to the
worker: the next run removes what a dead run left (temporary folders, browser profiles).
"""

from __future__ import annotations

import logging
import os
import threading

log = logging.getLogger(__name__)

#: how often the watch also looks at the parent's id (POSIX: it changes when the parent dies)
POLL_SECONDS = 0.5


def follow_parent(parent_pid: int | None = None) -> None:
    """End this process (exit status 1, nothing cleaned up) when its parent ends.

    ``parent_pid`` is the parent's process id where :mod:`multiprocessing` does not know it
    (a worker started some other way); by default the multiprocessing parent.
    """
    import multiprocessing

    parent = multiprocessing.parent_process()
    pid = parent_pid or (parent.pid if parent is not None else None)
    sentinel = parent.sentinel if parent is not None else None
    if pid is None:
        return

    def gone() -> bool:
        # POSIX: an orphan is handed to init (or a subreaper); Windows keeps the old id
        return os.name != "nt" and os.getppid() != pid

    def watch() -> None:
        from multiprocessing.connection import wait

        while True:
            if sentinel is not None:
                try:
                    if wait([sentinel], timeout=POLL_SECONDS):
                        break
                except OSError:
                    break
            elif not _alive(pid):
                break
            if gone():
                break
            if sentinel is None:
                threading.Event().wait(POLL_SECONDS)
        os._exit(1)

    if gone():
        os._exit(1)
    threading.Thread(target=watch, name="msp-follow-parent", daemon=True).start()


def _alive(pid: int) -> bool:
    import psutil

    return psutil.pid_exists(pid)
