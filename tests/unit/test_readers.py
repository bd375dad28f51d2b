"""Readers on tiny hand-made files in the published layouts, and on bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook

from msp_analysis.errors import SourceError, UnknownLayoutError
from msp_analysis.sources import ascfr, ascof, cqc, population, salt, workforce

pytestmark = pytest.mark.unit


def _tables_workbook(path, t34_rows, extra_header=None):
    """A minimal 'ASC-FR and SALT data tables' workbook holding T34 (two header levels, merged)."""
    wb = Workbook()
    wb.active.title = "Title"
    wb.create_sheet("Contents")
    for i in range(1, 23):
        if i == 34:
            continue
        wb.create_sheet(f"T{i}")["A4"] = f"Table {i}: other"
    sh = wb.create_sheet("T34")
    sh["A4"] = (
        "Table 34: Number of clients accessing long term support during the year, by age band and support setting, 2021-22"
    )
    sh["I6"] = "Numbers"
    for j, name in enumerate(
        ["Geography code", "LA code", "LA name", "Region code", "Region name"], 1
    ):
        sh.cell(7, j, name)
    sh["F7"] = "18 to 64"
    sh.merge_cells("F7:H7")
    sh["I7"] = extra_header or "Total"
    sh["F8"], sh["G8"], sh["H8"] = "Nursing\n", "Community\nDirect Payment Only", "Total"
    sh["A9"] = " "
    r = 10
    for row in t34_rows:
        for j, v in enumerate(row, 1):
            sh.cell(r, j, v)
        r += 1
    sh.cell(r + 1, 1, "Copyright © 2022, NHS Digital.")
    wb.save(path)


def _read_t34(path):
    """SALT's reading of T34 alone (the hand-made workbook holds no other SALT table)."""
    from msp_analysis.sources import _nhsd_workbook as W

    return W.read_tables(path, {"T34": salt.SPECS["T34"]})


ROWS = [
    (None, None, None, "E92000001", "England", 100, 200, 300, 300),
    ("E06000054", "817", "Wiltshire", "E12000009", "South West", "[c]", "1,020", 1025, 1025),
]


def test_tables_workbook_header_paths_and_markers(tmp_path):
    path = tmp_path / "tables.xlsx"
    _tables_workbook(path, ROWS)
    assert salt.detect(path) and ascfr.detect(path)
    raw = _read_t34(path)
    assert set(raw["sheet"]) == {"T34"}
    tidy = salt.clean(raw).set_index(["la_code", "age_band", "support_setting"]).sort_index()
    w = tidy.loc["E06000054"]
    assert (
        np.isnan(w.loc[("18 to 64", "Nursing"), "value"])
        and w.loc[("18 to 64", "Nursing"), "suppressed"]
    )
    assert w.loc[("18 to 64", "Community: Direct Payment Only"), "value"] == 1020
    assert w.loc[("Total", "Total"), "value"] == 1025
    assert (
        w.loc[("18 to 64", "Total"), "source_row"] == 11
        and w.loc[("18 to 64", "Total"), "source_column"] == 8
    )
    assert tidy.loc["E92000001", "area_type"].iloc[0] == "england"
    assert (tidy["year"] == 2021).all() and (tidy["year_label"] == "2021-22").all()


def test_tables_workbook_bad_cell_names_sheet_column_row(tmp_path):
    path = tmp_path / "tables.xlsx"
    _tables_workbook(
        path,
        [ROWS[0], ("E06000054", "817", "Wiltshire", "E12000009", "South West", "lots", 1, 2, 3)],
    )
    with pytest.raises(SourceError) as err:
        salt.clean(_read_t34(path))
    msg = str(err.value)
    assert (
        "tables.xlsx" in msg
        and "sheet 'T34'" in msg
        and "18 to 64 | Nursing" in msg
        and "row 11" in msg
    )


def test_tables_workbook_changed_header_levels_is_unknown_layout(tmp_path):
    path = tmp_path / "tables.xlsx"
    wb_rows = [ROWS[0]]
    _tables_workbook(path, wb_rows)
    from openpyxl import load_workbook

    wb = load_workbook(path)
    wb["T34"]["F9"] = "an extra level"  # a third header row
    wb.save(path)
    with pytest.raises(UnknownLayoutError, match="header level"):
        salt.clean(_read_t34(path))


def test_tables_workbook_missing_table_is_an_error_naming_it(tmp_path):
    # The hand-made workbook holds T34 only: every other SALT table is missing, and the
    # reader says which, rather than building SALT without them.
    path = tmp_path / "tables.xlsx"
    _tables_workbook(path, ROWS)
    with pytest.raises(SourceError, match=r"table T2 \('Summary figures"):
        salt.read(path)


def test_tables_workbook_title_year_must_match_the_workbook(tmp_path):
    path = tmp_path / "tables.xlsx"
    _tables_workbook(path, ROWS)
    from openpyxl import load_workbook

    wb = load_workbook(path)
    wb["Title"]["A3"] = "Adult Social Care Activity and Finance: England 2022-23"
    wb.save(path)
    with pytest.raises(SourceError) as err:
        _read_t34(path)
    msg = str(err.value)
    assert "sheet 'T34'" in msg and "row 4" in msg and "says 2021-22" in msg and "2022-23" in msg


def test_tables_workbook_council_code_in_lower_case_is_the_councils_code(tmp_path, caplog):
    # typed by hand in lower case and with a space: still Wiltshire, with a note; never
    # a row that vanishes
    path = tmp_path / "tables.xlsx"
    _tables_workbook(path, [ROWS[0], (" e06000054", *ROWS[1][1:])])
    tidy = salt.clean(_read_t34(path))
    assert len(tidy[tidy["la_code"] == "E06000054"]) == 4
    assert "'Geography code': 1 area code(s) written in lower case" in caplog.text
    assert "row 11" in caplog.text


def test_tables_workbook_malformed_council_code_names_the_cell(tmp_path):
    path = tmp_path / "tables.xlsx"
    _tables_workbook(path, [ROWS[0], ("E06000O54", *ROWS[1][1:])])
    with pytest.raises(SourceError) as err:
        _read_t34(path)
    msg = str(err.value)
    assert "column 'Geography code'" in msg and "row 11" in msg and "'E06000O54'" in msg


def test_wrong_file_for_reader_lists_known_layouts(tmp_path):
    f = tmp_path / "population.csv"
    f.write_text(
        '"GEOGRAPHY_NAME","GEOGRAPHY_CODE","DATE_NAME","GENDER_NAME","C_AGE_NAME","OBS_VALUE"\n"X","E10000019","2024","Total","All Ages",5\n'
    )
    with pytest.raises(UnknownLayoutError) as err:
        ascfr.read(f)
    assert "population.csv" in str(err.value) and "ascfr-csv-totals" in str(err.value)


def test_ascfr_csv_totals_keys_labelled_and_unknown_key_named(tmp_path):
    head = "FY_Ending,CASSR_CODE,GEOGRAPHY_CODE,REGION_GO_CODE,CareType_KEY,AgeBand_KEY,PrimarySupportReason_KEY,SupportSetting_KEY,Purpose_KEY,CarerSupportType_KEY,DataType_KEY,TOTALEXPENDITURE,TOTALINCOME,NETTOTALEXPENDITURE,GROSSTOTALEXPENDITURE,NETCURRENTEXPENDITURE,GROSSCURRENTEXPENDITURE\n"
    f = tmp_path / "totals.csv"
    f.write_bytes(
        (
            "\ufeff"
            + head
            + "2017,817,E06000054,E12000009,2,1,4,7,,,1,10,1,9,10,9,10\n2017,,,E92000001,2,1,4,7,,,1,50,5,45,50,45,50\n"
        ).encode()
    )
    tidy = ascfr.clean(ascfr.read(f))
    gce = tidy[tidy["measure"] == "gross_current_expenditure"].set_index("la_code")
    assert gce.loc["E06000054", "value"] == 10 and gce.loc["E06000054", "year"] == 2016
    assert gce.loc["E06000054", "support_setting"] == "Residential"
    assert gce.loc["E06000054", "primary_support_reason"] == "Learning Disability Support"
    assert gce.loc["E92000001", "area_type"] == "england"
    f.write_text(head + "2017,817,E06000054,E12000009,2,1,4,77,,,1,10,1,9,10,9,10\n")
    with pytest.raises(SourceError) as err:
        ascfr.clean(ascfr.read(f))
    assert (
        "column 'SupportSetting_KEY'" in str(err.value)
        and "row 2" in str(err.value)
        and "'77'" in str(err.value)
    )


def test_ascfr_csv_totals_bad_value_named_where_it_stands(tmp_path):
    # Distinct values are parsed once: a bad one is still named by its column and file line.
    head = "FY_Ending,CASSR_CODE,GEOGRAPHY_CODE,REGION_GO_CODE,CareType_KEY,AgeBand_KEY,PrimarySupportReason_KEY,SupportSetting_KEY,Purpose_KEY,CarerSupportType_KEY,DataType_KEY,TOTALEXPENDITURE,TOTALINCOME,NETTOTALEXPENDITURE,GROSSTOTALEXPENDITURE,NETCURRENTEXPENDITURE,GROSSCURRENTEXPENDITURE\n"
    f = tmp_path / "totals.csv"
    rows = [
        "2017,817,E06000054,E12000009,2,1,4,7,,,1,10,1,9,10,9,10",
        "2017,,,E92000001,2,1,4,7,,,1,10,:,9,10,9,10",
        "2017,,,E12000009,2,1,4,7,,,1,10,1,9,10,9,ten",
    ]
    f.write_text(head + "\n".join(rows) + "\n")
    with pytest.raises(SourceError, match="'ten' is not a number") as err:
        ascfr.clean(ascfr.read(f))
    assert (err.value.column, err.value.row) == ("GROSSCURRENTEXPENDITURE", 4)
    f.write_text(head + "\n".join(rows[:2]) + "\n")
    tidy = ascfr.clean(ascfr.read(f)).set_index(["la_code", "measure"])
    income = tidy.loc[("E92000001", "total_income")]  # ':' (line 3): unavailable, never 0
    assert income["suppressed"] and income["marker"] == ":" and np.isnan(income["value"])
    assert tidy.loc[("E06000054", "total_income"), "value"] == 1


def test_ascfr_csv_activity_bad_area_or_year_named_by_line(tmp_path):
    # Area codes and years are worked out once per distinct line key; an error still
    # names the first line that carries the bad value (line 3: the second data row).
    head = "UUID,FY_Ending,CASSR_CODE,GEOGRAPHY_CODE,REGION_GO_CODE,DataType_KEY,AgeBand_KEY,PrimarySupportReason_KEY,CareType_KEY,SupportSetting_KEY,Purpose_KEY,ActivityProvision_KEY,ItemValue\n"
    ok = "8510101,2017,817,E06000054,E12000009,1,1,4,2,7,,,12"
    f = tmp_path / "activity.csv"
    f.write_text(head + ok + "\n" + ok.replace("E06000054", "Wiltshire") + "\n" + ok + "\n")
    with pytest.raises(SourceError, match="no valid area code") as err:
        ascfr.clean(ascfr.read(f))
    assert (err.value.column, err.value.row) == ("GEOGRAPHY_CODE", 3)
    f.write_text(head + ok + "\n" + ok.replace(",2017,", ",2016-17,") + "\n")
    with pytest.raises(SourceError, match="FY_Ending '2016-17' is not a year") as err:
        ascfr.clean(ascfr.read(f))
    assert (err.value.column, err.value.row) == ("FY_Ending", 3)
    f.write_text(
        head + ok + "\n" + ok.replace("8510101,2017,817,E06000054", "8510102,2017,,") + "\n"
    )
    tidy = ascfr.clean(ascfr.read(f)).set_index("la_code")
    assert tidy.loc["E06000054", "la_name"] == "Wiltshire" and tidy.loc["E06000054", "year"] == 2016
    assert tidy.loc["E12000009", "area_type"] == "region"  # no ONS code: the region's
    assert pd.isna(tidy.loc["E12000009", "region_code"])


def test_ascfr_csv_additional_labelled_by_item(tmp_path):
    # The coded 'Additional' file (2016-17): keys only, labels from the item's UUID as the
    # 2015-16 additional data file published them; ':' stays missing; a UUID whose age band
    # key disagrees with its item is refused at its line; an unknown item is kept by UUID.
    head = "UUID,FY_Ending,CASSR_CODE,GEOGRAPHY_CODE,REGION_GO_CODE,DataSource_KEY,Datatype_KEY,AgeBand_KEY,FinanceType_KEY,PrimarySupportReason_KEY,ComparativeTotals_KEY,ItemValue\n"
    lines = [
        "8326110,2017,817,E06000054,E12000009,1,2,,,,7,9100",
        "8328110,2017,817,E06000054,E12000009,1,1,,,,6,:",
        "8510201,2017,817,E06000054,E12000009,2,1,2,3,,10,58112",
        "9999999,2017,817,E06000054,E12000009,1,1,,,,99,5",
    ]
    f = tmp_path / "CSV ASCFR Additional.csv"
    f.write_text(head + "\n".join(lines) + "\n")
    assert ascfr.detect(f) == "ascfr-csv-additional"
    tidy = ascfr.clean(ascfr.read(f)).set_index("source_row")
    grants = tidy.loc[2]
    assert grants.measure == "income_income_from_specific_and_special_grants"
    assert grants.table_ref == "CSV Additional: Additional Data" and grants.value == 9100
    assert grants.year == 2016 and grants.age_band == "Total" and grants.unit == "£ thousands"
    bcf = tidy.loc[3]
    assert bcf.measure == "income_income_from_better_care_fund" and bcf.data_type == "Voluntary"
    assert bcf.suppressed and np.isnan(bcf.value) and bcf.marker == ":"
    res = tidy.loc[4]
    assert res.measure == "expenditure_residential_and_nursing_care"
    assert res.age_band == "65 and over" and res.table_ref == "CSV Additional: Bridging Year"
    assert tidy.loc[5].measure == "additional_item_9999999" and tidy.loc[5].value == 5
    f.write_text(head + lines[0] + "\n" + lines[2].replace(",2,1,2,3,", ",2,1,1,3,") + "\n")
    with pytest.raises(
        SourceError, match="item 8510201 is published for age band '65 and over'"
    ) as err:
        ascfr.clean(ascfr.read(f))
    assert (err.value.column, err.value.row) == ("AgeBand_KEY", 3)
    # the activity file (also UUID and ItemValue) is not taken for a damaged 'Additional' file
    act = tmp_path / "activity.csv"
    act.write_text(
        "UUID,FY_Ending,CASSR_CODE,GEOGRAPHY_CODE,REGION_GO_CODE,DataType_KEY,AgeBand_KEY,PrimarySupportReason_KEY,CareType_KEY,SupportSetting_KEY,Purpose_KEY,ActivityProvision_KEY,ItemValue\n"
        "8610101,2017,102,E10000006,E12000002,1,1,6,2,7,,3,295.86\n"
    )
    assert ascfr.detect(act) == "ascfr-csv-activity"


def test_ascof_ods_like_workbook_with_markers_and_brackets(tmp_path):
    path = tmp_path / "ascof.xlsx"
    rows = [
        ["Table 6a: turnover"],
        ["This worksheet contains one table."],
        [
            "Local authority code",
            "Local authority",
            "ONS area code",
            "2023 to 2024 - outcome",
            "2024 to 2025 - outcome",
        ],
        ["England", "England", "E92000001", 24.8, 23.7],
        ["S", "Shire Counties", "[z]", "[z]", 25.1],
        ["817", "Wiltshire", "E06000054", "26.2 (25.9)", "[c]"],
    ]
    width = max(len(r) for r in rows)
    rows = [r + [None] * (width - len(r)) for r in rows]
    with pd.ExcelWriter(path) as xl:
        for name in ["Table_6a", "Table_6b", "Table_1a"]:
            pd.DataFrame(rows).to_excel(xl, sheet_name=name, header=False, index=False)
    assert ascof.detect(path) == "ascof-timeseries-ods"
    t = ascof.clean(ascof.read(path))
    w = t[(t["la_code"] == "E06000054") & (t["measure_code"] == "6A")].set_index("year")
    assert w.loc[2023, "value"] == 26.2 and w.loc[2023, "value_alternative"] == 25.9
    assert (
        np.isnan(w.loc[2024, "value"])
        and w.loc[2024, "suppressed"]
        and w.loc[2024, "marker"] == "[c]"
    )
    assert set(t.loc[t["la_code"] == "council_type:S", "area_type"]) == {"council_type"}
    assert t.loc[t["la_code"] == "E92000001", "area_type"].unique().tolist() == ["england"]
    assert w.loc[2023, "measure_description"] == "turnover"  # from the title: no Contents


def _ascof_sheets(path, edit=None):
    """Three Table sheets; ``edit(sheet_name, rows)`` changes one sheet's rows."""
    head = ["Local authority code", "Local authority", "ONS area code", "2024 to 2025 - outcome"]
    with pd.ExcelWriter(path) as xl:
        for name in ["Table_6a", "Table_6b", "Table_1a"]:
            rows = [
                ["Table: x", None, None, None],
                list(head),
                ["England", "England", "E92000001", 1.0],
                ["817", "Wiltshire", "E06000054", 2.0],
                ["800", "Bath", "E06000022", 3.0],
            ]
            if edit:
                edit(name, rows)
            pd.DataFrame(rows).to_excel(xl, sheet_name=name, header=False, index=False)


def test_ascof_ods_unknown_area_and_bad_header_named(tmp_path):
    path = tmp_path / "ascof.xlsx"

    def unknown_code(name, rows):
        if name == "Table_6b":
            rows[4][2] = "E06999999"  # row 5 of Table_6b

    _ascof_sheets(path, unknown_code)
    with pytest.raises(SourceError, match="'E06999999' is not a council") as err:
        ascof.read(path)
    assert (err.value.sheet, err.value.row) == ("Table_6b", 5)

    def lost_area(name, rows):
        if name == "Table_1a":
            del rows[3]  # Wiltshire

    _ascof_sheets(path, lost_area)
    with pytest.raises(SourceError, match=r"1 area row.*missing.*E06000054") as err:
        ascof.read(path)
    assert err.value.sheet == "Table_1a"

    def bad_header(name, rows):
        if name == "Table_6b":
            rows[1][3] = "latest outcome"  # the header row is row 2

    _ascof_sheets(path, bad_header)
    with pytest.raises(SourceError, match="'latest outcome' is not 'YYYY to YYYY") as err:
        ascof.clean(ascof.read(path))
    assert (err.value.sheet, err.value.column, err.value.row) == ("Table_6b", "latest outcome", 2)


def test_ascof_time_series_renamed_part_refused_status_column_left_out(tmp_path, caplog):
    path = tmp_path / "ascof.xlsx"

    def renamed(name, rows):
        if name == "Table_1a":
            rows[1][3] = "2024 to 2025 - outcomes"  # was a measure type, now a new label

    _ascof_sheets(path, renamed)
    with pytest.raises(SourceError) as err:
        ascof.clean(ascof.read(path))
    assert (err.value.sheet, err.value.column) == ("Table_1a", "D")
    assert "'2024 to 2025 - outcomes'" in str(err.value) and "numerator" in str(err.value)

    def status(name, rows):  # a status column between the codes and the figures
        for row, cell in zip(rows, [None, "Data status", "Final", "Final", "Provisional"]):
            row.insert(3, cell)

    _ascof_sheets(path, status)
    t = ascof.clean(ascof.read(path))
    w = t[(t["la_code"] == "E06000054") & (t["measure_code"] == "1A")]
    assert w["value"].tolist() == [2.0] and w["source_column"].tolist() == [5]
    assert "'Data status' carry no figures" in caplog.text

    def lower(name, rows):
        rows[3][2] = "e06000054 "

    _ascof_sheets(path, lower)
    t = ascof.clean(ascof.read(path))
    assert len(t[t["la_code"] == "E06000054"]) == 3  # one row per table, none under another code


def test_population_upper_tier_only_no_double_count(tmp_path):
    f = tmp_path / "nomis.csv"
    f.write_text(
        '"GEOGRAPHY_NAME","GEOGRAPHY_CODE","DATE_NAME","GENDER_NAME","C_AGE_NAME","OBS_VALUE"\n'
        '"Lincolnshire","E10000019","2024","Total","All Ages",100\n"Lincolnshire","E10000019","2024","Total","Age 0",40\n'
        '"Lincolnshire","E10000019","2024","Total","Aged 90+",60\n"Boston","E07000136","2024","Total","All Ages",30\n'
    )
    t = population.clean(population.read(f))
    assert set(t["la_code"]) == {"E10000019"}
    ages = t.set_index("age_label")["value"]
    assert ages["All ages"] == 100 and ages["0"] == 40 and ages["90+"] == 60
    assert t.set_index("age_label").loc["90+", "age"] == 90


def test_cqc_dates_order_detected_not_guessed():
    rows = pd.Series([2, 3])
    us = cqc.parse_dates(
        pd.Series(["05/29/2026", "01/02/2026"]), file="f", column="Publication Date", rows=rows
    )
    assert us.tolist() == [pd.Timestamp("2026-05-29"), pd.Timestamp("2026-01-02")]
    uk = cqc.parse_dates(
        pd.Series(["29/05/2026", "01/02/2026"]), file="f", column="Publication Date", rows=rows
    )
    assert uk.tolist() == [pd.Timestamp("2026-05-29"), pd.Timestamp("2026-02-01")]
    with pytest.raises(SourceError, match="day-first or month-first"):
        cqc.parse_dates(
            pd.Series(["01/02/2026", "03/04/2026"]), file="f", column="Publication Date", rows=rows
        )
    # Each distinct date is read once; a bad one is named at its first row (line 3).
    cells = pd.Series(["2026-01-02", "2nd Jan", "2026-01-02", "2nd Jan"])
    with pytest.raises(SourceError, match="'2nd Jan' is not dd/mm/yyyy") as err:
        cqc.parse_dates(cells, file="f", column="Publication Date", rows=pd.Series([2, 3, 4, 5]))
    assert err.value.row == 3
    iso = cqc.parse_dates(
        cells.replace("2nd Jan", "29/05/2026"),
        file="f",
        column="Publication Date",
        rows=pd.Series([2, 3, 4, 5]),
    )
    assert iso.tolist() == [pd.Timestamp("2026-01-02"), pd.Timestamp("2026-05-29")] * 2


def test_cqc_unknown_local_authority_named(tmp_path):
    cols = cqc.RATINGS_COLUMNS  # the published header the reader requires
    row = [
        "1-1",
        "Home",
        "Y",
        "Social Care Org",
        "Residential",
        "Atlantis",
        "South West",
        "Overall",
        "Overall",
        "Good",
        "2024-01-31",
        "N",
        "1-2",
        "Prov",
        "-",
        "-",
    ]
    f = tmp_path / "ratings.csv"
    pd.DataFrame([row], columns=cols).to_csv(f, index=False)
    with pytest.raises(SourceError) as err:
        cqc.clean(cqc.read(f))
    assert (
        "ratings.csv" in str(err.value)
        and "column 'Location Local Authority'" in str(err.value)
        and "Atlantis" in str(err.value)
    )


def test_workforce_layout_prefixes_and_suppression(tmp_path):
    path = tmp_path / "LA-data-download-2023-24.xlsx"
    frame = pd.DataFrame(
        {
            "CSSR (LA area)": ["Wiltshire", "England"],
            "Sector": ["All sectors"] * 2,
            "Service": ["All services"] * 2,
            "Job role": ["Individual role - Care worker", "Job role group - Direct care"],
            "Turnover rate": [0.28, "*"],
            "Vacancy rate": [0.1, 0.09],
        }
    )
    with pd.ExcelWriter(path) as xl:
        frame.to_excel(xl, sheet_name="LA level data", index=False)
    t = workforce.clean(workforce.read(path))
    w = t[(t["la_code"] == "E06000054") & (t["measure"] == "turnover_rate")].iloc[0]
    assert (
        w["value"] == 0.28
        and w["job_role"] == "Care worker"
        and w["job_role_level"] == "Individual role"
    )
    assert w["year"] == 2023 and w["unit"] == "fraction"
    e = t[(t["la_code"] == "E92000001") & (t["measure"] == "turnover_rate")].iloc[0]
    assert e["suppressed"] and np.isnan(e["value"])
    frame.drop(columns=["Job role"]).to_excel(path, sheet_name="LA level data", index=False)
    with pytest.raises(SourceError, match="column 'Job role'"):
        workforce.clean(workforce.read(path))


def _t34_as(path, **spec):
    """T34 of the hand-made workbook read and cleaned with another spec (levels F7 > F8)."""
    from msp_analysis.sources import _nhsd_workbook as W

    specs = {"T34": W.TableSpec("T34", "long term support during the year", **spec)}
    return W.clean_cells(W.read_tables(path, specs), specs, source="test")


def test_tables_workbook_year_level_must_hold_years_up_to_the_workbook(tmp_path):
    path = tmp_path / "tables.xlsx"
    _tables_workbook(path, ROWS)
    levels = {"measure": "people", "levels": ("year", "support_setting")}
    with pytest.raises(SourceError, match="'18 to 64' is not a financial year") as err:
        _t34_as(path, **levels)
    assert (err.value.sheet, err.value.column, err.value.row) == ("T34", "18 to 64", 10)
    from openpyxl import load_workbook

    wb = load_workbook(path)
    wb["T34"]["F7"] = "2022-23"  # the workbook is 2021-22 (T34's title)
    wb.save(path)
    with pytest.raises(SourceError, match="'2022-23' is a year after the workbook's 2021-22"):
        _t34_as(path, **levels)
    wb["T34"]["F7"] = "2020-21"
    wb.save(path)
    tidy = _t34_as(path, **levels)
    w = tidy[tidy["la_code"] == "E06000054"].set_index("support_setting")
    # F7 '2020-21' over F:H (merged); I7 'Total' keeps the title's year
    assert w.loc["Nursing", "year"] == 2020 and w.loc["Total", "year"].tolist() == [2020, 2021]
    assert (
        w.loc["Nursing", "suppressed"] and w.loc["Community: Direct Payment Only", "value"] == 1020
    )


def test_tables_workbook_unknown_measure_group_and_skipped_columns(tmp_path):
    path = tmp_path / "tables.xlsx"
    _tables_workbook(path, ROWS)
    spec = {"measure": None, "levels": ("measure", "support_setting")}
    with pytest.raises(UnknownLayoutError, match="column group '18 to 64'") as err:
        _t34_as(path, **spec, measures={"65": "old"})
    assert err.value.column == "18 to 64"
    tidy = _t34_as(path, **spec, measures={"18": "young", "total": "all"}, skip="direct payment")
    w = tidy[tidy["la_code"] == "E06000054"]
    # G (Community: Direct Payment Only) is skipped; F, H under '18 to 64', I under 'Total'
    assert sorted(w["source_column"]) == [6, 8, 9]
    assert w.set_index("source_column").loc[9, "measure"] == "all"
    assert w.set_index("source_column").loc[6, "measure"] == "young"


def test_tables_workbook_renamed_setting_is_refused_naming_sheet_column_and_known_labels(tmp_path):
    # 'Nursing' relabelled 'Nursing care': before, its rows came back under the new name
    # and 18-64 nursing vanished
    path = tmp_path / "tables.xlsx"
    _tables_workbook(path, ROWS)
    from openpyxl import load_workbook

    wb = load_workbook(path)
    wb["T34"]["F8"] = "Nursing care"
    wb.save(path)
    with pytest.raises(SourceError) as err:
        salt.clean(_read_t34(path))
    msg = str(err.value)
    assert "sheet 'T34'" in msg and "column 'F'" in msg and "'Nursing care'" in msg
    assert "known: " in msg and "Residential" in msg and "\n" not in msg


def test_tables_workbook_status_column_is_left_out_with_a_note(tmp_path, caplog):
    # a release inserts a 'Status' column between the settings: read as before, noted
    path = tmp_path / "tables.xlsx"
    _tables_workbook(path, ROWS)
    before = salt.clean(_read_t34(path))
    from openpyxl import load_workbook

    wb = load_workbook(path)
    sh = wb["T34"]
    sh.insert_cols(7)
    sh["G8"] = "Status"
    sh["G10"], sh["G11"] = "Final", "Provisional"
    wb.save(path)
    after = salt.clean(_read_t34(path))
    assert "'18 to 64 | Status (column G)' carry no figures" in caplog.text
    cols = ["la_code", "age_band", "support_setting", "value", "suppressed"]
    pd.testing.assert_frame_equal(after[cols], before[cols])
    # the columns after the inserted one keep their own column numbers
    moved = after[after["support_setting"] == "Community: Direct Payment Only"]
    assert set(moved["source_column"]) == {8}
