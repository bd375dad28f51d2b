"""Files read in worker processes build exactly what one process builds.

Fixtures are tiny Skills for Care "LA data download" CSVs written here by hand (as in
test_store.py), so every expected figure and failure is read from the text below.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pandas as pd
import pytest

from msp_analysis import store
from msp_analysis.store import BuildError

pytestmark = pytest.mark.unit

HEADER = "CSSR (LA area),Sector,Service,Job role,Filled posts,Turnover rate\n"
FILES = {
    # '\x96' is an en dash in Windows-1252 and not UTF-8: the reader warns, then reads it
    "LA-data-download-2022-23.csv": (
        HEADER + "Wiltshire,All,All,Care worker \x96 all,4900,0.27\n"
    ).encode("latin-1"),
    "LA-data-download-2023-24.csv": (
        HEADER + "Wiltshire,All,All,Care worker,5100,0.25\nSwindon,All,All,Care worker,2300,0.31\n"
    ).encode(),
    # 'lots' in row 2, column 'Turnover rate' is neither a number nor a known marker
    "LA-data-download-2024-25.csv": (HEADER + "Wiltshire,All,All,Care worker,6200,lots\n").encode(),
}


def _raw(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir()
    for name, data in FILES.items():
        (raw / name).write_bytes(data)
    return raw


def _built(out: Path) -> tuple[pd.DataFrame, dict]:
    m = json.loads((store.resolve(out) / "manifest.json").read_text())
    for key in ("built_at", "replaces"):
        m.pop(key)
    return store.load("workforce", out), m


def test_pool_builds_what_one_process_builds(tmp_path, caplog):
    raw = _raw(tmp_path)
    serial = store.build(raw, tmp_path / "one", progress=False, workers=1)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        pooled = store.build(raw, tmp_path / "two", progress=False, workers=2)
    assert pooled.files_read == serial.files_read == 3
    one, m_one = _built(tmp_path / "one")
    two, m_two = _built(tmp_path / "two")
    pd.testing.assert_frame_equal(one, two)
    assert m_one == m_two
    # the bad file fails alone, named to the cell, in either build
    [fail] = pooled.failures
    assert (fail["file"], fail["column"], fail["row"]) == (
        "LA-data-download-2024-25.csv",
        "Turnover rate",
        2,
    )
    # 4900 from 2022-23, 5100 and 2300 from 2023-24; nothing from the bad 2024-25
    posts = two[two["measure"] == "filled_posts"]
    assert sorted(posts["value"]) == [2300, 4900, 5100]
    # a worker's warning is logged by the parent, once
    warned = [r for r in caplog.records if "is not UTF-8" in r.getMessage()]
    assert [r.getMessage() for r in warned] == [
        "LA-data-download-2022-23.csv is not UTF-8; read as Windows-1252"
    ]


def test_pool_strict_raises_and_writes_nothing(tmp_path):
    raw = _raw(tmp_path)
    with pytest.raises(BuildError, match=r"LA-data-download-2024-25\.csv"):
        store.build(raw, tmp_path / "out", progress=False, strict=True, workers=2)
    assert not store.has_build(tmp_path / "out")


def test_a_worker_that_dies_leaves_its_files_to_the_parent(tmp_path, monkeypatch):
    raw = _raw(tmp_path)
    parent, piece = os.getpid(), store.pieces.piece_of

    def dies_in_a_worker(path, *args, **kwargs):
        if os.getpid() != parent:
            os._exit(1)  # as a worker killed by the system would
        return piece(path, *args, **kwargs)

    monkeypatch.setattr(store.pieces, "piece_of", dies_in_a_worker)  # inherited by forked workers
    result = store.build(raw, tmp_path / "out", progress=False, workers=2)
    assert result.files_read == 3 and len(result.failures) == 1
    assert sorted(store.load("workforce", tmp_path / "out")["la_name"].unique()) == [
        "Swindon",
        "Wiltshire",
    ]


def test_one_file_to_read_is_read_here():
    assert store.pool.pool_size(1, None) == 1
    assert store.pool.pool_size(5, 1) == 1
    assert store.pool.pool_size(5, 3) == 3
    assert store.pool.pool_size(2, 8) == 2


def test_pool_reader_bug_fails_its_file_or_stops_a_strict_build(tmp_path, monkeypatch):
    from msp_analysis.sources import workforce

    def bug(raw):
        raise ZeroDivisionError("a reader bug")

    monkeypatch.setattr(workforce, "clean", bug)  # inherited by forked workers
    raw = _raw(tmp_path)
    with pytest.raises(ZeroDivisionError, match="a reader bug"):
        store.build(raw, tmp_path / "strict", progress=False, strict=True, workers=2)
    assert not store.has_build(tmp_path / "strict")
    with pytest.raises(BuildError, match="no published file"):  # every file hits the bug
        store.build(raw, tmp_path / "out", progress=False, workers=2)


def test_pool_where_fork_is_not_available_spawns_its_workers(tmp_path, monkeypatch):
    import multiprocessing

    raw = _raw(tmp_path)
    store.build(raw, tmp_path / "one", progress=False, workers=1)
    # as on macOS and Windows: workers start a fresh interpreter and import the readers
    monkeypatch.setattr(store.pool, "pool_context", lambda: multiprocessing.get_context("spawn"))
    # three files, two processes: this one and one spawned worker
    result = store.build(raw, tmp_path / "spawned", progress=False, workers=2)
    assert result.files_read == 3 and len(result.failures) == 1
    pd.testing.assert_frame_equal(_built(tmp_path / "one")[0], _built(tmp_path / "spawned")[0])
