"""ONS ASHE Table 8.7a (2015-2020) and MHCLG IoD 2019 File 11, read from ../shared/data.

Expected values were read from the raw files themselves (sheet, row and column noted),
with a spreadsheet program and xlrd, not from this code's output.
"""

from __future__ import annotations

import pandas as pd
import pytest

from msp_analysis import geography, schemas
from msp_analysis.sources import ashe, deprivation, readers_for

pytestmark = pytest.mark.integration

ASHE = "ons_ashe_{}_table8_7a_annual_pay_gross_by_home_la.xls"
IOD = "mhclg_iod2019_file11_upper_tier_summaries.xlsx"


def one(frame, **eq):
    sel = frame
    for k, v in eq.items():
        sel = sel[sel[k] == v]
    assert len(sel) == 1, (eq, len(sel))
    return sel.iloc[0]


@pytest.fixture(scope="module")
def ashe_2020(shared_data):
    t = ashe.clean(ashe.read(shared_data / ASHE.format(2020)))
    return schemas.validate("ashe_pay", t, file=ASHE.format(2020))


def test_ashe_2020_wiltshire_cells(ashe_2020):
    w = ashe_2020[(ashe_2020.la_code == "E06000054") & (ashe_2020.source_sheet == "All")]
    # sheet All, row 338: C jobs 185 (thousand), D median 24,350, F mean 29,823,
    # J 25th percentile 13,788, Q 90th percentile 'x'
    assert one(w, statistic="jobs").value == 185
    median = one(w, statistic="median")
    assert median.value == 24350 and median.source_row == 338 and median.source_column == 4
    assert one(w, statistic="mean").value == 29823
    assert one(w, statistic="p25").value == 13788
    p90 = one(w, statistic="p90")
    assert pd.isna(p90.value) and p90.suppressed and p90.marker == "x"
    # quality: D338 has no fill (CV <= 5%); F338 and J338 carry the key's 'CV > 5% and
    # <= 10%' pattern; Q338 carries the 'x = CV > 20%' fill
    assert median.quality == "precise (CV up to 5%)"
    assert one(w, statistic="mean").quality == "reasonably precise (CV 5-10%)"
    assert one(w, statistic="p25").quality == "reasonably precise (CV 5-10%)"
    assert p90.quality.startswith("unreliable")
    # the 2020 tables publish no annual changes (columns E and G are blank): no rows
    assert not w.statistic.str.endswith("_change").any()
    assert set(w.year) == {2020} and not w.provisional.any()


def test_ashe_2020_groups_boundaries_and_suppression(ashe_2020):
    t = ashe_2020
    assert set(t.source_sheet) == {
        "All", "Male", "Female", "Full-Time", "Part-Time",
        "Male Full-Time", "Male Part-Time", "Female Full-Time", "Female Part-Time",
    }  # fmt: skip
    ft = one(t, la_code="E06000054", sex="All", working_pattern="Full-time", statistic="median")
    assert ft.source_sheet == "Full-Time"
    # sheet All row 31: Cumbria (county) median 26,451; row 35: Copeland median 'x'
    cumbria = one(t, la_code="E10000006", source_sheet="All", statistic="median")
    assert cumbria.value == 26451 and pd.isna(cumbria.la_code_current)
    assert "Westmorland and Furness" in cumbria.boundary_note
    copeland = one(t, la_code="E07000029", source_sheet="All", statistic="median")
    assert copeland.suppressed and copeland.area_type == "district"
    nyc = one(t, la_code="E10000023", source_sheet="All", statistic="median")
    assert nyc.la_code_current == "E06000065"
    # every council of April 2021 (the 2020 tables use those boundaries): Cumbria, North
    # Yorkshire and Somerset as counties, the Northamptonshires as unitaries
    councils = set(t.loc[t.area_type == "council", "la_code"])
    assert len(councils) == 152 and "E06000061" in councils and "E10000021" not in councils
    assert not (t.suppressed & t.value.notna()).any()


def test_ashe_2015_uncoded_england_and_regions(shared_data):
    t = ashe.clean(ashe.read(shared_data / ASHE.format(2015)))
    # sheet All row 9: 'England', no code, jobs 18,240, median 22,654
    eng = one(t, la_code="E92000001", source_sheet="All", statistic="median")
    assert eng.value == 22654 and eng.source_row == 9
    assert one(t, la_code="E92000001", source_sheet="All", statistic="jobs").value == 18240
    assert t.loc[t.area_type == "region", "la_code"].nunique() == 9
    # 2015 boundaries: Bournemouth and Poole have no council of today with the same area
    bmth = t[t.la_code == "E06000028"].iloc[0]
    assert pd.isna(bmth.la_code_current) and "merged into" in bmth.boundary_note
    dorset = t[t.la_code == "E10000009"].iloc[0]
    assert dorset.la_code_current == "E06000059" and "Christchurch" in dorset.boundary_note
    # 2015 publishes the annual change: row 9, E 'Annual percentage change' for England
    assert one(t, la_code="E92000001", source_sheet="All", statistic="median_change").unit == (
        "% change on a year"
    )


def test_ashe_2015_quality_from_each_cells_colour(shared_data):
    t = ashe.clean(ashe.read(shared_data / ASHE.format(2015)))
    # the key, sheet All: S8 'CV <= 5%' solid white, S9 'CV > 5% and <= 10%' pattern 4
    # (shaded), S10 'CV > 10% and <= 20%' and S11 'x = CV > 20%' solid teal (33CCCC)
    # row 97 Rutland UA: C97 jobs 12 and D97 median 24,949 teal, F97 mean 27,810 shaded
    rutland = t[(t.la_code == "E06000017") & (t.source_sheet == "All")]
    assert one(rutland, statistic="jobs").value == 12
    median = one(rutland, statistic="median")
    assert (median.value, median.source_row, median.source_column) == (24949, 97, 4)
    assert median.quality == "acceptable (CV 10-20%)"
    assert one(rutland, statistic="jobs").quality == "acceptable (CV 10-20%)"
    mean = one(rutland, statistic="mean")
    assert mean.value == 27810 and mean.quality == "reasonably precise (CV 5-10%)"
    # row 74 North Yorkshire: D74 median 20,866 shaded, F74 mean 25,282 no fill, H74 'x'
    nyorks = t[(t.la_code == "E10000023") & (t.source_sheet == "All")]
    median = one(nyorks, statistic="median")
    assert median.value == 20866 and median.quality == "reasonably precise (CV 5-10%)"
    mean = one(nyorks, statistic="mean")
    assert mean.value == 25282 and mean.quality == "precise (CV up to 5%)"
    p10 = one(nyorks, statistic="p10")
    assert p10.suppressed and p10.quality.startswith("unreliable")


def test_ashe_fills_read_at_once_match_xlrd_cell_by_cell(shared_data):
    """The colours are read for a whole sheet at once (each cell's XF index from xlrd's
    table, with the row's, the column's or the default XF where the cell names none): on
    every published file, the same XF index as xlrd's own cell_xf_index for every cell."""
    import xlrd

    for y in range(2015, 2021):
        book = xlrd.open_workbook(str(shared_data / ASHE.format(y)), formatting_info=True)
        for sh in book.sheets():
            grid = ashe._xf_grid(sh)
            assert grid.shape == (sh.nrows, sh.ncols)
            expected = [[sh.cell_xf_index(r, c) for c in range(sh.ncols)] for r in range(sh.nrows)]
            assert grid.tolist() == expected, (y, sh.name)


def test_every_ashe_file_read_and_one_year_each(shared_data):
    years = {}
    for y in range(2015, 2021):
        path = shared_data / ASHE.format(y)
        assert readers_for(path) == [(ashe, ashe.LAYOUT)]
        t = ashe.clean(ashe.read(path))
        schemas.validate("ashe_pay", t, file=path.name)
        years[y] = set(t.year)
    assert years == {y: {y} for y in range(2015, 2021)}


def test_iod_2019_file11(shared_data):
    path = shared_data / IOD
    assert readers_for(path) == [(deprivation, deprivation.LAYOUT)]
    t = schemas.validate("deprivation", deprivation.clean(deprivation.read(path)), file=IOD)
    w = t[t.la_code == "E06000054"]
    # sheet IMD row 52: C average rank 11,265.53, D rank of average rank 133, E average score 13.447
    avg = one(w, domain_code="IMD", measure="average_rank")
    assert avg.value == 11265.53 and avg.source_row == 52 and avg.source_column == 3
    assert one(w, domain_code="IMD", measure="rank_of_average_rank").value == 133
    assert one(w, domain_code="IMD", measure="average_score").value == 13.447
    # sheet IDAOPI row 52, E average score 0.087
    assert one(w, domain_code="IDAOPI", measure="average_score").value == 0.087
    assert set(t.year) == {2019} and t.la_code.nunique() == 151
    assert set(t.domain_code) == {
        "IMD", "Income", "Employment", "Education", "Health", "Crime", "Barriers", "Living",
        "IDACI", "IDAOPI",
    }  # fmt: skip
    # 2019 boundaries put on today's councils where the area is the same, and say where not
    on_today = t.drop_duplicates("la_code").set_index("la_code")
    assert on_today.loc["E10000023", "la_code_current"] == "E06000065"
    assert on_today.loc["E10000027", "la_code_current"] == "E06000066"
    assert on_today.loc["E10000002", "la_code_current"] == "E06000060"
    missing = set(on_today.index[on_today.la_code_current.isna()])
    assert missing == {"E10000006", "E10000021"}  # Cumbria and Northamptonshire were split
    today = set(on_today.la_code_current.dropna())
    # 149 of the 153 councils of today: all but the four that Northamptonshire and Cumbria became
    assert set(geography.councils().la_code) - today == {
        "E06000061", "E06000062", "E06000063", "E06000064",
    }  # fmt: skip
    cumberland = geography.non_additive_for(t[t.domain_code == "IDAOPI"], "E06000063")
    assert set(cumberland.basis) == {"former county containing it (not split)"}
