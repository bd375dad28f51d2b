"""SALT: Short and Long Term support return (NHS Digital).

Reads the SALT tables of the "ASC-FR and SALT data tables" workbook: requests for
support and what followed (T2, T8, T10, T11), ST-Max reablement episodes (T22),
people in long-term support during the year and at year end by age band, support
setting and primary support reason (T33, T34, T37, T38), and England's setting x primary
support reason x age band cross-tabulation of people during the year (T35: published for
England only, the seed the forecast rakes to each council's margins).

SALT counts are published rounded to the nearest 5 with 0-4 shown as ``[c]``;
those cells stay missing with ``suppressed=True`` (unit ``people``).
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from msp_analysis.errors import UnknownLayoutError
from msp_analysis.sources import _nhsd_workbook as W
from msp_analysis.sources import _parsing as P

log = logging.getLogger(__name__)

SOURCE = "SALT (NHS Digital)"
TABLE = "salt"

LAYOUTS: dict[str, str] = {
    W.WORKBOOK_LAYOUT: W.WORKBOOK_DESCRIPTION
    + "; SALT tables T2, T8, T10, T11, T22, T33, T34, T37, T38, and England's setting x"
    " primary support reason x age cross-tabulation T35 (header row starting 'Age band')",
}

_REQ = "requests_new_clients"
_DURING = "clients_lts_during_year"
_END = "clients_lts_year_end"

SPECS: dict[str, W.TableSpec] = {
    s.ref: s
    for s in [
        W.TableSpec(
            "T2",
            "Summary figures regarding Adult Social Care activity, year on year",
            None,
            ("measure", "age_band", "year"),
            measures={
                "Number of requests for support": _REQ,
                "New clients with an episode of ST-Max": "new_clients_st_max",
                "Long Term Support during the year": _DURING,
                "Support provided to carers": "carers_supported",
            },
            unit="people",
        ),
        W.TableSpec(
            "T8",
            "requests for support received from new clients, by age band and route of access",
            _REQ,
            ("age_band", "route_of_access"),
            unit="requests",
        ),
        W.TableSpec(
            "T10",
            "new clients aged 18 to 64, by what happened next",
            _REQ,
            ("what_happened_next",),
            fixed={"age_band": "18 to 64"},
            unit="requests",
        ),
        W.TableSpec(
            "T11",
            "new clients aged 65 and over, by what happened next",
            _REQ,
            ("what_happened_next",),
            fixed={"age_band": "65 and over"},
            unit="requests",
        ),
        W.TableSpec(
            "T22",
            "ST-Max for new clients, by what happened next",
            "st_max_episodes_new_clients",
            ("what_happened_next",),
            unit="episodes",
        ),
        W.TableSpec(
            "T33",
            "clients accessing long term support during the year, at the end of the year",
            None,
            ("measure", "age_band"),
            measures={
                "In Year": _DURING,
                "Year End": _END,
                "Over 12 Months": "clients_lts_over_12_months",
            },
            unit="people",
        ),
        W.TableSpec(
            "T34",
            "long term support during the year, by age band and support setting",
            _DURING,
            ("age_band", "support_setting"),
            unit="people",
        ),
        W.TableSpec(
            "T37",
            "long term support at the end of the year, by age band and primary support reason",
            _END,
            ("age_band", "primary_support_reason"),
            unit="people",
        ),
        W.TableSpec(
            "T38",
            "long term support at the end of the year, by age band and support setting",
            _END,
            ("age_band", "support_setting"),
            unit="people",
        ),
    ]
}

DIMENSIONS = W.DIMENSIONS


def detect(path: str | Path) -> str | None:
    """The workbook layout if the file is the ASC-FR and SALT tables workbook, else None."""
    p = Path(path)
    if P.is_spreadsheet(p) and W.is_workbook(p):
        return W.WORKBOOK_LAYOUT
    return None


def read(path: str | Path) -> pd.DataFrame:
    """SALT cells as published, each with its header path and spreadsheet row."""
    p = P.check_readable(path)
    if detect(p) is None:
        raise UnknownLayoutError("this file is not a SALT file this reader knows", LAYOUTS, file=p)
    raw = W.read_tables(p, SPECS)
    raw.attrs["layout"] = W.WORKBOOK_LAYOUT
    raw.attrs["england_crosstab"] = read_england_crosstab(p, raw.attrs.get("file_year"))
    return raw


CROSSTAB = ("T35", "long term support during the year, by age band, primary support reason")


def read_england_crosstab(path: str | Path, year: int | None) -> pd.DataFrame:
    """T35 (England only): people during the year by age band x primary support reason x
    setting, tidy, with England's code. Empty when the sheet is not in the workbook.

    Raises:
        SourceError: the sheet is there but its header row or a cell is not as published.
    """
    from msp_analysis.errors import SourceError

    p = Path(path)
    ref = CROSSTAB[0]
    if ref not in (P.sheet_names_or_none(p) or []):
        return pd.DataFrame()
    sheet = P.read_sheets(p, [ref])[ref]
    title = next((v for v in sheet.iloc[:10, 0] if isinstance(v, str) and "Table" in v), "")
    if "support reason" not in title.lower() or "setting" not in title.lower():
        return pd.DataFrame()  # a release that numbers its tables differently: no seed
    hdr = P.find_header_row(sheet, "Age band", column=0, max_rows=20)
    if hdr is None:
        raise SourceError("no header row starting 'Age band'", file=p.name, sheet=ref)
    labels = [P.tidy_label(v) for v in sheet.iloc[hdr].tolist()]
    cols = [i for i, lab in enumerate(labels) if i >= 2 and lab and lab != "Total"]
    body = sheet.iloc[hdr + 1 :]
    age = body.iloc[:, 0].where(body.iloc[:, 0].astype("string").str.strip() != "").ffill()
    reason = body.iloc[:, 1]
    keep = reason.notna() & age.notna() & (reason.astype("string").str.strip() != "")
    keep &= age.astype("string").str.strip().isin(["18 to 64", "65 and over", "All ages"])
    rows = []
    kept = body.loc[keep]
    age_band = age[keep].astype("string").str.strip().map(P.tidy_age_band)
    support_reason = reason[keep].map(P.tidy_label).astype("string")
    for i in cols:
        cells = kept.iloc[:, i]
        parsed = P.parse_numbers(
            cells, file=p.name, column=labels[i], rows=cells.index.to_series() + 1, sheet=ref
        )
        rows.append(
            pd.DataFrame(
                {
                    "age_band": age_band,
                    "primary_support_reason": support_reason,
                    "support_setting": labels[i],
                    "value": parsed.value,
                    "suppressed": parsed.suppressed,
                    "marker": parsed.marker,
                    "source_row": (cells.index.to_numpy() + 1).astype("int64"),
                    "source_column": i + 1,
                }
            )
        )
    if not rows:
        return pd.DataFrame()
    out = pd.concat(rows, ignore_index=True)
    out = out[out["age_band"] != "All ages"]
    out = out.assign(
        la_code="E92000001",
        area_type="england",
        la_name="England",
        cassr_code=pd.NA,
        region_code="E92000001",
        year=year if year is not None else P.last_fy_in(title),
        year_label=P.fy_label(year) if year is not None else "",
        table_ref=ref,
        measure=_DURING,
        unit="people",
        source=SOURCE,
        source_file=p.name,
        source_sheet=ref,
    )
    for d in DIMENSIONS:
        if d not in out:
            out[d] = "Total"
    return out


def clean(raw: pd.DataFrame) -> pd.DataFrame:
    """Tidy SALT table: council (or England / region) x year x measure x dimensions."""
    file = raw.attrs.get("source_file", "")
    extra = raw.attrs.get("england_crosstab")
    if extra is not None:  # pandas deep-copies attrs on every step: keep the frame out of them
        raw = raw.copy(deep=False)
        raw.attrs = {k: v for k, v in raw.attrs.items() if k != "england_crosstab"}
    out = W.clean_cells(raw, SPECS, source=SOURCE)
    if extra is not None and len(extra):
        extra = extra.astype({c: out[c].dtype for c in extra.columns if c in out.columns})
        out = pd.concat([out, extra[out.columns.intersection(extra.columns)]], ignore_index=True)
    cols = W.tidy_columns(DIMENSIONS)
    out = out[cols]
    log.info(
        "%s: %d SALT rows kept, %d suppressed or not submitted",
        file,
        len(out),
        int(out["suppressed"].sum()),
    )
    return out
