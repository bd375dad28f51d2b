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


# -- two files, same return and year, different figures: a written rule, never file-name order

REISSUE_2024 = HEADER + "Wiltshire,All,All,Care worker,6300,0.2\n"  # 6100 in GOOD_2024


def _winner(tmp_path: Path, files: dict[str, str]) -> tuple[float, list[dict]]:
    raw = tmp_path / "raw"
    if raw.exists():
        for p in raw.iterdir():
            p.unlink()
    raw = _raw(tmp_path, files)
    result = store.build(raw, tmp_path / "out", progress=False)
    return _filled_posts(tmp_path / "out")[("Wiltshire", 2024)], result.conflicts


def test_revision_marker_wins_whatever_the_names_sort_as(tmp_path):
    # 'a_' sorts first and 'z_' last: the revised file wins both ways round
    value, conflicts = _winner(
        tmp_path, {"a_" + F24.replace(".csv", "_v2.csv"): REISSUE_2024, "z_" + F24: GOOD_2024}
    )
    assert value == 6300
    [c] = conflicts
    assert c["kept"].endswith("_v2.csv") and c["observations"] == 1
    assert c["rule"] == "later revision marker (2 over 0)"
    assert c["example"]["value_kept"] == 6300 and c["example"]["value_dropped"] == 6100
    value, _ = _winner(
        tmp_path, {"a_" + F24: GOOD_2024, "z_" + F24.replace(".csv", "_revised.csv"): REISSUE_2024}
    )
    assert value == 6300


def test_later_data_year_wins(tmp_path):
    # a 2024-25 release that repeats 2023-24 (Wiltshire 5000 there) supersedes the 2023-24 file
    both_years = HEADER.replace("CSSR", "Year,CSSR") + (
        "2023-24,Wiltshire,All,All,Care worker,5000,0.25\n"
        "2024-25,Wiltshire,All,All,Care worker,6100,0.2\n"
    )
    raw = _raw(tmp_path, {"zz_" + F23: GOOD_2023, "aa_release_2024-25.csv": both_years})
    result = store.build(raw, tmp_path / "out", progress=False)
    assert _filled_posts(tmp_path / "out")[("Wiltshire", 2023)] == 5000
    [c] = result.conflicts
    assert c["rule"] == "later data year (2024 over 2023)" and c["kept"] == "aa_release_2024-25.csv"


def test_undecided_tie_is_reported_and_does_not_depend_on_names(tmp_path):
    value_1, conflicts = _winner(tmp_path, {"a_" + F24: GOOD_2024, "z_" + F24: REISSUE_2024})
    [c] = conflicts
    assert c["rule"].startswith("undecided")
    value_2, _ = _winner(tmp_path, {"a_" + F24: REISSUE_2024, "z_" + F24: GOOD_2024})
    assert value_1 == value_2  # the same content wins, whichever name it has


def test_same_figures_in_two_files_are_no_conflict(tmp_path):
    raw = _raw(tmp_path, {"a_" + F24: GOOD_2024, "b_" + F24: GOOD_2024})
    result = store.build(raw, tmp_path / "out", progress=False)
    assert result.conflicts == [] and result.tables == {"workforce": 2}
    assert sum(f.get("rows_superseded", 0) for f in result.files) == 2


def test_revision_and_publication_markers():
    assert store.revision_of("ascof_measures_2020-21_open_data_v2.xlsx") == 2
    assert store.revision_of("Table 34 (revised March 2023)") == 1
    assert store.revision_of("T34 version 3") == 3
    assert store.revision_of("ASCFR_and_SALT_Data_Tables_2021-22.xlsx") == 0
    assert store.revision_of("nov2023.csv") == 0  # 'v2023' is not a revision


def test_release_rule_order():
    import pandas as pd

    y = pd.DataFrame({"year": [2022, 2023]})
    # 1. latest data year, then 2. a publication date in a title, then 3. a revision marker
    assert store.release_of(y, "a.csv") == (2023, "", 0)
    may = store.release_of(y, "a.csv", ["Table 1, published 12 May 2024"])
    march_v2 = store.release_of(y, "a_v2.csv", ["Table 1, published 3 March 2024"])
    assert may == (2023, "2024-05-12", 0) and march_v2 == (2023, "2024-03-03", 2)
    assert may > march_v2  # the later publication date wins before the revision marker
    assert store.release_of(pd.DataFrame({"year": [2024]}), "a.csv") > may


def test_merge_looks_for_repeats_only_where_parts_share_a_year_and_table():
    # Three parts stacked in release order: A (2020 T1, 2021 T1), B (2021 T1, 2021 T2), C (2019 T1).
    # Only 2021 T1 is in two parts; B's copy of (E1, 2021, T1) repeats A's, and nothing else does
    # (C's E1 2019 T1 and B's E1 2021 T2 share la_code but not year and table).
    import pandas as pd

    keys = ["la_code", "year", "table_ref"]
    a = pd.DataFrame({"la_code": ["E1", "E2", "E1"], "year": [2020, 2020, 2021], "table_ref": "T1"})
    b = pd.DataFrame({"la_code": ["E1", "E1"], "year": [2021, 2021], "table_ref": ["T1", "T2"]})
    c = pd.DataFrame({"la_code": ["E1"], "year": [2019], "table_ref": ["T1"]})
    frame = pd.concat([a, b, c], ignore_index=True)
    dup = store.merge.repeated(frame, keys, [3, 2, 1])
    assert dup.tolist() == [False, False, False, True, False, False]
    assert dup.equals(frame.duplicated(keys, keep="first"))
    assert store.merge.repeated(frame.iloc[:0], keys, [0, 0]).empty  # parts with no rows


def test_a_line_published_twice_fails_its_file_naming_both_lines(tmp_path):
    # Wiltshire's care-worker line is on lines 2 and 4: the schema's key check fails the file.
    twice = GOOD_2023 + "Wiltshire,All,All,Care worker,5100,0.25\n"
    raw = _raw(tmp_path, {F23: twice, F24: GOOD_2024})
    result = store.build(raw, tmp_path / "out", progress=False)
    (failure,) = result.failures
    assert failure["file"] == F23 and failure["row"] == 2
    assert "published twice" in failure["message"] and "row 4" in failure["message"]
    assert _filled_posts(tmp_path / "out") == {("Wiltshire", 2024): 6100}


def test_tables_keep_min_max_statistics_for_numeric_columns_only(tmp_path):
    import pyarrow.parquet as pq

    out = tmp_path / "out"
    store.build(_raw(tmp_path, {F23: GOOD_2023}), out, progress=False)
    meta = pq.ParquetFile(store.resolve(out) / "workforce.parquet").metadata
    group = meta.row_group(0)
    stats = {
        group.column(i).path_in_schema: group.column(i).is_stats_set
        for i in range(meta.num_columns)
    }
    assert meta.num_row_groups == 1
    assert stats["year"] and stats["value"] and stats["source_row"]
    assert not stats["la_code"] and not stats["measure"]
