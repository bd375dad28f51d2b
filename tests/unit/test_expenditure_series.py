"""Spend series on a tiny hand-made outturn table: boundaries, gaps, not submitted, England."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from msp_analysis import series
from msp_analysis.series import expenditure
from msp_analysis.tables import Tables

pytestmark = pytest.mark.unit

ASC = "Adult Social Care"


def _row(la, year, form, value, marker=None, measure="net_current_expenditure", file=None):
    return {
        "la_code": la,
        "year": year,
        "form": form,
        "service": ASC,
        "age_band": "Total",
        "measure": measure,
        "value": value,
        "marker": marker,
        "source_file": file or f"{form.lower()}_{year}.xlsx",
    }


def _tables():
    rows = [
        _row("E06000028", 2017, "RS", 10.0),  # Bournemouth
        _row("E06000029", 2017, "RS", 20.0),  # Poole
        _row("E10000021", 2017, "RS", 1000.0),  # Northamptonshire (split 2021)
        _row("E06000054", 2017, "RS", 7.0),  # Wiltshire
        _row("E92000001", 2017, "RS", 1100.0),  # England as published
        _row("E06000058", 2019, "RSX", 40.0),  # BCP
        _row("E08000025", 2019, "RSX", np.nan, marker="[x]"),  # Birmingham not received
        _row("E06000054", 2019, "RSX", 9.0),
        _row("E06000054", 2019, "RSX", 15.0, measure="total_expenditure"),
        _row("E92000001", 2019, "RSX", 49.0, marker="sum of councils"),
    ]
    return Tables(frames={"outturn": pd.DataFrame(rows)})


def _get(s, la, year):
    sel = s[(s["la_code"] == la) & (s["year"] == year) & (s["breakdown"] == "Total")]
    assert len(sel) == 1
    return sel.iloc[0]


def test_outturn_series_on_current_boundaries():
    s = series.series(_tables(), "asc_net_current_expenditure")
    assert sorted(s["year"].unique()) == [2017, 2018, 2019]
    assert s.groupby("year").size().eq(154).all()  # 153 councils + England, every year
    bcp = _get(s, "E06000058", 2017)
    assert bcp["value"] == 30 and bcp["basis"] == "merged"
    assert _get(s, "E06000058", 2019)["basis"] == "published"
    nn, wn = _get(s, "E06000061", 2017), _get(s, "E06000062", 2017)
    assert nn["basis"] == wn["basis"] == "apportioned"
    assert nn["value"] + wn["value"] == pytest.approx(1000)
    assert nn["value"] == pytest.approx(
        1000 * 0.45675
    )  # North Northants' share of adults, mid-2021
    birm = _get(s, "E08000025", 2019)
    assert birm["basis"] == "not submitted" and np.isnan(birm["value"])
    gap = _get(s, "E06000054", 2018)
    assert gap["basis"] == "missing" and "covers 2018-19" in gap["note"]
    absent = _get(s, "E06000001", 2017)  # Hartlepool: year covered, council not in the file
    assert absent["basis"] == "missing" and absent["note"] == "not in rs_2017.xlsx"
    assert _get(s, "E92000001", 2017)["basis"] == "published"
    built = _get(s, "E92000001", 2019)
    assert built["basis"] == "merged" and "sum of councils" in built["note"]


def test_gross_total_missing_where_only_rs():
    s = series.series(_tables(), "asc_gross_total_expenditure", la_code="E06000054")
    s = s.set_index("year")
    assert s.loc[2019, "value"] == 15
    assert (
        s.loc[2017, "basis"] == "missing" and "net current expenditure only" in s.loc[2017, "note"]
    )


def test_a_later_year_extends_the_series():
    t = _tables()
    extra = pd.DataFrame([_row("E06000054", 2021, "RSX", 11.0)])
    t2 = Tables(frames={"outturn": pd.concat([t.frames["outturn"], extra])})
    s = series.series(t2, "asc_net_current_expenditure", la_code="E06000054").set_index("year")
    assert list(s.index) == [2017, 2018, 2019, 2020, 2021]
    assert s.loc[2021, "value"] == 11 and s.loc[2020, "basis"] == "missing"


def test_split_weights_have_sources_and_sum_to_one():
    w = expenditure.split_weights()
    assert w[["E06000061", "E06000062"]].sum() == pytest.approx(1)
    assert w[["E06000063", "E06000064"]].sum() == pytest.approx(1)


def test_fy_ranges():
    from msp_analysis.sources._parsing import fy_ranges

    assert fy_ranges([2016, 2015, 2018, 2019, 2020, 2021]) == (
        "2015-16 to 2016-17, 2018-19 to 2021-22"
    )
    assert fy_ranges([2011]) == "2011-12"


def test_coverage_and_chart_for_a_council():
    from msp_analysis import dataquality, plots
    from msp_analysis.series import expenditure as sp

    t = _tables()
    cov = dataquality.series_coverage(t, "E06000054").set_index("measure")
    row = cov.loc["asc_net_current_expenditure"]
    assert row["years"] == "2017-18 to 2019-20" and row["years_with_value"] == 2
    assert row["gaps"] == "2018-19 (missing)"
    assert "not loaded" in cov.loc["ascfr_gross_current_expenditure", "gaps"]
    nce = sp.council_and_england(t, "asc_net_current_expenditure", "E06000054")
    assert set(nce["area"]) == {"council", "england"} and len(nce) == 6
    fig = plots.spend_history(nce, "ASC spend", council_name="Wiltshire")
    assert "no outturn for 2018-19" in fig.texts[-1].get_text()


def test_non_submitters_include_outturn():
    from msp_analysis import dataquality

    ot = _tables().frames["outturn"].assign(area_type="council")
    ns = dataquality.non_submitters(Tables(frames={"outturn": ot}))
    assert ns[["table", "la_code", "year", "cells_not_available"]].values.tolist() == [
        ["outturn", "E08000025", 2019, 1]
    ]


def _csv_row(la, setting, psr, value, *, care="Long Term Care", age="18 to 64", dt="Main return"):
    """One gross current expenditure row of an ASC-FR 2016-17 coded-key CSV, keys as labelled."""
    return {
        "la_code": la,
        "year": 2016,
        "table_ref": "CSV Totals",
        "measure": "gross_current_expenditure",
        "care_type": care,
        "support_setting": setting,
        "age_band": age,
        "primary_support_reason": psr,
        "data_type": dt,
        "value": value,
        "marker": None,
        "source_file": "ascfr_2016-17_csv_totals.csv",
    }


def test_ascfr_coded_csv_gives_total_settings_and_client_groups():
    st, other = "Short Term Care", "Other (not long or short term)"
    ld, ph = "Learning Disability Support", "Physical Support"
    rows = [
        _csv_row("E06000054", "Residential", ld, 10.0),
        _csv_row("E06000054", "Residential", ph, 5.0, age="65 and over"),
        _csv_row("E06000054", "Nursing", ph, 3.0, age="65 and over"),
        _csv_row("E06000054", "SupportSetting key 5 (label unconfirmed)", ph, 0.0),
        _csv_row("E06000054", "Total", ph, 2.0, care=st, age="65 and over"),
        _csv_row(
            "E06000054",
            "Total",
            "PrimarySupportReason key 9 (label unconfirmed)",
            4.0,
            care=other,
            age="Total",
        ),
        # DataType key 2 rows are not part of the total
        _csv_row(
            "E06000054",
            "Residential",
            ld,
            100.0,
            age="AgeBand key 3 (label unconfirmed)",
            dt="DataType key 2 (label unconfirmed)",
        ),
        _csv_row("E92000001", "Residential", ld, 50.0),
        _csv_row("E06000055", "Residential", ld, np.nan),  # Bedford: one missing row
        _csv_row("E06000055", "Nursing", ld, 1.0),
    ]
    s = series.series(
        Tables(frames={"ascfr": pd.DataFrame(rows)}), "ascfr_gross_current_expenditure"
    )
    w = s[(s["la_code"] == "E06000054") & (s["year"] == 2016)].set_index("breakdown")["value"]
    # by hand: 10 + 5 + 3 + 0 + 2 + 4 = 24; residential 10 + 5; physical support 5 + 3 + 0 + 2
    assert w["Total"] == 24
    assert w["Long term: Residential"] == 15 and w["Long term: Nursing"] == 3
    assert (
        w["Client group: Physical Support"] == 10
        and w["Client group: Learning Disability Support"] == 10
    )
    assert not any("unconfirmed" in b for b in w.index)
    assert "main-return rows" in _get(s, "E06000054", 2016)["note"]
    assert _get(s, "E92000001", 2016)["value"] == 50
    assert np.isnan(_get(s, "E06000055", 2016)["value"])  # a missing row leaves the total missing
