"""MHCLG revenue outturn reader on tiny hand-made workbooks in the published layouts."""

from __future__ import annotations

import pytest
from openpyxl import Workbook

from msp_analysis.errors import SourceError
from msp_analysis.sources import outturn, readers_for

pytestmark = pytest.mark.unit

WILTS, BCP, BIRM = (
    ("E3902", "E06000054", "Wiltshire UA"),
    ("E1204", "E06000058", "BCP"),
    (
        "E4601",
        "E08000025",
        "Birmingham",
    ),
)


def _rsx_single_header(path, rows, *, england=True):
    """An RSX release whose header is a single row (no variable-code or cell-reference rows)."""
    wb = Workbook()
    wb.active.title = "Front_Page"
    sh = wb.create_sheet("RSX_LA_Data_2019-20")
    sh["A1"] = "Revenue Outturn (RO) 2019-20: Service Expenditure Summary (RSX) data"
    head = ["E-code", "ONS Code", "Local authority", "Class"]
    for name in ("Adult Social Care", "Police services"):
        head += [
            f"{name} - Total Expenditure\n (C3 = C1 + C2)",
            f"{name} - Total Income\n (C6 = C4 + C5)",
            f"{name} - Net Current Expenditure\n (C7 = C3 - C6)",
        ]
    for j, v in enumerate(head, 1):
        sh.cell(4, j, v)
    r = 5
    for row in rows:
        for j, v in enumerate(row, 1):
            sh.cell(r, j, v)
        r += 1
    if england:
        sh.cell(r, 1, "Eng")
        sh.cell(r, 2, "E92000001")
        sh.cell(r, 3, "ENGLAND")
        for j, v in enumerate([900, 100, 800, 50, 0, 50], 5):
            sh.cell(r, j, v)
        # class breakdown below England: not per council, never read
        sh.cell(r + 2, 1, "[Y]")
        sh.cell(r + 2, 2, "E12000007")
        sh.cell(r + 2, 3, "Greater London Authority")
        sh.cell(r + 2, 5, 5)
    wb.save(path)


ROWS = [
    (*WILTS, "UA", 300, 40, 260, 0, 0, 0),
    (*BCP, "UA", 200, "20", 180, 0, 0, 0),
    (*BIRM, "MD", "[x]", "[x]", "[x]", "[x]", "[x]", "[x]"),
    ("E6039", "E23000038", "Wiltshire Police", "O", 0, 0, 0, 50, 0, 50),
]


def test_single_row_header_rsx(tmp_path):
    path = tmp_path / "rsx.xlsx"
    _rsx_single_header(path, ROWS)
    assert outturn.detect(path) == "mhclg-rsx"
    assert [m.__name__.rsplit(".", 1)[-1] for m, _ in readers_for(path)] == ["outturn"]
    tidy = outturn.clean(outturn.read(path))
    asc = tidy[tidy["service"] == "Adult Social Care"].set_index(["la_code", "measure"])
    # Wiltshire row 5: C3 300 (E5), C6 40 (F5), C7 260 (G5)
    assert asc.loc[("E06000054", "net_current_expenditure"), "value"] == 260
    assert asc.loc[("E06000054", "total_expenditure"), "value"] == 300
    assert asc.loc[("E06000054", "net_current_expenditure"), "source_column"] == 7
    assert asc.loc[("E06000058", "total_income"), "value"] == 20  # numeric text
    # not received in time: missing and flagged, never zero
    birm = asc.loc[("E08000025", "net_current_expenditure")]
    assert birm["suppressed"] and birm["marker"] == "[x]" and birm["value"] != birm["value"]
    # police authority and the class-breakdown row below England are not kept
    assert set(tidy["la_code"]) == {"E06000054", "E06000058", "E08000025", "E92000001"}
    assert asc.loc[("E92000001", "net_current_expenditure"), "value"] == 800
    assert set(tidy["form"]) == {"RSX"} and set(tidy["year"]) == {2019}


def test_no_england_row_is_built_and_flagged(tmp_path):
    path = tmp_path / "rsx.xlsx"
    _rsx_single_header(path, ROWS[:2], england=False)
    tidy = outturn.clean(outturn.read(path))
    eng = tidy[
        (tidy["la_code"] == "E92000001")
        & (tidy["service"] == "Adult Social Care")
        & (tidy["measure"] == "net_current_expenditure")
    ].iloc[0]
    assert eng["value"] == 260 + 180  # Wiltshire + BCP
    assert eng["marker"] == "sum of councils" and not eng["suppressed"]


def _rs_old(path, *, ons=False):
    """RS 2011-12 style: header on row 6, E-code and name only (no ONS code), ENGLAND row."""
    wb = Workbook()
    wb.active.title = "Front page"
    for k, title in enumerate(["Net current expenditure (£ thousand)", "Capital charges"], 1):
        sh = wb.create_sheet(f"RS LA Data 2011-12 ({k})")
        sh["A1"] = "Revenue Outturn Summary (RS): 2011-12 data"
        sh["A3"] = title
        head = ["E-code", "ONS Code" if ons else "Local authority", "", "Class", ""]
        if ons:
            head = ["E-code", "ONS Code", "Local authority", "Class", ""]
        head += ["Education services", "Adult Social Care", "NET CURRENT EXPENDITURE", "Confirm"]
        for j, v in enumerate(head, 1):
            sh.cell(6, j, v)
        data = [
            ("E3902", "Wiltshire UA", "", "UA", "", 10 * k, 125629, 999, "Yes"),
            ("E1202", "Bournemouth UA", "", "UA", "", 1, 70, 80, "Yes"),
            ("E1201", "Poole UA", "", "UA", "", 1, "n/a", 90, "Yes"),
            ("E6039", "Wiltshire Police Authority", "", "O", "", 0, 0, 5, "Yes"),
            ("", "ENGLAND", "", "", "", 12, 125699, 1174, ""),
        ]
        for i, row in enumerate(data, 8):
            for j, v in enumerate(row, 1):
                sh.cell(i, j, v)
    wb.save(path)


def test_rs_old_layout_matches_ecodes(tmp_path):
    path = tmp_path / "rs.xls.xlsx"
    _rs_old(path)
    assert outturn.detect(path) == "mhclg-rs"
    raw = outturn.read(path)
    assert raw.attrs["source_sheet"] == "RS LA Data 2011-12 (1)"  # the NCE sheet, not (2)
    tidy = outturn.clean(raw)
    asc = tidy[tidy["service"] == "Adult Social Care"].set_index("la_code")
    assert asc.loc["E06000054", "value"] == 125629  # E3902 -> Wiltshire via the lookup
    assert asc.loc["E06000028", "value"] == 70  # E1202 Bournemouth
    assert asc.loc["E06000029", "suppressed"]  # 'n/a' is missing, not zero
    assert asc.loc["E92000001", "value"] == 125699
    assert "Confirm" not in set(tidy["service"])  # flag columns after NCE are not money
    assert set(tidy["measure"]) == {"net_current_expenditure"}


def test_conflicting_codes_are_an_error(tmp_path):
    path = tmp_path / "rsx.xlsx"
    # E-code of Wiltshire with BCP's ONS code: both are councils, so the file is wrong
    _rsx_single_header(path, [("E3902", "E06000058", "Wiltshire", "UA", 1, 1, 0, 0, 0, 0)])
    with pytest.raises(SourceError, match=r"E3902.*E06000054.*E06000058"):
        outturn.clean(outturn.read(path))


def test_column_without_c_number_is_an_error(tmp_path):
    path = tmp_path / "rsx.xlsx"
    _rsx_single_header(path, ROWS[:1])
    from openpyxl import load_workbook

    wb = load_workbook(path)
    wb["RSX_LA_Data_2019-20"]["E4"] = "Adult Social Care - spend"
    wb.save(path)
    with pytest.raises(SourceError, match="C1-C7") as err:
        outturn.clean(outturn.read(path))
    assert err.value.column == "Adult Social Care - spend"


def test_old_codes_lookup_has_every_council_and_a_source():
    lk = outturn.old_codes()
    assert (lk["source"] != "").all()
    e = lk[lk["scheme"] == "outturn_ecode"]
    assert e["old_code"].is_unique and e["la_code"].is_unique
    assert dict(zip(e["old_code"], e["la_code"]))["E3902"] == "E06000054"
    n = lk[lk["scheme"] == "ascfr_council_number"]
    assert dict(zip(n["old_code"], n["la_code"]))["817"] == "E06000054"
