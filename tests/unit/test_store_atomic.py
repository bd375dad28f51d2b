"""The store's versions: atomic switch, lock, clean-up after a kill, cache reuse.

A build is interrupted at every step it announces (the ``store.steps.HOOK`` test hook) and,
once, killed outright with SIGKILL; each time the folder must read as the old build or
the new one, never a mix. Fixtures are tiny hand-written Skills for Care CSVs.
"""

from __future__ import annotations

import fcntl
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from msp_analysis import cache, store
from msp_analysis.store import BuildError
from msp_analysis.tables import Tables

pytestmark = pytest.mark.unit

HEADER = "CSSR (LA area),Sector,Service,Job role,Filled posts,Turnover rate\n"
A23 = HEADER + "Wiltshire,All,All,Care worker,5100,0.25\n"
A24 = HEADER + "Wiltshire,All,All,Care worker,6100,0.2\n"
B23 = HEADER + "Wiltshire,All,All,Care worker,5150,0.25\nSwindon,All,All,Care worker,2300,0.31\n"
B24 = HEADER + "Wiltshire,All,All,Care worker,6150,0.2\n"
F23, F24 = "LA-data-download-2023-24.csv", "LA-data-download-2024-25.csv"


class Killed(BaseException):
    """Stands for the process dying: nothing catches it."""


def _write(raw: Path, files: dict[str, str]) -> Path:
    raw.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (raw / name).write_text(text)
    return raw


def _snapshot(out: Path) -> tuple[str, dict[str, list]]:
    """(fingerprint, every table's rows) of the build a reader sees now, read as Tables does."""
    t = Tables.load(out)
    rows = {
        name: sorted(map(tuple, f.drop(columns=["source_row"]).astype(str).values.tolist()))
        for name, f in t.frames.items()
    }
    return t.manifest["fingerprint"], rows


@pytest.fixture
def old_and_new(tmp_path):
    """A raw folder built once (old), then changed (new); reference snapshots of both."""
    ref_old = store.build(
        _write(tmp_path / "ro", {F23: A23, F24: A24}), tmp_path / "o", progress=False
    )
    ref_new = store.build(
        _write(tmp_path / "rn", {F23: B23, F24: B24}), tmp_path / "n", progress=False
    )
    assert ref_old.ok and ref_new.ok
    return _snapshot(tmp_path / "o"), _snapshot(tmp_path / "n")


def _steps(tmp_path) -> list[str]:
    seen: list[str] = []
    store.steps.HOOK = seen.append
    try:
        raw = _write(tmp_path / "steps" / "raw", {F23: A23, F24: A24})
        store.build(raw, tmp_path / "steps" / "out", progress=False)
        _write(raw, {F23: B23, F24: B24})
        store.build(raw, tmp_path / "steps" / "out", progress=False)
    finally:
        store.steps.HOOK = None
    return seen


def test_interrupted_at_every_step_reads_old_or_new(tmp_path, old_and_new):
    old, new = old_and_new
    steps = _steps(tmp_path)
    assert {"piece " + F23, "table workforce", "manifest", "version in place", "switched"} <= set(
        steps
    )
    outcomes = []
    for k in range(len(steps)):
        raw = _write(tmp_path / f"raw{k}", {F23: A23, F24: A24})
        out = tmp_path / f"out{k}"
        store.build(raw, out, progress=False)
        _write(raw, {F23: B23, F24: B24})
        calls = iter(range(10_000))

        def hook(step, k=k, calls=calls):
            if next(calls) == k:
                raise Killed(step)

        store.steps.HOOK = hook
        try:
            # the first build above announced len(steps)//2 steps; count them again here
            store.build(raw, out, progress=False)
            outcomes.append("finished")
        except Killed as killed:
            outcomes.append(str(killed))
        finally:
            store.steps.HOOK = None
        seen = _snapshot(out)
        assert seen in (old, new), f"interrupted at step {k} ({outcomes[-1]}): a mixed build"
        # the next build cleans what the interrupted one left and gives the new tables
        assert store.build(raw, out, progress=False).ok
        assert _snapshot(out) == new
        assert not list(out.glob(".tmp-*")) and not list((out / "pieces").glob(".tmp-*"))
        assert len(list(out.glob("v-*"))) <= 2
    assert "switched" in outcomes and "finished" in outcomes  # both sides of the switch were hit


def test_killed_outright_mid_build_leaves_the_old_build(tmp_path, old_and_new):
    old, new = old_and_new
    raw = _write(tmp_path / "raw", {F23: A23, F24: A24})
    out = tmp_path / "out"
    store.build(raw, out, progress=False)
    _write(raw, {F23: B23, F24: B24})
    code = (
        "import os, signal, sys\n"
        "from msp_analysis import store\n"
        "def hook(step):\n"
        "    if step == 'manifest':\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "store.steps.HOOK = hook\n"
        f"store.build({str(raw)!r}, {str(out)!r}, progress=False)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True)
    assert proc.returncode == -9
    assert list(out.glob(".tmp-*"))  # the killed build left its temporary folder
    assert _snapshot(out) == old
    store.build(raw, out, progress=False)
    assert _snapshot(out) == new and not list(out.glob(".tmp-*"))


def test_second_build_waits_for_the_first_or_refuses(tmp_path, caplog):
    raw = _write(tmp_path / "raw", {F23: A23})
    out = tmp_path / "out"
    out.mkdir()
    holder = open(out / ".lock", "a+")  # noqa: SIM115 - another build holding the folder
    fcntl.flock(holder, fcntl.LOCK_EX)
    try:
        with pytest.raises(BuildError, match="another build is writing"):
            store.build(raw, out, progress=False, wait=False)
        done = {}
        waiter = threading.Thread(
            target=lambda: done.setdefault("r", store.build(raw, out, progress=False))
        )
        waiter.start()
        time.sleep(0.5)
        assert waiter.is_alive() and not store.has_build(out)  # it waits
        assert "waiting for it to finish" in caplog.text
    finally:
        holder.close()  # the first build ends
    waiter.join(timeout=30)
    assert done["r"].ok and store.has_build(out)


def test_nothing_changed_reuses_the_build_and_one_change_rereads_one_file(tmp_path, monkeypatch):
    raw = _write(tmp_path / "raw", {F23: A23, F24: A24})
    out = tmp_path / "out"
    first = store.build(raw, out, progress=False)
    assert first.files_read == 2 and not first.reused
    version = store.resolve(out)
    again = store.build(raw, out, progress=False)
    assert again.reused and again.files_read == 0 and store.resolve(out) == version
    assert again.tables == first.tables == {"workforce": 4}
    (raw / F24).write_text(B24)  # one file changed
    one = store.build(raw, out, progress=False)
    assert one.files_read == 1 and not one.reused and store.resolve(out) != version
    assert version.exists()  # the previous version stays for readers that resolved it
    wf = store.load("workforce", out)
    posts = wf[wf.measure == "filled_posts"].set_index("year")["value"].to_dict()
    assert posts == {2023: 5100.0, 2024: 6150.0}
    # a renamed file is read again (its name is the source_file of every row)
    (raw / F24).rename(raw / "LA-data-download-2024-25_copy.csv")
    renamed = store.build(raw, out, progress=False)
    assert renamed.files_read == 1
    assert set(store.load("workforce", out).source_file) == {
        F23,
        "LA-data-download-2024-25_copy.csv",
    }
    # changed reader code (a new code key) reads every file again
    monkeypatch.setattr(cache, "code_key", lambda scope="readers": "0123456789abcdef")
    assert store.build(raw, out, progress=False).files_read == 2


def test_tables_load_reads_one_version(tmp_path):
    raw = _write(tmp_path / "raw", {F23: A23, F24: A24})
    out = tmp_path / "out"
    store.build(raw, out, progress=False)
    first = store.resolve(out)
    _write(raw, {F23: B23})
    store.build(raw, out, progress=False)
    t_old = Tables.load(first)  # a reader that resolved before the switch still reads old
    t_new = Tables.load(out)
    assert t_old.manifest["version"] == first.name and len(t_old.frames["workforce"]) == 4
    assert t_new.manifest["version"] == store.resolve(out).name
    assert len(t_new.frames["workforce"]) == 6


def test_older_unversioned_folder_is_read_then_replaced(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    legacy = pd.DataFrame({"source_file": ["x.csv"], "value": [1.0]})
    legacy.to_parquet(out / "workforce.parquet")
    (out / "manifest.json").write_text('{"built_at": "2025-01-01", "tables": {}, "files": []}')
    legacy.to_parquet(out / "my_own_notes.parquet")  # not a table this tool writes
    assert store.resolve(out) == out and store.manifest(out)["built_at"] == "2025-01-01"
    store.build(_write(tmp_path / "raw", {F23: A23}), out, progress=False)
    assert store.resolve(out) != out and not (out / "manifest.json").exists()
    assert not (out / "workforce.parquet").exists()
    assert (out / "my_own_notes.parquet").exists()  # the user's file stays
    assert len(store.load("workforce", out)) == 2


def test_ensure_rebuilds_only_when_content_changes(tmp_path):
    raw = _write(tmp_path / "raw", {F23: A23})
    first = store.ensure(raw, tmp_path / "cache")
    assert store.ensure(raw, tmp_path / "cache") == first
    (raw / F23).write_text(B23)
    second = store.ensure(raw, tmp_path / "cache")
    assert second != first and len(store.load("workforce", second)) == 4


def test_tables_whose_files_did_not_change_are_linked_not_rebuilt(tmp_path):
    raw = _write(tmp_path / "raw", {F23: A23, F24: A24, "notes.csv": "a,b\n1,2\n"})
    out = tmp_path / "out"
    store.build(raw, out, progress=False)
    before = store.resolve(out) / "workforce.parquet"
    (raw / "notes.csv").write_text("a,b\n1,3\n")  # a change that touches no table
    result = store.build(raw, out, progress=False)
    after = store.resolve(out) / "workforce.parquet"
    assert result.files_read == 1 and not result.reused and after != before
    assert after.stat().st_ino == before.stat().st_ino  # the same file, linked
    assert store.manifest(out)["tables"]["workforce"]["rows"] == 4
