"""A corpus of corrupted copies of the real published files, for the corruption tests.

Each :class:`Case` names a real file in ``../shared/data``, one thing done to a copy of
it and what the build must say. Copies are written into a folder the test gives
(``tmp_path``); the real files are only ever read. Workbooks are edited where they
live: ``.xlsx`` and ``.ods`` by rewriting the XML inside the zip (one cell, one row,
one sheet, so everything else stays byte-for-byte as published), ``.xls`` by cutting or
overwriting bytes (same-length string replacements keep the BIFF records valid),
``.csv`` as text.

Cells named here were read by hand from the files: ASC-FR/SALT 2021-22 ``T34`` row
161 and ``T43`` row 160 are Wiltshire (E06000054); ASCOF 2024-25 ``Table_2a`` has
Wiltshire with 355 / 493 / 72; ONS MYE mid-2021 has ``E06000054`` once in its
string table (all three MYE2 sheets share it).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ASCFR_XLSX = "ASCFR_and_SALT_Data_Tables_2021-22.xlsx"
MYE_XLS = "ons_mye_mid2021_on_2021_geography.xls"
ASCOF_ODS = "ascof_2024_25.ods"
ACTIVITY_CSV = "ascfr_2016-17_csv_activity.csv"
NOMIS_CSV = "nomis_mye_2024_lincolnshire.csv"
CQC_CSV = "cqc_lincolnshire_prefiltered.csv"
SNPP_CSV = "ons_snpp2018_table2_persons_resaved.csv"

#: The table(s) each base file feeds, so a test knows which previous tables must survive.
TABLES = {
    ASCFR_XLSX: ("ascfr", "salt"),
    MYE_XLS: ("population",),
    ASCOF_ODS: ("ascof",),
    ACTIVITY_CSV: ("ascfr",),
    NOMIS_CSV: ("population",),
    CQC_CSV: ("cqc_ratings",),
    SNPP_CSV: ("population_projections",),
}


@dataclass(frozen=True)
class Case:
    """One corrupted copy and what the build must do with it.

    Attributes:
        name: short id (the copy itself keeps the base file's name).
        category: what kind of damage (the issue's list).
        base: the real file it is made from.
        make: writes the corrupted copy: ``make(src, dst)``.
        where: words the error message must contain besides the file name
            (the location: sheet, column, row); for 'same', words of the note the
            build must print.
        expect: 'error' (exit non-zero, the previous rows kept), 'flag' (builds; the cell
            is flagged, nothing else moves) or 'same' (builds; read correctly: every row
            from the file as before).
        before: what the build did before the class was handled (the issue's record),
            when that differs from ``expect``: 'silent' (exit 0, rows wrong or gone, nothing
            said) or 'error'; empty when it already did what ``expect`` says.
        moves: columns of the tidy rows a 'same' case may change (a column inserted
            before a figure moves its ``source_column``).
        saved_as: the name the copy is saved under (default: the base file's own name, as a
            bad download of it would be).
        absent: the file is not in the folder at all (deleted, moved away).
        args: options given to ``msp data`` besides ``--raw``, ``--out``, ``--quiet``.

    A fifth outcome, 'warn': builds (exit 0) with the file's figures as it has them, the
    output saying it is not the published file.
    """

    name: str
    category: str
    base: str
    make: Callable[[Path, Path], None]
    where: tuple[str, ...] = ()
    expect: str = "error"
    before: str = ""
    moves: tuple[str, ...] = ()
    saved_as: str = ""
    absent: bool = False
    args: tuple[str, ...] = ()

    @property
    def fmt(self) -> str:
        return Path(self.base).suffix.lstrip(".")

    @property
    def outcome_before(self) -> str:
        return self.before or self.expect

    def filename(self) -> str:
        """The copy's name: the published name (a bad download of that file), or ``saved_as``."""
        return self.saved_as or self.base


# ---------------------------------------------------------------------------- whole files


def truncate(fraction: float) -> Callable[[Path, Path], None]:
    def make(src: Path, dst: Path) -> None:
        data = src.read_bytes()
        dst.write_bytes(data[: int(len(data) * fraction)])

    return make


def zero_bytes(src: Path, dst: Path) -> None:
    dst.write_bytes(b"")


def overwrite_bytes(offset: int, n: int) -> Callable[[Path, Path], None]:
    """Overwrite n bytes at offset with 0xFF (a damaged sector)."""

    def make(src: Path, dst: Path) -> None:
        data = bytearray(src.read_bytes())
        data[offset : offset + n] = b"\xff" * n
        dst.write_bytes(bytes(data))

    return make


def replace_bytes(old: bytes, new: bytes, count: int = -1) -> Callable[[Path, Path], None]:
    """Same-length byte replacement (keeps every BIFF record length valid)."""
    assert len(old) == len(new)

    def make(src: Path, dst: Path) -> None:
        data = src.read_bytes()
        assert old in data, old
        dst.write_bytes(data.replace(old, new, count))

    return make


def _cfb(streams: dict[str, bytes]) -> bytes:
    """A minimal OLE2 compound file holding the named streams (each >= 4096 bytes, so no
    mini stream is needed): the container Office uses for password-protected workbooks."""
    sector = 512
    body = [s + b"\0" * (-len(s) % sector) for s in streams.values()]
    n_data = sum(len(b) // sector for b in body)
    n_dir = 1  # 4 entries of 128 bytes: root + up to 3 streams
    n_fat = 1
    fat = []
    start = 0
    starts = []
    for b in body:
        k = len(b) // sector
        starts.append(start)
        fat += [start + i + 1 for i in range(k - 1)] + [0xFFFFFFFE]
        start += k
    dir_sector = start
    fat += [0xFFFFFFFE]  # directory chain
    fat_sector = dir_sector + 1
    fat += [0xFFFFFFFD]  # the FAT sector itself
    fat += [0xFFFFFFFF] * (sector // 4 - len(fat))

    def entry(name: str, kind: int, start: int, size: int, child: int, right: int) -> bytes:
        raw = (name + "\0").encode("utf-16-le")
        return (
            raw.ljust(64, b"\0")
            + struct.pack("<HBB", len(raw), kind, 1)
            + struct.pack("<III", 0xFFFFFFFF, right, child)
            + b"\0" * 16
            + b"\0" * 4
            + b"\0" * 16
            + struct.pack("<IQ", start, size)[:12]
            + b"\0" * 0
        ).ljust(128, b"\0")

    names = list(streams)
    entries = [entry("Root Entry", 5, 0xFFFFFFFE, 0, 1, 0xFFFFFFFF)]
    for i, (name, b) in enumerate(zip(names, streams.values())):
        right = i + 2 if i + 1 < len(names) else 0xFFFFFFFF
        entries.append(entry(name, 2, starts[i], len(b), 0xFFFFFFFF, right))
    directory = b"".join(entries).ljust(sector * n_dir, b"\0")
    header = (
        bytes.fromhex("D0CF11E0A1B11AE1")
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, n_fat, dir_sector, 0, 4096, 0xFFFFFFFE, 0, 0xFFFFFFFE, 0)
    )
    difat = struct.pack("<I", fat_sector) + b"\xff" * (436 - 4)
    header = (header + difat).ljust(sector, b"\0")
    assert n_data == dir_sector
    return header + b"".join(body) + directory + struct.pack(f"<{len(fat)}I", *fat)


def encrypt_ooxml(src: Path, dst: Path) -> None:
    """What Excel writes when a workbook is saved with a password: an OLE2 container with
    'EncryptionInfo' and 'EncryptedPackage' streams instead of the zip (contents scrambled)."""
    data = src.read_bytes()[:8192]
    scrambled = bytes(b ^ 0x5A for b in data)
    info = struct.pack("<HHI", 4, 4, 0x40) + b"<encryption/>".ljust(4092, b"\0")
    dst.write_bytes(_cfb({"EncryptionInfo": info, "EncryptedPackage": scrambled}))


def encrypt_odf(src: Path, dst: Path) -> None:
    """What LibreOffice writes for a password: content.xml encrypted, the manifest says how."""
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml" '
        'manifest:size="11755478"><manifest:encryption-data manifest:checksum-type="SHA1/1K" '
        'manifest:checksum="AAAA"><manifest:algorithm manifest:algorithm-name="Blowfish CFB" '
        'manifest:initialisation-vector="AAAA"/><manifest:key-derivation '
        'manifest:key-derivation-name="PBKDF2" manifest:iteration-count="1024" '
        'manifest:salt="AAAA"/></manifest:encryption-data></manifest:file-entry>'
        "</manifest:manifest>"
    )

    def content(text: str) -> bytes:
        return bytes(b ^ 0x5A for b in text.encode()[:65536])

    _rezip(src, dst, {"content.xml": content, "META-INF/manifest.xml": lambda _t: manifest})


# ---------------------------------------------------------------------------- zip XML


def _rezip(src: Path, dst: Path, edits: dict[str, Callable], drop: frozenset[str] = frozenset()):
    """Copy a zip, passing chosen members' text through an edit function."""
    buf = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            if item.filename in drop:
                continue
            data = zin.read(item.filename)
            if item.filename in edits:
                out = edits[item.filename](data.decode("utf-8"))
                data = out if isinstance(out, bytes) else out.encode("utf-8")
            kind = zipfile.ZIP_STORED if item.filename == "mimetype" else zipfile.ZIP_DEFLATED
            zout.writestr(item.filename, data, compress_type=kind)
    dst.write_bytes(buf.getvalue())


def _xlsx_sheet_member(src: Path, sheet: str) -> str:
    with zipfile.ZipFile(src) as z:
        wb = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
    rid = re.search(rf'<sheet name="{re.escape(sheet)}"[^>]*r:id="(rId\d+)"', wb).group(1)
    target = re.search(rf'<Relationship Id="{rid}"[^>]*Target="([^"]+)"', rels)
    if target is None:
        target = re.search(rf'Target="([^"]+)"[^>]*Id="{rid}"', rels)
    return "xl/" + target.group(1)


def xlsx_sheet(sheet: str, edit: Callable[[str], str]) -> Callable[[Path, Path], None]:
    def make(src: Path, dst: Path) -> None:
        _rezip(src, dst, {_xlsx_sheet_member(src, sheet): edit})

    return make


def xlsx_drop_sheet(sheet: str) -> Callable[[Path, Path], None]:
    def make(src: Path, dst: Path) -> None:
        member = _xlsx_sheet_member(src, sheet)
        _rezip(
            src,
            dst,
            {"xl/workbook.xml": lambda t: re.sub(rf'<sheet name="{sheet}"[^>]*/>', "", t)},
            drop=frozenset({member}),
        )

    return make


def set_cell(ref: str, cell_xml: str) -> Callable[[str], str]:
    """Replace one cell (``<c r="ref" ...>...</c>``) with new XML."""

    def edit(xml: str) -> str:
        pat = rf'<c r="{ref}"(?: [^>]*)?(?:/>|>.*?</c>)'
        assert re.search(pat, xml), ref
        return re.sub(pat, cell_xml, xml, count=1)

    return edit


def inline_text(ref: str, text: str) -> Callable[[str], str]:
    return set_cell(ref, f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>')


def number(ref: str, value: float) -> Callable[[str], str]:
    return set_cell(ref, f'<c r="{ref}"><v>{value}</v></c>')


def formula_without_value(ref: str) -> Callable[[str], str]:
    """A formula cell saved without its cached result (a file written by a script, not Excel)."""
    return set_cell(ref, f'<c r="{ref}"><f>SUM(G{ref[1:]}:H{ref[1:]})</f></c>')


def drop_rows(rows: range) -> Callable[[str], str]:
    def edit(xml: str) -> str:
        for r in rows:
            xml, n = re.subn(rf'<row r="{r}"[^>]*>.*?</row>', "", xml, count=1)
            assert n == 1, r
        return xml

    return edit


def _shift_ref(ref: str, k: int) -> str:
    m = re.fullmatch(r"([A-Z]+)(\d+)", ref)
    return f"{m.group(1)}{int(m.group(2)) + k}"


def shift_rows(k: int) -> Callable[[str], str]:
    """Move the whole sheet down k rows (a header that moved)."""

    def edit(xml: str) -> str:
        xml = re.sub(r'<row r="(\d+)"', lambda m: f'<row r="{int(m.group(1)) + k}"', xml)
        xml = re.sub(r'<c r="([A-Z]+\d+)"', lambda m: f'<c r="{_shift_ref(m.group(1), k)}"', xml)
        xml = re.sub(
            r'<mergeCell ref="([A-Z]+\d+):([A-Z]+\d+)"/>',
            lambda m: f'<mergeCell ref="{_shift_ref(m.group(1), k)}:{_shift_ref(m.group(2), k)}"/>',
            xml,
        )
        xml = re.sub(r'<dimension ref="[^"]*"/>', "", xml)
        return re.sub(r"<pane [^>]*/>", "", xml)

    return edit


def _col_num(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _col_letters(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def delete_column(letter: str) -> Callable[[str], str]:
    """Delete a column: its cells go, cells to its right move one column left."""
    gone = _col_num(letter)

    def move(m: re.Match) -> str:
        c = _col_num(m.group(1))
        return f'<c r="{_col_letters(c - 1 if c > gone else c)}{m.group(2)}"'

    def edit(xml: str) -> str:
        xml = re.sub(rf'<c r="{letter}\d+"(?: [^>]*)?(?:/>|>.*?</c>)', "", xml)
        xml = re.sub(r'<c r="([A-Z]+)(\d+)"', move, xml)
        xml = re.sub(r"<mergeCells.*?</mergeCells>", "", xml)
        xml = re.sub(r'<dimension ref="[^"]*"/>', "", xml)
        return re.sub(r"<pane [^>]*/>", "", xml)

    return edit


_CELL = re.compile(r'<c r="([A-Z]+)(\d+)"((?:\s+[\w:]+="[^"]*")*)\s*(/>|>.*?</c>)', re.S)


def insert_column(
    letter: str, header_row: int, header: str, fill: str, rows: range
) -> Callable[[str], str]:
    """Insert a column of words before ``letter`` (a release adding a status column inside
    a table): cells from ``letter`` on move one column right, the new column has ``header``
    in ``header_row`` and ``fill`` in each of ``rows`` (the table's rows)."""
    at = _col_num(letter)

    def cell(ref: str, text: str) -> str:
        return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'

    def row(m: re.Match) -> str:
        r = int(m.group(1))
        if m.group(3) is None:  # an empty row (<row .../>)
            return m.group(0)
        cells = []
        for c in _CELL.finditer(m.group(3)):
            col = _col_num(c.group(1))
            new = col + 1 if col >= at else col
            cells.append((new, f'<c r="{_col_letters(new)}{r}"{c.group(3)}{c.group(4)}'))
        if r == header_row:
            cells.append((at, cell(f"{letter}{r}", header)))
        elif r in rows:
            cells.append((at, cell(f"{letter}{r}", fill)))
        body = "".join(x for _, x in sorted(cells, key=lambda t: t[0]))
        attrs = re.sub(r' spans="[^"]*"', "", m.group(2))
        return f'<row r="{r}"{attrs}>{body}</row>'

    def edit(xml: str) -> str:
        xml = re.sub(r'<row r="(\d+)"([^>]*?)(?:/>|>(.*?)</row>)', row, xml, flags=re.S)
        xml = re.sub(r"<mergeCells.*?</mergeCells>", "", xml)
        xml = re.sub(r'<dimension ref="[^"]*"/>', "", xml)
        return re.sub(r"<pane [^>]*/>", "", xml)

    return edit


_ODS_CELL = re.compile(
    r"<table:(?:covered-)?table-cell(?:\s[^>]*)?(?:/>|>.*?</table:(?:covered-)?table-cell>)", re.S
)


def ods_insert_column(
    after: int, header_marker: str, header: str, fill: str
) -> Callable[[str], str]:
    """Insert a column of words after the first ``after`` cells of the header row (found by
    ``header_marker``) and of every row below it whose first cells are single cells."""

    def text_cell(text: str) -> str:
        return f'<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>'

    def edit(xml: str) -> str:
        rows = re.split(r"(?=<table:table-row[ >])", xml)
        start = next(i for i, r in enumerate(rows) if header_marker in r)
        for i in range(start, len(rows)):
            r = rows[i]
            if not r.startswith("<table:table-row"):
                continue
            cells = list(_ODS_CELL.finditer(r))
            lead = cells[:after]
            if len(cells) <= after or any("number-columns-repeated" in c.group(0) for c in lead):
                continue
            if i > start and "<text:p>" not in lead[0].group(0):
                continue  # a blank row below the table
            cut = lead[-1].end()
            rows[i] = r[:cut] + text_cell(header if i == start else fill) + r[cut:]
        return "".join(rows)

    return edit


def ods_table(name: str, edit: Callable[[str], str]) -> Callable[[Path, Path], None]:
    """Edit one sheet (``<table:table table:name=...>``) of an ODS content.xml."""

    def content(xml: str) -> str:
        start = xml.index(f'<table:table table:name="{name}"')
        end = xml.index("</table:table>", start) + len("</table:table>")
        return xml[:start] + edit(xml[start:end]) + xml[end:]

    def make(src: Path, dst: Path) -> None:
        _rezip(src, dst, {"content.xml": content})

    return make


def ods_drop_table(name: str) -> Callable[[Path, Path], None]:
    return ods_table(name, lambda _t: "")


def sub_once(old: str, new: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert old in text, old
        return text.replace(old, new, 1)

    return edit


def sub_all(old: str, new: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        assert old in text, old
        return text.replace(old, new)

    return edit


def ods_drop_rows_with(text: str) -> Callable[[str], str]:
    """Drop every row of the sheet whose cells contain ``text``."""

    def edit(xml: str) -> str:
        rows = re.split(r"(?=<table:table-row[ >])", xml)
        kept = [r for r in rows if not (r.startswith("<table:table-row") and text in r)]
        assert len(kept) < len(rows)
        return "".join(kept)

    return edit


def ods_drop_rows_in_region(region_code_text: str, n: int) -> Callable[[str], str]:
    """Drop the first n council rows after the row whose cells contain ``region_code_text``."""

    def edit(xml: str) -> str:
        rows = re.split(r"(?=<table:table-row[ >])", xml)
        i = next(i for i, r in enumerate(rows) if region_code_text in r)
        del rows[i + 1 : i + 1 + n]
        return "".join(rows)

    return edit


# ---------------------------------------------------------------------------- text


def text_edit(edit: Callable[[str], str], encoding: str = "utf-8") -> Callable[[Path, Path], None]:
    def make(src: Path, dst: Path) -> None:
        text = src.read_bytes().decode("utf-8-sig")
        dst.write_bytes(edit(text).encode(encoding))

    return make


def cut_mid_line(src: Path, dst: Path) -> None:
    """The download stopped in the middle of a row (no final line ending)."""
    data = src.read_bytes()
    cut = data.rfind(b"\n", 0, len(data) // 2) + 12
    dst.write_bytes(data[:cut])


def cut_at_line(line: int) -> Callable[[Path, Path], None]:
    """The download stopped at a line ending: every row after ``line`` is simply gone."""

    def make(src: Path, dst: Path) -> None:
        lines = src.read_bytes().split(b"\n")
        dst.write_bytes(b"\n".join(lines[:line]) + b"\n")

    return make


def csv_rows(edit_row: Callable[[list[str]], list[str]], match: str) -> Callable[[str], str]:
    """Apply ``edit_row`` to the first data line containing ``match`` (fields split on ',')."""

    def edit(text: str) -> str:
        lines = text.split("\n")
        i = next(i for i, line in enumerate(lines) if i and match in line)
        lines[i] = ",".join(edit_row(lines[i].split(",")))
        return "\n".join(lines)

    return edit


def csv_field(i: int, value: str) -> Callable[[list[str]], list[str]]:
    def edit(fields: list[str]) -> list[str]:
        fields[i] = value
        return fields

    return edit


def csv_drop_column(name: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        lines = text.split("\n")
        header = lines[0].split(",")
        j = [h.strip('"') for h in header].index(name)
        return "\n".join(
            ",".join(f for k, f in enumerate(line.split(",")) if k != j) if line else line
            for line in lines
        )

    return edit


# ---------------------------------------------------------------------------- the corpus


def _cases() -> list[Case]:
    x, xs, o, a, n, s = ASCFR_XLSX, MYE_XLS, ASCOF_ODS, ACTIVITY_CSV, NOMIS_CSV, SNPP_CSV
    wilts_t34, wilts_t43 = 161, 160
    return [
        # whole-file damage
        Case("xlsx_truncated", "truncated", x, truncate(0.6)),
        Case("xls_truncated", "truncated", xs, truncate(0.6)),
        Case("ods_truncated", "truncated", o, truncate(0.6)),
        Case("csv_cut_mid_line", "truncated", a, cut_mid_line, ("row",)),
        Case("csv_cut_at_line", "truncated", n, cut_at_line(150), ("row 150", "Males")),
        Case("xlsx_zero_bytes", "zero-byte", x, zero_bytes),
        Case("xls_zero_bytes", "zero-byte", xs, zero_bytes),
        Case("ods_zero_bytes", "zero-byte", o, zero_bytes),
        Case("csv_zero_bytes", "zero-byte", a, zero_bytes),
        Case("xls_damaged_sector", "truncated", xs, overwrite_bytes(0, 512)),
        Case("xlsx_encrypted", "encrypted", x, encrypt_ooxml),
        Case("ods_encrypted", "encrypted", o, encrypt_odf),
        # encoding and delimiter
        Case("csv_utf16", "encoding", a, text_edit(lambda t: t, "utf-16")),
        Case("csv_semicolons", "delimiter", n, text_edit(lambda t: t.replace(",", ";"))),
        Case("csv_tabs", "delimiter", a, text_edit(lambda t: t.replace(",", "\t"))),
        # a required sheet or table missing
        Case("xlsx_sheet_missing", "missing-table", x, xlsx_drop_sheet("T34"), ("T34",)),
        Case("ods_sheet_missing", "missing-table", o, ods_drop_table("Table_2a"), ("Table_2a",)),
        Case(
            "xls_sheet_renamed",
            "missing-table",
            xs,
            replace_bytes(b"MYE2 - Males", b"MYE2 - Mxles"),
            ("MYE2",),
        ),
        # a column deleted or renamed
        Case(
            "xlsx_column_deleted",
            "column-deleted",
            x,
            xlsx_sheet("T34", delete_column("B")),
            ("sheet 'T34'", "column 'LA code'", "row 7"),
        ),
        Case(
            "xlsx_column_renamed",
            "column-renamed",
            x,
            xlsx_sheet("T43", inline_text("C7", "Local authority")),
            ("sheet 'T43'", "column 'LA name'", "row 7"),
        ),
        Case(
            "ods_column_renamed",
            "column-renamed",
            o,
            ods_table("Table_2a", sub_once("ONS area code", "ONS code")),
            ("sheet 'Table_2a'", "column"),
        ),
        Case(
            "xls_column_renamed",
            "column-renamed",
            xs,
            replace_bytes(b"All ages", b"All agez"),
            ("column 'All ages'",),
        ),
        Case("csv_column_deleted", "column-deleted", n, text_edit(csv_drop_column("OBS_VALUE"))),
        Case(
            "csv_column_renamed",
            "column-renamed",
            a,
            text_edit(sub_once("ItemValue", "Item_Value")),
            ("column 'ItemValue'",),
        ),
        # a header moved or relabelled with another year
        Case("xlsx_header_moved", "header-moved", x, xlsx_sheet("T38", shift_rows(25)), ("T38",)),
        Case(
            "xlsx_header_year",
            "header-year",
            x,
            xlsx_sheet("T43", inline_text("A4", _t43_title().replace("2021-22", "2019-20"))),
            ("sheet 'T43'",),
        ),
        Case(
            "ods_header_year",
            "header-year",
            o,
            ods_table("Table_2a", sub_all("2024 to 2025 - ", "2019 to 2020 - ")),
            ("sheet 'Table_2a'", "column"),
        ),
        Case(
            "xls_header_year",
            "header-year",
            xs,
            replace_bytes(b"mid-2021", b"mid-2019"),
            ("mid-2019",),
        ),
        Case("csv_header_moved", "header-moved", n, text_edit(lambda t: "\n\n" + t)),
        # rows dropped
        Case(
            "xlsx_council_rows_gone",
            "rows-dropped",
            x,
            xlsx_sheet("T34", drop_rows(range(150, 160))),
            ("sheet 'T34'",),
        ),
        Case(
            "ods_council_rows_gone",
            "rows-dropped",
            o,
            ods_table("Table_2a", ods_drop_rows_with("E06000054")),
            ("sheet 'Table_2a'", "E06000054"),
        ),
        # codes that are not councils
        Case(
            "xlsx_code_misspelled",
            "code",
            x,
            xlsx_sheet("T43", inline_text(f"A{wilts_t43}", "E06000O54")),
            ("sheet 'T43'", "row 160"),
        ),
        Case(
            "xlsx_code_lower_case",
            "code-case",
            x,
            xlsx_sheet("T34", inline_text(f"A{wilts_t34}", "e06000054")),
            ("sheet T34", "'Geography code': 1 area code(s) written in lower case", "row 161"),
            expect="same",
            before="error",
        ),
        Case(
            "xlsx_code_unknown",
            "code",
            x,
            xlsx_sheet("T34", inline_text(f"A{wilts_t34}", "E06000999")),
            ("row 161", "E06000999"),
        ),
        Case(
            "ods_code_unknown",
            "code",
            o,
            ods_table("Table_2a", sub_once("<text:p>E06000054<", "<text:p>E06000998<")),
            ("E06000998",),
        ),
        Case(
            "xls_code_unknown",
            "code",
            xs,
            replace_bytes(b"E06000054", b"E06000997"),
            ("E06000997",),
        ),
        Case(
            "csv_code_lower_case",
            "code-case",
            a,
            text_edit(csv_rows(csv_field(3, "e06000054"), ",E06000054,")),
            ("'GEOGRAPHY_CODE': 1 area code(s) written in lower case",),
            expect="same",
            before="error",
        ),
        Case(
            "csv_code_unknown",
            "code",
            n,
            text_edit(sub_all('"E10000019"', '"E10000099"')),
            ("E10000099",),
        ),
        # values that cannot be right
        Case(
            "xlsx_negative_spend",
            "negative",
            x,
            xlsx_sheet("T43", number(f"G{wilts_t43}", -29791)),
            ("sheet T43", "row 160", "Total"),
        ),
        Case(
            "xlsx_negative_people",
            "negative",
            x,
            xlsx_sheet("T34", number(f"X{wilts_t34}", -5545)),
            ("sheet T34", "row 161", "never negative"),
        ),
        Case(
            "xlsx_people_x1000",
            "magnitude",
            x,
            xlsx_sheet("T34", number(f"X{wilts_t34}", 5_545_000_000)),
            ("row 161",),
        ),
        Case(
            "xlsx_spend_x1e6",
            "magnitude",
            x,
            xlsx_sheet("T43", number(f"G{wilts_t43}", 29_791_000_000)),
            ("row 160",),
        ),
        Case(
            "ods_negative_count",
            "negative",
            o,
            ods_table(
                "Table_2a",
                sub_once(
                    'office:value="355" table:style-name="ce239"><text:p>355<',
                    'office:value="-355" table:style-name="ce239"><text:p>-355<',
                ),
            ),
            ("sheet 'Table_2a'", "-355"),
        ),
        Case(
            "csv_negative_people",
            "negative",
            n,
            text_edit(sub_once('"Age 1",6506', '"Age 1",-6506')),
            ("row", "-6506"),
        ),
        Case(
            "csv_people_x1e6",
            "magnitude",
            n,
            text_edit(sub_once('"Age 1",6506', '"Age 1",6506000000')),
            ("row",),
        ),
        # formula cells saved without their value: flagged, never silently NaN
        Case(
            "xlsx_formula_no_value",
            "formula",
            x,
            xlsx_sheet("T43", formula_without_value(f"G{wilts_t43}")),
            expect="flag",
        ),
        # --- issue 24: nothing vanishes silently -------------------------------------
        # a value column relabelled in a table whose labels the publisher fixes: refused
        # (before: its rows came back under the new label, the old one went missing)
        Case(
            "xlsx_setting_relabelled",
            "column-label",
            x,
            xlsx_sheet("T34", inline_text("F8", "Nursing care")),
            ("sheet 'T34'", "column 'F'", "'Nursing care'", "known: ", "Residential"),
            before="silent",
        ),
        Case(
            "ods_part_relabelled",
            "column-label",
            o,
            ods_table(
                "Table_2a", sub_once("2024 to 2025 - numerator<", "2024 to 2025 - numerators<")
            ),
            ("sheet 'Table_2a'", "column 'D'", "numerators", "known parts"),
            before="silent",
        ),
        Case(
            "csv_year_relabelled",
            "column-label",
            s,
            text_edit(sub_once('"2030"', '"Y2030"')),
            ("column 'Y2030'", "neither a year"),
            before="silent",
        ),
        # a column that carries no figures, added where it sits: read as before, noted
        Case(
            "xlsx_status_column",
            "no-figures-column",
            x,
            xlsx_sheet("T34", insert_column("G", 8, "Status", "Final", range(10, 174))),
            ("'18 to 64 | Status (column G)' carry no figures",),
            expect="same",
            before="error",
            moves=("source_column",),
        ),
        Case(
            "ods_status_column",
            "no-figures-column",
            o,
            ods_table(
                "Table_2a", ods_insert_column(3, "Local authority code", "Data status", "Final")
            ),
            ("'Data status' carry no figures",),
            expect="same",
            before="error",
            moves=("source_column",),
        ),
        Case(
            "csv_notes_column",
            "no-figures-column",
            s,
            text_edit(_append_column("Notes", "projection")),
            ("'Notes' carry no figures",),
            expect="same",
        ),
        # an area code in lower case: the council's code, read as such (never rows dropped
        # while another area takes their place)
        Case(
            "ods_code_lower_case",
            "code-case",
            o,
            ods_table("Table_2a", sub_once("<text:p>E06000054<", "<text:p>e06000054<")),
            ("area code(s) written in lower case",),
            expect="same",
            before="error",
        ),
        Case(
            "xls_code_lower_case",
            "code-case",
            xs,
            replace_bytes(b"E06000054", b"e06000054"),
            ("area code(s) written in lower case",),
            expect="same",
            before="silent",
        ),
        Case(
            "csv_county_code_lower_case",
            "code-case",
            n,
            text_edit(sub_all('"E10000019"', '"e10000019"')),
            ("area code(s) written in lower case",),
            expect="same",
            before="silent",
        ),
        # a file saved under another name, or without its extension: told by its content
        # (before: ignored, and the rows it gave the last build were gone)
        Case(
            "csv_saved_as_txt",
            "extension",
            n,
            copy_as_is,
            ("is now nomis_mye_2024_lincolnshire.txt: the same file, renamed",),
            expect="same",
            before="silent",
            saved_as="nomis_mye_2024_lincolnshire.txt",
        ),
        Case(
            "xlsx_saved_without_extension",
            "extension",
            x,
            copy_as_is,
            ("is an Excel (.xlsx) workbook by its content",),
            expect="same",
            before="silent",
            saved_as="ASCFR_and_SALT_Data_Tables_2021-22",
        ),
        Case(
            "xls_saved_as_xlsx",
            "extension",
            xs,
            copy_as_is,
            ("is an Excel 97-2003 (.xls) workbook by its content",),
            expect="same",
            before="error, rows lost",
            saved_as="ons_mye_mid2021_on_2021_geography.xlsx",
        ),
        # a file the last build read, gone from the folder: its rows kept, the build fails
        Case(
            "file_removed",
            "file-gone",
            o,
            copy_as_is,
            ("no longer in raw", "73,556 ascof rows", "--forget-missing"),
            before="silent",
            absent=True,
        ),
        # a suppressed cell overwritten with a number by hand: not the published file
        # (T34 L161 is Wiltshire, 18-64, Prison: CASSR Managed Personal Budget, '[c]')
        Case(
            "xlsx_suppressed_cell_filled_in",
            "not-published",
            x,
            xlsx_sheet("T34", number(f"L{wilts_t34}", 3)),
            ("not the published file", "differs from the release as published"),
            expect="warn",
            before="silent",
        ),
        Case(
            "xlsx_suppressed_cell_filled_in_verify",
            "not-published",
            x,
            xlsx_sheet("T34", number(f"L{wilts_t34}", 3)),
            ("not the published file", "(--verify)"),
            before="silent",
            args=("--verify",),
        ),
    ]


def copy_as_is(src: Path, dst: Path) -> None:
    """The file as published, byte for byte (saved under another name, or not at all)."""
    dst.write_bytes(src.read_bytes())


def _append_column(header: str, value: str) -> Callable[[str], str]:
    """A column added at the end of a CSV: ``header`` on line 1, ``value`` on every row."""

    def edit(text: str) -> str:
        lines = text.split("\n")
        out = [lines[0] + f',"{header}"']
        out += [line + f',"{value}"' if line.strip() else line for line in lines[1:]]
        return "\n".join(out)

    return edit


def _t43_title() -> str:
    # Read by hand from sheet T43 cell A4 of the 2021-22 workbook.
    return (
        "Table 43: Gross Current Expenditure on long term care for clients aged 18 to 64, "
        "by support setting, 2021-22"
    )


CASES: list[Case] = _cases()


def write(case: Case, shared: Path, folder: Path) -> Path:
    """Write the corrupted copy of ``case`` into ``folder``; the real file is only read."""
    folder.mkdir(parents=True, exist_ok=True)
    dst = folder / case.filename()
    case.make(shared / case.base, dst)
    return dst
