"""Reading many files at once: worker processes (fork where the platform has it, else
spawn), the costliest file first, each worker's log records sent back to this process; and
the allocator Arrow uses while a build runs."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar

from msp_analysis.store import pieces, steps
from msp_analysis.store.pieces import piece_frames

log = logging.getLogger(__name__)


@contextmanager
def system_allocator() -> Iterator[None]:
    """Arrow allocates from the C library's allocator while a build runs (the previous pool
    is restored after). Arrow's default pool hands freed memory back to the system at once
    and has fresh (huge) pages zero-filled when it needs memory again: in a cold build of
    ../shared/data that was about 1.4 CPU-seconds of kernel time out of 11."""
    import pyarrow as pa

    previous = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield
    finally:
        pa.set_memory_pool(previous)


def pool_size(n_files: int, workers: int | None) -> int:
    """Worker processes for ``n_files`` files to read: 1 (read here) unless it pays."""
    if steps.HOOK is not None:  # the test hook lives in this process: read every file here
        return 1
    if workers is None:
        if hasattr(os, "process_cpu_count"):  # Python 3.13
            workers = os.process_cpu_count() or 1
        elif hasattr(os, "sched_getaffinity"):
            workers = len(os.sched_getaffinity(0))
        else:
            workers = os.cpu_count() or 1
    return max(1, min(workers, n_files))


def _read_cost(path: Path) -> int:
    """Rough cost of reading a file, to start the costliest first (so no long file is left
    to run alone at the end): its size, three times over for a zip-compressed workbook
    (.xlsx, .xlsm, .ods hold 3-10 times their size in XML). Only the order depends on it."""
    size = path.stat().st_size
    return 3 * size if path.suffix.lower() in {".xlsx", ".xlsm", ".ods"} else size


def pool_context():
    """fork where the platform has it (workers share the imported readers at no cost),
    else spawn (each worker imports them once)."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def _pool_init(level: int, disabled: int) -> None:
    """A worker ends with the build that started it, however the build ends
    (:func:`msp_analysis.lifeline.follow_parent`: a worker outliving a killed build would go on
    writing pieces), logs into a list (:func:`_piece_in_worker` returns it to the parent,
    which logs it as its own) at the parent's level, and allocates as the parent does
    (:func:`system_allocator`; a spawned worker does not inherit it)."""
    from msp_analysis.lifeline import follow_parent

    follow_parent()
    import pyarrow as pa

    pa.set_memory_pool(pa.system_memory_pool())
    root = logging.getLogger()
    root.handlers[:] = [_Collect()]
    root.setLevel(level)
    logging.disable(disabled)


class _Collect(logging.Handler):
    """Log records of one file, kept to be sent to the parent (message formatted, so they
    pickle)."""

    records: ClassVar[list[logging.LogRecord]] = []

    def emit(self, record: logging.LogRecord) -> None:
        record.msg, record.args = record.getMessage(), None
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        _Collect.records.append(record)


def _piece_in_worker(path: Path, digest: str, out_dir: Path, strict: bool):
    """:func:`~msp_analysis.store.pieces.piece_of` in a worker process: the piece is written to ``pieces/`` there; the
    parent gets its meta, whether it was parsed, and the log records."""
    _Collect.records = []
    start = time.perf_counter()
    try:
        meta, frames = pieces.piece_of(path, digest, out_dir, strict)
    finally:
        from msp_analysis.sources import _parsing

        _parsing.close_workbooks()
    log.info("%s: read in %.2f s (process %d)", path.name, time.perf_counter() - start, os.getpid())
    return meta, frames is not None, _Collect.records


def read_in_pool(
    todo: list[Path], fps, out_dir: Path, strict: bool, n: int, bar, writer=None
) -> dict:
    """Read ``todo`` in ``n`` processes: this one and ``n - 1`` workers, costliest first.

    The files wait in one queue; each worker takes the next when it finishes one, and so
    does this process between collecting what the workers finished. A worker writes its
    file's piece (as :func:`~msp_analysis.store.pieces.piece_of` does here) and this process reads the tables back
    from it; a worker's log records are logged here, in one block, when it is done.
    Returns ``{file name: (meta, frames)}`` for every file in ``todo`` (``frames`` as
    :func:`~msp_analysis.store.pieces.piece_of` returns them). A file whose worker died (killed, out of memory) is read
    here instead.

    Raises:
        Exception: with ``strict``, a reader's unexpected error (the other files stop).
    """
    import gc
    import threading
    from collections import deque
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    # import the readers and the schemas' pandera before the workers fork, so none of them
    # imports them again
    import pandera.pandas  # noqa: F401
    import pyarrow.parquet  # noqa: F401

    import msp_analysis.schemas
    import msp_analysis.sources  # noqa: F401

    queue = deque(sorted(todo, key=lambda p: (-_read_cost(p), p.name)))
    done: dict = {}
    running: dict = {}  # future -> file, for the files the workers hold
    lock = threading.Lock()
    stop = threading.Event()
    start = time.perf_counter()
    log.info("reading %d files in %d processes", len(todo), n)
    root = logging.getLogger()
    # Objects alive now (the imported modules) are left out of garbage collection until the
    # files are read: no process scans them again, and a forked worker's collections do
    # not write to (and so copy) the pages it shares with this process (Python's gc.freeze
    # advice for fork). This took about 1 CPU-second off a cold build of ../shared/data.
    gc.freeze()
    pool = ProcessPoolExecutor(
        max_workers=n - 1,
        mp_context=pool_context(),
        initializer=_pool_init,
        initargs=(root.getEffectiveLevel(), logging.root.manager.disable),
    )

    def feed(_finished=None) -> None:
        """Give a worker the next file (called again as each of its files finishes)."""
        with lock:
            if stop.is_set() or not queue:
                return
            path = queue.popleft()
            try:
                future = pool.submit(_piece_in_worker, path, fps[path.name], out_dir, strict)
            except Exception:  # the pool is shut down or broken: this process reads it
                queue.appendleft(path)
                return
            running[future] = path
        future.add_done_callback(feed)

    def finish(path: Path, meta: dict, frames) -> None:
        done[path.name] = (meta, frames)
        bar.set_postfix_str(path.name[:40])
        bar.update()

    def collect(futures) -> None:
        for future in futures:
            with lock:
                path = running.pop(future)
            try:
                meta, parsed, records = future.result()
            except BrokenProcessPool:  # a worker died: this process reads its file
                log.warning("%s: its reading process stopped; reading it here", path.name)
                with lock:
                    queue.append(path)
                continue
            for record in records:
                logging.getLogger(record.name).handle(record)
            frames = None
            if parsed:  # a reader bug's file is not cached: it has no piece to read
                frames = {} if meta.get("bug") else piece_frames(out_dir, meta)
            finish(path, meta, frames)

    from concurrent.futures.process import BrokenProcessPool

    try:
        for _ in range(n - 1):
            feed()
        while True:
            with lock:
                ready = [f for f in running if f.done()]
            collect(ready)
            with lock:
                path = queue.popleft() if queue else None
                waiting = list(running)
            if path is not None:
                began = time.perf_counter()
                finish(path, *pieces.piece_of(path, fps[path.name], out_dir, strict, writer))
                log.info(
                    "%s: read in %.2f s (process %d)",
                    path.name,
                    time.perf_counter() - began,
                    os.getpid(),
                )
            elif waiting:
                wait(waiting, timeout=1.0, return_when=FIRST_COMPLETED)
            else:
                break
    except BaseException:
        stop.set()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        gc.unfreeze()
    stop.set()
    pool.shutdown(wait=True)
    log.info("read %d files in %.2f s", len(done), time.perf_counter() - start)
    return done
