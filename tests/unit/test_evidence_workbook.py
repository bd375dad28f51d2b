"""The council's evidence workbook: the template, reading a filled one, and every mistake in one
line naming the sheet, row and column, all found before any table is loaded."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from msp_analysis import cli, resources
from msp_analysis.errors import EvidenceError
from msp_analysis.indicators import evidence_workbook as wb
from msp_analysis.indicators import local

pytestmark = pytest.mark.unit
FEES = "Fees and cost of care"


def _template(tmp_path, la="E06000054", name="Wiltshire"):
    path = tmp_path / "evidence.xlsx"
    wb.write(path, la_code=la, la_name=name)
    return path


def _find_row(ws, measure_label, market_label):
    """The sheet row of a measure for a market, found by reading the sheet as a person would."""
    for row in ws.iter_rows(min_row=wb.HEADER_ROW + 1):
        if row[1].value == measure_label and row[2].value == market_label:
            return row[0].row
    raise AssertionError(f"no row for {measure_label} / {market_label}")


COL = {name: i for i, (name, _, _) in enumerate(wb.COLUMNS, start=1)}


def _fill(path, sheet, measure, market, /, **cells):
    """Fill one row of the workbook (value, period, source, date, ... by column name)."""
    book = openpyxl.load_workbook(path)
    ws = book[sheet]
    r = _find_row(ws, local.MEASURES[measure].label, local.MARKETS[market])
    for name, value in cells.items():
        ws.cell(row=r, column=COL[name], value=value)
    book.save(path)
    return r


GOOD = dict(period="2024-25", source="Fee schedule 2024-25", date=dt.date(2024, 4, 1))


def test_template_has_a_sheet_per_theme_units_fixed_and_drop_downs(tmp_path):
    path = _template(tmp_path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [
        "Instructions",
        "Fees and cost of care",
        "Capacity and occupancy",
        "Waits",
        "Provider exits and hand-backs",
        "Out-of-area placements",
        "Self-funders",
        "Workforce",
        "Lists",
    ]
    info = book["Instructions"]
    assert (info["B3"].value, info["C3"].value) == ("Council code", "E06000054")
    assert (info["B4"].value, info["C4"].value) == ("Council name", "Wiltshire")
    fees = book[FEES]
    assert [c.value for c in fees[wb.HEADER_ROW]][1:] == [
        "Measure", "Market", "Value", "Unit", "Period", "Source", "Date taken", "Note"
    ]  # fmt: skip
    home_fee = _find_row(fees, "Fee rate the council pays", "18+ home care")
    care_fee = _find_row(
        fees, "Fee rate the council pays", "65+ care homes (residential and nursing)"
    )
    assert fees.cell(row=home_fee, column=COL["unit"]).value == "£ per hour"
    assert fees.cell(row=care_fee, column=COL["unit"]).value == "£ per week"
    rules = fees.data_validations.dataValidation
    by_cell = {}
    for dv in rules:
        for rng in dv.sqref.ranges:
            by_cell.setdefault(dv.type, []).append(str(rng))
    # market and period are drop-down lists from the hidden Lists sheet; date cells take dates
    lists = [dv.formula1 for dv in rules if dv.type == "list"]
    assert "=Lists!$A$2:$A$9" in lists and any(f.startswith("=Lists!$B$2") for f in lists)
    # the home care fee row's unit cell offers only £ per hour
    unit_rule = next(
        dv for dv in rules if dv.type == "list" and f"E{home_fee}" in str(dv.sqref).split()
    )
    assert unit_rule.formula1 == '"£ per hour"'
    assert "date" in by_cell and book["Lists"].sheet_state == "hidden"
    assert book["Lists"]["A2"].value == "65+ care homes (residential and nursing)"


def test_unchanged_template_is_said_plainly(tmp_path):
    with pytest.raises(EvidenceError) as e:
        local.load_evidence(_template(tmp_path), "E06000054")
    assert e.value.problems == [
        "evidence.xlsx: no figures filled in (every Value cell of the 7 theme sheets is "
        "empty): fill in the figures you hold, or leave out --evidence"
    ]


def test_filled_workbook_reads_every_figure_with_source_and_date(tmp_path):
    path = _template(tmp_path)
    _fill(path, FEES, "fee_rate", "care_home_65", value=812.5, **GOOD)
    _fill(path, FEES, "cost_of_care", "care_home_65", value=850, **GOOD)
    # a percentage typed into a cell formatted as a percentage is stored as 0.935
    r = _fill(
        path,
        "Capacity and occupancy",
        "occupancy_pct",
        "care_home_65",
        value=0.935,
        period="31 March 2024",
        source="Capacity Tracker",
        date="05/04/2024",  # typed as text, day first
    )
    book = openpyxl.load_workbook(path)
    book["Capacity and occupancy"].cell(row=r, column=COL["value"]).number_format = "0.0%"
    # a period Excel turned into a date reads as its month
    w = book["Waits"]
    r = _find_row(w, "Average wait for a service", "Supported living")
    for name, v in dict(
        value=41, period=dt.datetime(2024, 3, 1), source="Brokerage", date=dt.date(2024, 4, 5)
    ).items():
        w.cell(row=r, column=COL[name], value=v)
    book.save(path)
    ev = local.load_evidence(path, "E06000054")
    got = {(f.market, f.measure): f for f in ev.figures}
    assert got[("care_home_65", "fee_rate")].value == 812.5
    assert got[("care_home_65", "fee_rate")].unit == "£ per week"
    assert got[("care_home_65", "occupancy_pct")].value == pytest.approx(93.5)
    assert got[("care_home_65", "occupancy_pct")].date == dt.date(2024, 4, 5)
    assert got[("supported_living", "average_wait_days")].period == "March 2024"
    assert ev.la_code == "E06000054" and ev.example is False
    rows = local.evidence_rows(ev, "E06000054").set_index(["market", "indicator"])
    assert rows.loc[("care_home_65", "local_fee_rate"), "source"] == (
        "Council's own records: Fee schedule 2024-25, 1 April 2024"
    )
    # (812.5 - 850) / 850 = -4.41%: below the cost of care
    assert rows.loc[("care_home_65", "local_fee_to_cost_gap_pct"), "value"] == pytest.approx(
        -4.4118, abs=1e-4
    )


# each bad workbook: how to spoil a filled row, and the words of its one line
BAD = {
    "home care fee per week": (
        lambda p: _fill(p, FEES, "fee_rate", "home_care_18", value=24.5, unit="£ per week", **GOOD),
        "unit",
        "'Fee rate the council pays' for 18+ home care is in £ per hour, not £ per week",
    ),
    "care home row moved to home care": (
        lambda p: _fill(
            p, FEES, "fee_rate", "care_home_65", value=24.5, market="18+ home care", **GOOD
        ),
        "unit",
        "for 18+ home care is in £ per hour, not £ per week",
    ),
    "weekly fee below £100": (
        lambda p: _fill(p, FEES, "fee_rate", "care_home_65", value=24.5, **GOOD),
        "value",
        "24.5 £ per week is outside the range 'Fee rate the council pays' can take "
        "(100 to 15,000 £ per week)",
    ),
    "occupancy over 100%": (
        lambda p: _fill(p, "Capacity and occupancy", "occupancy_pct", "care_home_65", value=120, **GOOD),
        "value",
        "120 % is outside the range 'Care home occupancy' can take (0 to 100 %)",
    ),
    "half a provider": (
        lambda p: _fill(p, "Provider exits and hand-backs", "provider_exits", "home_care_18", value=2.5, **GOOD),
        "value",
        "2.5 is not a whole number of providers",
    ),
    "not a number": (
        lambda p: _fill(p, "Waits", "average_wait_days", "home_care_18", value="about 20", **GOOD),
        "value",
        "'about 20' is not a number",
    ),
    "no source": (
        lambda p: _fill(p, "Waits", "waiting_list", "home_care_18", value=9, period="2024-25", date=dt.date(2024, 4, 1)),
        "source",
        "empty: say where the figure comes from",
    ),
    "a date in the future": (
        lambda p: _fill(p, "Waits", "average_wait_days", "care_home_65", value=9, period="2024-25", source="Brokerage", date=dt.date(2090, 1, 1)),
        "date",
        "2090-01-01 is in the future",
    ),
    "a market not in the list": (
        lambda p: _fill(p, "Self-funders", "self_funder_share_pct", "care_home_65", value=40, market="The moon", **GOOD),
        "market",
        "'The moon' is not a market (choose one from the list)",
    ),
    "a source without a value": (
        lambda p: _fill(p, "Workforce", "care_worker_vacancy_rate_pct", "home_care_18", source="Survey"),
        "value",
        "empty, but the row has a source or date",
    ),
}  # fmt: skip
HEADER_OF = {name: header for name, header, _ in wb.COLUMNS}
LETTER = {name: "ABCDEFGHI"[i - 1] for name, i in COL.items()}


@pytest.mark.parametrize("case", list(BAD))
def test_each_bad_workbook_gets_one_line_naming_sheet_row_and_column(tmp_path, case, capsys):
    spoil, field, words = BAD[case]
    path = _template(tmp_path)
    row = spoil(path)
    with pytest.raises(EvidenceError) as e:
        local.load_evidence(path, "E06000054")
    assert len(e.value.problems) == 1, e.value.problems
    line = e.value.problems[0]
    sheet = next(s for s in openpyxl.load_workbook(path).sheetnames if f"sheet '{s}'" in line)
    assert line.startswith(
        f"evidence.xlsx, sheet '{sheet}', row {row}, column {LETTER[field]} ({HEADER_OF[field]}): "
    ), line
    assert words in line, line
    assert "{'" not in line and "datetime.date(" not in line  # no Python reprs
    # the command line prints it as one line, exit 2, before any table is loaded (the --raw
    # folder that does not exist would be the next error)
    code = cli.main(["report", "--la", "E06000054", "--evidence", str(path), "--raw", "nowhere"])
    err = capsys.readouterr().err
    assert code == 2 and err == f"error: {line}\n"


def test_another_councils_workbook_is_refused_at_once(tmp_path, capsys):
    path = _template(tmp_path, "E10000016", "Kent")
    _fill(path, FEES, "fee_rate", "care_home_65", value=812.5, **GOOD)
    with pytest.raises(EvidenceError) as e:
        local.load_evidence(path, "E06000054")
    assert e.value.problems == [
        "evidence.xlsx, sheet 'Instructions', row 3, column C (Council code): this workbook "
        "holds the figures of Kent (E10000016), not Wiltshire (E06000054): pass Wiltshire's "
        "own evidence"
    ]
    # without --la the plan is the workbook's council's
    assert cli.main(["evidence", "check", str(path)]) == 0
    assert "1 figure for Kent (E10000016)" in capsys.readouterr().out


def test_every_problem_is_listed_not_only_the_first(tmp_path):
    path = _template(tmp_path)
    spoilt = [case for case in BAD if case != "care home row moved to home care"]
    for case in spoilt:  # each spoils a row of its own
        BAD[case][0](path)
    with pytest.raises(EvidenceError) as e:
        local.load_evidence(path, "E06000054")
    assert len(e.value.problems) == len(spoilt)
    assert all("\n" not in p for p in e.value.problems)


def test_not_a_workbook(tmp_path):
    bad = tmp_path / "evidence.xlsx"
    bad.write_text("not a zip")
    with pytest.raises(EvidenceError, match="cannot be opened as an Excel workbook"):
        local.load_evidence(bad, None)
    with pytest.raises(EvidenceError, match=r"save it as an Excel workbook \(.xlsx\)"):
        (tmp_path / "evidence.xls").write_text("x")
        local.load_evidence(tmp_path / "evidence.xls", None)


def test_yaml_problems_count_entries_from_one_and_show_no_python(tmp_path):
    p = tmp_path / "ev.yml"
    p.write_text(
        "name: t\nla_code: E06000054\nfigures:\n"
        "  - {market: care_home_65, measure: fee_rate, value: 780, period: 2024-25, source: Fees, date: 2024-04-01}\n"
        "  - {market: home_care_18, measure: fee_rate, value: 24.5, unit: £ per week, period: 2024-25, source: Fees, date: 2024-04-01}\n"
        "  - {market: home_care_18, measure: fee_rate, value: 24.5, unit: £ per day, period: 2024-25, source: Fees, date: 2024-04-01}\n"
        "  - {market: moon, measure: fee_rate, value: 24.5, period: 2024-25, source: Fees, date: soon}\n"
    )
    with pytest.raises(EvidenceError) as e:
        local.load_evidence(p, "E06000054")
    lines = e.value.problems
    assert lines[0].startswith(
        "ev.yml, key 'figures[2].unit': 'Fee rate the council pays' for 18+ home care"
    )
    assert lines[1].startswith("ev.yml, key 'figures[3].unit': '£ per day' is not a unit")
    assert lines[2].startswith("ev.yml, key 'figures[4].market': 'moon' is not a market")
    assert lines[3] == "ev.yml, key 'figures[4].date': 'soon' is not a date: write it as YYYY-MM-DD"
    assert not any("datetime.date(" in x or "{'" in x for x in lines)


def test_empty_yaml_template_is_said_plainly():
    empty = resources.packaged("templates", "local_evidence.yml")
    assert local.read_evidence(empty).figures == []
    with pytest.raises(EvidenceError, match="no figures filled in \\('figures' is empty"):
        local.load_evidence(empty, "E06000054")


def _content(path) -> dict:
    """What a person sees in a workbook: every sheet's cells, formats, drop-downs and layout
    (not the bytes, which the XML library installed may serialise differently)."""
    book = openpyxl.load_workbook(path)
    out = {}
    for ws in book.worksheets:
        out[ws.title] = (
            ws.sheet_state,
            [(c.coordinate, c.value, c.number_format) for row in ws.iter_rows() for c in row],
            sorted(
                (dv.type, dv.formula1, str(dv.sqref)) for dv in ws.data_validations.dataValidation
            ),
            {k: (d.width, d.hidden) for k, d in ws.column_dimensions.items()},
            sorted(str(r) for r in ws.merged_cells.ranges),
        )
    return out


def test_shipped_workbooks_are_generated_and_current(tmp_path):
    """The shipped template and DEMO example are the generator's output: the same code and
    figures give the same bytes, and what the package ships is what the generator writes."""
    first = wb.write_shipped(tmp_path / "a")
    again = wb.write_shipped(tmp_path / "b")
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in again]
    for made in first:
        shipped = resources.packaged("templates", made.name)
        assert _content(shipped) == _content(made), (
            f"{made.name} is out of date: run python tools/make_evidence_workbooks.py"
        )
    ex = local.load_evidence(resources.packaged("templates", "local_evidence_example.xlsx"))
    yml = local.read_evidence(resources.packaged("templates", "local_evidence_example.yml"))
    assert ex.example and ex.la_code == "E10900001"
    key = lambda f: (f.measure, f.market)  # noqa: E731
    assert sorted(ex.figures, key=key) == sorted(yml.figures, key=key)


def test_cli_template_writes_once_and_check_lists_figures(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["evidence", "template", "--la", "wilts", "w.xlsx"]) == 0
    out = capsys.readouterr().out
    assert "for Wiltshire (E06000054) to w.xlsx: 7 theme sheets" in out
    assert cli.main(["evidence", "template", "w.xlsx"]) == 2
    assert "w.xlsx exists: give another name, or --force" in capsys.readouterr().err
    assert cli.main(["evidence", "template", "w.csv"]) == 2
    assert "give a name ending .xlsx" in capsys.readouterr().err
    _fill(tmp_path / "w.xlsx", FEES, "fee_rate", "home_care_18", value=24.1, **GOOD)
    assert cli.main(["evidence", "check", "w.xlsx", "--la", "E06000054"]) == 0
    out = capsys.readouterr().out
    assert "w.xlsx: 1 figure for Wiltshire (E06000054), all checked:" in out
    assert "18+ home care: Fee rate the council pays, £24.10 per hour, 2024-25" in out
