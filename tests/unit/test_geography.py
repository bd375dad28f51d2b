"""Council codes, names, regions and boundary changes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from msp_analysis import geography as G

pytestmark = pytest.mark.unit


def test_153_current_councils_with_regions():
    c = G.councils()
    assert len(c) == 153 and c["la_code"].is_unique
    assert set(c["region_code"]) == set(G.REGIONS)
    assert c.loc[c["la_code"] == "E06000054", "la_name"].item() == "Wiltshire"
    assert {"E06000063", "E06000064", "E06000065", "E06000066"} <= set(c["la_code"])
    assert "E10000006" not in set(c["la_code"])  # Cumbria is a predecessor now


def test_area_type_keeps_england_and_regions_apart():
    s = pd.Series(["E92000001", "E12000009", "E06000054", "E10000019", "E07000136", None])
    assert G.area_type(s).tolist() == ["england", "region", "council", "council", "other", "other"]


def test_names_as_publishers_write_them():
    assert G.code_for_name("Lincolnshire") == "E10000019"
    assert G.code_for_name("Bristol, City of") == "E06000023"
    assert G.code_for_name("Bournemouth, Christchurch & Poole") == "E06000058"
    assert G.code_for_name("Nowhere-on-Sea") is None


def test_successors_across_2019_2021_2023():
    assert G.successors("E10000021") == ["E06000061", "E06000062"]
    assert G.successors("E06000028") == ["E06000058"]
    assert G.successors("E10000023") == ["E06000065"]
    assert G.successors("E06000054") == ["E06000054"]


def _frame(rows):
    return pd.DataFrame(rows, columns=["la_code", "year", "value", "suppressed"])


def test_harmonise_sums_merged_councils_and_renames():
    f = _frame(
        [
            ("E06000028", 2016, 10.0, False),
            ("E06000029", 2016, 5.0, False),
            ("E10000002", 2016, 7.0, False),
            ("E06000054", 2016, 3.0, False),
        ]
    )
    out = G.harmonise_to_current(f, keys=["year"]).set_index("la_code")
    assert out.loc["E06000058", "value"] == 15.0 and out.loc["E06000058", "estimated"]
    assert out.loc["E06000058", "la_code_published"] == "E06000028+E06000029"
    assert out.loc["E06000060", "value"] == 7.0 and not out.loc["E06000060", "estimated"]
    assert out.loc["E06000054", "value"] == 3.0


def test_harmonise_never_hides_a_suppressed_part():
    f = _frame([("E06000028", 2016, 10.0, False), ("E06000029", 2016, np.nan, True)])
    out = G.harmonise_to_current(f, keys=["year"])
    row = out[out["la_code"] == "E06000058"].iloc[0]
    assert np.isnan(row["value"]) and row["suppressed"]


def test_harmonise_apportions_a_split_by_weights():
    f = _frame([("E10000021", 2019, 100.0, False)])
    with pytest.raises(ValueError, match="weights"):
        G.harmonise_to_current(f, keys=["year"])
    out = G.harmonise_to_current(
        f, keys=["year"], weights=pd.Series({"E06000061": 1.0, "E06000062": 3.0})
    )
    got = out.set_index("la_code")["value"]
    assert got["E06000061"] == 25.0 and got["E06000062"] == 75.0 and out["estimated"].all()
