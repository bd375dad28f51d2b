"""The DEMO data set: the same bytes every time, and snapshots of what it produces.

Runs without any published file. The snapshots are rounded aggregates (4 significant
figures) in tests/snapshots/*.csv, checked by pytest-regressions' ``dataframe_regression``
(numbers within a relative 0.2%, text exactly); a change to a reader, indicator or model that
moves one fails here and shows which figures moved, obtained against expected. If the change
is intended, rewrite them with

    .venv/bin/python -m pytest tests/test_demo_snapshots.py --force-regen

(it fails once, saying which files it rewrote; run it again to see it pass) and commit the
CSV diff, which is the review of what changed.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from pytest_regressions.dataframe_regression import DataFrameRegressionFixture

from msp_analysis import demo, resources
from msp_analysis.forecast import run
from msp_analysis.indicators import assess
from msp_analysis.tables import Tables

pytestmark = pytest.mark.demo

SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
COUNCIL = "E10900001"  # Demoshire, the DEMO county


def _sig(x: float, digits: int = 4) -> float:
    if x is None or pd.isna(x) or x == 0:
        return x
    return round(float(x), digits - 1 - math.floor(math.log10(abs(float(x)))))


@pytest.fixture
def snapshot(dataframe_regression, monkeypatch):
    """``snapshot(name, frame, keys)``: ``frame`` sorted by ``keys``, its other float columns
    to 4 significant figures, against ``tests/snapshots/<name>.csv``."""
    # 15 significant digits write a figure rounded to 4 as it is (0.1234, not the library's
    # 17-digit 0.12339999999999999), so the CSV diff of a change reads as the figures moved
    monkeypatch.setattr(DataFrameRegressionFixture, "DISPLAY_PRECISION", 15)

    def check(name: str, frame: pd.DataFrame, keys: list[str]) -> None:
        frame = frame.sort_values(keys).reset_index(drop=True)
        for c in frame.columns.difference(keys):
            if pd.api.types.infer_dtype(frame[c]) in ("floating", "mixed-integer-float"):
                frame[c] = frame[c].astype(float).map(_sig)  # numbers held as objects too
        dataframe_regression.check(
            frame,
            fullpath=SNAPSHOTS / f"{name}.csv",
            default_tolerance=dict(rtol=2e-3, atol=1e-9),
        )

    return check


def test_demo_files_are_the_same_bytes_every_time(tmp_path):
    first = demo.write(tmp_path / "one")
    second = demo.write(tmp_path / "two")
    names = sorted(p.name for p in (tmp_path / "one").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "two").iterdir())
    assert len(first) == len(second) == 11 and len(names) == 12  # 11 files and DEMO_DATA.txt
    for name in names:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), (
            name
        )


@pytest.fixture(scope="module")
def demo_tables(demo_processed) -> Tables:
    return Tables.load(demo_processed)


def test_snapshot_of_demo_indicators(demo_tables, snapshot):
    indicators, _ = assess(demo_tables, COUNCIL)
    cols = ["market", "indicator", "breakdown", "year", "status", "value", "england", "rank"]
    frame = indicators[cols].copy()
    frame["year"] = frame["year"].astype("Int64")
    frame["rank"] = frame["rank"].astype("Int64")
    snapshot("demo_indicators", frame, ["market", "indicator", "breakdown", "year", "status"])


def test_snapshot_of_demo_forecast(demo_tables, snapshot):
    result = run.run(demo_tables, COUNCIL, resources.scenario_files(), horizon=5)
    runs = result.runs[
        [
            "scenario",
            "base_year",
            "horizon_year",
            "base_people",
            "horizon_people",
            "base_spend_gbp",
            "horizon_spend_gbp",
            "spend_change_pct",
            "unserved_people_horizon",
        ]
    ]
    snapshot("demo_forecast_runs", runs, ["scenario"])
    f = result.forecast
    by_setting = (
        f[f["year"].isin([f["base_year"].min(), f["year"].max()])]
        .groupby(["scenario", "measure", "setting", "year"], as_index=False)["value"]
        .sum()
    )
    snapshot("demo_forecast_by_setting", by_setting, ["scenario", "measure", "setting", "year"])
