"""The processed tables in memory: what indicators, forecasts and series read.

This sits just above :mod:`msp_analysis.store` (which writes and reads the Parquet
files) and below everything that uses the tables, so data access has one home.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from msp_analysis import cache as caching
from msp_analysis import store
from msp_analysis.errors import MissingSourceError

log = logging.getLogger(__name__)


class MissingSource(MissingSourceError):
    """A source table that a figure needs is absent; the message says which and why it matters."""


class LazyFrames(MutableMapping):
    """Table name -> frame, each read from its Parquet file the first time it is used."""

    def __init__(self, paths: dict[str, Path], rows: dict[str, int] | None = None) -> None:
        self._paths = dict(paths)
        self._rows = dict(rows or {})  # from the manifest: whether a table is empty, unread
        self._frames: dict[str, pd.DataFrame] = {}

    def rows(self, name: str) -> int:
        """Rows of a table (from the build's manifest when it has not been read)."""
        if name in self._frames or name not in self._rows:
            return len(self[name]) if name in self else 0
        return int(self._rows[name])

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._frames:
            if name not in self._paths:
                raise KeyError(name)
            self._frames[name] = pd.read_parquet(self._paths[name])
        return self._frames[name]

    def __setitem__(self, name: str, frame: pd.DataFrame) -> None:
        self._paths.setdefault(name, Path())
        self._frames[name] = frame

    def __delitem__(self, name: str) -> None:
        del self._paths[name]
        self._frames.pop(name, None)

    def __contains__(self, name: object) -> bool:
        return name in self._paths

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)

    def columns(self, name: str, wanted: tuple[str, ...]) -> pd.DataFrame:
        """Those of ``wanted`` columns the table has, read from its file alone when the table
        has not been read (the whole table is not kept in memory for them)."""
        if name in self._frames or not self._paths.get(name, Path()).is_file():
            frame = self[name]
            return frame[[c for c in wanted if c in frame]]
        import pyarrow.parquet as pq

        have = set(pq.read_schema(self._paths[name]).names)
        return pd.read_parquet(self._paths[name], columns=[c for c in wanted if c in have])

    def loaded(self) -> list[str]:
        """The tables read so far."""
        return list(self._frames)

    def unload(self) -> None:
        """Forget the tables read so far (each is read again when next used)."""
        self._frames.clear()


@dataclass
class Tables:
    """The processed tables an assessment reads; any may be absent."""

    frames: MutableMapping[str, pd.DataFrame] = field(default_factory=dict)
    demo: bool = False
    manifest: dict = field(default_factory=dict)
    #: derived frames shared by many councils' runs (computed once per data build)
    cache: dict = field(default_factory=dict, repr=False)
    #: the processed version folder the tables came from (None for tables made in memory);
    #: a version folder never changes once written, so results derived from it can be stored
    processed_dir: Path | None = None

    @classmethod
    def load(cls, processed_dir: str | Path) -> Tables:
        processed_dir = store.resolve(processed_dir)  # one version: tables and manifest agree
        # each table is read when first used: a plan whose council-independent results are
        # stored (see derived) never reads the large tables those came from
        m = store.manifest(processed_dir)
        frames = LazyFrames(
            {
                name: processed_dir / f"{name}.parquet"
                for name in store.TABLE_KEYS
                if (processed_dir / f"{name}.parquet").exists()
            },
            rows={
                name: info["rows"]
                for name, info in (m.get("tables") or {}).items()
                if isinstance(info, dict) and isinstance(info.get("rows"), int)
            },
        )
        return cls(frames=frames, demo=bool(m.get("demo")), manifest=m, processed_dir=processed_dir)

    def derived(self, key, compute: Callable[[], Any]) -> Any:
        """``compute()``, once per data build: the same for every council, so stored.

        Looked up in memory, then in the build's derived results
        (:func:`msp_analysis.cache.derived_dir`), and computed (and stored there) only when
        neither has it: stale by the one rule of :mod:`msp_analysis.cache` (another data
        version, or a change to the package's code). Tables made in memory (tests) keep the
        result in memory only.
        """
        found = self.stored(key, caching.ABSENT)
        if found is not caching.ABSENT:
            return found
        value = compute()
        self.keep(key, value)
        return value

    def _path(self, key) -> Path | None:
        if self.processed_dir is None:
            return None
        return caching.derived_dir(self.processed_dir) / caching.file_name(key)

    def stored(self, key, default: Any = None) -> Any:
        """A derived result held in memory or stored for this data build; ``default`` when
        neither has it."""
        if key in self.cache:
            return self.cache[key]
        path = self._path(key)
        value = caching.read(path) if path is not None else caching.ABSENT
        if value is caching.ABSENT:
            return default
        self.cache[key] = value
        return value

    def keep(self, key, value: Any, *, in_memory: bool = True) -> None:
        """Store a derived result for this data build (and in memory, unless told not to:
        a result stored for each of many councils is loaded when that council asks).
        Tables made in memory keep it in memory whatever ``in_memory`` says."""
        path = self._path(key)
        if in_memory or path is None:
            self.cache[key] = value
        if path is not None:
            caching.write(path, value)

    def release(self) -> None:
        """Drop the tables read so far and the results held in memory, returning the memory.

        Tables are read again, and stored results loaded again, when next used: a process
        computing many results in turn keeps only one step's tables at a time.
        """
        if isinstance(self.frames, LazyFrames):
            self.frames.unload()
        self.cache.clear()
        _return_memory()

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

    def columns(self, name: str, wanted: tuple[str, ...]) -> pd.DataFrame:
        """The table's columns among ``wanted`` (:meth:`LazyFrames.columns`: read alone from
        the file when the table is not in memory), or :class:`MissingSource`."""
        if isinstance(self.frames, LazyFrames) and name in self.frames:
            return self.frames.columns(name, wanted)
        frame = self.require(name)
        return frame[[c for c in wanted if c in frame]]

    def has(self, name: str) -> bool:
        if isinstance(self.frames, LazyFrames):
            return self.frames.rows(name) > 0  # without reading the table
        return name in self.frames and len(self.frames[name]) > 0


def _return_memory() -> None:
    """Give freed memory back to the system (Arrow's pool, then the C allocator)."""
    import gc

    gc.collect()
    try:
        import pyarrow

        pyarrow.default_memory_pool().release_unused()
    except Exception:  # an older pyarrow or another pool: memory is freed later instead
        pass
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (macOS, Windows, musl)
        pass
