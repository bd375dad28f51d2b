"""ONS population files in ../shared/data: every MYE layout, the SNPP table and the series.

Expected values were read by hand from the raw files (sheet, row and column named).
"""

from __future__ import annotations

import pandas as pd
import pytest

from msp_analysis import geography
from msp_analysis.series import series
from msp_analysis.sources import population
from msp_analysis.tables import Tables

pytestmark = pytest.mark.integration

# file -> (layout sheet, Wiltshire E06000054 'All ages' cell, its value, England cell, its value)
MYE = {
    2015: ("ons_mye_mid2015_uk.xls", "Persons UK C346", 486093, "C7", 54786327),
    2016: ("ons_mye_mid2016_uk.xls", "MYE2 - All C348", 488409, "C9", 55268067),
    2017: ("ons_mye_mid2017_uk.xls", "MYE2 - All D348", 496043, "D9", 55619430),
    2018: ("ons_mye_mid2018_on_2019_lad_codes.xls", "MYE2-All D346", 498064, "D9", 55977178),
    2020: ("ons_mye_mid2020_on_2021_geography.xls", "MYE2 - Persons D339", 504070, "D12", 56550138),
    2021: ("ons_mye_mid2021_on_2021_geography.xls", "MYE2 - Persons D339", 513411, "D12", 56536419),
}
SNPP = "ons_snpp2018_table2_persons_resaved.csv"


@pytest.fixture(scope="module")
def mye(shared_data):
    return {year: population.clean(population.read(shared_data / f[0])) for year, f in MYE.items()}


@pytest.fixture(scope="module")
def tables(real_processed):
    return Tables.load(real_processed)


def _total(frame, code, sex="Persons"):
    sel = frame[(frame.la_code == code) & (frame.sex == sex) & (frame.age_label == "All ages")]
    assert len(sel) == 1, (code, len(sel))
    return sel.iloc[0]


@pytest.mark.parametrize("year", sorted(MYE))
def test_wiltshire_and_england_all_ages_every_mye_year(mye, year):
    _file, cell, wilts, eng_cell, eng = MYE[year]
    t = mye[year]
    assert (t.year == year).all()
    row = _total(t, "E06000054")
    assert row.value == wilts, cell  # the 'All ages' cell named in MYE
    assert _total(t, geography.ENGLAND_CODE).value == eng, eng_cell
    # single years 0..89 and 90+ add up to the published total
    singles = t[(t.la_code == "E06000054") & (t.sex == "Persons") & t.age_from.notna()]
    assert len(singles) == 91 and singles.value.sum() == wilts
    assert singles.set_index("age_label").loc["90+", "age_to"] is pd.NA


@pytest.mark.parametrize("year", sorted(MYE))
def test_england_equals_sum_of_upper_tier_councils(mye, year):
    t = mye[year]
    tot = t[(t.sex == "Persons") & (t.age_label == "All ages")]
    councils = tot[tot.area_type == "council"]
    # upper-tier councils on each year's boundaries: 151 on April-2019 codes (Bournemouth,
    # Poole and Dorset county became BCP and Dorset), 152 before and after (Northamptonshire split)
    assert len(councils) == (151 if year == 2018 else 152)
    assert councils.value.sum() == _total(t, geography.ENGLAND_CODE).value
    # districts kept only as parts of today's councils, never counted as councils
    assert set(tot.loc[tot.area_type == "district", "la_code"]) <= set(
        geography.successor_parts().part_code
    )


def test_layouts_detected_by_content(shared_data):
    for _year, (f, *_rest) in MYE.items():
        assert population.detect(shared_data / f) == "ons-mye2-workbook"
    assert population.detect(shared_data / SNPP) == "ons-snpp-table-csv"
    assert population.detect(shared_data / "nomis_mye_2024_lincolnshire.csv") == "nomis-mye-csv"


def test_snpp_resaved_csv_wiltshire(shared_data):
    t = population.clean(population.read(shared_data / SNPP))
    w = t[(t.la_code == "E06000054") & (t.age_label == "All ages")].set_index("year")["value"]
    # CSV line 6801 ("6800","E06000054","Wiltshire","All ages", ...): column 2018 '  498064',
    # column 2043 '  553029.7'
    assert w[2018] == 498064 and w[2043] == pytest.approx(553029.7)
    g = t[(t.la_code == "E06000054") & (t.year == 2018) & (t.age_label == "15-19")].iloc[0]
    assert (g.age_from, g.age_to, g.value) == (15, 19, 27002)  # line 6785, column 2018
    assert g.source_row == 6785 and t.estimate.unique().tolist() == ["2018-based projection"]
    assert set(t.sex) == {"Persons"}


def test_estimate_series_wiltshire_every_year(tables):
    s = series(tables, "population_estimate", "E06000054")
    allages = s[s.breakdown == "All ages"].set_index("year")
    for year, (_f, cell, value, *_r) in MYE.items():
        assert allages.loc[year, "value"] == value, cell
        assert allages.loc[year, "basis"] == "published"
    assert allages.loc[2019, "basis"] == "missing"  # no mid-2019 file in the shared data
    assert pd.isna(allages.loc[2019, "value"])


def test_estimate_series_england_is_sum_of_current_councils(tables):
    s = series(tables, "population_estimate")
    s = s[s.basis != "missing"]
    for year in MYE:
        y = s[(s.year == year) & (s.breakdown == "All ages")]
        eng = y.loc[y.la_code == geography.ENGLAND_CODE, "value"].iloc[0]
        councils = y[y.la_code != geography.ENGLAND_CODE]
        assert len(councils) == len(geography.councils())  # every one of today's councils
        assert councils.value.sum() == pytest.approx(eng, abs=1e-6)


def test_bcp_and_dorset_before_2019_sum_to_predecessors(tables, mye):
    s = series(tables, "population_estimate")
    for year in (2015, 2016, 2017):
        t = mye[year]
        got = s[(s.year == year) & (s.breakdown == "All ages")].set_index("la_code")
        bcp, dorset = got.loc["E06000058"], got.loc["E06000059"]
        assert bcp.basis == dorset.basis == "merged"
        preds = sum(_total(t, c).value for c in ("E06000028", "E06000029", "E10000009"))
        assert bcp.value + dorset.value == preds
    # mid-2015, Persons UK: Bournemouth C336 194,516 + Poole C342 150,577 + Christchurch C357 49,057
    bcp15 = s[(s.la_code == "E06000058") & (s.year == 2015) & (s.breakdown == "All ages")]
    assert bcp15.value.iloc[0] == 194516 + 150577 + 49057
    assert "Christchurch (E07000048)" in bcp15.note.iloc[0]


def test_north_northamptonshire_before_2021_apportioned(tables, mye):
    s = series(tables, "population_estimate")
    nn = s[(s.la_code == "E06000061")].set_index(["year", "breakdown"])
    wn = s[(s.la_code == "E06000062")].set_index(["year", "breakdown"])
    for year in (2015, 2016, 2017, 2018):
        row = nn.loc[(year, "All ages")]
        assert row.basis == "apportioned" and "mid-2020" in row.note
        assert "Northamptonshire (E10000021)" in row.note
        county = _total(mye[year], "E10000021").value  # e.g. mid-2015 Persons UK C121 723,026
        assert row.value + wn.loc[(year, "All ages"), "value"] == pytest.approx(county)
    share = nn.loc[(2020, "85 and over"), "value"] / (
        nn.loc[(2020, "85 and over"), "value"] + wn.loc[(2020, "85 and over"), "value"]
    )
    county85 = (
        mye[2015]
        .query("la_code == 'E10000021' and sex == 'Persons' and age_from >= 85")
        .value.sum()
    )
    assert nn.loc[(2015, "85 and over"), "value"] == pytest.approx(county85 * share)
    assert nn.loc[(2020, "All ages"), "basis"] == "published"


def test_projection_on_todays_boundaries_and_rebased(tables):
    p = series(tables, "population_projection")
    e = series(tables, "population_estimate")
    e = e[(e.year == 2021) & (e.basis != "missing")].set_index(["la_code", "breakdown"])["value"]
    at = p[p.year == 2021].set_index(["la_code", "breakdown"])["value"]
    assert len(at) == 7 * (len(geography.councils()) + 1) - 7  # all but Lincolnshire (mid-2024)
    assert (at - e.reindex(at.index)).abs().max() < 1e-6  # rebased: equals the MYE in 2021
    assert (p.basis == "projected").all() and p.note.str.contains("rebased").all()
    # Wiltshire growth 2021 -> 2043 as in the CSV (line 6801: 2021 '512729.1', 2043 '553029.7')
    w = p[(p.la_code == "E06000054") & (p.breakdown == "All ages")].set_index("year")["value"]
    assert w[2043] / w[2021] == pytest.approx(553029.7 / 512729.1)
    assert w[2021] == 513411  # the mid-2021 estimate
    # today's councils built from 2018 areas
    for code in ("E06000058", "E06000059", "E06000060", "E06000061", "E06000063", "E06000066"):
        rows = p[(p.la_code == code) & (p.breakdown == "All ages")]
        assert len(rows) == 23 and "on today's boundary" in rows.note.iloc[0]
    band = p[(p.la_code == "E06000054") & (p.breakdown == "18 to 64")].note.iloc[0]
    assert "two fifths of 15-19" in band
    # Lincolnshire's latest estimate is mid-2024 (Nomis): its projection starts there
    lincs = p[(p.la_code == "E10000019") & (p.breakdown == "All ages")]
    assert lincs.year.min() == 2024 and lincs.iloc[0].value == 789502
