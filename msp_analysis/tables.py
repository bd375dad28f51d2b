"""The processed tables in memory: what indicators, forecasts and series read.

This sits just above :mod:`msp_analysis.store` (which writes and reads the Parquet
files) and below everything that uses the tables, so data access has one home.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from msp_analysis import store
from msp_analysis.errors import MissingSourceError


class MissingSource(MissingSourceError):
    """A source table that a figure needs is absent; the message says which and why it matters."""


@dataclass
class Tables:
    """The processed tables an assessment reads; any may be absent."""

    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    demo: bool = False
    manifest: dict = field(default_factory=dict)
    #: derived frames shared by many councils' runs (computed once per data build)
    cache: dict = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, processed_dir: str | Path) -> Tables:
        processed_dir = store.resolve(processed_dir)  # one version: tables and manifest agree
        frames = {}
        for name in store.TABLE_KEYS:
            if (processed_dir / f"{name}.parquet").exists():
                frames[name] = store.load(name, processed_dir)
        m = store.manifest(processed_dir)
        return cls(frames=frames, demo=bool(m.get("demo")), manifest=m)

    def get(self, name: str) -> pd.DataFrame | None:
        """The table, or None when it was not built (prefer :meth:`require`)."""
        return self.frames.get(name)

    def require(self, name: str, why: str = "") -> pd.DataFrame:
        """The table, or :class:`MissingSource` naming it (and ``why`` it is needed)."""
        frame = self.frames.get(name)
        if frame is None or frame.empty:
            reason = f" ({why})" if why else ""
            raise MissingSource(
                f"the '{name}' table is not loaded{reason}: add the published file to the raw "
                "folder and run `msp data`"
            )
        return frame

    def has(self, name: str) -> bool:
        return name in self.frames and len(self.frames[name]) > 0
