"""Spend series on today's boundaries from the real outturn and ASC-FR files.

Expected values were read from the raw files with python-calamine (sheet, row and
column named at each), not from this code's output.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from msp_analysis import geography, series
from msp_analysis.sources import ascfr, outturn
from msp_analysis.tables import Tables

pytestmark = pytest.mark.integration

NCE = "asc_net_current_expenditure"
MISSING_YEARS = {2015, 2016, 2018, 2019, 2020, 2021}  # no outturn file in ../shared/data


@pytest.fixture(scope="module")
def tables(shared_data):
    ot = [outturn.clean(outturn.read(f)) for f in sorted(shared_data.glob("*_r[sxo3]*_by_la.*"))]
    af = [
        ascfr.clean(ascfr.read(shared_data / f))
        for f in (
            "ASCFR_and_SALT_Data_Tables_2021-22.xlsx",
            "ascfr_2014-15_council_expenditure.csv",
        )
    ]
    return Tables(frames={"outturn": pd.concat(ot), "ascfr": pd.concat(af)})


def _total(tables, measure, la):
    s = series.series(tables, measure, la_code=la)
    return s[s["breakdown"] == "Total"].set_index("year")


def test_wiltshire_net_current_expenditure(tables):
    w = _total(tables, NCE, "E06000054")
    # RS 2011-12 'RS LA Data 2011-12 (1)' I290; RSX 2023-24 'RSX_LA_Data_2023-24' AI408
    assert w.loc[2011, "value"] == 125629 and w.loc[2011, "basis"] == "published"
    assert w.loc[2023, "value"] == 176563 and w.loc[2023, "source_file"].startswith("mhclg_r")
    assert w.loc[2011, "source_file"] == "dclg_rs_2011-12_by_la.xls"


def test_every_council_2011_to_2023_gaps_only_where_no_file(tables):
    s = series.series(tables, NCE)
    tot = s[s["breakdown"] == "Total"]
    assert set(tot["la_code"]) == set(geography.councils("current")["la_code"]) | {"E92000001"}
    per = tot.groupby("la_code")["year"].apply(lambda y: sorted(y))
    assert all(v == list(range(2011, 2024)) for v in per)
    missing = tot[tot["basis"] == "missing"]
    assert set(missing["year"]) == MISSING_YEARS
    assert (missing.groupby("year").size() == 154).all()  # 153 councils + England
    assert missing["note"].str.contains("no file in the raw folder covers").all()
    assert missing["value"].isna().all()


def test_bcp_and_dorset_before_2019_from_predecessors(tables):
    # RS 2014-15 'RS LA Data 2014-15 (1)', column J: Poole UA J71 38378, Bournemouth UA J72
    # 51242, Dorset CC J73 123141
    bcp = _total(tables, NCE, "E06000058").loc[2014]
    assert bcp["value"] == 38378 + 51242 and bcp["basis"] == "merged"
    assert "Bournemouth" in bcp["note"] and "Poole" in bcp["note"]
    dorset = _total(tables, NCE, "E06000059").loc[2014]
    assert dorset["value"] == 123141 and dorset["basis"] == "merged"


def test_north_northamptonshire_apportioned(tables):
    # Northamptonshire CC J213 171151; North Northants 281,200 of the county's 615,654 adults
    # (mid-2021 MYE2 - Persons, ages 18 to 90+ summed)
    nn = _total(tables, NCE, "E06000061").loc[2014]
    assert nn["basis"] == "apportioned"
    assert nn["value"] == pytest.approx(171151 * 281200 / (281200 + 334454), rel=1e-5)


def test_not_submitted_stays_missing(tables):
    # RSX 2022-23 row 34 Birmingham: '[x]' in every cell
    b = _total(tables, NCE, "E08000025").loc[2022]
    assert b["basis"] == "not submitted" and np.isnan(b["value"])


def test_england_is_the_published_row(tables):
    # 'RS LA Data 2011-12 (1)' I454 ENGLAND 14,737,687 (every authority, incl. districts)
    e = _total(tables, NCE, "E92000001")
    assert e.loc[2011, "value"] == 14737687 and e.loc[2011, "basis"] == "published"


def test_gross_total_missing_in_rs_years(tables):
    g = _total(tables, "asc_gross_total_expenditure", "E06000054")
    # RSX 2023-24 AE408: 302194
    assert g.loc[2023, "value"] == 302194
    assert (
        g.loc[2014, "basis"] == "missing" and "net current expenditure only" in g.loc[2014, "note"]
    )


def test_ro3_breakdown_sums_to_total(tables):
    s = series.series(tables, NCE, la_code="E06000054")
    y = s[s["year"] == 2023]
    parts = y[y["breakdown"] != "Total"]
    assert "Physical support: 65 and over" in set(parts["breakdown"])
    # RO3 lines without the carers / equipment / assessment sub-lines (their totals are lines too)
    top = parts[~parts["breakdown"].str.contains("18 to 64|65 and over")]
    top = pd.concat(
        [
            top,
            parts[
                parts["breakdown"].str.match(r"^(Physical|Sensory|Support with|Learning|Mental)")
            ],
        ]
    )
    total = y[y["breakdown"] == "Total"]["value"].iloc[0]
    assert top["value"].sum() == pytest.approx(total, rel=0.01)


def test_ascfr_series_separate_from_outturn(tables):
    a = _total(tables, "ascfr_gross_current_expenditure", "E06000054")
    # ASC-FR 2014-15 line 2673, column '817 - Wiltshire': 155818
    assert a.loc[2014, "value"] == 155818
    assert a.loc[2014, "source"] == "ASC-FR (NHS Digital)"
    eng = _total(tables, "ascfr_gross_current_expenditure", "E92000001").loc[2014]
    assert eng["basis"] == "merged" and "sum of councils" in eng["note"]


def test_store_build_holds_outturn_and_first_ascfr_year(real_processed):
    from msp_analysis import store

    ot = store.load("outturn", real_processed)
    assert ot["source_file"].nunique() == 9  # RS x5, RSX x2, RO3 x2
    assert sorted(ot["year"].unique()) == [2011, 2012, 2013, 2014, 2017, 2022, 2023]
    af = store.load("ascfr", real_processed)
    assert {2014, 2016, 2020, 2021} <= set(af["year"])
    t = Tables.load(real_processed)
    w = series.series(t, NCE, la_code="E06000054")
    assert w[(w["breakdown"] == "Total") & (w["year"] == 2023)]["value"].iloc[0] == 176563


def test_ascfr_2016_17_from_the_coded_csv(shared_data):
    af = ascfr.clean(ascfr.read(shared_data / "ascfr_2016-17_csv_totals.csv"))
    t = Tables(frames={"ascfr": af})
    s = series.series(t, "ascfr_gross_current_expenditure", la_code="E06000054")
    w = s[s["year"] == 2016].set_index("breakdown")
    # ascfr_2016-17_csv_totals.csv, GEOGRAPHY_CODE E06000054, DataType_KEY 1, CareType_KEY 2
    # (long term), SupportSetting_KEY 7 (residential), column GROSSCURRENTEXPENDITURE, lines
    # 26897 26565, 26910 2256, 26914 6925, 26918 16807, 26923 739, 26928 4524, 37147 7253,
    # 37150 2669, 37443 269, 37446 497: 68,504
    assert w.loc["Long term: Residential", "value"] == 68504
    assert w.loc["Long term: Residential", "basis"] == "published"
    # the 109 DataType_KEY 1 rows of E06000054 (lines 26894 to 37532) sum to 160,694
    assert w.loc["Total", "value"] == pytest.approx(160694)
    # England, summed the same way, is NHS Digital's published £17.5bn for 2016-17
    eng = _total(t, "ascfr_gross_current_expenditure", "E92000001").loc[2016, "value"]
    assert 17.45e6 < eng < 17.55e6
