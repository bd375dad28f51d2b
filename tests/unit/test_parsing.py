"""Parsing rules, on tiny hand-made cells and files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from msp_analysis.errors import SourceError, UnknownLayoutError
from msp_analysis.sources import _parsing as P

pytestmark = pytest.mark.unit


def test_markers_become_missing_and_flagged_never_zero():
    cells = pd.Series(
        ["12", "[c]", "[x]", "*", ":", "..", "-", "x", 7.5, None, "[z]"], dtype=object
    )
    got = P.parse_numbers(cells, file="f.csv", column="Value")
    assert got.value.iloc[0] == 12 and got.value.iloc[8] == 7.5
    for i in [1, 2, 3, 4, 5, 6, 7, 10]:
        assert np.isnan(got.value.iloc[i]) and got.suppressed.iloc[i], i
    assert got.marker.iloc[1] == "[c]" and got.marker.iloc[6] == "-"
    # a blank cell is missing, but not a suppression
    assert np.isnan(got.value.iloc[9]) and not got.suppressed.iloc[9]
    assert (got.value.fillna(-1) != 0).all()


def test_thousands_separators_pounds_and_percent():
    got = P.parse_numbers(
        pd.Series(["1,234", "£2,500.50", "12%", " 3 ", "-4,000"], dtype=object),
        file="f",
        column="c",
    )
    assert got.value.tolist() == [1234.0, 2500.5, 12.0, 3.0, -4000.0]


def test_unknown_text_names_file_column_and_row():
    with pytest.raises(SourceError) as err:
        P.parse_numbers(
            pd.Series(["5", "n.a.x"], dtype=object),
            file="/some/dir/t.csv",
            column="Beds",
            rows=pd.Series([2, 3]),
            sheet="S1",
        )
    msg = str(err.value)
    assert "t.csv" in msg and "/some/dir" not in msg
    assert "sheet 'S1'" in msg and "column 'Beds'" in msg and "row 3" in msg and "n.a.x" in msg


def test_misplaced_thousands_separator_is_an_error():
    with pytest.raises(SourceError, match="not a number"):
        P.parse_numbers(pd.Series(["12,34"], dtype=object), file="f", column="c")


def test_labels_years_and_ages():
    assert P.tidy_label("Community\nDirect Payment Only") == "Community: Direct Payment Only"
    assert P.tidy_label("Nursing\n") == "Nursing"
    assert P.tidy_label("Region code ") == "Region code"
    assert P.tidy_label(float("nan")) is None
    assert P.tidy_age_band("65 and Over") == "65 and over"
    assert P.fy_start("2021-22") == 2021 and P.fy_start("2024 to 2025 - outcome") == 2024
    assert P.fy_start("2021-23") is None
    assert P.fy_start("1999-00") == 1999 and P.fy_start("2099-00") == 2099
    assert P.last_fy_in("Table 52: ..., 2020-21 and 2021-22") == 2021
    assert P.fy_label(2009) == "2009-10"


def test_header_row_found_by_cell_not_position():
    frame = pd.DataFrame(
        [["Title", None], ["note", None], [" Local authority code ", "x"], ["817", "y"]]
    )
    assert P.find_header_row(frame, "Local authority code", column=0) == 2
    assert P.find_header_row(frame, "absent") is None


def test_csv_with_bom_and_windows_encoding(tmp_path):
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbfFY_Ending,Value\n2017,1\n")
    frame = P.read_text_table(bom)
    assert list(frame.columns) == ["source_row", "FY_Ending", "Value"]
    assert frame["source_row"].tolist() == [2]
    cp = tmp_path / "cp.csv"
    cp.write_bytes("Name,Value\nCaf\xe9 Home,3\n".encode("cp1252"))
    assert P.read_text_table(cp)["Name"].iloc[0] == "Café Home"


def test_empty_and_truncated_files(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(SourceError, match=r"empty.csv.*empty"):
        P.check_readable(empty)
    trunc = tmp_path / "cut.xlsx"
    trunc.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(SourceError, match=r"cut.xlsx.*truncated"):
        P.check_readable(trunc)


def test_ragged_csv_row_is_named(tmp_path):
    bad = tmp_path / "ragged.csv"
    bad.write_text("a,b\n1,2\n3,4,5\n")
    with pytest.raises(SourceError) as err:
        P.read_text_table(bad)
    assert "ragged.csv" in str(err.value) and "row 3" in str(err.value)


def test_missing_column_hints_at_rename():
    frame = pd.DataFrame({"LA Code": [1]})
    with pytest.raises(SourceError) as err:
        P.require_columns(frame, ["LA code"], file="f.xlsx", sheet="T1", layout="x")
    assert "column 'LA code'" in str(err.value) and "renamed" in str(err.value)


def test_duplicate_keys_name_both_rows():
    frame = pd.DataFrame({"k": ["a", "b", "a"], "source_row": [5, 6, 9]})
    with pytest.raises(SourceError) as err:
        P.check_unique(frame, ["k"], file="dup.csv")
    assert (
        "dup.csv" in str(err.value)
        and "[5, 9]" in str(err.value)
        and "column 'k'" in str(err.value)
    )


def test_unknown_layout_lists_known_layouts():
    err = UnknownLayoutError("not ours", {"a-layout": "first", "b-layout": "second"}, file="x.csv")
    assert "a-layout (first)" in str(err) and "b-layout" in str(err) and "x.csv" in str(err)


def test_every_known_marker_in_a_workbook_is_kept_with_its_marker(tmp_path):
    # pandas would read 'n/a' (and 'NA', 'null') as a plain NaN; every marker the parser
    # lists must come through flagged, with the marker as published.
    from openpyxl import Workbook

    path = tmp_path / "markers.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Data"
    markers = [m for m in P.MARKERS if m != P.NO_CACHED_VALUE]
    for i, m in enumerate(markers, start=1):
        ws.cell(i, 1, m)
    wb.save(path)
    cells = P.read_sheets(path)["Data"][0]
    got = P.parse_numbers(cells, file=path, column="A")
    assert got.suppressed.all() and got.value.isna().all()
    assert got.marker.tolist() == markers  # 'n/a' stays 'n/a'


def test_formula_saved_without_its_value_is_flagged_not_blank(tmp_path):
    # openpyxl writes formulas without a calculated value, as scripts do.
    from openpyxl import Workbook

    path = tmp_path / "formulas.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "T1"
    ws["A1"], ws["A2"], ws["A3"] = 5, 7, "=A1+A2"
    wb.save(path)
    assert P.uncached_formulas(path) == {"T1": [(2, 0)]}  # A3, 0-based
    cells = P.read_sheets(path)["T1"][0]
    got = P.parse_numbers(cells, file=path, column="A")
    assert got.value.iloc[0] == 5 and got.value.iloc[1] == 7
    assert np.isnan(got.value.iloc[2]) and got.suppressed.iloc[2]
    assert got.marker.iloc[2] == "[no cached value]"


def test_csv_cut_short_utf16_and_semicolons_are_errors_naming_the_row(tmp_path):
    good = "A,B,C\n1,2,3\n4,5,6\n"
    cut = tmp_path / "cut.csv"
    cut.write_text(good[:-3])  # '4,5' with no line ending
    with pytest.raises(SourceError, match=r"cut\.csv', row 3: the last line has no line ending"):
        P.read_text_table(cut)
    short = tmp_path / "short.csv"
    short.write_text("A,B,C\n1,2,3\n4,5\n7,8,9\n")  # a short row inside the table
    with pytest.raises(SourceError, match=r"row 3: has 2 field\(s\) where the header has 3"):
        P.read_text_table(short)
    notes = tmp_path / "notes.csv"  # short rows below the table are notes, not damage
    notes.write_text("A,B,C\n1,2,3\nNotes,\n")
    assert len(P.read_text_table(notes)) == 2
    wide = tmp_path / "utf16.csv"
    wide.write_bytes(good.encode("utf-16"))
    with pytest.raises(SourceError, match="is UTF-16"):
        P.text_header(wide)
    semi = tmp_path / "semi.csv"
    semi.write_text(good.replace(",", ";"))
    with pytest.raises(SourceError, match="separated by semicolons"):
        P.text_header(semi)


def test_layout_with_one_signature_column_missing_is_an_error_not_unknown():
    from msp_analysis.errors import LayoutNearMiss

    sig = {"GEOGRAPHY_CODE", "C_AGE_NAME", "OBS_VALUE"}
    assert P.has_columns([*sig, "X"], sig, layout="nomis", file="f.csv")
    assert not P.has_columns(["GEOGRAPHY_CODE", "X"], sig, layout="nomis", file="f.csv")
    with pytest.raises(LayoutNearMiss) as err:
        P.has_columns(
            ["GEOGRAPHY_CODE", "C_AGE_NAME", "OBS VALUE"], sig, layout="nomis", file="f.csv"
        )
    msg = str(err.value)
    assert "column 'OBS_VALUE'" in msg and "'OBS VALUE', which looks renamed" in msg


def test_encrypted_and_mislabelled_workbooks_say_so(tmp_path):
    ole = bytes.fromhex("D0CF11E0A1B11AE1")
    enc = tmp_path / "locked.xlsx"
    enc.write_bytes(ole + b"\0" * 100 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 100)
    with pytest.raises(SourceError, match="password-protected"):
        P.check_readable(enc)
    # an Excel 97-2003 container named .xlsx is taken for what it is (here a damaged one:
    # the error says it cannot be opened, not that its name is wrong)
    old = tmp_path / "old.xlsx"
    old.write_bytes(ole + b"\0" * 200)
    assert P.file_kind(old) == "xls"
    with pytest.raises(SourceError, match="cannot be opened as a spreadsheet"):
        P.sheet_names(old)
    fake = tmp_path / "fake.xls"
    fake.write_bytes(b"PK\3\4" + b"\0" * 200)
    with pytest.raises(SourceError, match="not a valid Excel 97-2003"):
        P.check_readable(fake)


def test_repeated_cells_parse_once_and_a_bad_one_is_still_named_by_its_row():
    # '0' and ':' repeat (parsed once each, taken back); 'n/k' on line 13 is neither a number
    # nor a marker, and the message names that line, not a position among distinct values.
    cells = pd.Series(["0", ":", "0", "1,234", "0", ":"] * 2 + ["n/k"], dtype=object)
    rows = pd.Series(range(1, 14))
    good = P.parse_numbers(cells.iloc[:12], file="f.csv", column="V", rows=rows.iloc[:12])
    assert good.value.iloc[[0, 2, 3]].tolist() == [0.0, 0.0, 1234.0] and good.value.isna().iloc[1]
    assert good.suppressed.tolist() == [False, True, False, False, False, True] * 2
    assert good.marker.iloc[1] == ":" and good.marker.isna().iloc[0]
    with pytest.raises(SourceError) as err:
        P.parse_numbers(cells, file="f.csv", column="V", rows=rows)
    assert err.value.row == 13 and err.value.column == "V"


def test_files_are_told_by_content_whatever_their_name(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "Data"
    book.active.append(["Code", "Value"])
    book.active.append(["E06000054", 5])
    book.save(tmp_path / "table.xlsx")
    data = (tmp_path / "table.xlsx").read_bytes()
    for name in ("table.txt", "table", "table.csv", "table.xls"):
        (tmp_path / name).write_bytes(data)
        assert P.file_kind(tmp_path / name) == "xlsx", name
        assert P.sheet_names(tmp_path / name) == ["Data"], name
        assert P.read_sheets(tmp_path / name)["Data"].iat[1, 1] == 5, name
    csv = tmp_path / "saved as.txt"  # Windows "Save as" offers .txt
    csv.write_text("Code,Value\nE06000054,5\n", encoding="cp1252")
    assert P.file_kind(csv) == "text" and P.is_text(csv)
    pdf = tmp_path / "notes.txt"
    pdf.write_bytes(b"%PDF-1.4\x00\x01binary")
    assert P.file_kind(pdf) is None  # no table: skipped, never an error
    damaged = tmp_path / "cut.xlsx"
    damaged.write_bytes(data[: len(data) // 2])
    assert P.file_kind(damaged) == "xlsx"  # the name decides: its reader says it is damaged
    with pytest.raises(SourceError, match=r"truncated|damaged"):
        P.check_spreadsheet(damaged)


def test_area_codes_are_made_plain_or_refused_never_dropped():
    cells = pd.Series([" e06000054", "E06000054\u00a0", "England", None, "[z]"], dtype=object)
    rows = pd.Series([8, 9, 10, 11, 12])
    out = P.area_codes(cells, file="f.csv", column="ONS code", rows=rows)
    assert out.tolist()[:3] == ["E06000054", "E06000054", "England"]
    assert pd.isna(out.iloc[3]) and out.iloc[4] == "[z]"
    for bad, row in (("E06000O54", 9), ("E0600054", 9)):
        with pytest.raises(SourceError) as err:
            P.area_codes(pd.Series(["E06000054", bad]), file="f.csv", column="C", rows=rows[:2])
        assert err.value.row == row and repr(bad) in str(err.value)


def test_columns_that_carry_no_figures_are_told_by_their_header():
    for label in (
        "Status",
        "Certified by s151 officer",
        "Notes",
        "Data quality flag",
        "2024 to 2025 - status",
        "Comments",
    ):
        assert P.carries_no_figures(label), label
    for label in ("Nursing", "Residential", "2024 to 2025 - numerator", "All ages", "90+"):
        assert not P.carries_no_figures(label), label
