"""Annual series on today's council boundaries: what forecasts and the plan stand on.

``series(tables, measure, la_code=None)`` returns one row per council (and England)
per year, with the value, its source and a ``basis`` that says how the figure was
obtained on today's boundaries:

- ``published``: as the publisher gave it for this council code;
- ``merged``: predecessors' figures summed (e.g. BCP before 2019);
- ``apportioned``: a predecessor's figure split by population (said so in ``note``);
- ``projected``: a projection (e.g. ONS subnational population projections);
- ``not submitted``: the publisher marks the council as not having made the return;
- ``missing``: no file in the raw folder covers the year.

Measures are registered by the modules of this package (one per family: spend,
population ...); :func:`measures` lists them with their descriptions. Different
measures of one thing (MHCLG outturn spend and ASC-FR spend) stay separate
measures: they are never spliced together.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from msp_analysis.tables import Tables

BASES = ("published", "merged", "apportioned", "projected", "not submitted", "missing")

#: Columns every series has, in this order (measure families may add a ``breakdown``).
COLUMNS = [
    "la_code",
    "la_name",
    "year",
    "year_label",
    "measure",
    "breakdown",
    "value",
    "unit",
    "basis",
    "source",
    "source_file",
    "note",
]


@dataclass(frozen=True)
class Measure:
    """One registered measure: a name, what it is, its unit, and the function computing it."""

    name: str
    description: str
    unit: str
    compute: Callable[[Tables], pd.DataFrame]


_REGISTRY: dict[str, Measure] = {}


def register(name: str, description: str, unit: str):
    """Decorator registering ``compute(tables) -> frame with COLUMNS`` under ``name``."""

    def wrap(func: Callable[[Tables], pd.DataFrame]) -> Callable[[Tables], pd.DataFrame]:
        _REGISTRY[name] = Measure(name, description, unit, func)
        return func

    return wrap


def measures() -> dict[str, str]:
    """Every registered measure and its description."""
    _load_families()
    return {m.name: m.description for m in _REGISTRY.values()}


def series(tables: Tables, measure: str, la_code: str | None = None) -> pd.DataFrame:
    """One annual row per council (and England) per year for ``measure``.

    Args:
        tables: the processed tables.
        measure: a name from :func:`measures`.
        la_code: one council's ONS code, or None for every council.

    Raises:
        KeyError: the measure is not known (the message lists those that are).
    """
    _load_families()
    if measure not in _REGISTRY:
        raise KeyError(f"unknown measure {measure!r}; known: {', '.join(sorted(_REGISTRY))}")

    def compute() -> pd.DataFrame:
        frame = _REGISTRY[measure].compute(tables)
        missing = [c for c in COLUMNS if c not in frame.columns]
        if missing:
            raise ValueError(f"measure {measure!r} returned no column(s) {missing}")
        return frame.sort_values(["la_code", "year"]).reset_index(drop=True)

    # the same for every council: computed once per data build (see Tables.derived)
    out = tables.derived(("series", measure), compute)
    if la_code is not None:
        out = out[out["la_code"] == la_code].reset_index(drop=True)
    return out.copy()


def _load_families() -> None:
    """Import the modules that register measures (kept lazy to avoid import cycles)."""
    import importlib
    import pkgutil

    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")
