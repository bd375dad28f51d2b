"""Replacing files and folders in one step, on every platform.

``os.replace`` renames a file over another atomically on POSIX and Windows alike when both
are in one folder. Windows refuses it while another process has the target open (a reader
of the pointer file, an antivirus or sync client looking at a new file) with
``PermissionError``: :func:`replace` tries again for a few seconds. A folder cannot be
renamed over a folder that holds files: :func:`swap_folder` moves the old one aside first,
so two runs that finish the same folder at once both succeed (the later one wins).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import socket
import time
import uuid
from collections.abc import Callable
from pathlib import Path

#: how long a replace is retried while Windows (or a sync client) holds the target open
RETRY_SECONDS = 5.0


def replace(src: Path, dst: Path, *, seconds: float = RETRY_SECONDS) -> None:
    """``os.replace(src, dst)``, tried again while the target is held open (Windows)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            os.replace(src, dst)
            return
        except PermissionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def write_with(path: Path, dump: Callable[[Path], object]) -> Path:
    """Write ``path`` whole or not at all: ``dump(tmp)`` writes a temporary file beside it
    (in the same folder, which is created if missing), then it replaces ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".tmp-{path.name}-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        dump(tmp)
        replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_text(path: Path, text: str) -> None:
    """Write ``path`` whole or not at all (UTF-8 text; see :func:`write_with`)."""
    write_with(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def aside_name(folder: Path) -> Path:
    """A hidden name beside ``folder`` that a later clean-up recognises: ``.tmp-old-<name>-``,
    this computer (8 hex digits) and this process's id."""
    host = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]
    return folder.with_name(f".tmp-old-{folder.name}-{host}-{os.getpid()}-{uuid.uuid4().hex[:8]}")


def swap_folder(new: Path, final: Path, *, seconds: float = RETRY_SECONDS) -> None:
    """Put the finished folder ``new`` in place of ``final`` (which may not exist).

    The old ``final`` is renamed aside, ``new`` renamed in, the old one removed. When
    another run puts its own ``final`` in place between the two renames (two runs
    finishing at once), this run moves that one aside too and tries again: the later run
    wins, neither fails.
    """
    deadline = time.monotonic() + seconds
    moved: list[Path] = []
    try:
        while True:
            if final.exists() or final.is_symlink():
                aside = aside_name(final)
                try:
                    replace(final, aside, seconds=max(0.0, deadline - time.monotonic()))
                    moved.append(aside)
                except FileNotFoundError:
                    pass  # another run moved it first
            try:
                os.replace(new, final)
                return
            except OSError:
                # another run's folder arrived in between (not empty), or Windows holds it
                if time.monotonic() > deadline or not new.exists():
                    raise
                time.sleep(0.01)
    finally:
        for folder in moved:
            with contextlib.suppress(OSError):
                shutil.rmtree(folder, ignore_errors=True)
