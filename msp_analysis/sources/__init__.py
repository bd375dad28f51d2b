"""One reader per published return; each has ``LAYOUTS``, ``detect``, ``read`` and ``clean``.

:func:`readers_for` recognises a file by its content (sheet names, header row),
not its name, and returns every reader that knows it (the ASC-FR and SALT workbook
is read by both ``ascfr`` and ``salt``).
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from msp_analysis.sources import ascfr, ascof, cqc, outturn, population, salt, workforce

READERS: tuple[ModuleType, ...] = (ascfr, salt, ascof, population, cqc, workforce, outturn)


def readers_for(path: str | Path) -> list[tuple[ModuleType, str]]:
    """(reader module, layout) for every reader that recognises the file."""
    found = []
    for reader in READERS:
        layout = reader.detect(path)
        if layout is not None:
            found.append((reader, layout))
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
