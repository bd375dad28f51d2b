"""ASC-FR: the Adult Social Care Finance Return (NHS Digital).

Layouts this reader knows (see :data:`LAYOUTS`):

- the "ASC-FR and SALT data tables" workbook (finance tables: gross current
  expenditure by care type, support setting, age band and primary support reason;
  unit costs T51-T55), 2021-22 and later releases;
- the ASC-FR CSV data files with coded keys ("Totals" and "Activity", 2016-17), and the
  third file of the set, "Additional" (income, grants, Better Care Fund and the
  bridging-year lines: ``DataSource_KEY``, ``Datatype_KEY``, ``FinanceType_KEY``,
  ``ComparativeTotals_KEY``, no setting keys), labelled by item UUID from the labelled
  2015-16 additional data file (``data/ascfr_additional_items.csv``);
- the ASC-FR "data file with descriptions" CSV (2017-18 onwards: one row per item,
  dimension labels in the key columns, ``99`` for totals);
- the first ASC-FR year, 2014-15, council-level expenditure CSV: wide, one column per
  council headed ``<council number> - <name>`` (``817 - Wiltshire``), a row of region
  abbreviations above the header, dimension columns ``Support type``, ``Age category``,
  ``Summary`` (primary support reason, or the other-care category), ``Delivery mechanism``
  (support setting or short-term purpose) and ``Accounting category`` (the measure); ``:``
  where data are unavailable. Councils are matched by number through
  ``data/old_council_codes.csv`` and the published name is checked against it. The
  file repeats one block of rows (the 'Non Salt Totals' of the social-support lines)
  with identical values; the repeat is dropped, a repeat with different values is an error.
- the 2015-16 style "data file with descriptions" CSVs (UTF-8 with BOM): ``UUID``,
  ``Council Code`` (the council number), ``Council Name``, dimension columns with the
  labels spelled out (``Care Type``, ``Activity Provision``, ``Age Band(s)``, ``Primary
  support reason``, ``Long Term Support Setting``, ``Short Term Purpose``, ``Data Type``,
  ``Data Source``, ``Finance Type``, ``Comparative totals``; ``-`` = not applicable),
  ``Value`` and ``Notes`` (``Estimate`` where the council estimated the figure: kept in
  ``marker``, the value stands). No ONS codes and no year column: councils are matched
  by number and name as in 2014-15; the year comes from the file name
  (``pss-exp-eng-15-16-...``).

Money is in £ thousands as published (unit ``£ thousands``); unit costs in £ per
week (long-term care) or £ per hour (home care). Values are not rounded.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from msp_analysis import geography
from msp_analysis.errors import SourceError, UnknownLayoutError
from msp_analysis.sources import _nhsd_workbook as W
from msp_analysis.sources import _parsing as P

log = logging.getLogger(__name__)

SOURCE = "ASC-FR (NHS Digital)"
TABLE = "ascfr"

LAYOUTS: dict[str, str] = {
    W.WORKBOOK_LAYOUT: W.WORKBOOK_DESCRIPTION + "; finance tables T15-T20, T43-T46, T51-T55",
    "ascfr-csv-totals": "ASC-FR CSV data file 'Totals' with coded keys (FY_Ending, CASSR_CODE, "
    "CareType_KEY ... GROSSCURRENTEXPENDITURE), 2014-15 to 2016-17",
    "ascfr-csv-activity": "ASC-FR CSV data file 'Activity' with coded keys (UUID, FY_Ending, ... ItemValue), 2014-15 to 2016-17",
    "ascfr-csv-additional": "ASC-FR CSV data file 'Additional' with coded keys (UUID, FY_Ending, "
    "DataSource_KEY, FinanceType_KEY, ComparativeTotals_KEY, ItemValue): income, grants, Better "
    "Care Fund, 2015-16 bridging-year lines; 2016-17",
    "ascfr-data-file-descriptions": "ASC-FR 'Data File (with descriptions)' CSV (GEOGRAPHY_CODE, FY_Ending, "
    "DATA_LEVEL, CareType_Key ... ITEMVALUE with labels, 99 = total), 2017-18 onwards",
    "ascfr-2014-15-wide": "ASC-FR 2014-15 council-level expenditure CSV: region row, then Support type, "
    "Age category, Summary, Delivery mechanism, Accounting category, one column per "
    "'<council number> - <name>'",
    "ascfr-2014-15-unit-costs-wide": "ASC-FR 2014-15 council-level unit costs CSV: region row, then "
    "Support type, Age category, Primary support reason, Service delivery mechanism, Unit cost "
    "category (Numerator / Denominator / Unit costs), Unit cost provision, one column per "
    "'<council number> - <name>', then regions and England",
    "ascfr-2015-16-descriptions": "ASC-FR 2015-16 data file with descriptions CSV (UUID, Council Code, "
    "Council Name, labelled dimensions, Value, Notes), year from the file name",
}

_LTC = "Long Term Care"
_GCE = "gross_current_expenditure"
_UC = "unit_cost"
_PCT = r"per cent|percentage"

SPECS: dict[str, W.TableSpec] = {
    s.ref: s
    for s in [
        W.TableSpec(
            "T15",
            "Gross Current Expenditure, by care type, year on year",
            _GCE,
            ("care_type", "year"),
        ),
        W.TableSpec(
            "T17",
            "Gross Current Expenditure on long and short term care, by care type and age band",
            _GCE,
            ("care_type", "year", "age_band"),
        ),
        W.TableSpec(
            "T18",
            "by age band and primary support reason",
            _GCE,
            ("age_band", "primary_support_reason"),
            fixed={"care_type": "Long and Short Term Care"},
        ),
        W.TableSpec(
            "T19",
            "clients aged 18 to 64, by care type and primary support reason",
            _GCE,
            ("care_type", "primary_support_reason"),
            fixed={"age_band": "18 to 64"},
        ),
        W.TableSpec(
            "T20",
            "clients aged 65 and over, by care type and primary support reason",
            _GCE,
            ("care_type", "primary_support_reason"),
            fixed={"age_band": "65 and over"},
        ),
        W.TableSpec(
            "T43",
            "long term care for clients aged 18 to 64, by support setting",
            _GCE,
            ("support_setting",),
            fixed={"age_band": "18 to 64", "care_type": _LTC},
        ),
        W.TableSpec(
            "T44",
            "long term care for clients aged 65 and over, by support setting",
            _GCE,
            ("support_setting",),
            fixed={"age_band": "65 and over", "care_type": _LTC},
        ),
        W.TableSpec(
            "T46",
            "other (not long or short term) social care",
            _GCE,
            ("primary_support_reason",),
            fixed={"care_type": "Other"},
        ),
        W.TableSpec(
            "T51",
            "hourly rate for the provision of home care",
            "unit_cost_home_care",
            ("year", "provision"),
            fixed={"support_setting": "Community: Home Care"},
            unit="£ per hour",
        ),
        W.TableSpec(
            "T52",
            "Unit costs for clients accessing long term support, by support setting and age band",
            _UC,
            ("support_setting", "year", "age_band"),
            unit="£ per week",
        ),
        W.TableSpec(
            "T53",
            "clients aged 18 to 64 accessing residential or nursing",
            _UC,
            ("support_setting", "primary_support_reason"),
            fixed={"age_band": "18 to 64"},
            unit="£ per week",
        ),
        W.TableSpec(
            "T54",
            "clients aged 65 and over accessing residential or nursing",
            _UC,
            ("support_setting", "primary_support_reason"),
            fixed={"age_band": "65 and over"},
            unit="£ per week",
        ),
        W.TableSpec(
            "T55",
            "residential long term support, by provision type and age band",
            _UC,
            ("provision", "year", "age_band"),
            fixed={"support_setting": "Residential"},
            unit="£ per week",
        ),
    ]
}

_TOTALS_KEYS = [
    "CareType_KEY",
    "AgeBand_KEY",
    "PrimarySupportReason_KEY",
    "SupportSetting_KEY",
    "Purpose_KEY",
    "CarerSupportType_KEY",
    "DataType_KEY",
]
_TOTALS_MEASURES = {
    "TOTALEXPENDITURE": "total_expenditure",
    "TOTALINCOME": "total_income",
    "NETTOTALEXPENDITURE": "net_total_expenditure",
    "GROSSTOTALEXPENDITURE": "gross_total_expenditure",
    "NETCURRENTEXPENDITURE": "net_current_expenditure",
    "GROSSCURRENTEXPENDITURE": _GCE,
}
_ACTIVITY_KEYS = [
    "UUID",
    "DataType_KEY",
    "AgeBand_KEY",
    "PrimarySupportReason_KEY",
    "CareType_KEY",
    "SupportSetting_KEY",
    "Purpose_KEY",
    "ActivityProvision_KEY",
]
_GEO = ["FY_Ending", "CASSR_CODE", "GEOGRAPHY_CODE", "REGION_GO_CODE"]
_DESC_REQUIRED = ["FY_Ending", "GEOGRAPHY_CODE", "DATA_LEVEL", "ITEMVALUE"]
_DESC_DIMS = {
    "CareType_Key": "care_type",
    "SupportSetting_Key": "support_setting",
    "AgeBand_Key": "age_band",
    "PrimarySupportReason_Key": "primary_support_reason",
    "Purpose_Key": "purpose",
    "FinanceDescription_Key": "provision",
    "ActivityProvision_Key": "activity_provision",
}
_KEY_TO_DIM = {
    "CareType_KEY": "care_type",
    "AgeBand_KEY": "age_band",
    "PrimarySupportReason_KEY": "primary_support_reason",
    "SupportSetting_KEY": "support_setting",
    "Purpose_KEY": "purpose",
    "CarerSupportType_KEY": "carer_support_type",
    "DataType_KEY": "data_type",
    "ActivityProvision_KEY": "provision",
}


@lru_cache(maxsize=1)
def key_lookup() -> pd.DataFrame:
    """Key-to-label lookup for the coded CSV files, with how each label was established.

    The published metadata file that goes with the 2016-17 CSV data files could not
    be obtained; labels are reconciled against the labelled 2021-22 tables, and keys
    that could not be reconciled are kept as keys with an 'unconfirmed' flag.
    """
    with resources.files("msp_analysis.data").joinpath("ascfr_csv_keys.csv").open("rb") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


def detect(path: str | Path) -> str | None:
    """Which ASC-FR layout the file is in, judged by its content; None if not ASC-FR."""
    p = Path(path)
    if P.is_spreadsheet(p):
        return W.WORKBOOK_LAYOUT if W.is_workbook(p) else None
    if P.is_text(p):
        second = set(_second_line(p))
        if set(_WIDE_DIMS) <= second:
            return "ascfr-2014-15-wide"
        if set(_UC_DIMS) <= second:
            return "ascfr-2014-15-unit-costs-wide"
        cols = set(P.text_header(p))
        if set(_EARLY_REQUIRED) <= cols:
            return "ascfr-2015-16-descriptions"
        if {"GROSSCURRENTEXPENDITURE", "CareType_KEY"} <= cols:
            return "ascfr-csv-totals"
        signatures = {
            # Both coded item files have UUID and ItemValue: each signature adds three
            # columns the other lacks, so one file is never taken for the other's near miss.
            "ascfr-csv-additional": {
                *("ItemValue", "UUID", "DataSource_KEY", "FinanceType_KEY"),
                "ComparativeTotals_KEY",
            },
            "ascfr-csv-activity": {
                *("ItemValue", "UUID", "ActivityProvision_KEY", "CareType_KEY"),
                "SupportSetting_KEY",
            },
            "ascfr-data-file-descriptions": {"DATA_LEVEL", "ITEMVALUE", "CareType_Key"},
        }
        for layout, required in signatures.items():
            if P.has_columns(cols, required, layout=layout, file=p):
                return layout
    return None


def read(path: str | Path) -> pd.DataFrame:
    """The file as published: workbook cells with header paths, or CSV rows as text.

    Raises:
        UnknownLayoutError: the file is not in a layout listed in :data:`LAYOUTS`.
    """
    p = P.check_readable(path)
    layout = detect(p)
    if layout is None:
        raise UnknownLayoutError(
            "this file is not an ASC-FR file this reader knows", LAYOUTS, file=p
        )
    if layout == W.WORKBOOK_LAYOUT:
        raw = W.read_tables(p, SPECS)
    elif layout in ("ascfr-2014-15-wide", "ascfr-2014-15-unit-costs-wide"):
        raw = _read_wide(p)
    else:
        raw = P.read_text_table(p)
    raw.attrs["source_file"] = p.name
    raw.attrs["layout"] = layout
    return raw


def clean(raw: pd.DataFrame) -> pd.DataFrame:
    """Tidy ASC-FR table: one row per council (or England / region) x year x measure x dimensions.

    Raises:
        SourceError: bad cell or missing column (message names file, column, row). A key
            published twice is found by the schema (:func:`msp_analysis.schemas.validate`).
    """
    layout = raw.attrs.get("layout")
    file = raw.attrs.get("source_file", "")
    if layout == W.WORKBOOK_LAYOUT:
        out = W.clean_cells(raw, SPECS, source=SOURCE)
    elif layout == "ascfr-csv-totals":
        out = _clean_totals(raw, file)
    elif layout == "ascfr-csv-activity":
        out = _clean_activity(raw, file)
    elif layout == "ascfr-csv-additional":
        out = _clean_additional(raw, file)
    elif layout == "ascfr-data-file-descriptions":
        out = _clean_descriptions(raw, file)
    elif layout == "ascfr-2014-15-wide":
        out = _clean_wide(raw, file)
    elif layout == "ascfr-2014-15-unit-costs-wide":
        out = _clean_unit_costs(raw, file)
    elif layout == "ascfr-2015-16-descriptions":
        out = _clean_early_descriptions(raw, file)
    else:
        raise UnknownLayoutError(f"raw frame has layout {layout!r}", LAYOUTS, file=file)
    if "source_sheet" not in out:
        out["source_sheet"] = pd.NA
    out = _finish(out)
    log.info(
        "%s: %d rows kept, %d suppressed or not submitted",
        file,
        len(out),
        int(out["suppressed"].sum()),
    )
    return out


DIMENSIONS = [*W.DIMENSIONS, "carer_support_type", "data_type"]


def _finish(out: pd.DataFrame) -> pd.DataFrame:
    for d in DIMENSIONS:
        if d not in out:
            out[d] = pd.Series("Total", index=out.index, dtype="string")
        out[d] = out[d].astype("string").fillna("Total")
    cols = W.tidy_columns(DIMENSIONS)
    return out[cols].reset_index(drop=True)


def _labels(raw: pd.DataFrame, columns: list[str], file: str) -> dict[str, pd.Series]:
    lk = key_lookup()
    out = {}
    for col in columns:
        table = lk[lk["dimension"] == col]
        mapping = dict(zip(table["key"], table["label"]))
        # One label per distinct key, taken back by position.
        codes, distinct = pd.factorize(raw[col], use_na_sentinel=False)
        keys = pd.Series(distinct).astype(str).str.strip()
        unknown = ~keys.isin([*list(mapping), ""]).to_numpy()
        if unknown.any():
            i = np.flatnonzero(unknown[codes])[0]  # the first row with an unknown key
            raise SourceError(
                f"key {keys[codes[i]]!r} is not in the published key list for {col} "
                f"(known: {', '.join(sorted(mapping, key=lambda k: (len(k), k)))})",
                file=file,
                column=col,
                row=int(raw["source_row"].iloc[i]),
            )
        labels = [
            mapping.get(k)
            or (f"{col.replace('_KEY', '')} key {k} (label unconfirmed)" if k else "Total")
            for k in keys
        ]
        out[_KEY_TO_DIM[col]] = pd.Series(
            pd.array(labels, dtype="string").take(codes), index=raw.index
        )
    return out


def _geo_columns(raw: pd.DataFrame, file: str) -> pd.DataFrame:
    """Area codes, names and year of each line, worked out once for each distinct (year,
    CASSR, ONS and region code): a council's codes repeat on hundreds of lines."""
    P.require_columns(raw, _GEO, file=file)
    group = raw.groupby(_GEO, sort=False, dropna=False).ngroup().to_numpy()
    geo = _geo_of(raw.iloc[np.unique(group, return_index=True)[1]], file)
    return pd.DataFrame({c: geo[c].array.take(group) for c in geo}, index=raw.index)


def _geo_of(raw: pd.DataFrame, file: str) -> pd.DataFrame:
    rows = raw["source_row"]
    geo = P.area_codes(raw["GEOGRAPHY_CODE"], file=file, column="GEOGRAPHY_CODE", rows=rows)
    region = P.area_codes(raw["REGION_GO_CODE"], file=file, column="REGION_GO_CODE", rows=rows)
    code = geo.where(geo != "", region)
    bad = ~code.str.match(r"^E\d{8}$")
    if bad.any():
        i = bad[bad].index[0]
        raise SourceError(
            f"no valid area code (GEOGRAPHY_CODE {geo[i]!r}, REGION_GO_CODE {region[i]!r})",
            file=file,
            column="GEOGRAPHY_CODE",
            row=int(raw.loc[i, "source_row"]),
        )
    fy_end = pd.to_numeric(raw["FY_Ending"], errors="coerce")
    if fy_end.isna().any():
        i = fy_end[fy_end.isna()].index[0]
        raise SourceError(
            f"FY_Ending {raw.loc[i, 'FY_Ending']!r} is not a year",
            file=file,
            column="FY_Ending",
            row=int(raw.loc[i, "source_row"]),
        )
    area = geography.area_type(code)
    la_name = code.map({c: geography.council_name(c) for c in code.unique()})
    return pd.DataFrame(
        {
            "la_code": code.astype("string"),
            "area_type": area,
            "la_name": la_name.astype("string"),
            "cassr_code": raw["CASSR_CODE"].str.strip().replace("", pd.NA).astype("string"),
            "region_code": region.where(area == "council").astype("string"),
            "year": (fy_end - 1).astype("Int64"),
        }
    )


def _clean_totals(raw: pd.DataFrame, file: str) -> pd.DataFrame:
    P.require_columns(
        raw, _GEO + _TOTALS_KEYS + list(_TOTALS_MEASURES), file=file, layout="ascfr-csv-totals"
    )
    base = pd.concat(
        [_geo_columns(raw, file), pd.DataFrame(_labels(raw, _TOTALS_KEYS, file))], axis=1
    )
    base["source_row"] = raw["source_row"].astype("int64")
    pieces = []
    for col, measure in _TOTALS_MEASURES.items():
        parsed = P.parse_numbers(raw[col], file=file, column=col, rows=raw["source_row"])
        part = base.copy()
        part["measure"] = measure
        part["value"] = parsed.value
        part["suppressed"] = parsed.suppressed
        part["marker"] = parsed.marker
        part["source_column"] = raw.columns.get_loc(col)  # 1-based: source_row is column 0
        pieces.append(part)
    out = pd.concat(pieces, ignore_index=True)
    out["table_ref"] = "CSV Totals"
    out["unit"] = "£ thousands"
    out["source"] = SOURCE
    out["source_file"] = file
    out["year_label"] = P.fy_labels(out["year"])
    return out


def _clean_activity(raw: pd.DataFrame, file: str) -> pd.DataFrame:
    P.require_columns(
        raw, _GEO + _ACTIVITY_KEYS + ["ItemValue"], file=file, layout="ascfr-csv-activity"
    )
    labels = _labels(raw, [k for k in _ACTIVITY_KEYS if k != "UUID"], file)
    out = pd.concat([_geo_columns(raw, file), pd.DataFrame(labels)], axis=1)
    parsed = P.parse_numbers(
        raw["ItemValue"], file=file, column="ItemValue", rows=raw["source_row"]
    )
    out["measure"] = ("activity_item_" + raw["UUID"].str.strip()).astype("string")
    out["value"] = parsed.value
    out["suppressed"] = parsed.suppressed
    out["marker"] = parsed.marker
    out["table_ref"] = "CSV Activity"
    out["unit"] = "count"
    out["source"] = SOURCE
    out["source_file"] = file
    out["source_row"] = raw["source_row"].astype("int64")
    out["source_column"] = raw.columns.get_loc("ItemValue")
    out["year_label"] = P.fy_labels(out["year"])
    return out


@lru_cache(maxsize=1)
def additional_items() -> pd.DataFrame:
    """Labels of the 'Additional' data items by UUID (as published in 2015-16, see the file)."""
    with (
        resources.files("msp_analysis.data").joinpath("ascfr_additional_items.csv").open("rb") as fh
    ):
        return pd.read_csv(fh, dtype=str, keep_default_na=False, comment="#").set_index("uuid")


_ADDITIONAL_KEYS = ["UUID", "AgeBand_KEY", "ItemValue"]


def _clean_additional(raw: pd.DataFrame, file: str) -> pd.DataFrame:
    """The coded 'Additional' file, labelled like the 2015-16 additional data file.

    Each item's labels come from its UUID; the row's age band key must agree with the
    item's age band (a UUID reused for another item is refused, naming the row). An item
    not in the list is kept under ``additional_item_<UUID>`` with a note in the log.
    """
    P.require_columns(raw, _GEO + _ADDITIONAL_KEYS, file=file, layout="ascfr-csv-additional")
    items = additional_items()
    uuid = raw["UUID"].str.strip()
    known = uuid.isin(items.index)
    if not known.all():
        log.info(
            "%s: item(s) %s are not in the published item list; kept as additional_item_<UUID>",
            file,
            ", ".join(sorted(uuid[~known].unique())),
        )
    item = items.reindex(uuid.to_numpy())
    item.index = raw.index
    age = _labels(raw, ["AgeBand_KEY"], file)["age_band"]
    clash = known & (age != item["age_band"].replace("", "Total"))
    if clash.any():
        i = clash[clash].index[0]
        raise SourceError(
            f"item {uuid[i]} is published for age band {item.loc[i, 'age_band'] or 'all ages'!r} "
            f"but this line's AgeBand_KEY says {age[i]!r}",
            file=file,
            column="AgeBand_KEY",
            row=int(raw.loc[i, "source_row"]),
        )
    out = _geo_columns(raw, file)
    label = (item["finance_type"] + " " + item["item"]).str.strip()
    out["measure"] = _snake(label).where(known, "additional_item_" + uuid).astype("string")
    out["age_band"] = age
    out["data_type"] = item["data_type"].where(known, pd.NA).astype("string")
    out["table_ref"] = ("CSV Additional: " + item["data_source"]).where(known, "CSV Additional")
    parsed = P.parse_numbers(
        raw["ItemValue"], file=file, column="ItemValue", rows=raw["source_row"]
    )
    out["value"] = parsed.value
    out["suppressed"] = parsed.suppressed
    out["marker"] = parsed.marker
    out["unit"] = "£ thousands"
    out["source"] = SOURCE
    out["source_file"] = file
    out["source_row"] = raw["source_row"].astype("int64")
    out["source_column"] = raw.columns.get_loc("ItemValue")
    out["year_label"] = P.fy_labels(out["year"])
    return out


def _clean_descriptions(raw: pd.DataFrame, file: str) -> pd.DataFrame:
    P.require_columns(raw, _DESC_REQUIRED, file=file, layout="ascfr-data-file-descriptions")
    if "CASSR_CODE" not in raw:
        raw = raw.assign(CASSR_CODE="")
    if "REGION_GO_CODE" not in raw:
        raw = raw.assign(REGION_GO_CODE="")
    out = _geo_columns(raw, file)
    for col, dim in _DESC_DIMS.items():
        if col in raw:
            lab = raw[col].astype(str).str.strip()
            lab = lab.where(~lab.isin(["99", ""]), "Total")
            out[dim] = lab.map(lambda s: P.tidy_age_band(s) if dim == "age_band" else s).astype(
                "string"
            )
    level = raw["DATA_LEVEL"].str.strip()
    out["measure"] = (
        level.str.lower()
        .str.replace(r"[^a-z0-9]+", "_", regex=True)
        .str.strip("_")
        .astype("string")
    )
    parsed = P.parse_numbers(
        raw["ITEMVALUE"], file=file, column="ITEMVALUE", rows=raw["source_row"]
    )
    out["value"] = parsed.value
    out["suppressed"] = parsed.suppressed
    out["marker"] = parsed.marker
    is_unit_cost = level.str.contains("unit cost", case=False)
    out["unit"] = np.where(
        is_unit_cost,
        "£ per week",
        np.where(
            level.str.contains("activity|clients|weeks|hours", case=False), "count", "£ thousands"
        ),
    )
    if "activity_provision" in out:
        out["provision"] = out.pop("activity_provision").where(
            lambda s: s != "Total", out.get("provision", "Total")
        )
    out["table_ref"] = "Data file"
    out["source"] = SOURCE
    out["source_file"] = file
    out["source_row"] = raw["source_row"].astype("int64")
    out["source_column"] = raw.columns.get_loc("ITEMVALUE")
    out["year_label"] = P.fy_labels(out["year"])
    return out


# --- ASC-FR 2014-15: one column per council ----------------------------------------------

_WIDE_DIMS = [
    "Support type",
    "Age category",
    "Summary",
    "Delivery mechanism",
    "Accounting category",
]
_WIDE_CARE = {"long term": "Long Term Care", "short term": "Short Term Care"}
_WIDE_PSR = {
    "physical support": "Physical Support",
    "sensory support": "Sensory Support",
    "support with memory and cognition": "Support with Memory and Cognition",
    "learning disability support": "Learning Disability Support",
    "mental health support": "Mental Health Support",
    "social support: substance misuse support": "Social Support: Substance Misuse Support",
    "social support: asylum seeker support": "Social Support: Asylum Seeker Support",
    "social support: support to carer": "Social Support: Support to Carer",
    "social support: support for social isolation/other": (
        "Social Support: Support for Social Isolation/Other"
    ),
    "assistive equipment and technology": "Assistive Equipment and Technology",
    "social care activities": "Social Care Activities",
    "information and early intervention": "Information and Early Intervention",
    "commissioning and service delivery": "Commissioning and Service Delivery",
    "total": "Total",
    "adult social care": "Total",
}
_WIDE_SETTING = {
    "nursing": "Nursing",
    "residential": "Residential",
    "supported accommodation": "Supported Accommodation",
    "community: direct payments": "Community: Direct Payments",
    "community: home care": "Community: Home Care",
    "community: supported living": "Community: Supported Living",
    "community: other long term care": "Community: Other Long Term Care",
    "community: other": "Community: Other",
    "fairer charging income": "Fairer Charging Income",
    "total": "Total",
    "short and long term total": "Total",
    "": "Not stated",
}
_WIDE_PURPOSE = {
    "to maximise independence": "Short Term Care: to Maximise Independence",
    "other short term": "Short Term Care: Other Short Term",
}
#: 'Summary' lines that are whole-return figures, each its own measure.
_WIDE_WHOLE = {"income from specific and special grants", "actual total net cost"}
_WIDE_COUNCIL = re.compile(r"^\s*(\d{3})\s*-\s*(.+?)\s*$")


def _second_line(path: Path) -> list[str]:
    """Fields of the second line of a CSV (the header of the 2014-15 wide file)."""
    import csv

    with open(path, "rb") as fh:
        fh.readline()
        line = fh.readline()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = line.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    return [f.strip() for f in next(csv.reader([text]))] if text.strip() else []


def _read_wide(p: Path) -> pd.DataFrame:
    # Line 1 is the region row: each council's column says its region, which the council
    # number already gives (and a list in ``attrs`` would be deep-copied by every step).
    raw = P.read_text_table(p, skiprows=1)
    raw["source_row"] = raw["source_row"] + 1  # the header is line 2
    return raw


def _snake(label: pd.Series) -> pd.Series:
    return (
        label.str.lower()
        .str.replace(r"[^a-z0-9]+", "_", regex=True)
        .str.strip("_")
        .astype("string")
    )


def _year_in_name(file: str) -> int | None:
    m = re.search(r"(?<!\d)(?:20)?(\d{2})\s*[-_]\s*(\d{2})(?!\d)", file)
    if m and int(m.group(2)) == (int(m.group(1)) + 1) % 100:
        return 2000 + int(m.group(1))
    return None


def _wide_year(file: str) -> int:
    year = _year_in_name(file)
    if year is None:
        log.warning("%s: no year in the file name; the wide layout was published for 2014-15", file)
        return 2014
    return year


@lru_cache(maxsize=1)
def _council_numbers() -> pd.DataFrame:
    """ASC-FR council number -> ONS code (cached: read-only, callers must not modify it)."""
    from msp_analysis.sources.outturn import old_codes

    lk = old_codes()
    return lk[lk["scheme"] == "ascfr_council_number"].set_index("old_code")


def _match_council(num: str, name: str, *, file: str, column: str, row: int) -> str:
    """ONS code of an ASC-FR council number, checking the published name agrees."""
    lk = _council_numbers()
    if num not in lk.index:
        raise SourceError(
            f"council number {num} is not in old_council_codes.csv",
            file=file,
            column=column,
            row=row,
        )
    want = lk.loc[num, "published_name"]
    if geography._name_key(want) != geography._name_key(name):
        raise SourceError(
            f"council number {num} is {want!r} in old_council_codes.csv, not {name!r}",
            file=file,
            column=column,
            row=row,
        )
    return lk.loc[num, "la_code"]


def _check_repeats_agree(dims: pd.DataFrame, cells: pd.DataFrame, file: str) -> None:
    """Lines published more than once must repeat the same values in every council column.

    ``dims`` are the repeated lines' labels, ``cells`` their ``source_row`` and council
    columns (a few hundred rows: compared as plain tuples). The first line (in label
    order) whose repeats differ is an error naming its first row.
    """
    seen: dict[tuple, set[tuple]] = {}
    first_row: dict[tuple, int] = {}
    values = map(tuple, cells.drop(columns="source_row").to_numpy())
    for key, row, vals in zip(map(tuple, dims.to_numpy()), cells["source_row"], values):
        seen.setdefault(key, set()).add(vals)
        first_row.setdefault(key, int(row))
    differs = sorted(k for k, v in seen.items() if len(v) > 1)
    if differs:
        raise SourceError(
            f"the line {dict(zip(_WIDE_DIMS, differs[0]))} is published twice with different values",
            file=file,
            row=first_row[differs[0]],
        )


def _parse_wide_cells(
    raw: pd.DataFrame, councils: list[str], line: np.ndarray, council: np.ndarray, file: str
) -> P.Parsed:
    """Parse the council cells, column-major: cell ``i`` is row ``line[i]`` of column
    ``councils[council[i]]`` (400,000 cells, about 40,000 distinct texts)."""
    cells = pd.concat([raw[c] for c in councils], ignore_index=True)
    names = np.array(councils, dtype=object)
    maybe = np.flatnonzero(cells.str.contains("$", regex=False, na=False).to_numpy())
    dollar = maybe[cells.iloc[maybe].str.match(r"^\s*\$\s*[\d.,]+\s*$").to_numpy(dtype=bool)]
    if len(dollar):  # Cornwall's column holds '$0.00' (a formatting slip): the number stands
        log.warning(
            "%s, column(s) %s: %d cell(s) like '$0.00' read as numbers",
            file,
            ", ".join(sorted(set(names[council[dollar]]))),
            len(dollar),
        )
        cells.iloc[dollar] = cells.iloc[dollar].str.replace("$", "", regex=False)
    return P.parse_numbers(
        cells,
        file=file,
        column=pd.Series(names[council], dtype=object),
        rows=pd.Series(raw["source_row"].to_numpy()[line]),
    )


def _take_lines(base: pd.DataFrame, line: np.ndarray) -> pd.DataFrame:
    """One output row per cell: each takes its line's labels (and source row) by position."""
    return pd.DataFrame(
        {
            c: (
                base[c].to_numpy()[line]
                if c == "source_row"
                else base[c].astype("string").array.take(line)
            )
            for c in base.columns
        }
    )


def _clean_wide(raw: pd.DataFrame, file: str) -> pd.DataFrame:
    P.require_columns(raw, _WIDE_DIMS, file=file, layout="ascfr-2014-15-wide")
    councils = [str(c) for c in raw.columns if _WIDE_COUNCIL.match(str(c))]
    if not councils:
        raise SourceError("no council columns headed '<council number> - <name>'", file=file, row=2)
    lk = _council_numbers()
    code_of = {}
    for col in councils:
        num, name = _WIDE_COUNCIL.match(col).groups()  # type: ignore[union-attr]  # matched above
        code_of[col] = _match_council(num, name, file=file, column=col, row=2)
    dims = raw[_WIDE_DIMS].apply(lambda s: s.str.strip().str.replace(r"\s*/\s*", "/", regex=True))
    body = dims["Accounting category"] != ""
    raw, dims = raw[body], dims[body]
    # The file publishes one block twice with identical values: drop the repeat.
    dup = dims.duplicated(keep=False)
    if dup.any():
        _check_repeats_agree(dims[dup], raw.loc[dup, ["source_row", *councils]], file)
        first = ~dims.duplicated(keep="first")
        log.info("%s: %d repeated lines (same values) dropped", file, int((~first).sum()))
        raw, dims = raw[first], dims[first]
    support = dims["Support type"].str.lower()
    summary = dims["Summary"].str.lower()
    delivery = dims["Delivery mechanism"].str.lower()
    unknown = ~summary.isin(list(_WIDE_PSR) + list(_WIDE_WHOLE))
    unknown |= ~delivery.isin(list(_WIDE_SETTING) + list(_WIDE_PURPOSE))
    if unknown.any():
        i = unknown[unknown].index[0]
        raise SourceError(
            f"unknown line label (Summary {dims.loc[i, 'Summary']!r}, Delivery mechanism "
            f"{dims.loc[i, 'Delivery mechanism']!r})",
            file=file,
            row=int(raw.loc[i, "source_row"]),
        )
    whole = summary.isin(_WIDE_WHOLE) | (summary == "adult social care")
    care = support.map(_WIDE_CARE)
    care = care.where(support != "non salt totals", "Other")
    care = care.where(
        ~((support == "non salt totals") & (dims["Age category"] != "")), "Long and Short Term Care"
    )
    care = care.where(~whole, "Total")
    base = pd.DataFrame(
        {
            "care_type": care.astype("string"),
            "age_band": dims["Age category"]
            .str.replace(r"^Age\s+", "", regex=True)
            .map(lambda s: P.tidy_age_band(s) if s else "Total")
            .astype("string"),
            "primary_support_reason": summary.map(_WIDE_PSR).fillna("Total").astype("string"),
            "support_setting": delivery.map(_WIDE_SETTING).fillna("Total").astype("string"),
            "purpose": delivery.map(_WIDE_PURPOSE).fillna("Total").astype("string"),
            "measure": _snake(dims["Accounting category"]).where(
                ~summary.isin(_WIDE_WHOLE), _snake(summary)
            ),
            "source_row": raw["source_row"].astype("int64"),
        }
    )
    year = _wide_year(file)
    # All council columns at once, column-major (one row per published cell): each output
    # row takes its line's labels (``line``) and its council's codes (``council``) by
    # position, so no label is converted to text again for every council.
    n_r, n_c = len(raw), len(councils)
    line = np.tile(np.arange(n_r), n_c)
    council = np.repeat(np.arange(n_c), n_r)
    parsed = _parse_wide_cells(raw, councils, line, council, file)
    out = _take_lines(base, line)
    codes = pd.Series([code_of[c] for c in councils], dtype="string")
    cassr = {v: k for k, v in lk["la_code"].items()}
    per_council = {
        "la_code": codes,
        "area_type": geography.area_type(codes),
        "la_name": codes.map(geography.council_name).astype("string"),
        "cassr_code": codes.map(cassr).astype("string"),
        "region_code": codes.map(geography.region_of).astype("string"),
    }
    out["value"] = parsed.value.to_numpy()
    out["suppressed"] = parsed.suppressed.to_numpy()
    out["marker"] = parsed.marker.to_numpy()
    out["source_column"] = np.array(  # 1-based: source_row is column 0
        [raw.columns.get_loc(c) for c in councils], dtype="int64"
    )[council]
    for name in ["la_code", "area_type", "la_name", "cassr_code", "region_code"]:
        out[name] = per_council[name].array.take(council)
    out["year"] = pd.Series(year, index=out.index, dtype="Int64")
    out["year_label"] = P.fy_labels(out["year"])
    out["table_ref"] = "Council expenditure 2014-15"
    out["unit"] = "£ thousands"
    out["source"] = SOURCE
    out["source_file"] = file
    return out


# --- ASC-FR 2014-15: council-level unit costs, wide like the expenditure file ---------------

_UC_DIMS = [
    "Support type",
    "Age category",
    "Primary support reason",
    "Service delivery mechanism",
    "Unit cost category",
    "Unit cost provision",
]
_UC_SETTING = {
    "residential and nursing care": "Residential and Nursing",
    "residential": "Residential",
    "nursing": "Nursing",
}
#: Unit cost category -> (measure, unit): the numerator is the gross total expenditure on
#: council-funded support (£ thousands), the denominator its weeks of care.
_UC_MEASURE = {
    "numerator": ("unit_cost_numerator", "£ thousands"),
    "denominator": ("unit_cost_weeks", "weeks"),
    "unit costs": ("unit_cost", "£ per week"),
}
_UC_PROVISION = {
    "all": "Total",
    "la supported only": "Council supported only",
    "own provision": "In House",
    "provision by others": "External",
}
#: Columns after the councils': regions and England, by the names the file uses.
_UC_AREAS = {
    "england": geography.ENGLAND_CODE,
    "north east": "E12000001",
    "north west": "E12000002",
    "yorkshire and humber": "E12000003",
    "yorkshire and the humber": "E12000003",
    "east midlands": "E12000004",
    "west midlands": "E12000005",
    "east": "E12000006",
    "east of england": "E12000006",
    "london": "E12000007",
    "south east": "E12000008",
    "south west": "E12000009",
}
#: '.' marks a unit cost not calculated: the data are zero or a part is not available.
_UC_NOT_CALCULATED = "."


def _clean_unit_costs(raw: pd.DataFrame, file: str) -> pd.DataFrame:
    """The 2014-15 council-level unit costs: numerator (£ thousands), weeks and £ a week.

    One row per area (council, region, England) x line; ``.`` (a unit cost not calculated
    because the data are zero or a part is missing) is kept as a marker, never as zero.
    """
    P.require_columns(raw, _UC_DIMS, file=file, layout="ascfr-2014-15-unit-costs-wide")
    councils = [str(c) for c in raw.columns if _WIDE_COUNCIL.match(str(c))]
    areas = [str(c) for c in raw.columns if str(c).strip().lower() in _UC_AREAS]
    other = [c for c in raw.columns if c not in {"source_row", *_UC_DIMS, *councils, *areas}]
    if other:
        raise SourceError(
            f"column {other[0]!r} is neither a council ('<number> - <name>'), a region nor England",
            file=file,
            column=str(other[0]),
            row=2,
        )
    if not councils:
        raise SourceError("no council columns headed '<council number> - <name>'", file=file, row=2)
    code_of = {}
    for col in councils:
        num, name = _WIDE_COUNCIL.match(col).groups()  # type: ignore[union-attr]  # matched above
        code_of[col] = _match_council(num, name, file=file, column=col, row=2)
    for col in areas:
        code_of[col] = _UC_AREAS[col.strip().lower()]
    dims = raw[_UC_DIMS].apply(lambda s: s.str.strip())
    body = dims["Unit cost category"] != ""
    raw, dims = raw[body], dims[body]
    low = dims.apply(lambda s: s.str.lower())
    support = low["Support type"].map(_WIDE_CARE)
    psr = low["Primary support reason"].map({**_WIDE_PSR, "": "Total"})
    delivery = low["Service delivery mechanism"]
    setting = delivery.map(_UC_SETTING)
    purpose = delivery.map(_WIDE_PURPOSE)
    measure = low["Unit cost category"].map(lambda k: _UC_MEASURE.get(k, (None, None))[0])
    provision = low["Unit cost provision"].map(_UC_PROVISION)
    unknown = support.isna() | psr.isna() | (setting.isna() & purpose.isna())
    unknown |= measure.isna() | provision.isna()
    if unknown.any():
        i = unknown[unknown].index[0]
        raise SourceError(
            "unknown line label ("
            + ", ".join(f"{c} {dims.loc[i, c]!r}" for c in _UC_DIMS if c != "Age category")
            + ")",
            file=file,
            row=int(raw.loc[i, "source_row"]),
        )
    age = (
        dims["Age category"]
        .str.replace(r"^Age\s+", "", regex=True)
        .map(lambda s: P.tidy_age_band(s) if s else "Total")
    )
    base = pd.DataFrame(
        {
            "care_type": support,
            "age_band": age,
            "primary_support_reason": psr,
            "support_setting": setting.fillna("Total"),
            "purpose": purpose.fillna("Total"),
            "provision": provision,
            "measure": measure,
            "unit": low["Unit cost category"].map(lambda k: _UC_MEASURE[k][1]),
            "source_row": raw["source_row"].astype("int64"),
        }
    )
    key = base.drop(columns=["source_row", "unit"])
    dup = key.duplicated(keep=False)
    if dup.any():
        i = dup[dup].index[0]
        raise SourceError(
            f"the line {dict(zip(_UC_DIMS, dims.loc[i]))} is published twice",
            file=file,
            row=int(raw.loc[i, "source_row"]),
        )
    columns = [*councils, *areas]
    n_r, n_c = len(raw), len(columns)
    line = np.tile(np.arange(n_r), n_c)
    area = np.repeat(np.arange(n_c), n_r)
    cells = pd.concat([raw[c] for c in columns], ignore_index=True).fillna("").str.strip()
    not_calculated = (cells == _UC_NOT_CALCULATED).to_numpy()
    parsed = P.parse_numbers(
        cells.where(~not_calculated, ""),
        file=file,
        column=pd.Series(np.array(columns, dtype=object)[area], dtype=object),
        rows=pd.Series(raw["source_row"].to_numpy()[line]),
    )
    out = _take_lines(base, line)
    codes = pd.Series([code_of[c] for c in columns], dtype="string")
    cassr = {v: k for k, v in _council_numbers()["la_code"].items()}
    kinds = geography.area_type(codes)
    names = codes.map(lambda c: geography.council_name(c) or geography.REGIONS.get(c) or "England")
    per_area = {
        "la_code": codes,
        "area_type": kinds,
        "la_name": names.astype("string"),
        "cassr_code": codes.map(cassr).astype("string"),
        "region_code": codes.map(geography.region_of).where(kinds == "council").astype("string"),
    }
    for name, values in per_area.items():
        out[name] = values.array.take(area)
    out["value"] = parsed.value.to_numpy()
    out["suppressed"] = parsed.suppressed.to_numpy() | not_calculated
    out["marker"] = pd.Series(parsed.marker.to_numpy(), dtype="string").mask(
        pd.Series(not_calculated), _UC_NOT_CALCULATED
    )
    out["source_column"] = np.array(  # 1-based: source_row is column 0
        [raw.columns.get_loc(c) for c in columns], dtype="int64"
    )[area]
    out["year"] = pd.Series(_wide_year(file), index=out.index, dtype="Int64")
    out["year_label"] = P.fy_labels(out["year"])
    out["table_ref"] = "Council unit costs 2014-15"
    out["source"] = SOURCE
    out["source_file"] = file
    return out


# --- ASC-FR 2015-16: data file with descriptions, council numbers, no ONS codes ------------

_EARLY_REQUIRED = ["UUID", "Council Code", "Council Name", "Value"]
_EARLY_DIMS = {
    "Care Type": "care_type",
    "Activity Provision": "provision",
    "Age Band": "age_band",
    "Age Bands": "age_band",
    "Primary support reason": "primary_support_reason",
    "Long Term Support Setting": "support_setting",
    "Short Term Purpose": "purpose",
    "Data Type": "data_type",
}
#: Columns that name what the value is (joined into ``measure``).
_EARLY_MEASURE = ["Finance Type", "Comparative totals", "Accounting category"]
_EARLY_SOURCE = "Data Source"
_EARLY_PROVISION = {"in house": "In House", "external": "External"}


def _clean_early_descriptions(raw: pd.DataFrame, file: str) -> pd.DataFrame:
    P.require_columns(raw, _EARLY_REQUIRED, file=file, layout="ascfr-2015-16-descriptions")
    known = {"source_row", *_EARLY_REQUIRED, "Notes", _EARLY_SOURCE, *_EARLY_DIMS, *_EARLY_MEASURE}
    extra = [c for c in raw.columns if c not in known]
    if extra:
        raise SourceError(
            f"unknown column(s) {extra} for layout ascfr-2015-16-descriptions (known: "
            f"{', '.join(sorted(known - {'source_row'}))})",
            file=file,
            column=extra[0],
            row=1,
        )
    year = _year_in_name(file)
    if year is None:
        raise SourceError(
            "no financial year in the file name (this layout has no year column; name the "
            "file as published, e.g. pss-exp-eng-15-16-fin-add-data.csv)",
            file=file,
        )
    pairs = raw[["Council Code", "Council Name"]].apply(lambda c: c.str.strip())
    code_of = {}
    for (num, name), rows in pairs.groupby(["Council Code", "Council Name"]).groups.items():
        code_of[(num, name)] = _match_council(
            num, name, file=file, column="Council Code", row=int(raw.loc[rows[0], "source_row"])
        )
    codes = pd.Series(
        [code_of[k] for k in zip(pairs["Council Code"], pairs["Council Name"])],
        index=raw.index,
        dtype="string",
    )
    out = pd.DataFrame(index=raw.index)
    for col, dim in _EARLY_DIMS.items():
        if col not in raw:
            continue
        lab = raw[col].str.strip()
        lab = lab.where(~lab.isin(["-", ""]), "Total")
        low = lab.str.lower()
        if dim == "care_type":
            lab = low.map(_WIDE_CARE).fillna(lab)
        elif dim == "age_band":
            lab = lab.str.replace(r"^Age\s+", "", regex=True).map(P.tidy_age_band)
        elif dim == "primary_support_reason":
            lab = low.map(_WIDE_PSR).fillna(lab)
        elif dim == "support_setting":
            lab = low.map(_WIDE_SETTING).fillna(lab)
        elif dim == "purpose":
            lab = low.map(_WIDE_PURPOSE).fillna(lab)
        elif dim == "provision":
            lab = low.map(_EARLY_PROVISION).fillna(lab)
        out[dim] = lab.astype("string")
    what = [c for c in _EARLY_MEASURE if c in raw]
    if what:
        joined = raw[what[0]].str.strip()
        for col in what[1:]:  # column by column (a row-wise apply took 0.7 s a file)
            joined = joined + " " + raw[col].str.strip()
        out["measure"] = _snake(joined)
        unit = "£ thousands"
    else:
        out["measure"] = pd.Series("activity", index=raw.index, dtype="string")
        unit = "count"
    source = raw[_EARLY_SOURCE].str.strip() if _EARLY_SOURCE in raw else ""
    out["table_ref"] = ("Data file 2015-16: " + source) if _EARLY_SOURCE in raw else "Data file"
    parsed = P.parse_numbers(raw["Value"], file=file, column="Value", rows=raw["source_row"])
    notes = raw["Notes"].str.strip() if "Notes" in raw else pd.Series("", index=raw.index)
    out["value"] = parsed.value
    out["suppressed"] = parsed.suppressed
    out["marker"] = parsed.marker.where(parsed.marker.notna(), notes.replace("", pd.NA)).astype(
        "string"
    )
    out["la_code"] = codes
    out["area_type"] = geography.area_type(codes)
    out["la_name"] = codes.map({c: geography.council_name(c) for c in codes.unique()}).astype(
        "string"
    )
    out["cassr_code"] = raw["Council Code"].str.strip().astype("string")
    out["region_code"] = codes.map({c: geography.region_of(c) for c in codes.unique()}).astype(
        "string"
    )
    out["year"] = pd.Series(year, index=raw.index, dtype="Int64")
    out["year_label"] = P.fy_labels(out["year"])
    out["unit"] = unit
    out["source"] = SOURCE
    out["source_file"] = file
    out["source_row"] = raw["source_row"].astype("int64")
    out["source_column"] = raw.columns.get_loc("Value")
    n_est = int((notes.str.lower() == "estimate").sum())
    if n_est:
        log.info("%s: %d value(s) noted 'Estimate' (kept, marked)", file, n_est)
    return out
