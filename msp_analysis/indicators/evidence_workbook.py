"""The council's local evidence as an Excel workbook: the template it fills in, and its reader.

Officers keep fee rates, waits, exits and occupancy in spreadsheets, so the evidence comes as a
workbook (``msp evidence template [--la CODE] OUT.xlsx`` writes one):

- an **Instructions** sheet with the council's code and name filled in, how to fill it in, and
  every measure with its unit and the range it can take;
- one sheet per theme (:data:`~msp_analysis.indicators.local.THEMES`), each measure on its own
  row for a market, its unit fixed, the market and the period as drop-down lists (Excel data
  validation), the value checked against the measure's range as it is typed, and columns for
  the source and the date the figure was taken;
- a hidden **Lists** sheet holding the drop-down lists.

Rows and units come from the one declaration of the measures
(:data:`~msp_analysis.indicators.local.MEASURES`). :func:`read_entries` reads a filled workbook
into raw entries, each with a locator that names the file, sheet, row and column of a field;
:mod:`msp_analysis.indicators.evidence_read` checks them all and reports every problem at once.

The workbooks the package ships (the empty template and the DEMO example) are written by
:func:`write` with fixed timestamps, so the same code, figures and libraries give the same bytes
(``tools/make_evidence_workbooks.py`` writes them; a unit test checks they are current).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from msp_analysis.indicators.local import MARKETS, MEASURES, THEMES, Figure, LocalEvidence, Measure

#: (field, header, column width) of every theme sheet; column A (the measure's key) is hidden
COLUMNS: list[tuple[str, str, int]] = [
    ("key", "Key", 4),
    ("measure", "Measure", 46),
    ("market", "Market", 38),
    ("value", "Value", 12),
    ("unit", "Unit", 12),
    ("period", "Period", 34),
    ("source", "Source", 42),
    ("date", "Date taken", 13),
    ("note", "Note", 40),
]
HEADERS = {header.lower(): name for name, header, _ in COLUMNS}
HEADER_ROW = 4
INSTRUCTIONS = "Instructions"
LISTS = "Lists"
#: the fields of the Instructions sheet, in rows 3 to 6 (label in column B, value in column C)
INFO_ROWS = {
    "la_code": (3, "Council code"),
    "la_name": (4, "Council name"),
    "name": (5, "Evidence name"),
    "example": (6, "Example figures"),
}
#: financial years the period drop-down offers (other periods may be typed)
PERIOD_YEARS = range(2021, 2028)
_QUARTERS = (
    ("Q1", "April to June", 0),
    ("Q2", "July to September", 0),
    ("Q3", "October to December", 0),
    ("Q4", "January to March", 1),
)
#: the time stamp of the workbooks the package ships (so their bytes depend on content only)
FIXED_TIME = dt.datetime(2024, 1, 1)


def periods() -> list[str]:
    """The period drop-down: each financial year, its quarters, and its year-end."""
    out: list[str] = []
    for y in PERIOD_YEARS:
        fy = f"{y}-{(y + 1) % 100:02d}"
        out.append(fy)
        out += [f"{q} {fy} ({months} {y + later})" for q, months, later in _QUARTERS]
        out.append(f"31 March {y + 1}")
    return out


@dataclass
class Row:
    """One row of a theme sheet: a measure for a market in a unit, and the figure if given."""

    measure: Measure
    market: str
    unit: str
    figure: Figure | None = None


def layout(figures: Iterable[Figure] = ()) -> dict[str, list[Row]]:
    """The rows of each theme sheet: one per measure and market it is laid out for; a figure
    fills the first free row of its measure, market and unit, or gets a row of its own."""
    sheets: dict[str, list[Row]] = {t: [] for t in THEMES}
    for m in MEASURES.values():
        for market in m.markets:
            for unit in m.units_for(market)[:1]:
                sheets[m.theme].append(Row(m, market, unit))
    for f in figures:
        m = MEASURES[f.measure]
        rows = sheets[m.theme]
        free = next(
            (
                r
                for r in rows
                if r.figure is None
                and (r.measure.key, r.market, r.unit) == (f.measure, f.market, f.unit)
            ),
            None,
        )
        if free is None:
            free = Row(m, f.market, str(f.unit))
            last = max((i for i, r in enumerate(rows) if r.measure.key == m.key), default=-1)
            rows.insert(last + 1, free)
        free.figure = f
    return sheets


def write(
    path: str | Path,
    *,
    la_code: str | None = None,
    la_name: str | None = None,
    evidence: LocalEvidence | None = None,
    fixed_time: bool = False,
) -> dict[str, int]:
    """Write the evidence workbook (empty, or filled with ``evidence``'s figures) to ``path``.

    Written to a temporary file beside it and moved into place, so a failed write leaves no
    half file. ``fixed_time`` stamps it with :data:`FIXED_TIME` (the shipped workbooks).
    Returns the number of theme sheets, measure rows and figures written.
    """
    from openpyxl import Workbook

    la_code = la_code or (evidence.la_code if evidence else None)
    wb = Workbook()
    info = wb.active
    info.title = INSTRUCTIONS
    lists = wb.create_sheet(LISTS)
    market_list, period_list = _lists(lists)
    sheets = layout(evidence.figures if evidence else ())
    rows = 0
    for key, theme in THEMES.items():
        ws = wb.create_sheet(theme.sheet)
        rows += _theme_sheet(ws, theme.title, theme.help, sheets[key], market_list, period_list)
    name = evidence.name if evidence else (f"{la_name} local evidence" if la_name else "")
    _instructions(
        info,
        la_code=la_code or "",
        la_name=la_name or "",
        name=name,
        example=bool(evidence and evidence.example),
    )
    wb.move_sheet(LISTS, offset=len(THEMES))  # last, hidden
    lists.sheet_state = "hidden"
    stamp = FIXED_TIME if fixed_time else dt.datetime.now().replace(microsecond=0)
    wb.properties.creator = "msp-analysis"
    wb.properties.title = "Local evidence for the Market Sustainability Plan"
    wb.properties.created = stamp
    wb.properties.modified = stamp
    data = _workbook_bytes(wb, stamp)
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return {
        "sheets": len(THEMES),
        "rows": rows,
        "figures": len(evidence.figures) if evidence else 0,
    }


def _workbook_bytes(wb, stamp: dt.datetime) -> bytes:
    """The workbook as .xlsx bytes, every part stamped with ``stamp`` (openpyxl stamps the
    save time into the zip entries and the document properties)."""
    from openpyxl.writer.excel import ExcelWriter

    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()
    out = io.BytesIO()
    when = stamp.timetuple()[:6]
    core_time = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "docProps/core.xml":
                data = core_time.sub(
                    rb"\g<1>" + stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode() + rb"\g<2>", data
                )
            info = zipfile.ZipInfo(item.filename, date_time=when)
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, data)
    return out.getvalue()


#: the workbooks the package ships (msp_analysis/resources/templates/), written by write_shipped
SHIPPED = ("local_evidence.xlsx", "local_evidence_example.xlsx")


def write_shipped(folder: str | Path) -> list[Path]:
    """Write the shipped workbooks into ``folder``: the empty template (no council) and the
    filled DEMO example, from ``local_evidence_example.yml`` (the example's one source)."""
    from msp_analysis import geography, resources
    from msp_analysis.indicators.local import read_evidence

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    empty, example = (folder / name for name in SHIPPED)
    write(empty, fixed_time=True)
    ev = read_evidence(resources.packaged("templates", "local_evidence_example.yml"))
    write(example, evidence=ev, la_name=geography.council_name(str(ev.la_code)), fixed_time=True)
    return [empty, example]


# -- styles, made once per workbook ------------------------------------------------------------


def _styles():
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    thin = Side(style="thin", color="BFBFBF")
    return {
        "title": Font(bold=True, size=14),
        "bold": Font(bold=True),
        "muted": Font(color="595959", italic=True),
        "header_fill": PatternFill("solid", fgColor="1F3864"),
        "header_font": Font(bold=True, color="FFFFFF"),
        "fixed": PatternFill("solid", fgColor="EDEDED"),
        "input": PatternFill("solid", fgColor="FFF9E6"),
        "border": Border(left=thin, right=thin, top=thin, bottom=thin),
        "wrap": Alignment(wrap_text=True, vertical="top"),
        "top": Alignment(vertical="top"),
    }


def _lists(ws) -> tuple[str, str]:
    """The drop-down lists on the hidden Lists sheet; returns their ranges for validation."""
    ws["A1"], ws["B1"] = "Market", "Period"
    for i, label in enumerate(MARKETS.values(), start=2):
        ws.cell(row=i, column=1, value=label)
    plist = periods()
    for i, label in enumerate(plist, start=2):
        ws.cell(row=i, column=2, value=label)
    return (
        f"{LISTS}!$A$2:$A${len(MARKETS) + 1}",
        f"{LISTS}!$B$2:$B${len(plist) + 1}",
    )


def _validation(kind: str, **kw):
    from openpyxl.worksheet.datavalidation import DataValidation

    return DataValidation(type=kind, allow_blank=True, showErrorMessage=True, **kw)


def _range_text(m: Measure, unit: str) -> str:
    low, high = m.range_for(unit)
    return f"{low:,.0f} to {high:,.0f} {unit}"


def _theme_sheet(ws, title: str, help_text: str, rows: list[Row], markets: str, plist: str) -> int:
    from openpyxl.utils import get_column_letter

    st = _styles()
    ws["B1"] = title
    ws["B1"].font = st["title"]
    ws["B2"] = (
        help_text + " Type each figure you hold in Value, in the unit shown; choose the market "
        "and period from the lists; say where it comes from and when it was taken. Rows left "
        "empty are ignored; copy a row to give a measure for another market."
    )
    ws["B2"].alignment = st["wrap"]
    ws["B2"].font = st["muted"]
    ws.merge_cells(start_row=2, start_column=2, end_row=2, end_column=len(COLUMNS))
    ws.row_dimensions[2].height = 48
    for col, (_, header, width) in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=HEADER_ROW, column=col, value=header)
        cell.font, cell.fill, cell.border = st["header_font"], st["header_fill"], st["border"]
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.column_dimensions["A"].hidden = True
    _print_setup(ws)
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=2)
    col_of = {name: i for i, (name, _, _) in enumerate(COLUMNS, start=1)}
    market_dv = _validation(
        "list",
        formula1=f"={markets}",
        errorTitle="Market",
        error="Choose a market from the list.",
    )
    period_dv = _validation(
        "list",
        formula1=f"={plist}",
        errorStyle="warning",
        errorTitle="Period",
        error="Not one of the listed periods: keep it if it says what the figure covers.",
    )
    date_dv = _validation(
        "date",
        operator="between",
        formula1="DATE(2000,1,1)",
        formula2="DATE(2099,12,31)",
        errorTitle="Date taken",
        error="A date (YYYY-MM-DD): the day the figure was taken.",
    )
    value_dvs: dict[tuple[str, float, float], Any] = {}
    unit_dvs: dict[tuple[str, ...], Any] = {}
    for r, row in enumerate(rows, start=HEADER_ROW + 1):
        f = row.figure
        values = {
            "key": row.measure.key,
            "measure": row.measure.label,
            "market": MARKETS[row.market],
            "value": f.value if f else None,
            "unit": row.unit,
            "period": f.period if f else None,
            "source": f.source if f else None,
            "date": f.date if f else None,
            "note": (f.note or None) if f else None,
        }
        for name, col in col_of.items():
            cell = ws.cell(row=r, column=col, value=values[name])
            cell.border = st["border"]
            cell.alignment = st["top"]
            if name in ("measure", "unit", "key"):
                cell.fill = st["fixed"]
            else:
                cell.fill = st["input"]
        ws.cell(row=r, column=col_of["date"]).number_format = "yyyy-mm-dd"
        ws.cell(row=r, column=col_of["period"]).number_format = "@"  # 'March 2024' stays text
        ws.cell(row=r, column=col_of["value"]).number_format = (
            "#,##0.00" if row.measure.money else "#,##0.##"
        )
        low, high = row.measure.range_for(row.unit)
        kind = "whole" if row.measure.whole else "decimal"
        dv = value_dvs.get((kind, low, high))
        if dv is None:
            dv = value_dvs[(kind, low, high)] = _validation(
                kind,
                operator="between",
                formula1=f"{low:g}",
                formula2=f"{high:g}",
                errorTitle="Value",
                error=f"{'A whole number' if kind == 'whole' else 'A number'} from "
                f"{low:,g} to {high:,g}, in the unit shown.",
            )
        dv.add(ws.cell(row=r, column=col_of["value"]))
        units = row.measure.units_for(row.market)
        udv = unit_dvs.get(units)
        if udv is None:
            udv = unit_dvs[units] = _validation(
                "list",
                formula1='"' + ",".join(units) + '"',
                errorTitle="Unit",
                error=f"The unit of this row is {' or '.join(units)}.",
            )
        udv.add(ws.cell(row=r, column=col_of["unit"]))
    last = HEADER_ROW + max(len(rows), 1)
    letter = {name: get_column_letter(col) for name, col in col_of.items()}
    market_dv.add(f"{letter['market']}{HEADER_ROW + 1}:{letter['market']}{last + 50}")
    period_dv.add(f"{letter['period']}{HEADER_ROW + 1}:{letter['period']}{last + 50}")
    date_dv.add(f"{letter['date']}{HEADER_ROW + 1}:{letter['date']}{last + 50}")
    for dv in [market_dv, period_dv, date_dv, *value_dvs.values(), *unit_dvs.values()]:
        ws.add_data_validation(dv)
    return len(rows)


def _print_setup(ws) -> None:
    """Printed, a sheet fits the width of a landscape A4 page, headers repeated on each page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _instructions(ws, *, la_code: str, la_name: str, name: str, example: bool) -> None:
    st = _styles()
    ws["B1"] = "Local evidence for the Market Sustainability Plan"
    ws["B1"].font = st["title"]
    values = {
        "la_code": la_code,
        "la_name": la_name,
        "name": name,
        "example": "yes" if example else "no",
    }
    for key, (r, label) in INFO_ROWS.items():
        ws.cell(row=r, column=2, value=label).font = st["bold"]
        cell = ws.cell(row=r, column=3, value=values[key] or None)
        cell.fill = st["input"]
        cell.border = st["border"]
    if example:
        ws["D6"] = "Invented figures for the fictional DEMO council: never a council's own."
        ws["D6"].font = st["muted"]
    steps = [
        "One sheet per theme. Each row is one measure for one market; its unit is fixed (grey).",
        "Type each figure you hold in Value, in the unit of its row. Leave a row empty when you "
        "do not hold the figure: empty rows are ignored.",
        "Choose the market and the period from the drop-down lists (another period may be "
        "typed). To give a measure for another market, copy its row and change the market.",
        "Source: where the figure comes from (a fee schedule, Capacity Tracker, the contracts "
        "register). Date taken: the day the figure was taken (YYYY-MM-DD). Note: optional.",
        "Check it: msp evidence check FILE.xlsx --la CODE (every problem is one line naming "
        "the sheet, row and column). Use it: msp report --la CODE --evidence FILE.xlsx.",
        "Each figure appears in its market's table in Section 1 with its source and date, runs "
        "the risk tests that need it (fee against cost of care, waits, occupancy, exits, "
        "hand-backs, market share, vacancies) and feeds the executive summary.",
    ]
    ws.cell(row=8, column=2, value="How to fill it in").font = st["bold"]
    r = 9
    for i, text in enumerate(steps, start=1):
        ws.cell(row=r, column=2, value=f"{i}.").alignment = st["top"]
        cell = ws.cell(row=r, column=3, value=text)
        cell.alignment = st["wrap"]
        ws.merge_cells(start_row=r, start_column=3, end_row=r, end_column=6)
        ws.row_dimensions[r].height = 30
        r += 1
    r += 1
    ws.cell(row=r, column=2, value="The measures").font = st["bold"]
    r += 1
    for col, header in enumerate(("Sheet", "Measure", "Unit", "Range it can take"), start=2):
        cell = ws.cell(row=r, column=col, value=header)
        cell.font, cell.fill = st["header_font"], st["header_fill"]
    for m in MEASURES.values():
        for unit in m.units:
            r += 1
            ws.cell(row=r, column=2, value=THEMES[m.theme].sheet)
            ws.cell(row=r, column=3, value=m.label)
            ws.cell(row=r, column=4, value=unit)
            ws.cell(row=r, column=5, value=_range_text(m, unit))
    r += 2
    ws.cell(
        row=r,
        column=2,
        value="Fees are per week in 65+ care homes and per hour in 18+ home care; a weekly fee "
        "or cost below £100 is refused (is it an hourly rate?).",
    ).font = st["muted"]
    for letter, width in zip("ABCDEF", (3, 30, 60, 14, 26, 20)):
        ws.column_dimensions[letter].width = width
    _print_setup(ws)


# -- reading ------------------------------------------------------------------------------------


@dataclass
class Entries:
    """A local evidence file read as written, before any check: the top-level fields and the
    figures as raw mappings, each field with the words that say where it is."""

    file: str
    header: dict[str, Any]
    header_where: Callable[[str], str]
    figures: list[tuple[dict[str, Any], Callable[[str], str]]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    kind: str = "workbook"
    #: where the figures go ("every Value cell of the 7 theme sheets")
    empty_hint: str = ""


_MARKET_BY_LABEL = {label.lower(): key for key, label in MARKETS.items()} | {
    key.lower(): key for key in MARKETS
}
_MEASURE_BY_LABEL = {m.label.lower(): k for k, m in MEASURES.items()} | {k: k for k in MEASURES}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value == int(value):
        return str(int(value))
    return str(value).strip()


def _number(value: Any, percent_format: bool, unit: str) -> float | str:
    """A Value cell as a number; a string that is not one is returned for the error."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        # a cell formatted as a percentage holds 0.935 for 93.5%
        return float(value) * 100 if percent_format and unit == "%" else float(value)
    text = str(value).strip().replace(",", "").removeprefix("£").removesuffix("%").strip()
    try:
        return float(text)
    except ValueError:
        return str(value).strip()


def _date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = _text(value)
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d %B %Y", "%d %b %Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return text


def read_entries(path: str | Path) -> Entries:
    """A filled evidence workbook read into raw entries (no checks beyond reading cells).

    Problems found while reading (a sheet without its header row, a market not in the list, a
    row with a source but no value) are collected in ``problems``, each naming sheet, row and
    column.
    """
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.exceptions import InvalidFileException

    p = Path(path)
    name = p.name
    try:
        wb = load_workbook(p, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        detail = getattr(exc, "strerror", None) or "not a readable .xlsx file"
        raise _unreadable(name, detail) from None
    try:
        entries = Entries(
            file=name,
            header={},
            header_where=lambda f: f"{name}, sheet '{INSTRUCTIONS}'",
            empty_hint=f"every Value cell of the {len(THEMES)} theme sheets is empty",
        )
        _read_instructions(wb, entries)
        for theme in THEMES.values():
            if theme.sheet not in wb.sheetnames:
                continue
            _read_theme(wb[theme.sheet], theme.sheet, entries, get_column_letter)
    finally:
        wb.close()
    return entries


def _unreadable(name: str, detail: str):
    from msp_analysis.errors import EvidenceError

    return EvidenceError(
        [f"{name}: cannot be opened as an Excel workbook ({detail}); save it as .xlsx"]
    )


def _read_instructions(wb, entries: Entries) -> None:
    name = entries.file
    if INSTRUCTIONS not in wb.sheetnames:
        entries.problems.append(
            f"{name}: no '{INSTRUCTIONS}' sheet (it holds the council's code): start from "
            "`msp evidence template`"
        )
        return
    ws = wb[INSTRUCTIONS]
    found: dict[str, tuple[int, Any]] = {}
    labels = {label.lower(): key for key, (_, label) in INFO_ROWS.items()}
    for r, row in enumerate(ws.iter_rows(min_row=1, max_row=12, max_col=3, values_only=True), 1):
        if len(row) >= 3 and isinstance(row[1], str) and row[1].strip().lower() in labels:
            found[labels[row[1].strip().lower()]] = (r, row[2])

    def where(key: str) -> str:
        r, label = found.get(key, (INFO_ROWS[key][0], None))[0], INFO_ROWS[key][1]
        return f"{name}, sheet '{INSTRUCTIONS}', row {r}, column C ({label})"

    entries.header_where = where
    code = _text(found.get("la_code", (0, None))[1]).upper()
    example = _text(found.get("example", (0, None))[1]).lower()
    entries.header = {
        "name": _text(found.get("name", (0, None))[1]) or Path(name).stem,
        "la_code": code or None,
        "example": example in {"yes", "true", "y", "1"},
    }


def _read_theme(ws, sheet: str, entries: Entries, letter_of) -> None:
    name = entries.file
    rows = ws.iter_rows()
    columns: dict[str, int] = {}
    header_row = 0
    for r, cells in enumerate(rows, start=1):
        texts = [_text(c.value).lower() for c in cells]
        if "value" in texts and "measure" in texts:
            columns = {HEADERS[t]: i for i, t in enumerate(texts) if t in HEADERS}
            header_row = r
            break
        if r >= 10:
            break
    if not header_row:
        entries.problems.append(
            f"{name}, sheet '{sheet}': no header row with 'Measure' and 'Value' in its first "
            "10 rows (start from `msp evidence template`)"
        )
        return
    missing = [h for n, h, _ in COLUMNS if n not in columns and n not in ("key", "note")]
    if missing:
        entries.problems.append(
            f"{name}, sheet '{sheet}', row {header_row}: no column {', '.join(repr(m) for m in missing)}"
        )
        return

    for r, cells in enumerate(rows, start=header_row + 1):
        cell = {n: cells[i] if i < len(cells) else None for n, i in columns.items()}
        value_of = {n: (c.value if c is not None else None) for n, c in cell.items()}

        def where(field: str, r: int = r) -> str:
            col = columns.get(field, columns.get("measure", 1))
            header = (
                next(h for n, h, _ in COLUMNS if n == field) if field in HEADERS.values() else field
            )
            return f"{name}, sheet '{sheet}', row {r}, column {letter_of(col + 1)} ({header})"

        given = {n: _text(v) for n, v in value_of.items() if n not in ("key", "measure", "unit")}
        if not any(given.values()):
            continue
        key = _text(value_of.get("key")) or ""
        if key not in MEASURES:
            key = _MEASURE_BY_LABEL.get(_text(value_of.get("measure")).lower(), "")
        if not key:
            entries.problems.append(
                f"{where('measure')}: '{_text(value_of.get('measure'))}' is not a measure "
                "(copy a row of the template to add one)"
            )
            continue
        if not given.get("value"):
            if given.get("source") or given.get("date") or given.get("note"):
                entries.problems.append(
                    f"{where('value')}: empty, but the row has a source or date: give the "
                    "figure, or clear the row"
                )
            continue
        market_text = _text(value_of.get("market"))
        market = _MARKET_BY_LABEL.get(market_text.lower())
        if market_text and market is None:
            entries.problems.append(
                f"{where('market')}: '{market_text}' is not a market (choose one from the list)"
            )
            continue
        unit = _text(value_of.get("unit")) or None
        value_cell = cell.get("value")
        pct = "%" in str(getattr(value_cell, "number_format", "") or "")
        raw: dict[str, Any] = {
            "market": market,
            "measure": key,
            "value": _number(value_of.get("value"), pct, unit or ""),
            "unit": unit,
            "period": _period(value_of.get("period")),
            "source": _text(value_of.get("source")),
            "date": _date(value_of.get("date")) if given.get("date") else None,
            "note": _text(value_of.get("note")),
        }
        blanks = {
            "market": "empty: choose the market from the list",
            "period": "empty: choose the period the figure covers",
            "source": "empty: say where the figure comes from",
            "date": "empty: the date the figure was taken (YYYY-MM-DD)",
        }
        empty = [f for f in blanks if raw[f] in (None, "")]
        for f in empty:
            entries.problems.append(f"{where(f)}: {blanks[f]}")
        if empty:
            continue
        entries.figures.append((raw, where))


def _period(value: Any) -> str:
    """The Period cell as text (a period Excel turned into a date reads as its month)."""
    if isinstance(value, dt.datetime | dt.date):
        return f"{value:%B %Y}"
    return _text(value)
