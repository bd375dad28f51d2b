"""Progress while one plan builds: each step said as it starts, its time when it ends.

A plan on the real files takes a minute or two on a loaded laptop; ``msp report`` says what it
is doing instead of sitting silent::

    Building the plan for Wiltshire (E06000054):
      data tables          0.4 s
      indicators           6.2 s
      forecasts           21.7 s
      sections and charts  9.8 s
      HTML                 1.2 s
      PDF                  2.1 s
      Word                 0.7 s

Most of the work happens inside the plan notebook's kernel, another process. The notebook's
draft reports its steps by appending their names to a small file (:func:`to_file`, given the
path as a notebook parameter); the command follows that file (:class:`FileWatch`) and hands
each new step to :class:`Steps`, which prints it. A file, not a pipe, so it works the same on
Windows, under papermill and in a batch worker's kernel.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

#: the plan's steps in order, with the words printed for each
STEPS = {
    "data": "tables and kernel",
    "indicators": "indicators",
    "forecast": "forecasts",
    "sections": "sections and charts",
    "html": "HTML",
    "pdf": "PDF",
    "docx": "Word",
}
_WIDTH = max(len(v) for v in STEPS.values()) + 2


def to_file(path: str | Path | None) -> Callable[[str], None]:
    """A step reporter that appends each step's name to ``path`` (a no-op for None)."""
    if not path:
        return lambda step: None
    target = Path(path)

    def report(step: str) -> None:
        with target.open("a", encoding="utf-8") as fh:
            fh.write(step + "\n")

    return report


class Steps:
    """Prints each step as it starts and its time when the next one starts (or at the end).

    On a terminal the step's name shows while it runs; the time completes the line.
    """

    def __init__(self, title: str, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.current: str | None = None
        self.started = 0.0
        self.open_line = False  # a step's name printed, its time not yet
        self.lock = threading.Lock()
        self._write(title + "\n")

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):  # a closed stream never stops a build
            pass

    def start(self, step: str) -> None:
        with self.lock:
            if step == self.current:
                return
            self._end()
            self.current = step
            self.started = time.perf_counter()
            self._write(self._name(step))
            self.open_line = True

    @staticmethod
    def _name(step: str) -> str:
        return f"  {STEPS.get(step, step):<{_WIDTH}}"

    def _end(self) -> None:
        if self.current is not None:
            name = "" if self.open_line else self._name(self.current)
            self._write(f"{name}{time.perf_counter() - self.started:5.1f} s\n")
            self.current = None
            self.open_line = False

    def break_line(self) -> None:
        """Another message is about to print (a data warning): end the step's open line first,
        so the message starts a line of its own; the step's time then prints with its name."""
        with self.lock:
            if self.open_line:
                self._write("\n")
                self.open_line = False

    def log_filter(self) -> logging.Filter:
        """A filter for a log handler writing to the same stream: each record it lets through
        first breaks the open step line (:meth:`break_line`)."""
        steps = self

        class _BreakLine(logging.Filter):
            def filter(self, record: logging.LogRecord) -> bool:
                steps.break_line()
                return True

        return _BreakLine()

    def done(self) -> None:
        with self.lock:
            self._end()


class FileWatch:
    """Follows a step file written by :func:`to_file` in another process; calls ``on_step``
    with each new step, from a thread of its own, until :meth:`stop`."""

    def __init__(self, path: Path, on_step: Callable[[str], None], every_s: float = 0.2):
        self.path = path
        self.on_step = on_step
        self.every_s = every_s
        self.seen = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="plan-progress", daemon=True)

    def __enter__(self) -> FileWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _poll(self) -> None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return
        lines = text.split("\n")[:-1]  # whole lines only: the last may be half written
        for line in lines[self.seen :]:
            if line.strip():
                self.on_step(line.strip())
        self.seen = len(lines)

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            self._poll()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=2)
        self._poll()  # the last steps written before the kernel finished
