"""The front door: the four stages of msp_analysis.pipeline (load -> assess -> forecast ->
plan) on the DEMO data set, a council named as a user names it, and the same figures as the
library functions they stand on."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

import msp_analysis
from msp_analysis import pipeline, resources
from msp_analysis.errors import UsageError
from msp_analysis.forecast.run import run
from msp_analysis.indicators.assess import assess
from msp_analysis.tables import Tables

pytestmark = pytest.mark.demo

DEMOSHIRE = "E10900001"


@pytest.fixture(scope="module")
def tables(demo_raw) -> Tables:
    return pipeline.load(demo_raw)


def test_the_package_names_the_stages_in_order_and_loads_no_pandas():
    assert pipeline.STAGES == ("load", "assess", "forecast", "plan")
    doc = msp_analysis.__doc__ or ""
    assert [doc.index(f"msp.{s}(") for s in pipeline.STAGES] == sorted(
        doc.index(f"msp.{s}(") for s in pipeline.STAGES
    )
    code = "import sys, msp_analysis; print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_load_reads_the_demo_tables(tables):
    assert tables.demo and {"salt", "population", "ascfr"} <= set(tables.frames)
    assert tables.processed_dir is not None  # a stored build, so derived results are reused


def test_assess_and_forecast_take_a_name_and_give_the_library_figures(tables, demo_processed):
    indicators, comparators = pipeline.assess(tables, "demoshire")
    direct, direct_comps = assess(Tables.load(demo_processed), DEMOSHIRE)
    assert set(indicators["la_code"]) == {DEMOSHIRE} and len(comparators) > 0
    pd.testing.assert_frame_equal(indicators, direct)
    pd.testing.assert_frame_equal(comparators, direct_comps)

    result = pipeline.forecast(tables, "Demoshire", horizon=3)
    files = resources.scenario_files()
    assert list(result.runs["scenario"]) == [f.stem for f in files]
    expected = run(Tables.load(demo_processed), DEMOSHIRE, files, horizon=3)
    pd.testing.assert_frame_equal(
        result.runs.drop(columns="data_manifest_sha256"),
        expected.runs.drop(columns="data_manifest_sha256"),
    )
    assert (result.runs["horizon_year"] - result.runs["base_year"]).eq(3).all()


def test_plan_builds_the_council_named(demo_raw, tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(pipeline, "build", lambda code, **kw: calls.append((code, kw)) or {})
    pipeline.plan("Demoshire", demo_raw, out_dir=tmp_path, pdf=False)
    assert calls == [(DEMOSHIRE, dict(raw_dir=demo_raw, out_dir=tmp_path, pdf=False))]
    with pytest.raises(UsageError, match="Nowhereshire"):
        pipeline.plan("Nowhereshire")
