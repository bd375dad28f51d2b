"""Results the same for every council are stored beside the tables once per data build.

A plan's facts must be identical whether those results were computed in this process (cold)
or read back from the data build's ``derived`` folder (warm).
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from msp_analysis import store
from msp_analysis.cache import DERIVED, code_key
from msp_analysis.narrative import plan
from msp_analysis.narrative.currency import data_currency
from msp_analysis.tables import Tables

pytestmark = pytest.mark.demo

TEXT = ("council", "demo", "cover", "contents", "section1", "section2", "section3", "appendix")


def _draft(raw, la_code):
    plan._tables.cache_clear()  # a fresh kernel: nothing in memory
    return plan.draft(la_code, raw_dir=raw)


@pytest.mark.parametrize("la_code", ["E10900001", "E06900002"])
def test_plan_facts_equal_with_cold_and_warm_cache(demo_raw, la_code):
    processed = store.ensure(demo_raw)
    shutil.rmtree(processed / DERIVED, ignore_errors=True)
    cold = _draft(demo_raw, la_code)
    stored = {p.name for p in (processed / DERIVED / code_key()).glob("*.pkl")}
    # the council-independent work was stored: population and spend series, area frames
    assert {
        "series-population_estimate.pkl",
        "series-population_projection.pkl",
        "all_indicators.pkl",
    } <= stored
    warm = _draft(demo_raw, la_code)
    assert not warm.tables.cache.keys() - cold.tables.cache.keys()
    for name in TEXT:
        assert getattr(warm, name) == getattr(cold, name), name
    assert warm.headline == cold.headline
    assert warm.summary() == cold.summary()
    pd.testing.assert_frame_equal(warm.indicators, cold.indicators)
    pd.testing.assert_frame_equal(warm.comparators, cold.comparators)
    pd.testing.assert_frame_equal(warm.risks, cold.risks)
    if cold.forecast is not None:
        pd.testing.assert_frame_equal(warm.forecast["forecast"], cold.forecast["forecast"])


def test_data_currency_reads_no_whole_table(demo_processed):
    # the box reads the few columns it needs from each file, once per build: a plan's
    # kernel does not hold the ASC-FR table in memory for it
    t = Tables.load(store.resolve(demo_processed))
    box = data_currency(t, "E10900001")
    assert t.frames.loaded() == []
    latest = {s["table"]: s["year"] for s in box["sources"]}
    whole = Tables.load(store.resolve(demo_processed))
    assert latest["ascfr"] == int(
        whole.require("ascfr").query("la_code == 'E10900001'")["year"].max()
    )
    assert latest["salt"] == int(
        whole.require("salt").query("la_code == 'E10900001'")["year"].max()
    )
