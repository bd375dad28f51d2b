"""One reader per published return; each has ``LAYOUTS``, ``detect``, ``read`` and ``clean``.

:func:`readers_for` recognises a file by its content (sheet names, header row),
not its name, and returns every reader that knows it (the ASC-FR and SALT workbook
is read by both ``ascfr`` and ``salt``).
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from msp_analysis.errors import LayoutNearMiss
from msp_analysis.sources import (
    _parsing,
    ascfr,
    ascof,
    ashe,
    cqc,
    deprivation,
    outturn,
    population,
    salt,
    workforce,
)

READERS: tuple[ModuleType, ...] = (
    ascfr,
    salt,
    ascof,
    population,
    cqc,
    workforce,
    outturn,
    ashe,
    deprivation,
)


def readers_for(path: str | Path) -> list[tuple[ModuleType, str]]:
    """(reader module, layout) for every reader that recognises the file.

    Raises:
        SourceError: a spreadsheet that cannot be opened (empty, truncated, damaged,
            encrypted), or a file that is nearly a known layout (one signature column
            missing or renamed) and that no reader recognises fully. Such files are
            never skipped as "unknown".
    """
    p = Path(path)
    if _parsing.is_spreadsheet(p):
        _parsing.check_spreadsheet(p)
    found = []
    near: list[LayoutNearMiss] = []
    for reader in READERS:
        try:
            layout = reader.detect(p)
        except LayoutNearMiss as exc:
            near.append(exc)
            continue
        if layout is not None:
            found.append((reader, layout))
    if not found and near:
        raise near[0]
    return found


def table_name(reader: ModuleType, layout: str) -> str:
    """Processed table a reader's output goes to."""
    if reader is cqc:
        return "cqc_ratings" if layout == "cqc-ratings" else "cqc_locations"
    if reader is population:
        return population.table_for(layout)
    return reader.TABLE


def known_layouts() -> dict[str, str]:
    """Every layout every reader knows, for error messages and the README."""
    out: dict[str, str] = {}
    for reader in READERS:
        for k, v in reader.LAYOUTS.items():
            out.setdefault(k, v)
    return out
