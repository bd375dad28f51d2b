"""One build at a time on a processed folder: ``<out>/.lock``, held for the whole build."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from msp_analysis.store.outcome import BuildError

log = logging.getLogger(__name__)


@contextmanager
def locked(out_dir: Path, *, wait: bool) -> Iterator[None]:
    """Hold ``<out>/.lock`` (fcntl) for one build; a second build waits (or refuses)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    fh = open(out_dir / ".lock", "a+")  # noqa: SIM115 - held open for the whole build
    try:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX: no lock, said so
            log.warning("file locks are not available here: run one build at a time")
            yield
            return
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                raise BuildError(
                    f"another build is writing to {out_dir.name} (lock {out_dir.name}/.lock); "
                    "try again when it has finished"
                ) from None
            log.warning("another build is writing to %s; waiting for it to finish", out_dir.name)
            fcntl.flock(fh, fcntl.LOCK_EX)
        yield
    finally:
        fh.close()  # releases the lock
