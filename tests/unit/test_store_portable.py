"""The store where councils keep their files: no fcntl, no symbolic links, spawned workers,
folders copied by tools that follow links, paths with spaces and accents.

Fixtures are tiny hand-written Skills for Care CSVs (as in test_store_atomic.py), so every
expected figure is read from the text below.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import filelock  # imported while fcntl is there, as on the platform it runs on
import pandas as pd
import pytest

from msp_analysis import store
from msp_analysis.store import BuildError
from msp_analysis.tables import Tables

pytestmark = pytest.mark.unit

HEADER = "CSSR (LA area),Sector,Service,Job role,Filled posts,Turnover rate\n"
A23 = HEADER + "Wiltshire,All,All,Care worker,5100,0.25\n"
A24 = HEADER + "Wiltshire,All,All,Care worker,6100,0.2\n"
B24 = HEADER + "Wiltshire,All,All,Care worker,6150,0.2\nSwindon,All,All,Care worker,2300,0.31\n"
F23, F24 = "LA-data-download-2023-24.csv", "LA-data-download-2024-25.csv"
WINDOWS_PATH = Path("OneDrive - Council") / "MSP données"


def _write(raw: Path, files: dict[str, str]) -> Path:
    raw.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (raw / name).write_text(text, encoding="utf-8")
    return raw


def _posts(out: Path) -> dict:
    wf = store.load("workforce", out)
    wf = wf[wf.measure == "filled_posts"]
    return {(r.la_name, int(r.year)): r.value for r in wf.itertuples()}


def _links(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_symlink()]


@pytest.fixture
def no_posix(monkeypatch):
    """What Windows lacks: fcntl (no import), os.symlink, fork (workers are spawned)."""
    monkeypatch.setitem(sys.modules, "fcntl", None)
    monkeypatch.delattr(os, "symlink")
    spawn = multiprocessing.get_context("spawn")
    monkeypatch.setattr(store.pool, "pool_context", lambda: spawn)


def test_builds_and_rebuilds_without_fcntl_or_links(tmp_path, no_posix):
    with pytest.raises(ImportError):
        import fcntl  # noqa: F401
    raw = _write(tmp_path / WINDOWS_PATH / "raw", {F23: A23, F24: A24})
    out = tmp_path / WINDOWS_PATH / "processed"
    first = store.build(raw, out, progress=False, workers=2)  # two files: one spawned worker
    assert first.ok and first.files_read == 2
    assert _posts(out) == {("Wiltshire", 2023): 5100.0, ("Wiltshire", 2024): 6100.0}
    pointer = out / "current"
    assert pointer.is_file() and not _links(out)
    assert store.resolve(out) == out / pointer.read_text(encoding="utf-8").strip()
    assert store.build(raw, out, progress=False).reused  # nothing changed
    _write(raw, {F24: B24})
    again = store.build(raw, out, progress=False, workers=2)
    assert again.files_read == 1 and not _links(out)
    assert _posts(out)[("Swindon", 2024)] == 2300.0
    t = Tables.load(out)
    assert t.manifest["version"] == store.resolve(out).name and len(t.frames["workforce"]) == 6


def test_interrupted_at_every_step_without_posix_reads_old_or_new(tmp_path, no_posix):
    class Killed(BaseException):
        pass

    seen: list[str] = []
    store.steps.HOOK = seen.append
    try:
        raw = _write(tmp_path / "count" / "raw", {F23: A23})
        store.build(raw, tmp_path / "count" / "out", progress=False)
        _write(raw, {F24: A24})
        store.build(raw, tmp_path / "count" / "out", progress=False)
    finally:
        store.steps.HOOK = None
    old = {("Wiltshire", 2023): 5100.0}
    new = {**old, ("Wiltshire", 2024): 6100.0}
    for k in range(len(seen) // 2 + 2):
        raw = _write(tmp_path / f"raw{k}", {F23: A23})
        out = tmp_path / f"out{k}"
        store.build(raw, out, progress=False)
        _write(raw, {F24: A24})
        calls = iter(range(10_000))

        def hook(step, k=k, calls=calls):
            if next(calls) == k:
                raise Killed(step)

        store.steps.HOOK = hook
        try:
            store.build(raw, out, progress=False)
        except Killed:
            pass
        finally:
            store.steps.HOOK = None
        assert _posts(out) in (old, new), f"interrupted at step {k}: a mixed build"
        assert store.build(raw, out, progress=False).ok and _posts(out) == new
        assert not list(out.glob(".tmp-*")) and not _links(out)


def test_second_build_waits_and_a_dead_holders_lock_is_taken_over(tmp_path, no_posix, caplog):
    raw = _write(tmp_path / "raw", {F23: A23})
    out = tmp_path / "out"
    out.mkdir()
    holder = filelock.SoftFileLock(str(out / ".lock"))  # no system lock: the file is the lock
    holder.acquire()
    (out / ".lock.owner").write_text(json.dumps(store.locking._me()))
    try:
        with pytest.raises(BuildError, match="another build is writing"):
            store.build(raw, out, progress=False, wait=False)
    finally:
        holder.release()
    # a holder that is gone: its lock file and owner record stay behind
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True
    )
    pid = int(gone.stdout)
    (out / ".lock").write_text("")
    record = {**store.locking._me(), "pid": pid, "since": "2026-01-01T09:00:00+00:00"}
    (out / ".lock.owner").write_text(json.dumps(record))
    started = time.monotonic()
    assert store.build(raw, out, progress=False).ok
    assert time.monotonic() - started < 20
    assert f"process {pid}" in caplog.text and "taking its lock over" in caplog.text
    assert not (out / ".lock.owner").exists()


def test_folder_copied_with_links_followed_builds_again(tmp_path):
    """A folder written by the previous version ('current' a symbolic link), copied by a
    tool that follows links (OneDrive, zip, Explorer): 'current' becomes a plain folder. It
    is read as it is, and the next build replaces it with the pointer file (before: 'Is a
    directory: .tmp-link-NNNN', exit 1)."""
    from msp_analysis import cli

    raw = _write(tmp_path / "raw", {F23: A23})
    out = tmp_path / "made"
    store.build(raw, out, progress=False)
    version = store.resolve(out).name
    (out / "current").unlink()
    os.symlink(version, out / "current")  # as the previous version wrote it
    assert store.resolve(out).name == version and store.has_build(out)
    copy = tmp_path / WINDOWS_PATH / "processed"
    shutil.copytree(out, copy, symlinks=False)  # links followed
    assert (copy / "current").is_dir() and not _links(copy)
    assert _posts(copy) == {("Wiltshire", 2023): 5100.0}  # read as it is
    _write(raw, {F24: A24})
    assert cli.main(["data", "--raw", str(raw), "--out", str(copy), "-q"]) == 0
    assert (copy / "current").is_file() and not list(copy.glob(".tmp-*"))
    assert _posts(copy) == {("Wiltshire", 2023): 5100.0, ("Wiltshire", 2024): 6100.0}
    # and a copy of the new layout reads the same build
    again = tmp_path / "again"
    shutil.copytree(copy, again, symlinks=False)
    assert store.resolve(again).name == store.resolve(copy).name
    assert store.build(raw, again, progress=False).reused


def test_pointer_damaged_or_left_as_text_by_a_copy_tool(tmp_path):
    raw = _write(tmp_path / "raw", {F23: A23})
    out = tmp_path / "out"
    store.build(raw, out, progress=False)
    version = store.resolve(out).name
    # a tool that cannot make links writes the link's target as a text file: a pointer
    (out / "current").write_text(version)
    assert store.resolve(out).name == version
    (out / "current").write_text("not a version")  # damaged: no build, the next one writes one
    assert not store.has_build(out)
    assert store.build(raw, out, progress=False).ok and store.resolve(out).name == version


def test_store_modules_call_nothing_posix_only():
    """The store's own code names no fcntl, symlink or fork (filelock and multiprocessing
    choose for the platform)."""
    root = Path(store.__file__).parent
    for path in root.glob("*.py"):
        text = path.read_text()
        for word in ("import fcntl", "os.symlink", "os.fork(", "preexec_fn", "/proc"):
            assert word not in text, f"{path.name} uses {word}"


def test_pool_under_spawn_builds_what_one_process_builds(tmp_path, no_posix):
    raw = _write(tmp_path / "raw", {F23: A23, F24: B24})
    one = store.build(raw, tmp_path / "one", progress=False, workers=1)
    two = store.build(raw, tmp_path / "two", progress=False, workers=2)
    assert one.files_read == two.files_read == 2
    pd.testing.assert_frame_equal(
        store.load("workforce", tmp_path / "one"), store.load("workforce", tmp_path / "two")
    )
