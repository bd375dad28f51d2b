"""The store on every real file: reuse, one file changed, a corrupt file keeping its rows.

The raw folder here is a folder of symbolic links to the published files (nothing is
copied), with at most one file replaced by an edited copy in the test's own folder.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from msp_analysis import store
from msp_analysis.tables import Tables

pytestmark = pytest.mark.integration

NOMIS = "nomis_mye_2024_lincolnshire.csv"  # 2,209 lines; line 1 is "GEOGRAPHY_NAME","GEOGRAPHY_CODE",...


def _linked_raw(shared: Path, dest: Path) -> Path:
    dest.mkdir()
    for p in store.candidates(shared):
        (dest / p.name).symlink_to(p)
    return dest


@pytest.fixture(scope="module")
def built(shared_data, tmp_path_factory) -> tuple[Path, Path]:
    """A build of every real file through links, in a folder this module may change."""
    root = tmp_path_factory.mktemp("store_real")
    raw = _linked_raw(shared_data, root / "raw")
    out = root / "out"
    store.build(raw, out, progress=False)
    return raw, out


def test_every_file_listed_with_its_fingerprint_and_piece(built, shared_data):
    _, out = built
    m = store.manifest(out)
    listed = {f["file"] for f in m["files"]} | set(m["skipped"])
    listed |= {f["file"] for f in m["failures"]}
    assert listed == {p.name for p in store.candidates(shared_data)}
    for f in m["files"]:
        assert len(f["sha256"]) == 64 and (out / "pieces" / f["piece"] / "meta.json").exists()
    for name, info in m["tables"].items():
        assert (store.resolve(out) / f"{name}.parquet").stat().st_size == info["bytes"]
    for c in m["conflicts"]:  # any observation two files share with different figures
        assert c["rule"] and c["kept"] != c["dropped"] and c["observations"] > 0


def test_nothing_changed_reuses_the_build(built):
    raw, out = built
    version = store.resolve(out)
    again = store.build(raw, out, progress=False)
    assert again.reused and again.files_read == 0 and store.resolve(out) == version


def test_one_file_changed_reads_that_file_only(built, tmp_path):
    raw, out = built
    before = Tables.load(out)
    edited = tmp_path / NOMIS
    # the header line without its quotes: a new content hash, the same table
    header, body = (raw / NOMIS).read_bytes().split(b"\n", 1)
    edited.write_bytes(header.replace(b'"', b"") + b"\n" + body)
    (raw / NOMIS).unlink()
    (raw / NOMIS).symlink_to(edited)
    result = store.build(raw, out, progress=False)
    assert result.files_read == 1 and not result.reused
    after = Tables.load(out)
    assert set(after.frames) == set(before.frames)
    for name, frame in before.frames.items():
        pd.testing.assert_frame_equal(after.frames[name], frame, check_like=True)


def test_a_corrupt_file_is_listed_and_its_rows_kept(built, tmp_path):
    raw, out = built
    population = store.load("population", out)
    nomis_rows = int((population["source_file"] == NOMIS).sum())
    assert nomis_rows > 0
    cut = tmp_path / "cut.csv"
    text = (raw / NOMIS).read_bytes()
    cut.write_bytes(text[: len(text) // 2].rsplit(b",", 1)[0])  # cut mid-line
    (raw / NOMIS).unlink()
    (raw / NOMIS).symlink_to(cut)
    result = store.build(raw, out, progress=False)
    [fail] = [f for f in result.failures if f["file"] == NOMIS]
    assert fail["message"].startswith(f"file '{NOMIS}'")
    assert fail["kept_previous_rows"] == {"population": nomis_rows}
    assert int((store.load("population", out)["source_file"] == NOMIS).sum()) == nomis_rows
    assert result.files_read == 1  # every other file came from its piece
    shutil.rmtree(tmp_path, ignore_errors=True)
