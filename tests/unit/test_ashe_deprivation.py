"""ASHE pay and IoD deprivation readers on tiny hand-made workbooks in the published layouts,
and the geography of figures that cannot be added up (medians, ranks)."""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import Workbook
from openpyxl.styles import PatternFill

from msp_analysis import geography, schemas
from msp_analysis.errors import SourceError
from msp_analysis.sources import ashe, deprivation, readers_for

pytestmark = pytest.mark.unit

PCTS = [10, 20, 25, 30, 40, 60, 70, 75, 80, 90]
SHADED = PatternFill(fill_type="gray125", fgColor="FFFFFF")
TEAL = PatternFill(fill_type="solid", fgColor="33CCCC")


def _ashe_book(path, rows, *, year=2020, groups=(("All", "all"), ("Female", "female")), key=True):
    """An ASHE Table 8.7a workbook: rows are (description, code, [13 cells], [13 fills])."""
    wb = Workbook()
    wb.active.title = "Notes"
    wb.active["A1"] = "Guide to results from the Annual Survey of Hours and Earnings (ASHE)"
    for sheet, words in groups:
        ws = wb.create_sheet(sheet)
        ws["A1"] = (
            f"Table 8.7a   Annual pay - Gross (£) - For {words} employee jobsa: "
            f"United Kingdom, {year}"
        )
        ws.append([])
        ws.append([None, None, "Number", None, "Annual", None, "Annual"])
        ws.append([None, None, "of jobsb", None, "percentage", None, "percentage", "Percentiles"])
        ws.append(
            ["Description", "Code", "(thousand)", "Median", "change", "Mean", "change", *PCTS]
        )
        for desc, code, cells, fills in rows:
            jobs, median, mean, *pcts = cells
            ws.append([desc, code, jobs, median, 1.5, mean, None, *pcts])
            for col, fill in zip([3, 4, 6, *range(8, 18)], fills):
                if fill is not None:
                    ws.cell(ws.max_row, col).fill = fill
        if key:
            for r, (label, fill) in enumerate(
                [
                    ("Key", None),
                    ("CV <= 5%", None),
                    ("CV > 5% and <= 10%", SHADED),
                    ("CV > 10% and <= 20%", TEAL),
                    ("x = CV > 20%", TEAL),
                ],
                start=7,
            ):
                ws.cell(r, 19, label)
                if fill is not None:
                    ws.cell(r, 19).fill = fill
        ws.append(["Not Classified", None, 151, 24813, None, 29833])
        ws.append(
            ["a  Employees on adult rates who have been in the same job for more than a year."]
        )
    wb.save(path)
    return path


def _cells(median, jobs=185, x_at=()):
    cells = [jobs, median, round(median * 1.2), *[round(median * p / 50) for p in PCTS]]
    return [("x" if i in x_at else v) for i, v in enumerate(cells)]


ROWS = [
    ("England", "", _cells(26154, 18386), [None] * 13),
    ("South West ", "", _cells(24580, 1710), [SHADED] * 13),
    ("Wiltshire UA", "E06000054", _cells(24350, x_at={12}), [None, None, SHADED] + [TEAL] * 10),
    ("North Yorkshire", "E10000023", _cells(25000), [None] * 13),
    ("Cumbria", "E10000006", _cells(26451, x_at={1}), [None] * 13),
    ("  Allerdale", "E07000026", _cells(26405, 42), [None] * 13),
    ("  Eden", "E07000030", _cells(24876, 20), [None] * 13),
    ("  Harrogate", "E07000165", _cells(26000, 70), [None] * 13),
    ("Cardiff", "W06000015", _cells(25000), [None] * 13),
]


def test_ashe_cells_quality_and_groups(tmp_path):
    path = _ashe_book(
        tmp_path / "PROV - Home Geography Table 8.7a Annual pay - Gross 2020.xlsx", ROWS
    )
    assert readers_for(path) == [(ashe, ashe.LAYOUT)]
    t = schemas.validate("ashe_pay", ashe.clean(ashe.read(path)))
    w = t[(t.la_code == "E06000054") & (t.sex == "All")].set_index("statistic")
    # Wiltshire is row 8 of the sheet (title, blank, three header rows, England, South West)
    assert w.loc["median", "value"] == 24350 and w.loc["median", "source_row"] == 8
    assert w.loc["median", "source_column"] == 4 and w.loc["jobs", "unit"] == "thousand jobs"
    assert w.loc["mean", "value"] == 29220 and w.loc["p25", "value"] == round(24350 * 25 / 50)
    assert w.loc["p25", "percentile"] == 25 and w.loc["median", "percentile"] == 50
    assert w.loc["median", "unit"] == "£ a year"
    # ONS's colours, matched against the key beside the table
    assert w.loc["median", "quality"] == "precise (CV up to 5%)"
    assert w.loc["mean", "quality"] == "reasonably precise (CV 5-10%)"
    assert w.loc["p10", "quality"] == "acceptable (CV 10-20%)"
    # 'x' is missing, flagged, never zero, and says why
    assert pd.isna(w.loc["p90", "value"]) and w.loc["p90", "suppressed"]
    assert w.loc["p90", "marker"] == "x" and w.loc["p90", "quality"].startswith("unreliable")
    # the annual change: published for the median, blank for the mean (no row, never zero)
    assert w.loc["median_change", "value"] == 1.5 and "mean_change" not in w.index
    assert set(t.provisional) == {True} and set(t.year) == {2020}
    assert set(t.sex) == {"All", "Female"} and set(t.working_pattern) == {"All"}
    # 2015 tables give England and the regions no code: coded from their names
    assert {"E92000001", "E12000009"} <= set(t.la_code)
    # Wales, districts that are not parts of today's councils and 'Not Classified' go
    assert not t.la_code.isin(["W06000015", "E07000165"]).any()
    assert not t.la_name.eq("Not Classified").any()


def test_ashe_boundaries_named_not_guessed(tmp_path):
    t = ashe.clean(ashe.read(_ashe_book(tmp_path / "a.xlsx", ROWS)))
    one = t.drop_duplicates("la_code").set_index("la_code")
    assert one.loc["E10000023", "la_code_current"] == "E06000065"  # same area, new code
    assert pd.isna(one.loc["E10000006", "la_code_current"])  # Cumbria was split
    assert "Cumberland and Westmorland and Furness" in one.loc["E10000006", "boundary_note"]
    assert one.loc["E07000026", "area_type"] == "district"
    assert "part of Cumberland" in one.loc["E07000026", "boundary_note"]
    assert not t.provisional.any()  # no 'PROV' in the name, no 'provisional' in the title


def test_ashe_without_colours_keeps_figures(tmp_path):
    t = ashe.clean(ashe.read(_ashe_book(tmp_path / "a.xlsx", ROWS, key=False)))
    levels = t[~t.suppressed & ~t.statistic.str.endswith("_change")]
    assert levels.quality.isna().all() and levels.value.notna().all()


def test_ashe_bad_files_name_where(tmp_path):
    path = _ashe_book(tmp_path / "a.xlsx", ROWS)
    raw = ashe.read(path)
    bad = raw.copy()
    bad.loc[(bad.sheet == "Female") & (bad.header == "Median"), "header"] = "Modal"
    with pytest.raises(SourceError, match=r"sheet 'Female'.*column 'Modal'"):
        ashe.clean(bad)
    bad = raw.copy()
    bad.loc[bad.sheet == "Female", "title"] = bad.loc[bad.sheet == "All", "title"].iloc[0]
    with pytest.raises(SourceError, match="both hold all all jobs"):
        ashe.clean(bad)
    bad = raw.copy()
    bad.loc[bad.sheet == "Female", "title"] = (
        "Table 8.7a   Annual pay - Gross (£) - For female employee jobsa: United Kingdom, 2019"
    )
    with pytest.raises(SourceError, match="different years"):
        ashe.clean(bad)
    bad = raw.copy()
    bad.loc[(bad.code == "E06000054") & (bad.header == "Median"), "cell"] = "24,35O"
    with pytest.raises(SourceError, match=r"sheet 'All', column 'Median', row 8: value '24,35O'"):
        ashe.clean(bad)
    bad = raw.copy()
    bad.loc[bad.code == "E06000054", "code"] = "E06000099"
    with pytest.raises(
        SourceError,
        match=r"column 'Code', row 8: area code 'E06000099' \(Wiltshire UA\) is not a council",
    ):
        ashe.clean(bad)


def test_ashe_cv_table_is_not_read_as_pay(tmp_path):
    path = _ashe_book(tmp_path / "cv.xlsx", ROWS)
    from openpyxl import load_workbook

    wb = load_workbook(path)
    for ws in wb.worksheets[1:]:
        ws["A1"] = ws["A1"].value.replace("8.7a", "8.7b")
    wb.save(path)
    assert ashe.detect(path) is None


def _iod_book(path, rows, *, code_header="Upper Tier Local Authority District code (2019)"):
    wb = Workbook()
    wb.active.title = "Notes"
    for sheet, prefix in (("IMD", "IMD"), ("IDAOPI", "IDAOPI")):
        ws = wb.create_sheet(sheet)
        extra = ["IMD 2019 - Extent "] if sheet == "IMD" else []
        ws.append(
            [
                code_header,
                "Upper Tier Local Authority District name (2019)",
                f"{prefix} - Average rank ",
                f"{prefix} - Rank of average rank ",
                f"{prefix} - Average score ",
                f"{prefix} - Proportion  of LSOAs in most deprived 10% nationally ",
                *extra,
            ]
        )
        for code, name, vals in rows:
            ws.append([code, name, *vals[: 4 + len(extra)]])
    wb.save(path)
    return path


IOD_ROWS = [
    ("E06000054", "Wiltshire", [11265.53, 133, 13.447, 0.0035, 0.0288]),
    ("E10000006", "Cumbria", [16000.5, 80, 20.1, 0.05, 0.1]),
    ("E10000023", "North Yorkshire", [12000.0, 120, 12.0, 0.01, 0.02]),
]


def test_iod_cells_domains_and_boundaries(tmp_path):
    path = _iod_book(tmp_path / "iod.xlsx", IOD_ROWS)
    assert readers_for(path) == [(deprivation, deprivation.LAYOUT)]
    t = schemas.validate("deprivation", deprivation.clean(deprivation.read(path)))
    w = t[t.la_code == "E06000054"].set_index(["domain_code", "measure"])
    assert w.loc[("IMD", "average_rank"), "value"] == 11265.53
    assert w.loc[("IMD", "rank_of_average_rank"), "value"] == 133
    assert w.loc[("IMD", "average_score"), "source_row"] == 2
    assert w.loc[("IMD", "average_score"), "source_column"] == 5
    assert w.loc[("IMD", "extent"), "value"] == 0.0288
    assert ("IDAOPI", "extent") not in w.index
    assert w.loc[("IDAOPI", "average_score"), "domain"].startswith(
        "Income Deprivation Affecting Older"
    )
    assert set(t.year) == {2019} and set(t.year_label) == {"IoD 2019"}
    nyc = t[t.la_code == "E10000023"].iloc[0]
    assert nyc.la_code_current == "E06000065"
    assert "split in 2023" in t[t.la_code == "E10000006"].iloc[0].boundary_note


def test_iod_bad_header_and_code(tmp_path):
    raw = deprivation.read(_iod_book(tmp_path / "iod.xlsx", IOD_ROWS))
    bad = raw.copy()
    bad.loc[bad.header.str.startswith("IDAOPI - Average score"), "header"] = "IDAOPI - Median score"
    with pytest.raises(SourceError, match=r"sheet 'IDAOPI'.*column 'IDAOPI - Median score'"):
        deprivation.clean(bad)
    bad = raw.copy()
    bad.loc[bad.code == "E06000054", "code"] = "Wiltshire"
    with pytest.raises(
        SourceError, match=r"sheet 'IMD', .*row 2: 'Wiltshire' \(Wiltshire\) is not an area code"
    ):
        deprivation.clean(bad)


def test_iod_without_edition_is_refused(tmp_path):
    path = _iod_book(tmp_path / "iod.xlsx", IOD_ROWS, code_header="Local Authority District code")
    raw = deprivation.read(path)
    raw["header"] = raw["header"].str.replace("IMD 2019 - ", "IMD - ")
    with pytest.raises(SourceError, match="no edition year"):
        deprivation.clean(raw)


def test_same_area_current_and_non_additive_for():
    assert geography.same_area_current("E06000054") == ("E06000054", None)
    assert geography.same_area_current("E10000027") == ("E06000066", None)
    assert geography.same_area_current("E10000002") == ("E06000060", None)
    code, note = geography.same_area_current("E10000009")
    assert code == "E06000059" and "Christchurch" in note
    code, note = geography.same_area_current("E06000028")
    assert code is None and "Bournemouth, Christchurch and Poole" in note
    assert geography.same_area_current("E07000165") == (None, None)
    frame = pd.DataFrame(
        {
            "la_code": ["E10000023", "E06000065", "E10000023", "E10000006"],
            "year": [2019, 2023, 2023, 2019],
            "value": [1.0, 2.0, 3.0, 4.0],
        }
    )
    ny = geography.non_additive_for(frame, "E06000065").set_index("year")
    assert ny.loc[2019, "basis"] == "same area" and ny.loc[2019, "value"] == 1.0
    assert ny.loc[2023, "basis"] == "published" and ny.loc[2023, "value"] == 2.0  # own wins
    cu = geography.non_additive_for(frame, "E06000063")
    assert cu.basis.tolist() == ["former county containing it (not split)"]
    assert geography.non_additive_for(frame, "E06000063", containing=False).empty
