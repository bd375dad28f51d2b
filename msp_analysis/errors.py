"""The errors msp-analysis raises on purpose, in one hierarchy.

Everything a user can cause (a wrong file, a bad setting, a council code that does not
exist, a source that was never loaded) is an :class:`MspError`. The command line catches
exactly these (and ``FileNotFoundError``) and prints one line; anything else is a bug and
keeps its traceback (with ``-v``).

::

    MspError                      exit_code 1 (a data problem)
      SourceError                 a published file is wrong or in an unknown layout
        UnknownLayoutError
        LayoutNearMiss            a known layout, damaged (a column deleted or renamed)
        store.BuildError          raw files could not be built into tables
      MissingSourceError          a table a figure needs is not loaded (tables.MissingSource)
      ConfigError                 exit_code 2 (the user's settings or arguments)
        UsageError                a command-line argument (council, horizon, folder, ...)
        SettingsError             a settings file: scenario, evidence, thresholds or actions YAML
          EvidenceError           a local evidence workbook or YAML: one line per problem
        CatalogueError            a download catalogue
      DownloadError               a transfer failed verification

Every message names the file and, where known, the sheet, the column and the
(1-based, spreadsheet-style) row, or the settings file and key, so an analyst can open
the file and look.
"""

from __future__ import annotations

from pathlib import Path


class MspError(Exception):
    """Base of every error msp-analysis raises on purpose (never a bug)."""

    #: process exit status the command line uses for this kind of error
    exit_code = 1


class ConfigError(MspError, ValueError):
    """A settings file or argument is wrong: exit status 2."""

    exit_code = 2


class UsageError(ConfigError):
    """A command-line value is wrong (unknown council, horizon out of range, missing folder)."""


class SettingsError(ConfigError):
    """A settings file (scenario, local evidence, risk thresholds, actions) is invalid; the
    message names the file and the key, items counted from 1."""


#: The earlier name of :class:`SettingsError` (the same class), kept for code written against it.
ScenarioError = SettingsError


class EvidenceError(SettingsError):
    """The council's local evidence (workbook or YAML) is wrong: every problem found, each one
    line naming the file and the sheet, row and column (or the key) where it is.

    Attributes:
        problems: the lines, in the order of the file.
    """

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class CatalogueError(ConfigError):
    """A download catalogue entry is invalid or unsafe (the message names the entry and key)."""


class DownloadError(MspError):
    """A download failed its checks (length, checksum, size limit)."""


class MissingSourceError(MspError, LookupError):
    """A source table that a figure needs is absent; the message says which and why it matters."""


class SourceError(MspError, ValueError):
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
