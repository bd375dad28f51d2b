"""What a build reports: its result, a failed file's record, and the error raised when it
can write nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from msp_analysis.errors import SourceError


class BuildError(SourceError):
    """A build could not write anything (``--strict`` with a bad file, or no readable file)."""


@dataclass
class BuildResult:
    """What a build did: tables written, files read, skipped (with the reason) and failed,
    files that are not the publisher's (``unpublished``), and whether it reused the previous
    build as it was (``reused``)."""

    out_dir: Path
    tables: dict[str, int] = field(default_factory=dict)
    files: list[dict] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    skip_reasons: dict[str, str] = field(default_factory=dict)  # file -> why it was not read
    failures: list[dict] = field(default_factory=list)
    conflicts: list[dict] = field(default_factory=list)
    unpublished: list[dict] = field(default_factory=list)  # not the publisher's file
    notes: list[str] = field(default_factory=list)  # what the build did that a reader should know
    demo: bool = False
    reused: bool = False
    files_read: int = 0  # files parsed in this run (the rest came from cached pieces)

    @property
    def ok(self) -> bool:
        """True when every file this tool recognises was read."""
        return not self.failures


def failure_record(exc: SourceError, file: str, **extra) -> dict:
    """One failed file as the manifest lists it: where (file, sheet, column, row) and what."""
    return {
        "file": exc.file or file,
        "sheet": exc.sheet,
        "column": exc.column,
        "row": exc.row,
        "problem": exc.problem,
        "message": str(exc),
        **extra,
    }
