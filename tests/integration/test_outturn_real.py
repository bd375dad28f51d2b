"""MHCLG revenue outturn on the real files in ../shared/data.

Expected values were read from the raw files with python-calamine (sheet, row and
column named at each), not from this code's output.
"""

from __future__ import annotations

import pandas as pd
import pytest

from msp_analysis.sources import outturn

pytestmark = pytest.mark.integration

ASC = "Adult Social Care"


@pytest.fixture(scope="module")
def tidy(shared_data):
    import pandas as pd

    files = sorted(shared_data.glob("*_r[sxo3]*_20*_by_la.*"))
    return pd.concat([outturn.clean(outturn.read(f)) for f in files], ignore_index=True)


def _asc(tidy, la, year, form, measure="net_current_expenditure", age="Total"):
    sel = tidy[
        (tidy["la_code"] == la)
        & (tidy["year"] == year)
        & (tidy["form"] == form)
        & (tidy["service"] == ASC)
        & (tidy["measure"] == measure)
        & (tidy["age_band"] == age)
    ]
    assert len(sel) == 1
    return sel.iloc[0]


def test_every_file_detected(shared_data):
    layouts = {f.name: outturn.detect(f) for f in shared_data.iterdir()}
    found = {k: v for k, v in layouts.items() if v}
    assert found == {
        "dclg_rs_2011-12_by_la.xls": "mhclg-rs",
        "dclg_rs_2012-13_by_la.xls": "mhclg-rs",
        "dclg_rs_2013-14_by_la.xls": "mhclg-rs",
        "dclg_rs_2014-15_by_la.xls": "mhclg-rs",
        "mhclg_rs_2017-18_by_la.xlsx": "mhclg-rs",
        "mhclg_ro3_2022-23_by_la.ods": "mhclg-ro3",
        "mhclg_ro3_2023-24_by_la.ods": "mhclg-ro3",
        "mhclg_rsx_2022-23_by_la.ods": "mhclg-rsx",
        "mhclg_rsx_2023-24_by_la.ods": "mhclg-rsx",
    }


def test_wiltshire_rs_2011_12(tidy):
    # dclg_rs_2011-12: sheet 'RS LA Data 2011-12 (1)', row 290 (E3902 Wiltshire UA), column I
    row = _asc(tidy, "E06000054", 2011, "RS")
    assert row["value"] == 125629
    assert (row["source_row"], row["source_column"]) == (290, 9)
    assert row["source_sheet"] == "RS LA Data 2011-12 (1)"


def test_wiltshire_rs_other_years(tidy):
    # sheet '(1)' row 290 column I (2012-13, 2013-14), column J (2014-15); 2017-18 row 430 column I
    assert _asc(tidy, "E06000054", 2012, "RS")["value"] == 130846
    assert _asc(tidy, "E06000054", 2013, "RS")["value"] == 136290
    assert _asc(tidy, "E06000054", 2014, "RS")["value"] == 138281
    assert _asc(tidy, "E06000054", 2017, "RS")["value"] == 160014


def test_wiltshire_rsx_2023_24(tidy):
    # mhclg_rsx_2023-24: sheet 'RSX_LA_Data_2023-24', row 408 (E3902 Wiltshire UA):
    # AE (C3R360) 302194 total expenditure; AI (C7R360) 176563 net current expenditure
    row = _asc(tidy, "E06000054", 2023, "RSX")
    assert row["value"] == 176563
    assert (row["source_row"], row["source_column"], row["line"]) == (408, 35, "360")
    assert _asc(tidy, "E06000054", 2023, "RSX", "total_expenditure")["value"] == 302194
    # RSX 2022-23 row 422: AE 263940, AI 192864
    assert _asc(tidy, "E06000054", 2022, "RSX")["value"] == 192864


def test_ro3_total_matches_rsx_and_psr_by_age(tidy):
    # RO3 2023-24 row 409, TOTAL ADULT SOCIAL CARE C7 (column 316) = RSX's 176563
    assert _asc(tidy, "E06000054", 2023, "RO3")["value"] == 176563
    psr = tidy[
        (tidy["la_code"] == "E06000054")
        & (tidy["year"] == 2023)
        & (tidy["form"] == "RO3")
        & (tidy["service"] == "Physical support")
        & (tidy["measure"] == "net_current_expenditure")
    ]
    assert set(psr["age_band"]) == {"18 to 64", "65 and over"}


def test_england_rs_2011_12_is_councils_plus_districts(tidy):
    # 'RS LA Data 2011-12 (1)' row 454 ENGLAND, column I: 14,737,687; the class breakdown
    # below it gives SHIRE DISTRICTS 12,391 (row 461): England = the 152 councils + districts.
    asc = tidy[(tidy["year"] == 2011) & (tidy["service"] == ASC) & (tidy["form"] == "RS")]
    eng = asc[asc["area_type"] == "england"]["value"].iloc[0]
    councils = asc[asc["area_type"] == "council"]
    assert eng == 14737687
    assert councils["la_code"].nunique() == 152
    assert councils["value"].sum() + 12391 == eng


def test_not_submitted_councils_stay_missing(tidy):
    # RSX 2022-23 row 34, Birmingham (E4601): every cell '[x]' (Notes: not received in time)
    row = _asc(tidy, "E08000025", 2022, "RSX")
    assert row["suppressed"] and row["marker"] == "[x]" and row["value"] != row["value"]
    for la in ("E08000025", "E06000024", "E06000066"):  # Birmingham, North Somerset, Somerset
        assert _asc(tidy, la, 2023, "RSX")["marker"] == "[x]"


def test_north_yorkshire_2017_18_code_slip(tidy):
    # RS 2017-18 row 43: E2721 North Yorkshire published with ONS code E10000022 (no council's)
    assert _asc(tidy, "E10000023", 2017, "RS")["value"] == 152216


def test_councils_kept_per_file(tidy):
    per = tidy[tidy["area_type"] == "council"].groupby(["form", "year"])["la_code"].nunique()
    assert per.loc[("RS", 2011)] == 152 and per.loc[("RSX", 2023)] == 153


def test_ascfr_2014_15_wiltshire(shared_data):
    from msp_analysis.sources import ascfr

    t = ascfr.clean(ascfr.read(shared_data / "ascfr_2014-15_council_expenditure.csv"))
    assert t["la_code"].nunique() == 152 and set(t["year"]) == {2014}
    w = t[t["la_code"] == "E06000054"]
    # line 2673 (Non Salt Totals, Adult Social Care, Total, Gross current expenditure),
    # column 143 '817 - Wiltshire': 155818
    gce = w[(w["care_type"] == "Total") & (w["measure"] == "gross_current_expenditure")]
    assert len(gce) == 1 and gce.iloc[0]["value"] == 155818
    assert gce.iloc[0]["source_row"] == 2673
    # line 2672, Net current expenditure: 138280 (outturn RS 2014-15 gives 138281)
    nce = w[(w["care_type"] == "Total") & (w["measure"] == "net_current_expenditure")]
    assert nce.iloc[0]["value"] == 138280


def test_ascfr_2014_15_unit_costs_wiltshire_and_england(shared_data):
    """Values read with Python's csv module from ascfr_2014-15_council_unit_costs.csv
    (Windows-1252; line 1 region codes, line 2 the header)."""
    from msp_analysis.sources import ascfr

    path = shared_data / "ascfr_2014-15_council_unit_costs.csv"
    assert ascfr.detect(path) == "ascfr-2014-15-unit-costs-wide"
    t = ascfr.clean(ascfr.read(path))
    assert set(t["year"]) == {2014} and set(t["table_ref"]) == {"Council unit costs 2014-15"}
    assert t.loc[t["area_type"] == "council", "la_code"].nunique() == 152
    w = t[(t["la_code"] == "E06000054") & (t["provision"] == "Total")]

    def cell(age, reason, setting, measure, frame=w):
        sel = frame[
            (frame["age_band"] == age)
            & (frame["primary_support_reason"] == reason)
            & (frame["support_setting"] == setting)
            & (frame["measure"] == measure)
        ]
        assert len(sel) == 1, (age, reason, setting, measure)
        return sel.iloc[0]

    # column 144 '817 - Wiltshire', lines 3-5: long term, age 18 and over, residential and
    # nursing care, all provision: numerator 93,696 (£ thousands), 100,883 weeks, £928.76 a week
    n = cell("18 and over", "Total", "Residential and Nursing", "unit_cost_numerator")
    assert n["value"] == 93_696 and n["unit"] == "£ thousands"
    assert (n["source_row"], n["source_column"]) == (3, 144)
    weeks = cell("18 and over", "Total", "Residential and Nursing", "unit_cost_weeks")
    assert weeks["value"] == 100_883 and weeks["source_row"] == 4
    uc = cell("18 and over", "Total", "Residential and Nursing", "unit_cost")
    assert uc["value"] == 928.76 and uc["unit"] == "£ per week" and uc["source_row"] == 5
    # lines 72-74, 18 to 64, learning disability support, residential: 25,816 / 15,194 = 1,699.09
    ld = cell("18 to 64", "Learning Disability Support", "Residential", "unit_cost")
    assert ld["value"] == 1699.09 and ld["source_row"] == 74
    # line 23, 18 to 64, physical support, residential, own provision: '.' (not calculated,
    # the data are zero): kept missing and marked, never zero
    own = t[
        (t["la_code"] == "E06000054")
        & (t["provision"] == "In House")
        & (t["age_band"] == "18 to 64")
        & (t["primary_support_reason"] == "Physical Support")
        & (t["measure"] == "unit_cost")
    ]
    assert len(own) == 1 and own.iloc[0]["source_row"] == 23
    assert (
        pd.isna(own.iloc[0]["value"]) and own.iloc[0]["marker"] == "." and own.iloc[0]["suppressed"]
    )
    # column 168 'England', line 74: £1,336.22 a week
    eng = t[(t["la_code"] == "E92000001") & (t["provision"] == "Total")]
    e = cell("18 to 64", "Learning Disability Support", "Residential", "unit_cost", eng)
    assert e["value"] == 1336.22 and e["source_column"] == 168
