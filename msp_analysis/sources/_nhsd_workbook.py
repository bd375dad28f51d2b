"""The NHS Digital "ASC-FR and SALT data tables" workbook, shared by ascfr and salt.

Every council table in the workbook has the same shape: a title in column A, a
units cell at the right of the rows above the header, a header row that starts
with ``Geography code``, one to three header levels (merged cells, so a group
label stands only over its first column), blank spacer rows holding a single
space, England and region rows with the region code in ``Region code`` and no
Geography code, one row per council, then notes and a copyright line.

:func:`read_tables` turns the requested sheets into one long frame of cells as
published, each with its header path and spreadsheet row. :func:`clean_cells`
maps header paths to named dimensions using a :class:`TableSpec` per table and
parses values. The table specs live with the reader that owns them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from msp_analysis import geography
from msp_analysis.errors import SourceError, UnknownLayoutError
from msp_analysis.schemas import NHSD_DIMENSIONS
from msp_analysis.sources import _parsing as P

log = logging.getLogger(__name__)

ID_COLUMNS = ["Geography code", "LA code", "LA name", "Region code", "Region name"]
WORKBOOK_LAYOUT = "nhsd-ascfr-salt-tables"
WORKBOOK_DESCRIPTION = (
    "NHS Digital 'ASC-FR and SALT data tables' workbook: sheets Title, Contents, "
    "'Notes and Definitions', T1..T55, header row starting 'Geography code' "
    "(2021-22 and later releases; earlier 'Reference Tables' releases share the layout)"
)


@dataclass(frozen=True)
class TableSpec:
    """How one published table maps to tidy dimensions.

    Attributes:
        ref: sheet name, e.g. 'T34'.
        title: words the table title must contain (checks the sheet is the table we think).
        measure: measure id for every cell, unless a header level is named 'measure'.
        levels: dimension name for each header level, top to bottom.
        fixed: dimension values that hold for the whole table (from its title).
        measures: header label -> measure id, for a level named 'measure'.
        skip: regex; columns whose header path matches are derived figures and are dropped.
        unit: unit when the sheet's unit cell is ambiguous or shared ('£ Thousands / percentages').
    """

    ref: str
    title: str
    measure: str | None
    levels: tuple[str, ...]
    fixed: dict[str, str] = field(default_factory=dict)
    measures: dict[str, str] = field(default_factory=dict)
    skip: str | None = None
    unit: str | None = None


def is_workbook(path: str | Path) -> bool:
    """True when the file is the ASC-FR and SALT tables workbook (by its sheets, not its name)."""
    names = P.sheet_names_or_none(path) or []
    return {"Contents", "T1"}.issubset(names) and sum(
        bool(re.fullmatch(r"T\d+", n)) for n in names
    ) >= 20


def _header_block(sheet: pd.DataFrame, file: str, name: str) -> tuple[int, int]:
    """(header row, first data row) as 0-based indexes."""
    hdr = P.find_header_row(sheet, "Geography code", column=0, max_rows=20)
    if hdr is None:
        raise UnknownLayoutError(
            "no header row starting 'Geography code' in the first 20 rows",
            {WORKBOOK_LAYOUT: WORKBOOK_DESCRIPTION},
            file=file,
            sheet=name,
        )
    ids = [P.tidy_label(v) for v in sheet.iloc[hdr, :5].tolist()]
    want = [c.lower() for c in ID_COLUMNS]
    got = [(i or "").lower() for i in ids]
    for i, (w, g) in enumerate(zip(want, got)):
        if w != g:
            raise SourceError(
                f"expected identifier column '{ID_COLUMNS[i]}' but found {ids[i]!r}",
                file=file,
                sheet=name,
                column=ID_COLUMNS[i],
                row=hdr + 1,
            )
    region_codes = sheet.iloc[hdr + 1 :, 3]
    first_data = next(
        (int(i) for i, v in region_codes.items() if _CODE.fullmatch(str(v).strip())), None
    )
    if first_data is None:
        raise SourceError(
            "no England, region or council rows under the header",
            file=file,
            sheet=name,
            row=hdr + 1,
        )
    # Spacer rows between header and data carry a lone space or nothing in the value columns.
    last_header = hdr
    for r in range(hdr + 1, first_data):
        vals = sheet.iloc[r, 5:]
        if vals.notna().any() and (vals.astype(str).str.strip() != "").any():
            last_header = r
    return hdr, last_header + 1


def _header_paths(sheet: pd.DataFrame, hdr: int, end: int) -> list[tuple[str | None, ...]]:
    """Header label path per value column, merged group labels carried to the columns beneath them."""
    block = sheet.iloc[hdr:end, 5:]
    n_levels, n_cols = block.shape
    labels = [[P.tidy_label(block.iat[r, c]) for c in range(n_cols)] for r in range(n_levels)]
    # Carry each level's label to the right, but never across a change of the level above.
    filled = [row[:] for row in labels]
    for r in range(n_levels - 1):
        for c in range(1, n_cols):
            parent_changed = r > 0 and filled[r - 1][c] != filled[r - 1][c - 1]
            parent_new = r > 0 and labels[r - 1][c] is not None
            if filled[r][c] is None and not parent_changed and not parent_new:
                filled[r][c] = filled[r][c - 1]
    return [tuple(filled[r][c] for r in range(n_levels)) for c in range(n_cols)]


def _figure_columns(
    body: pd.DataFrame, paths: list[tuple[str | None, ...]], file: str, ref: str
) -> list[int]:
    """Positions (among the value columns) of the columns that carry figures.

    A column is left out, with a note, when its header names no figure (a status, a
    certification, notes, flags: :func:`~msp_analysis.sources._parsing.carries_no_figures`)
    or when its cells hold words only (no number and no marker in any cell): a release
    may add such columns anywhere in a table.
    """
    keep, dropped = [], []
    for i, path in enumerate(paths):
        label = _header_text(path)
        if any(P.carries_no_figures(x) for x in path if x) or P.words_only(body.iloc[:, 5 + i]):
            dropped.append(f"{label or 'unnamed'} (column {P.column_letter(6 + i)})")
        else:
            keep.append(i)
    P.note_no_figures(file, dropped, sheet=ref)
    return keep


def _units(sheet: pd.DataFrame, hdr: int) -> str | None:
    for r in range(hdr - 1, -1, -1):
        row = [P.tidy_label(v) for v in sheet.iloc[r, 1:].tolist()]
        row = [v for v in row if v and v.lower() not in {"return to contents"}]
        if row:
            return row[-1]
    return None


def read_tables(path: str | Path, specs: dict[str, TableSpec]) -> pd.DataFrame:
    """Cells of the requested tables as published, one row per cell.

    Columns: sheet, title, units, source_row (1-based), geography_code, la_code_cassr,
    la_name, region_code, region_name, column (1-based), header (tuple of labels), cell.

    Raises:
        UnknownLayoutError: the file is not the tables workbook, or a table is missing.
        SourceError: a table's identifier columns or title are not as expected.
    """
    p = P.check_readable(path)
    names = P.sheet_names(p)
    if not is_workbook(p):
        raise UnknownLayoutError(
            f"this is not the ASC-FR and SALT tables workbook (sheets: {', '.join(names[:8])}...)",
            {WORKBOOK_LAYOUT: WORKBOOK_DESCRIPTION},
            file=p,
        )
    titles = _titles(p, [n for n in names if re.fullmatch(r"T\d+", n)])
    file_year = _file_year(p, names, titles)
    refs = {spec_ref: _find_table(spec_ref, spec, titles) for spec_ref, spec in specs.items()}
    sheets = P.read_sheets(p, list(dict.fromkeys(r for r in refs.values() if r)))
    frames = []
    councils: dict[str, set[str]] = {}
    for spec_ref, spec in specs.items():
        ref = refs[spec_ref]
        if ref is None:
            raise SourceError(
                f"table {spec_ref} ('{spec.title}') is not in this workbook: no sheet has that "
                "title, so the sheet was deleted, renamed or its title row moved",
                file=p,
                sheet=spec_ref if spec_ref in names else None,
            )
        sheet = sheets[ref]
        title, title_row = titles[ref]
        year = P.last_fy_in(title)
        if file_year is not None and year != file_year:
            raise SourceError(
                f"the table title says {P.fy_label(year) if year else 'no year'} but the "
                f"workbook is {P.fy_label(file_year)}: {title!r}",
                file=p,
                sheet=ref,
                column="A",
                row=title_row + 1,
            )
        hdr, first = _header_block(sheet, p.name, ref)
        paths = _header_paths(sheet, hdr, first)
        body = _area_columns(sheet.iloc[first:], p.name, ref)
        body = body[_data_rows(body, p.name, ref)]
        councils[ref] = set(body.iloc[:, 0].astype("string").str.strip().dropna()) - {""}
        keep = _figure_columns(body, paths, p.name, ref)
        paths = [paths[i] for i in keep]
        n_val = len(paths)
        vals = body.iloc[:, [5 + i for i in keep]]
        cells = pd.DataFrame(
            {
                "spec": spec_ref,
                "sheet": ref,
                "source_row": np.repeat(body.index.to_numpy() + 1, n_val),
                "geography_code": np.repeat(body.iloc[:, 0].to_numpy(), n_val),
                "la_code_cassr": np.repeat(body.iloc[:, 1].to_numpy(), n_val),
                "la_name": np.repeat(body.iloc[:, 2].to_numpy(), n_val),
                "region_code": np.repeat(body.iloc[:, 3].to_numpy(), n_val),
                "region_name": np.repeat(body.iloc[:, 4].to_numpy(), n_val),
                "column": np.tile(np.array(keep, dtype="int64") + 6, len(body)),
                "header": pd.Series(
                    [paths[i] for i in range(n_val)] * len(body), dtype=object
                ).to_numpy(),
                "cell": vals.to_numpy().ravel(),
            }
        )
        cells.insert(1, "title", title)
        cells.insert(2, "units", _units(sheet, hdr))
        frames.append(cells)
    _check_same_councils(councils, file_year, p.name)
    if not frames:
        raise UnknownLayoutError(
            "none of the expected tables is in this workbook",
            {WORKBOOK_LAYOUT: WORKBOOK_DESCRIPTION},
            file=p,
        )
    out = pd.concat(frames, ignore_index=True)
    out.attrs["source_file"] = p.name
    out.attrs["file_year"] = file_year
    return out


def _find_table(spec_ref: str, spec: TableSpec, titles: dict[str, tuple[str, int]]) -> str | None:
    """The sheet holding a table, found by its title (table numbers change between
    releases), preferring the sheet with the 2021-22 number; None when no title matches."""
    matches = [n for n, (t, _) in titles.items() if spec.title.lower() in t.lower()]
    if not matches:
        return None
    return spec_ref if spec_ref in matches else matches[0]


def _titles(p: Path, sheets: list[str]) -> dict[str, tuple[str, int]]:
    """Each sheet's table title ('Table 34: ...') in column A and its 0-based row ('' and
    -1 if none), from the sheet's first 40 rows: only the tables asked for are then read
    whole.

    Raises:
        SourceError: a sheet cannot be read.
    """
    out = {}
    for name in sheets:
        head = P.sheet_head(p, name, 40)
        column_a = head.iloc[:, 0] if head.shape[1] else []
        out[name] = next(
            (
                (v, r)
                for r, v in enumerate(column_a)
                if isinstance(v, str) and v.startswith("Table")
            ),
            ("", -1),
        )
    return out


def _file_year(p: Path, names: list[str], titles: dict[str, tuple[str, int]]) -> int | None:
    """The release year: from the Title sheet, else the year most table titles give."""
    if "Title" in names:
        for v in P.sheet_head(p, "Title", 10).to_numpy().ravel():
            if isinstance(v, str) and (y := P.last_fy_in(v)) is not None:
                return y
    years = pd.Series([P.last_fy_in(t) for t, _ in titles.values() if t]).dropna()
    return int(years.mode().iloc[0]) if len(years) else None


_CODE = re.compile(r"E\d{8}")
_ROW_CODE = re.compile(r"[Ee]\w{8}")
_UNKNOWN_CODE = (
    "is not a council, region or England code this tool knows "
    "(msp_analysis/data/councils.csv lists current and predecessor councils)"
)


def _stripped(v: object) -> str | None:
    """A cell as stripped text; None when empty."""
    return None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v).strip()


def _area_columns(body: pd.DataFrame, file: str, ref: str) -> pd.DataFrame:
    """The rows under the header with their Geography code (A) and Region code (D) as ONS
    codes (:func:`~msp_analysis.sources._parsing.area_codes`: case and spaces made plain,
    a malformed code an error); the sheet itself is left as it is (it is cached)."""
    body = body.copy(deep=False)
    rows = pd.Series(body.index.to_numpy() + 1, index=body.index)
    for j, name in ((0, "Geography code"), (3, "Region code")):
        body[body.columns[j]] = P.area_codes(
            body.iloc[:, j], file=file, sheet=ref, column=name, rows=rows
        )
    return body


def _data_rows(body: pd.DataFrame, file: str, ref: str) -> np.ndarray:
    """England, region and council rows: those with a region code in column D.

    A row that has a region code but whose Geography code is not an ONS code (a letter
    for a digit, a digit short) is an error naming the cell, never a dropped row; codes
    in lower case or with spaces were made plain before (:func:`_area_columns`).
    """
    region = [_stripped(v) for v in body.iloc[:, 3]]
    geo = [_stripped(v) for v in body.iloc[:, 0]]
    looks_like_row = np.array([bool(r and _ROW_CODE.fullmatch(r)) for r in region], dtype=bool)
    known = geography.known_codes()
    not_code = "is not an ONS area code (E followed by 8 digits)"
    # In this order: the first failing check names its first failing row.
    checks: list[tuple[list[str | None], str, Callable[[str], object], str]] = [
        (region, "Region code", _CODE.fullmatch, not_code),
        (geo, "Geography code", _CODE.fullmatch, not_code),
        (geo, "Geography code", known.__contains__, _UNKNOWN_CODE),
        (region, "Region code", known.__contains__, _UNKNOWN_CODE),
    ]
    for values, name, ok, problem in checks:
        for row, is_row, text in zip(body.index, looks_like_row, values):
            if is_row and text and not ok(text):
                raise SourceError(
                    f"{text!r} {problem}", file=file, sheet=ref, column=name, row=int(row) + 1
                )
    return looks_like_row


def _check_same_councils(councils: dict[str, set[str]], year: int | None, file: str) -> None:
    """Every table of one workbook covers the same councils; a table with fewer lost rows.

    Expected: every council code any table carries, less councils abolished by the
    workbook's year (old Northamptonshire appears, with [x], only in year-on-year tables).
    """
    if len(councils) < 2:
        return
    everyone = set().union(*councils.values())
    if year is not None:
        bc = geography.boundary_changes()
        gone = bc.loc[bc["effective"].str[:4].astype(int) <= year, "predecessor_code"]
        everyone -= set(gone)
    for ref, codes in councils.items():
        lost = sorted(everyone - codes)
        if lost:
            names = ", ".join(f"{c} ({geography.council_name(c) or 'unknown'})" for c in lost[:5])
            raise SourceError(
                f"{len(lost)} council row(s) that the workbook's other tables have are missing "
                f"from this table: {names}{' ...' if len(lost) > 5 else ''}",
                file=file,
                sheet=ref,
                column="Geography code",
            )


def _unit_for(units: str | None, spec: TableSpec) -> str:
    if spec.unit:
        return spec.unit
    u = (units or "").strip()
    low = u.lower()
    if low.startswith("£ thousands"):
        return "£ thousands"
    if "per week" in low:
        return "£ per week"
    if "per hour" in low:
        return "£ per hour"
    if low.startswith("number"):
        return "people" if u else "count"
    return u or "unknown"


DIMENSIONS = NHSD_DIMENSIONS


def tidy_columns(dimensions: list[str]) -> list[str]:
    """The column order of the tidy ASC-FR and SALT tables, around a return's own dimensions."""
    return [
        "la_code",
        "area_type",
        "la_name",
        "cassr_code",
        "region_code",
        "year",
        "year_label",
        "table_ref",
        "measure",
        *dimensions,
        "value",
        "unit",
        "suppressed",
        "marker",
        "source",
        "source_file",
        "source_sheet",
        "source_row",
        "source_column",
    ]


def clean_cells(raw: pd.DataFrame, specs: dict[str, TableSpec], *, source: str) -> pd.DataFrame:
    """Tidy cells from :func:`read_tables` using the specs; values parsed, markers flagged.

    Raises:
        UnknownLayoutError: a table has a different number of header levels than its spec.
        SourceError: a cell is text that is neither a number nor a marker.
    """
    file = raw.attrs.get("source_file", "")
    areas = _cell_areas(raw)
    pieces = []
    for spec_ref, cells in raw.groupby("spec", sort=False):
        spec = specs[spec_ref]
        ref = cells["sheet"].iloc[0]
        n_levels = len(cells["header"].iloc[0])
        if n_levels != len(spec.levels):
            raise UnknownLayoutError(
                f"table {ref} has {n_levels} header level(s), expected {len(spec.levels)} "
                f"({' > '.join(spec.levels)})",
                {WORKBOOK_LAYOUT: WORKBOOK_DESCRIPTION},
                file=file,
                sheet=ref,
            )
        # Labels are worked out once per column header, then taken by position for its cells.
        col, headers = pd.factorize(cells["header"].to_numpy())
        if spec.skip:
            derived = np.array([bool(re.search(spec.skip, _header_text(h), re.I)) for h in headers])
            if derived.any():
                drop = derived[col]
                log.debug(
                    "%s %s: %d derived cells (%s) not kept", file, ref, int(drop.sum()), spec.skip
                )
                cells = cells[~drop]
                col, headers = pd.factorize(cells["header"].to_numpy())
        firsts = np.unique(col, return_index=True)[1]
        first_row = cells["source_row"].to_numpy()[firsts]
        title_year = P.last_fy_in(cells["title"].iloc[0])
        labels = _column_labels(
            headers, first_row, spec, title_year, raw.attrs.get("file_year"), file=file, ref=ref
        )
        _check_labels(labels, spec, cells["column"].to_numpy()[firsts], file=file, ref=ref)
        by_cell = {c: labels[c].array.take(col) for c in labels}
        header_text = pd.Series(by_cell.pop("header_text"), index=cells.index)
        year, measure = by_cell.pop("year"), by_cell.pop("measure")
        dims = by_cell
        parsed = P.parse_numbers(
            cells["cell"], file=file, column=header_text, rows=cells["source_row"], sheet=ref
        )
        tidy = pd.DataFrame(
            {
                **areas.loc[cells.index],
                "year": year,
                "table_ref": spec_ref,
                "measure": measure,
                **dims,
                "value": parsed.value,
                "unit": _unit_for(cells["units"].iloc[0], spec),
                "suppressed": parsed.suppressed,
                "marker": parsed.marker,
                "source": source,
                "source_file": file,
                "source_sheet": ref,
                "source_row": cells["source_row"].astype("int64"),
                "source_column": cells["column"].astype("int64"),
            }
        )
        pieces.append(tidy)
    out = pd.concat(pieces, ignore_index=True)
    out.insert(1, "area_type", geography.area_type(out["la_code"]))
    # England and regions carry their own code as region_code; councils their region.
    out.loc[out["area_type"] == "england", "region_code"] = pd.NA
    out["year_label"] = P.fy_labels(out["year"])
    return out


def column_labels(raw: pd.DataFrame, specs: dict[str, TableSpec]) -> pd.DataFrame:
    """The dimension labels of every value column in :func:`read_tables` cells, unchecked:
    ``dimension``, ``label``, ``table`` (for ``tools/make_nhsd_column_labels.py``)."""
    rows = []
    for spec_ref, cells in raw.groupby("spec", sort=False):
        spec = specs[spec_ref]
        headers = pd.unique(cells["header"].to_numpy())
        if spec.skip:
            headers = [h for h in headers if not re.search(spec.skip, _header_text(h), re.I)]
        labels = _column_labels(
            np.array(headers, dtype=object),
            np.zeros(len(headers), dtype="int64"),
            spec,
            None,
            None,
            file="",
            ref=cells["sheet"].iloc[0],
        )
        for name in spec.levels:
            if name not in ("year", "measure"):
                rows += [(name, label, spec_ref) for label in labels[name]]
    return pd.DataFrame(rows, columns=["dimension", "label", "table"]).drop_duplicates()


def _cell_areas(raw: pd.DataFrame) -> pd.DataFrame:
    """``la_code`` (the Geography code, or the region's code on England and region rows),
    ``la_name``, ``cassr_code`` and ``region_code`` of every cell, for all tables at once."""
    text = {
        c: raw[c].astype("string").str.strip()
        for c in ["geography_code", "la_name", "la_code_cassr", "region_code", "region_name"]
    }
    return pd.DataFrame(
        {
            "la_code": text["geography_code"].replace("", pd.NA).fillna(text["region_code"]),
            "la_name": text["la_name"].replace("", pd.NA).fillna(text["region_name"]),
            "cassr_code": text["la_code_cassr"].replace("", pd.NA),
            "region_code": text["region_code"],
        },
        index=raw.index,
    )


def _header_text(header: tuple[str | None, ...]) -> str:
    """'18 to 64 | Nursing': the header path's labels, blanks left out."""
    return " | ".join(x for x in header if x)


def _column_labels(
    headers: np.ndarray,
    first_row: np.ndarray,
    spec: TableSpec,
    title_year: int | None,
    file_year: int | None,
    *,
    file: str,
    ref: str,
) -> pd.DataFrame:
    """One row per column header (``first_row``: the source row of its first cell):
    ``header_text``, ``year`` (the title's unless a header level is the year),
    ``measure`` and the dimensions.

    Raises:
        UnknownLayoutError: a measure group this reader does not know.
        SourceError: a year header that is not a financial year, or one after the
            workbook's year.
    """
    n = len(headers)
    year: list[int | None] = [title_year] * n
    measure: list[str | None] = [spec.measure] * n
    dims = {d: ["Total"] * n for d in DIMENSIONS}
    for level, name in enumerate(spec.levels):
        labels = ["Total" if h[level] is None else h[level] for h in headers]
        if name == "year":
            starts = [P.fy_start(label) for label in labels]
            bad = [
                (lab, r)
                for lab, start, r in zip(labels, starts, first_row)
                if start is None and lab != "Total"
            ]
            if bad:
                raise SourceError(
                    f"header {bad[0][0]!r} is not a financial year",
                    file=file,
                    sheet=ref,
                    column=bad[0][0],
                    row=int(bad[0][1]),
                )
            if file_year is not None:
                late = [
                    (lab, r)
                    for lab, start, r in zip(labels, starts, first_row)
                    if start is not None and start > file_year
                ]
                if late:
                    raise SourceError(
                        f"header {late[0][0]!r} is a year after the workbook's "
                        f"{P.fy_label(file_year)}",
                        file=file,
                        sheet=ref,
                        column=late[0][0],
                        row=int(late[0][1]),
                    )
            year = [y if lab == "Total" else start for y, lab, start in zip(year, labels, starts)]
        elif name == "measure":
            measure = [_match_measure(label, spec.measures) for label in labels]
            unknown = [label for label, m in zip(labels, measure) if m is None]
            if unknown:
                raise UnknownLayoutError(
                    f"table {ref} has a column group {unknown[0]!r} this reader does not know",
                    {WORKBOOK_LAYOUT: WORKBOOK_DESCRIPTION},
                    file=file,
                    sheet=ref,
                    column=unknown[0],
                )
        elif name == "age_band":
            dims[name] = [P.tidy_age_band(label) for label in labels]
        else:
            dims[name] = labels
    for name, val in spec.fixed.items():
        dims[name] = [val] * n
    return pd.DataFrame(
        {
            "header_text": pd.array([_header_text(h) for h in headers], dtype=object),
            "year": pd.array(year, dtype="Int64"),
            "measure": pd.array(measure, dtype="string"),
            **{d: pd.array(v, dtype="string") for d, v in dims.items()},
        }
    )


def label_key(label: str) -> str:
    """A header label compared as words: case, punctuation and spacing aside
    ('Community\\nDirect Payment Only' and 'Community: Direct Payment Only' are one)."""
    return " ".join(re.findall(r"[a-z0-9%£]+", str(label).lower()))


@lru_cache(maxsize=1)
def known_labels() -> dict[str, dict[str, str]]:
    """Every column label the publisher has used in these tables, per dimension
    (``msp_analysis/data/nhsd_column_labels.csv``, read from the published workbooks by
    ``tools/make_nhsd_column_labels.py``): {dimension: {label_key: label}}."""
    from importlib import resources

    with resources.files("msp_analysis.data").joinpath("nhsd_column_labels.csv").open("rb") as fh:
        table = pd.read_csv(fh, dtype=str, keep_default_na=False)
    out: dict[str, dict[str, str]] = {}
    for dim, label in zip(table["dimension"], table["label"]):
        out.setdefault(dim, {})[label_key(label)] = label
    return out


def _check_labels(
    labels: pd.DataFrame, spec: TableSpec, columns: np.ndarray, *, file: str, ref: str
) -> None:
    """The publisher fixes these tables' column labels: a label it has never used is a
    changed table (a setting renamed would move its rows under a new name while the old
    one went missing), an error naming the sheet, the column and the labels known.

    Raises:
        SourceError: a column label that is not in :func:`known_labels` for its dimension.
    """
    for name in spec.levels:
        known = known_labels().get(name)
        if not known:
            continue
        for label, column in zip(labels[name], columns):
            if label == "Total" or label_key(label) in known:
                continue
            words = name.replace("_", " ")
            raise SourceError(
                f"column label {label!r} is not a {words} these tables have used; known: "
                + ", ".join(sorted(set(known.values()) - {"Total"})),
                file=file,
                sheet=ref,
                column=P.column_letter(int(column)),
            )


def _match_measure(label: str, measures: dict[str, str]) -> str | None:
    low = label.lower()
    for key, val in measures.items():
        if low.startswith(key.lower()):
            return val
    return None
