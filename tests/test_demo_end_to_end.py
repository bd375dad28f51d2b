"""The embedded demo data set, read by the same readers as published files, end to end."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from msp_analysis import cli, store
from msp_analysis.store import BuildError

pytestmark = pytest.mark.demo


def test_every_table_built_and_labelled_demo(demo_processed):
    m = store.manifest(demo_processed)
    assert m["demo"] is True and m["label"] == "DEMO"
    # the DEMO data set has no MHCLG revenue outturn file (yet)
    assert set(store.TABLE_KEYS) - {"outturn"} <= set(m["tables"]) <= set(store.TABLE_KEYS)
    for name in m["tables"]:
        t = store.load(name, demo_processed)
        assert len(t) > 0 and t["source"].str.startswith("DEMO - ").all(), name
        assert not t.duplicated(store.TABLE_KEYS[name]).any(), name


def test_demo_markers_stay_missing(demo_processed):
    salt = store.load("salt", demo_processed)
    c = salt[salt["marker"] == "[c]"]
    assert len(c) > 0 and c["value"].isna().all() and c["suppressed"].all()
    ascfr = store.load("ascfr", demo_processed)
    x = ascfr[(ascfr["la_code"] == "E06900002") & (ascfr["year"] == 2022)]
    assert len(x) > 0 and x["suppressed"].all() and (x["marker"] == "[x]").all()
    wf = store.load("workforce", demo_processed)
    assert wf.loc[wf["marker"] == "*", "value"].isna().all() and (wf["marker"] == "*").any()


def test_demo_population_counts_upper_tier_once(demo_processed):
    pop = store.load("population", demo_processed)
    allages = pop[
        (pop["sex"] == "Persons") & (pop["age_label"] == "All ages") & (pop["year"] == 2022)
    ]
    assert "E07900011" not in set(pop["la_code"])  # the district inside Demoshire
    eng = allages.loc[allages["area_type"] == "england", "value"].item()
    assert allages.loc[allages["area_type"] == "council", "value"].sum() == eng
    proj = store.load("population_projections", demo_processed)
    assert proj["year"].max() >= 2032 and proj["estimate"].str.contains("projection").all()


def test_demo_is_deterministic(demo_raw, tmp_path):
    from msp_analysis import demo

    again = tmp_path / "again"
    demo.write(again)
    for name in ["snpp_2022_based_persons_DEMO.csv"]:
        assert (
            hashlib.sha256((demo_raw / name).read_bytes()).hexdigest()
            == hashlib.sha256((again / name).read_bytes()).hexdigest()
        )
    a = store.build(demo_raw, tmp_path / "a", progress=False)
    b = store.build(again, tmp_path / "b", progress=False)
    assert a.tables == b.tables
    for name in a.tables:
        pd.testing.assert_frame_equal(
            store.load(name, tmp_path / "a").drop(columns="source_file"),
            store.load(name, tmp_path / "b").drop(columns="source_file"),
        )


def test_bad_file_is_listed_and_the_rest_is_built(demo_raw, tmp_path):
    import shutil

    raw = tmp_path / "raw"
    shutil.copytree(demo_raw, raw)
    out = tmp_path / "out"
    first = store.build(raw, out, progress=False)
    bad = raw / "LA-data-download-2024-25_bad.csv"
    bad.write_text(
        "CSSR (LA area),Sector,Service,Job role,Turnover rate\nDemoshire,All,All,Care worker,lots\n"
    )
    result = store.build(raw, out, progress=False)
    [fail] = result.failures
    assert fail["file"] == "LA-data-download-2024-25_bad.csv"
    assert fail["column"] == "Turnover rate" and fail["row"] == 2
    assert result.tables == first.tables  # every other file built as before
    with pytest.raises(BuildError) as err:
        store.build(raw, tmp_path / "strict", progress=False, strict=True)
    assert "LA-data-download-2024-25_bad.csv" in str(err.value)
    assert not store.has_build(tmp_path / "strict")


def test_unknown_files_are_listed_and_skipped(demo_raw, tmp_path):
    import shutil

    raw = tmp_path / "raw"
    shutil.copytree(demo_raw, raw)
    (raw / "notes.csv").write_text("a,b\n1,2\n")
    result = store.build(raw, tmp_path / "out", progress=False)
    assert result.skipped == ["notes.csv"]
    assert store.manifest(tmp_path / "out")["skipped"] == ["notes.csv"]


def test_cli_data_reports_tables(demo_raw, tmp_path, capsys):
    assert cli.main(["data", "--raw", str(demo_raw), "--out", str(tmp_path / "p"), "-q"]) == 0
    out = capsys.readouterr().out
    assert "DEMO data" in out and "salt" in out
    assert cli.main(["data", "--raw", str(tmp_path / "missing")]) == 2
    assert np.isfinite(store.load("ascof", tmp_path / "p")["value"].dropna()).all()
