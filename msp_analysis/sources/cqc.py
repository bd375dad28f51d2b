"""CQC: the care directory (HSCA Active Locations) and the latest ratings file.

Layouts (see :data:`LAYOUTS`):

- ``cqc-ratings``: the ``Locations`` sheet of CQC's "latest ratings" spreadsheet (or a
  CSV export of it): one row per location x service / population group x domain.
  Cleaned to table ``cqc_ratings``.
- ``cqc-directory``: "HSCA Active Locations": one row per registered location with
  provider, local authority, care home flag, beds, and ``Service type - ...`` /
  ``Service user band - ...`` flag columns. Cleaned to table ``cqc_locations``.

CQC names the local authority, not its code; codes come from
:func:`msp_analysis.geography.code_for_name`, and a name that is not a council is
an error naming the row. Dates: CQC's own files hold date cells; CSV exports may
hold text in day-first or (from a US-locale export) month-first order. The order is
detected from the values (a first part above 12 means day-first, a second part above
12 means month-first); a file where both or neither occur is an error rather than a
guess.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd

from msp_analysis import geography
from msp_analysis.errors import SourceError, UnknownLayoutError
from msp_analysis.sources import _parsing as P

log = logging.getLogger(__name__)

SOURCE = "CQC"
TABLES = ("cqc_ratings", "cqc_locations")

LAYOUTS: dict[str, str] = {
    "cqc-ratings": "CQC latest ratings, 'Locations' sheet or CSV export (Location ID, Care Home?, "
    "Location Local Authority, Service / Population Group, Domain, Latest Rating, Publication Date, "
    "Provider ID ...), 2015 onwards",
    "cqc-directory": "CQC 'HSCA Active Locations' care directory (Location ID, Care home?, Care homes beds, "
    "Location Local Authority, Provider ID, 'Service type - ...' and 'Service user band - ...' flags)",
}

RATINGS = ["Outstanding", "Good", "Requires improvement", "Inadequate"]
NOT_RATED = [
    "Not Rated",
    "Not rated",
    "Regulations met",
    "Not applicable",
    "Insufficient evidence to rate",
]

#: The latest-ratings file's header as published (every column the reader requires).
RATINGS_COLUMNS = [
    "Location ID",
    "Location Name",
    "Care Home?",
    "Location Type",
    "Location Primary Inspection Category",
    "Location Local Authority",
    "Location Region",
    "Service / Population Group",
    "Domain",
    "Latest Rating",
    "Publication Date",
    "Inherited Rating (Y/N)",
    "Provider ID",
    "Provider Name",
    "Brand ID",
    "Brand Name",
]
_DIRECTORY_COLUMNS = [
    "Location ID",
    "Location Name",
    "Care home?",
    "Care homes beds",
    "Location Local Authority",
    "Provider ID",
    "Provider Name",
]
SERVICE_TYPES = {
    "care_home_nursing": "Service type - Care home service with nursing",
    "care_home_residential": "Service type - Care home service without nursing",
    "home_care": "Service type - Domiciliary care service",
    "supported_living": "Service type - Supported living service",
    "shared_lives": "Service type - Shared Lives",
    "extra_care": "Service type - Extra Care housing services",
}
USER_BANDS = {
    "older_people": "Service user band - Older People",
    "learning_disability": "Service user band - Learning disabilities",
    "mental_health": "Service user band - Mental Health",
    "dementia": "Service user band - Dementia",
    "physical_disability": "Service user band - Physical Disability",
    "autism": "Service user band - Autism",
}


def _canonical(columns, wanted: list[str]) -> dict:
    """Map published headers to canonical spellings, ignoring case and spacing."""
    key = {re.sub(r"\s+", " ", w).strip().lower(): w for w in wanted}
    return {c: key.get(re.sub(r"\s+", " ", str(c)).strip().lower(), c) for c in columns}


def _kind(columns) -> str | None:
    low = {re.sub(r"\s+", " ", str(c)).strip().lower() for c in columns}
    if {"location id", "domain", "latest rating"} <= low:
        return "cqc-ratings"
    if {"location id", "care homes beds"} <= low:
        return "cqc-directory"
    return None


def detect(path: str | Path) -> str | None:
    """Which CQC layout the file is in, by content; None if not CQC."""
    p = Path(path)
    if P.is_text(p):
        return _kind(P.text_header(p))
    if P.is_spreadsheet(p):
        names = P.sheet_names_or_none(p) or []
        for name in names[:6]:
            sheet = P.sheet_head(p, name, 20)  # a signature: the first rows only
            hdr = P.find_header_row(sheet, "Location ID", column=None, max_rows=20)
            if hdr is not None:
                return _kind(sheet.iloc[hdr].tolist())
    return None


def read(path: str | Path) -> pd.DataFrame:
    """The CQC file as published, header found by its 'Location ID' cell; cells untouched."""
    p = P.check_readable(path)
    layout = detect(p)
    if layout is None:
        raise UnknownLayoutError("this file is not a CQC file this reader knows", LAYOUTS, file=p)
    sheet_name = None
    if P.is_text(p):
        raw = P.read_text_table(p)
    else:
        sheets = P.read_sheets(p)
        preferred = ["Locations", "HSCA_Active_Locations", "HSCA Active Locations"]
        order = sorted(sheets, key=lambda n: (n not in preferred, list(sheets).index(n)))
        for name in order:
            sheet = sheets[name]
            hdr = P.find_header_row(sheet, "Location ID", column=None, max_rows=20)
            if hdr is not None and _kind(sheet.iloc[hdr].tolist()) == layout:
                sheet_name = name
                break
        if hdr is None:
            raise SourceError("no sheet has a 'Location ID' header in its first 20 rows", file=p)
        raw = sheet.iloc[hdr + 1 :].copy()
        raw.columns = [P.tidy_label(c) or f"unnamed {i}" for i, c in enumerate(sheet.iloc[hdr])]
        raw = raw[raw["Location ID"].notna()] if "Location ID" in raw else raw
        raw.insert(0, "source_row", raw.index.to_numpy() + 1)
        raw = raw.reset_index(drop=True)
    raw.attrs.update(source_file=p.name, layout=layout, sheet=sheet_name)
    return raw


def parse_dates(cells: pd.Series, *, file: str, column: str, rows: pd.Series) -> pd.Series:
    """Dates from date cells or text; text order detected, never guessed (see module doc).

    Each distinct cell is read once (a location's dates repeat on every row of it) and
    taken back by position; an error names the first row holding the bad cell.
    """
    if pd.api.types.is_datetime64_any_dtype(cells):
        return cells
    codes, distinct = pd.factorize(cells, use_na_sentinel=False)
    first = np.unique(codes, return_index=True)[1]
    dates = _parse_dates(
        pd.Series(distinct, dtype=cells.dtype),
        file=file,
        column=column,
        rows=pd.Series(rows.to_numpy()[first]),
    )
    return pd.Series(dates.to_numpy()[codes], index=cells.index)


def _parse_dates(cells: pd.Series, *, file: str, column: str, rows: pd.Series) -> pd.Series:
    as_dt = cells.map(
        lambda v: (
            v
            if isinstance(v, (pd.Timestamp,)) or (hasattr(v, "year") and not isinstance(v, str))
            else None
        )
    )
    text = cells.where(as_dt.isna()).astype("string").str.strip().replace("", pd.NA)
    out = pd.to_datetime(as_dt, errors="coerce")
    t = text.dropna()
    if len(t):
        iso = t.str.match(r"^\d{4}-\d{2}-\d{2}")
        parts = t[~iso].str.extract(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
        if parts[0].isna().any():
            i = parts[parts[0].isna()].index[0]
            raise SourceError(
                f"date {t[i]!r} is not dd/mm/yyyy, mm/dd/yyyy or yyyy-mm-dd",
                file=file,
                column=column,
                row=int(rows[i]),
            )
        first_gt12 = (parts[0].astype(int) > 12).any()
        second_gt12 = (parts[1].astype(int) > 12).any()
        if first_gt12 and second_gt12:
            raise SourceError(
                "dates mix day-first and month-first orders", file=file, column=column
            )
        if not first_gt12 and not second_gt12 and len(parts):
            raise SourceError(
                "cannot tell whether dates are day-first or month-first (no day above 12); "
                "re-export the file with ISO dates (yyyy-mm-dd)",
                file=file,
                column=column,
            )
        fmt = "%m/%d/%Y" if second_gt12 else "%d/%m/%Y"
        if len(parts):
            log.info(
                "%s: %s read as %s",
                file,
                column,
                "month-first (US export)" if second_gt12 else "day-first",
            )
        out.loc[parts.index] = pd.to_datetime(t[~iso], format=fmt)
        out.loc[t[iso].index] = pd.to_datetime(t[iso].str[:10], format="%Y-%m-%d")
    return out


def _la_codes(names: pd.Series, file: str, rows: pd.Series) -> pd.Series:
    codes = geography.codes_for_names(names.astype("string").str.strip())
    missing = codes.isna() & names.notna() & (names.astype(str).str.strip() != "")
    if missing.any():
        i = missing[missing].index[0]
        raise SourceError(
            f"local authority {names[i]!r} is not a council this tool knows (see geography.councils())",
            file=file,
            column="Location Local Authority",
            row=int(rows[i]),
        )
    return codes


def _flag(series: pd.Series) -> pd.Series:
    return series.astype("string").str.strip().str.upper().isin(["Y", "YES", "TRUE", "1"])


def clean(raw: pd.DataFrame) -> pd.DataFrame:
    """Tidy ratings (one row per location x group x domain) or directory (one row per location)."""
    layout = raw.attrs.get("layout")
    file = raw.attrs.get("source_file", "")
    sheet = raw.attrs.get("sheet")
    if layout == "cqc-ratings":
        return _clean_ratings(raw, file, sheet)
    if layout == "cqc-directory":
        return _clean_directory(raw, file, sheet)
    raise UnknownLayoutError(f"raw frame has layout {layout!r}", LAYOUTS, file=file)


def _common(raw: pd.DataFrame, file: str) -> dict:
    la = raw["Location Local Authority"].astype("string").str.strip()
    code = _la_codes(la, file, raw["source_row"])
    return {
        "la_code": code,
        "area_type": pd.Series("council", index=raw.index, dtype="string"),
        "la_name": la,
        "region_code": code.map({c: geography.region_of(c) for c in code.dropna().unique()}).astype(
            "string"
        ),
        "location_id": raw["Location ID"].astype("string").str.strip(),
        "location_name": raw["Location Name"].astype("string").str.strip(),
        "provider_id": raw["Provider ID"].astype("string").str.strip(),
        "provider_name": raw["Provider Name"].astype("string").str.strip(),
    }


def _clean_ratings(raw: pd.DataFrame, file: str, sheet) -> pd.DataFrame:
    raw = raw.rename(columns=_canonical(raw.columns, RATINGS_COLUMNS))
    P.require_columns(raw, RATINGS_COLUMNS, file=file, sheet=sheet, layout="cqc-ratings")
    rating = raw["Latest Rating"].astype("string").str.strip()
    known = rating.isin(RATINGS + NOT_RATED) | rating.isna() | (rating == "")
    if not known.all():
        i = known[~known].index[0]
        raise SourceError(
            f"rating {rating[i]!r} is not a CQC rating ({', '.join(RATINGS + NOT_RATED)})",
            file=file,
            sheet=sheet,
            column="Latest Rating",
            row=int(raw.loc[i, "source_row"]),
        )
    date = parse_dates(
        raw["Publication Date"], file=file, column="Publication Date", rows=raw["source_row"]
    )
    brand = raw["Brand Name"].astype("string").str.strip()
    out = pd.DataFrame(
        {
            **_common(raw, file),
            "care_home": _flag(raw["Care Home?"]),
            "location_type": raw["Location Type"].astype("string").str.strip(),
            "inspection_category": raw["Location Primary Inspection Category"]
            .astype("string")
            .str.strip(),
            "service_group": raw["Service / Population Group"].astype("string").str.strip(),
            "domain": raw["Domain"].astype("string").str.strip(),
            "rating": rating.replace({"Not rated": "Not Rated"}).replace("", pd.NA),
            "rated": rating.isin(RATINGS),
            "publication_date": date,
            "year": date.dt.year.astype("Int64"),
            "inherited": _flag(raw["Inherited Rating (Y/N)"]),
            "brand_id": raw["Brand ID"]
            .astype("string")
            .str.strip()
            .replace({"-": pd.NA, "": pd.NA}),
            "brand_name": brand.replace({"-": pd.NA, "": pd.NA}),
            "source": SOURCE + " latest ratings",
            "source_file": file,
            "source_row": raw["source_row"].astype("int64"),
        }
    )
    out.attrs["table"] = "cqc_ratings"
    log.info("%s: %d rating rows for %d locations", file, len(out), out["location_id"].nunique())
    return out


def _clean_directory(raw: pd.DataFrame, file: str, sheet) -> pd.DataFrame:
    raw = raw.rename(
        columns=_canonical(
            raw.columns,
            _DIRECTORY_COLUMNS + list(SERVICE_TYPES.values()) + list(USER_BANDS.values()),
        )
    )
    P.require_columns(raw, _DIRECTORY_COLUMNS, file=file, sheet=sheet, layout="cqc-directory")
    if not any(str(c).startswith("Service type - ") for c in raw.columns):
        raise SourceError(
            "no 'Service type - ...' columns", file=file, sheet=sheet, column="Service type - ..."
        )
    beds = P.parse_numbers(
        raw["Care homes beds"],
        file=file,
        column="Care homes beds",
        rows=raw["source_row"],
        sheet=sheet,
    )
    care_home = _flag(raw["Care home?"])
    service_cols = [c for c in raw.columns if str(c).startswith("Service type - ")]
    band_cols = [c for c in raw.columns if str(c).startswith("Service user band - ")]
    flags = {
        k: (_flag(raw[v]) if v in raw else pd.Series(False, index=raw.index))
        for k, v in {**SERVICE_TYPES, **USER_BANDS}.items()
    }

    def joined(cols, prefix):
        f = pd.DataFrame({c.replace(prefix, ""): _flag(raw[c]) for c in cols})
        return (
            f.apply(lambda r: "|".join(r.index[r.to_numpy()]), axis=1).astype("string")
            if len(cols)
            else pd.Series("", index=raw.index, dtype="string")
        )

    out = pd.DataFrame(
        {
            **_common(raw, file),
            "care_home": care_home,
            # Beds are published for care homes only; blank there means not applicable.
            "beds": beds.value.where(care_home),
            "beds_suppressed": beds.suppressed,
            **flags,
            "service_types": joined(service_cols, "Service type - "),
            "service_user_bands": joined(band_cols, "Service user band - "),
            "location_type": raw.get(
                "Location Type/Sector", pd.Series(pd.NA, index=raw.index)
            ).astype("string"),
            "year": pd.Series(pd.NA, index=raw.index, dtype="Int64"),
            "registration_date": pd.to_datetime(raw["Location HSCA start date"], errors="coerce")
            if "Location HSCA start date" in raw
            else pd.NaT,
            "source": SOURCE + " care directory (HSCA Active Locations)",
            "source_file": file,
            "source_row": raw["source_row"].astype("int64"),
        }
    )
    missing_beds = out["care_home"] & out["beds"].isna() & ~out["beds_suppressed"]
    if missing_beds.any():
        log.warning("%s: %d care homes have no bed count", file, int(missing_beds.sum()))
    out.attrs["table"] = "cqc_locations"
    log.info(
        "%s: %d locations, %d care homes, %d beds",
        file,
        len(out),
        int(care_home.sum()),
        int(np.nansum(out["beds"])),
    )
    return out
