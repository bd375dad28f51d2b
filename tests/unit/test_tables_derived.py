"""Tables.derived: computed once, stored under the data version and code key, never stale."""

from __future__ import annotations

import pandas as pd
import pytest

from msp_analysis.cache import DERIVED, code_key
from msp_analysis.tables import Tables

pytestmark = pytest.mark.unit


def _counter():
    calls = []

    def compute():
        calls.append(1)
        return pd.DataFrame({"la_code": ["E06000054"], "value": [len(calls)]})

    return calls, compute


def test_computed_once_then_read_from_the_version_folder(tmp_path):
    version = tmp_path / "v-1"
    calls, compute = _counter()
    first = Tables(processed_dir=version).derived(("series", "x y"), compute)
    path = version / DERIVED / code_key() / "series-x_y.pkl"
    assert path.exists() and calls == [1]
    # a new process (new Tables) on the same data version reads it back, no recomputation
    again = Tables(processed_dir=version).derived(("series", "x y"), compute)
    assert calls == [1]
    pd.testing.assert_frame_equal(first, again)


def test_another_data_version_recomputes(tmp_path):
    calls, compute = _counter()
    Tables(processed_dir=tmp_path / "v-1").derived("k", compute)
    out = Tables(processed_dir=tmp_path / "v-2").derived("k", compute)
    assert calls == [1, 1] and out["value"].iloc[0] == 2


def test_a_change_to_the_code_recomputes_and_the_same_code_reuses(tmp_path, monkeypatch):
    from msp_analysis import cache

    version = tmp_path / "v-1"
    calls, compute = _counter()
    Tables(processed_dir=version).derived("k", compute)
    Tables(processed_dir=version).derived("k", compute)
    assert calls == [1]  # the same data version and the same code: reused
    monkeypatch.setattr(cache, "code_key", lambda scope="package": "0123456789abcdef")
    out = Tables(processed_dir=version).derived("k", compute)
    assert calls == [1, 1] and out["value"].iloc[0] == 2
    assert (version / DERIVED / "0123456789abcdef" / "k.pkl").exists()


def test_in_memory_tables_store_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    calls, compute = _counter()
    t = Tables()
    t.derived("k", compute)
    t.derived("k", compute)
    assert calls == [1] and not list(tmp_path.iterdir())


def test_damaged_stored_copy_is_recomputed(tmp_path):
    version = tmp_path / "v-1"
    calls, compute = _counter()
    Tables(processed_dir=version).derived("k", compute)
    (version / DERIVED / code_key() / "k.pkl").write_bytes(b"not a pickle")
    out = Tables(processed_dir=version).derived("k", compute)
    assert calls == [1, 1] and out["value"].iloc[0] == 2


def test_loaded_tables_read_only_when_used(tmp_path):
    from msp_analysis.tables import LazyFrames

    pd.DataFrame({"a": [1, 2]}).to_parquet(tmp_path / "salt.parquet")
    frames = LazyFrames({"salt": tmp_path / "salt.parquet"}, rows={"salt": 2})
    t = Tables(frames=frames)
    assert t.has("salt") and not t.has("ascfr") and frames.loaded() == []
    assert t.require("salt")["a"].tolist() == [1, 2] and frames.loaded() == ["salt"]
