"""A council resolved once (msp_analysis.council): what the plan hands to each section."""

from __future__ import annotations

import subprocess
import sys

import pytest

import msp_analysis
from msp_analysis.council import Council, council_of

pytestmark = pytest.mark.unit


def test_wiltshire_as_the_council_list_has_it():
    # msp_analysis/data/councils.csv row 149: E06000054,Wiltshire,817,Unitary Authority,E12000009
    c = council_of("E06000054")
    assert (c.code, c.name, c.region_code, c.region, c.la_type, c.status) == (
        "E06000054",
        "Wiltshire",
        "E12000009",
        "South West",
        "Unitary Authority",
        "current",
    )
    assert c.known and not c.demo
    assert (c.predecessors, c.successors, c.history) == ((), ("E06000054",), None)
    assert c.label == "Wiltshire (E06000054)"


def test_a_council_made_from_a_split_county_carries_its_history():
    # boundary_changes.csv row 8: 2023-04-01, Cumbria E10000006 -> Cumberland E06000063, split
    c = council_of("E06000063")
    assert c.predecessors == ("E10000006",)
    assert c.history is not None and "Cumbria County Council" in c.history
    assert "2023-24" in c.history


def test_an_abolished_council_names_the_councils_that_took_it_over():
    c = council_of("E10000006")
    assert (c.name, c.status, c.la_type) == ("Cumbria", "predecessor", "County")
    assert c.successors == ("E06000063", "E06000064")


def test_the_demo_council_and_areas_and_unknown_codes():
    assert council_of("E10900001").demo and council_of("E10900001").name == "Demoshire"
    england = council_of("E92000001")
    assert (england.name, england.status, england.region) == ("England", "area", None)
    unknown = council_of("E06999999")
    assert not unknown.known and unknown.name == "E06999999" and unknown.label == "E06999999"


def test_resolved_once_and_passed_as_it_is():
    c = council_of("E06000054")
    assert council_of("E06000054") is c  # looked up once per process
    assert council_of(c) is c
    with pytest.raises(AttributeError):
        c.name = "Elsewhere"  # type: ignore[misc]  # frozen: a value, never edited on the way


def test_the_front_door_offers_it_without_loading_pandas():
    assert msp_analysis.Council is Council and msp_analysis.council_of is council_of
    code = "import sys, msp_analysis as m; print(m.financial_year(2023), 'pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["2023-24", "False"]
