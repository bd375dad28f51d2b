"""Error types raised when a published file cannot be read or cleaned.

Every message names the file and, where known, the sheet, the column and the
(1-based, spreadsheet-style) row, so an analyst can open the file and look.
"""

from __future__ import annotations

from pathlib import Path


class SourceError(ValueError):
    """A published file is wrong, truncated, or in a layout no reader knows.

    Attributes:
        file: file name (not the full path, so messages carry no machine paths).
        sheet: sheet name, for spreadsheets.
        column: column header as published.
        row: 1-based row number as a spreadsheet or text editor shows it.
        problem: what is wrong, in words.
    """

    def __init__(
        self,
        problem: str,
        *,
        file: str | Path | None = None,
        sheet: str | None = None,
        column: str | None = None,
        row: int | None = None,
    ) -> None:
        self.file = Path(file).name if file is not None else None
        self.sheet = sheet
        self.column = column
        self.row = row
        self.problem = problem
        super().__init__(self._message())

    def _message(self) -> str:
        where = []
        if self.file:
            where.append(f"file '{self.file}'")
        if self.sheet:
            where.append(f"sheet '{self.sheet}'")
        if self.column is not None:
            where.append(f"column '{self.column}'")
        if self.row is not None:
            where.append(f"row {self.row}")
        prefix = ", ".join(where)
        return f"{prefix}: {self.problem}" if prefix else self.problem


class UnknownLayoutError(SourceError):
    """The file does not match any layout the reader knows; the message lists those it does."""

    def __init__(self, problem: str, known: list[str] | dict[str, str], **where) -> None:
        if isinstance(known, dict):
            listing = "; ".join(f"{k} ({v})" for k, v in known.items())
        else:
            listing = "; ".join(known)
        super().__init__(f"{problem}. Known layouts: {listing}", **where)
        self.known = known


class LayoutNearMiss(SourceError):
    """The file has all but one of a layout's signature columns or sheets: it is that
    layout, damaged (a column deleted or renamed), not a file no reader knows."""


class ScenarioError(ValueError):
    """A scenario file is invalid."""
