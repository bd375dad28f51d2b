"""The store: a build that keeps going past a bad file, and keeps that file's previous rows.

Fixtures are two tiny Skills for Care "LA data download" CSVs written here by hand, so
every expected figure is read straight from the text below.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from msp_analysis import cli, store
from msp_analysis.store import BuildError

pytestmark = pytest.mark.unit

HEADER = "CSSR (LA area),Sector,Service,Job role,Filled posts,Turnover rate\n"
GOOD_2023 = (
    HEADER + "Wiltshire,All,All,Care worker,5100,0.25\nSwindon,All,All,Care worker,2300,0.31\n"
)
GOOD_2024 = HEADER + "Wiltshire,All,All,Care worker,6100,0.2\n"
# 'lots' in row 2, column 'Turnover rate' is neither a number nor a known marker
BAD_2024 = HEADER + "Wiltshire,All,All,Care worker,6200,lots\n"

F23 = "LA-data-download-2023-24.csv"
F24 = "LA-data-download-2024-25.csv"


def _raw(tmp_path: Path, files: dict[str, str]) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir(exist_ok=True)
    for name, text in files.items():
        (raw / name).write_text(text)
    return raw


def _filled_posts(out: Path) -> dict[tuple[str, int], float]:
    t = store.load("workforce", out)
    t = t[t["measure"] == "filled_posts"]
    return {(r.la_name, int(r.year)): r.value for r in t.itertuples()}


def test_one_bad_file_does_not_stop_the_others(tmp_path):
    raw = _raw(tmp_path, {F23: GOOD_2023, F24: BAD_2024})
    result = store.build(raw, tmp_path / "out", progress=False)
    assert not result.ok
    [fail] = result.failures
    assert fail["file"] == F24 and fail["column"] == "Turnover rate" and fail["row"] == 2
    assert "'lots'" in fail["problem"]
    # nothing from the bad file (its 6200 never appears), everything from the good one
    assert _filled_posts(tmp_path / "out") == {("Wiltshire", 2023): 5100, ("Swindon", 2023): 2300}
    assert store.failures(tmp_path / "out") == result.failures
    assert fail["kept_previous_rows"] == {}


def test_failed_file_keeps_its_previous_good_rows(tmp_path):
    raw = _raw(tmp_path, {F23: GOOD_2023, F24: GOOD_2024})
    out = tmp_path / "out"
    assert store.build(raw, out, progress=False).ok
    assert store.failures(out) == []
    (raw / F24).write_text(BAD_2024)
    result = store.build(raw, out, progress=False)
    [fail] = result.failures
    # the 2024-25 file published 2 figures (filled posts, turnover) for Wiltshire: both kept
    assert fail["kept_previous_rows"] == {"workforce": 2}
    assert _filled_posts(out)[("Wiltshire", 2024)] == 6100
    assert result.tables == {"workforce": 6}
    # a third build with the file still bad keeps the same rows again (kept rows carry over)
    store.build(raw, out, progress=False)
    assert _filled_posts(out)[("Wiltshire", 2024)] == 6100


def test_strict_is_all_or_nothing(tmp_path):
    raw = _raw(tmp_path, {F23: GOOD_2023, F24: GOOD_2024})
    out = tmp_path / "out"
    store.build(raw, out, progress=False)
    before = _filled_posts(out)
    (raw / F23).write_text(GOOD_2023.replace("5100", "5200"))
    (raw / F24).write_text(BAD_2024)
    with pytest.raises(BuildError, match="Turnover rate"):
        store.build(raw, out, progress=False, strict=True)
    assert _filled_posts(out) == before  # the changed good file was not taken either


def test_file_no_reader_knows_is_skipped_but_one_it_read_before_is_a_failure(tmp_path):
    raw = _raw(tmp_path, {F23: GOOD_2023, "notes.csv": "a,b\n1,2\n"})
    out = tmp_path / "out"
    result = store.build(raw, out, progress=False)
    assert result.skipped == ["notes.csv"] and result.ok
    # the 2023-24 file loses its header: no reader recognises it, but the last build read it
    (raw / F23).write_text("Wiltshire,All,All,Care worker,5100,0.25\n")
    result = store.build(raw, out, progress=False)
    [fail] = result.failures
    assert fail["file"] == F23 and "sfc-la-data-download" in fail["message"]
    assert fail["kept_previous_rows"] == {"workforce": 4}


def test_nothing_readable_writes_nothing(tmp_path):
    raw = _raw(tmp_path, {F24: BAD_2024})
    with pytest.raises(BuildError, match="nothing was written"):
        store.build(raw, tmp_path / "out", progress=False)
    assert not store.has_build(tmp_path / "out")
    assert not list((tmp_path / "out").glob("v-*"))


def test_cli_data_lists_failures_and_exits_non_zero(tmp_path, capsys):
    raw = _raw(tmp_path, {F23: GOOD_2023, F24: BAD_2024})
    out = tmp_path / "out"
    assert cli.main(["data", "--raw", str(raw), "--out", str(out), "-q"]) == 1
    text = capsys.readouterr().out
    assert "FAILED 1 file(s)" in text and F24 in text and "column 'Turnover rate', row 2" in text
    assert "workforce" in text  # the table built from the good file is listed
    # a data error (BuildError is an MspError of the data kind): exit status 1; 2 is for usage
    assert cli.main(["data", "--raw", str(raw), "--out", str(out), "-q", "--strict"]) == 1
