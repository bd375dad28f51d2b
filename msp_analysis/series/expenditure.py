"""Adult social care spend as annual series on today's council boundaries.

Two publishers measure a council's adult social care spend, and this module keeps
them apart (they are never spliced into one series):

- **MHCLG revenue outturn** (the ``outturn`` table: RS 2011-12 on, RSX and RO3):
  the council's statutory General Fund outturn for the service line "Adult Social
  Care". ``asc_net_current_expenditure`` is RS/RSX/RO3 column C7 (total expenditure less
  sales, fees and charges and other income, which includes NHS and Better Care Fund
  transfers); ``asc_gross_total_expenditure`` is RSX/RO3 column C3 (employees plus
  running expenses). RS, the only outturn file before 2022-23 in the shared data,
  publishes net current expenditure alone, so gross total expenditure is missing for
  RS years (said in ``note``). RO3 breaks the total down by primary support reason and
  age (``breakdown`` such as ``Physical support: 65 and over``).
- **ASC-FR** (NHS Digital, the ``ascfr`` table): the adult social care finance return,
  built bottom-up from care packages. ``ascfr_gross_current_expenditure`` is gross
  current expenditure (before income, excluding capital charges), in total, by
  long-term support setting (``Long term: Residential``) and by client group (primary
  support reason, ``Client group: Learning Disability Support``; long and short term
  care, both age bands). The 2016-17 CSV data file ("Totals", coded keys) publishes only the
  breakdown, so its total, settings and client groups are sums of its main-return rows
  (DataType key 1: England £17.53bn, as NHS Digital published, £17.5bn), with the keys'
  labels from ``data/ascfr_csv_keys.csv``; a key whose label is unconfirmed is left out of
  the breakdowns (one support setting, zero everywhere), never out of the total.

How they relate, in the one year both are in the shared data (2014-15, £ thousands,
RS ``Adult Social Care`` column against the ASC-FR 2014-15 file's ``Adult Social Care``
total lines):

============  ===========  ============  ==============
council       RS net       ASC-FR net    ASC-FR gross
              current      current       current
============  ===========  ============  ==============
Wiltshire     138,281      138,280       155,818
Kent          370,744      370,744       435,752
Birmingham    274,921      272,496       315,968
Lincolnshire  154,150      147,955       191,456
152 councils  14,486,787   14,414,246    17,043,296
============  ===========  ============  ==============

Net current expenditure is close in the two returns (the 152 councils' totals 0.5%
apart; 57% of councils within 1%, 28% within 0.1%) but not identical: the returns
draw the line between adult social care and other services differently for some
councils. ASC-FR gross current expenditure is about 18% larger than net, because it is
before income. From 2022-23 the outturn's total expenditure (C3) is the nearer match
to ASC-FR gross current expenditure, but no year in the shared data has both. Compare
within one measure, never across them.

Every series has one row per current council (and England) per year, from the
first to the latest year any loaded file covers; a year no file covers is ``missing``
(a later year's file extends the series with no code change). A council marked
``[x]`` (not received in time) is ``not submitted``, never zero. Predecessor
councils are put on today's boundaries with
:func:`msp_analysis.geography.harmonise_to_current`: merged councils summed (BCP from
Bournemouth and Poole; Dorset from Dorset county, which still held Christchurch),
renamed councils carried over (Buckinghamshire, North Yorkshire, Somerset), and split
councils (Northamptonshire, Cumbria) apportioned by the successors' mid-2021
population (``data/split_weights.csv``), flagged ``apportioned``. England is the
published England row (every authority, with MHCLG's estimates for non-submitters);
where a file publishes none, it is the sum of councils, flagged ``merged``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from msp_analysis import geography
from msp_analysis.series import COLUMNS, register
from msp_analysis.sources._parsing import fy_label
from msp_analysis.tables import Tables

UNIT = "£ thousands"
ASC = "adult social care"
#: Outturn forms in order of preference for a year's total: RSX, then RO3, then RS.
FORM_ORDER = {"RSX": 0, "RO3": 1, "RS": 2}
NOT_SUBMITTED = {"[x]"}


def split_weights() -> pd.Series:
    """Successor code -> share of its predecessor's adults (mid-2021): one table for every
    use (:func:`msp_analysis.geography.split_weights`)."""
    return geography.split_weights()


def _split_predecessors() -> set[str]:
    bc = geography.boundary_changes()
    return set(bc.loc[bc["change"] == "split", "predecessor_code"])


def _on_current_boundaries(frame: pd.DataFrame) -> pd.DataFrame:
    """Councils of ``frame`` (la_code, year, breakdown, value, suppressed, not_submitted) on
    April-2023 boundaries, with ``basis`` and ``note``."""
    councils = frame[frame["la_code"] != geography.ENGLAND_CODE].copy()
    # 'suppressed' carries "not submitted or suppressed" through the merge
    councils["suppressed"] = councils["not_submitted"]
    out = geography.harmonise_to_current(
        councils[["la_code", "year", "breakdown", "value", "suppressed"]],
        keys=["year", "breakdown"],
        weights=split_weights(),
    )
    out = out[out["la_code"].map(geography.is_current)]
    split = _split_predecessors()
    pub = out["la_code_published"].astype(str)
    from_split = pub.map(lambda s: any(p in split for p in s.split("+")))
    changed = pub != out["la_code"]
    out["basis"] = np.select(
        [out["suppressed"], changed & from_split, changed],
        ["not submitted", "apportioned", "merged"],
        default="published",
    )
    names = {c: geography.council_name(c) or c for c in set("+".join(pub).split("+"))}
    note = pub.map(lambda s: " + ".join(names[c] for c in s.split("+")))
    out["note"] = np.select(
        [out["basis"] == "apportioned", out["basis"] == "merged"],
        [
            "apportioned from " + note + " by mid-2021 population",
            "from predecessor(s): " + note,
        ],
        default="",
    )
    out.loc[out["suppressed"], "note"] = "marked [x]: not received in time for publication"
    out.loc[out["suppressed"], "value"] = np.nan
    blank = out["value"].isna() & (out["basis"] != "not submitted")
    out.loc[blank, "basis"] = "missing"
    out.loc[blank, "note"] = "published as unavailable or suppressed (or a part of it was)"
    return out[["la_code", "year", "breakdown", "value", "basis", "note"]]


def _england(frame: pd.DataFrame) -> pd.DataFrame:
    """Published England rows; where a (year, breakdown) has none, the sum of councils."""
    eng = frame[frame["la_code"] == geography.ENGLAND_CODE].copy()
    built = eng["marker"].astype("string").fillna("") == "sum of councils"
    eng["basis"] = np.where(built, "merged", "published")
    eng["note"] = np.where(
        built,
        "sum of councils (no England row published)",
        "every authority in England, with the publisher's estimates for non-submitters",
    )
    return eng[["la_code", "year", "breakdown", "value", "basis", "note"]]


def _grid(
    found: pd.DataFrame,
    *,
    measure: str,
    years: list[int],
    covered: dict[int, str],
    uncovered_note: dict[int, str] | None = None,
    breakdowns: dict[int, list[str]] | None = None,
    source: dict[int, str],
) -> pd.DataFrame:
    """Every current council and England x every year (x breakdown), gaps ``missing``."""
    codes = [*geography.councils("current")["la_code"], geography.ENGLAND_CODE]
    rows = []
    for y in years:
        for b in (breakdowns or {}).get(y, ["Total"]):
            rows.append((y, b))
    grid = pd.DataFrame(rows, columns=["year", "breakdown"]).merge(
        pd.DataFrame({"la_code": codes}), how="cross"
    )
    out = grid.merge(found, on=["la_code", "year", "breakdown"], how="left")
    gap = out["basis"].isna()
    out.loc[gap, "basis"] = "missing"
    uncovered_note = uncovered_note or {}

    def _gap_note(y: int) -> str:
        if y in uncovered_note:
            return uncovered_note[y]
        if y in covered:
            return f"not in {covered[y]}"
        return f"no file in the raw folder covers {fy_label(y)}"

    out.loc[gap, "note"] = out.loc[gap, "year"].map(_gap_note)
    out["source_file"] = np.where(gap, "", out["year"].map(covered).fillna(""))
    out["source"] = np.where(gap, "", out["year"].map(source).fillna(""))
    out["measure"] = measure
    out["unit"] = UNIT
    out["year_label"] = out["year"].map(fy_label)
    out["la_name"] = out["la_code"].map(geography.council_name)
    out["year"] = out["year"].astype("int64")
    return out[COLUMNS]


def council_and_england(tables: Tables, measure: str, la_code: str) -> pd.DataFrame:
    """The ``Total`` rows of a spend series for one council and England, with ``area``
    ('council' or 'england'), for charts."""
    from msp_analysis.series import series

    s = series(tables, measure)
    s = s[(s["breakdown"] == "Total") & s["la_code"].isin([la_code, geography.ENGLAND_CODE])]
    area = np.where(s["la_code"] == geography.ENGLAND_CODE, "england", "council")
    return s.assign(area=area).reset_index(drop=True)


# --- MHCLG revenue outturn ----------------------------------------------------------------


def _outturn_series(tables: Tables, measure: str, name: str) -> pd.DataFrame:
    ot = tables.require("outturn", "adult social care spend from MHCLG revenue outturn")
    ot = ot[ot["service"].str.lower().isin([ASC, *_RO3_LINES])]
    years = list(range(int(ot["year"].min()), int(ot["year"].max()) + 1))
    files = ot.groupby("year")["source_file"].agg(lambda s: ", ".join(sorted(set(s))))
    sel = ot[ot["measure"] == measure].copy()
    sel["order"] = sel["form"].map(FORM_ORDER)
    total = sel[sel["service"].str.lower() == ASC]
    # one form per year for the total: RSX before RO3 before RS
    best = total.groupby("year")["order"].transform("min")
    total = total[total["order"] == best].assign(breakdown="Total")
    ro3 = sel[(sel["form"] == "RO3") & (sel["service"].str.lower() != ASC)].assign(
        breakdown=lambda f: f["service"] + ": " + f["age_band"]
    )
    both = pd.concat([total, ro3], ignore_index=True)
    both["not_submitted"] = both["marker"].isin(NOT_SUBMITTED)
    found = pd.concat([_on_current_boundaries(both), _england(both)], ignore_index=True)
    covered_files = (
        pd.concat([total, ro3])
        .groupby("year")["source_file"]
        .agg(lambda s: ", ".join(sorted(set(s))))
    )
    uncovered = {
        int(y): f"{f} publish(es) no {name} (RS gives net current expenditure only)"
        for y, f in files.items()
        if y not in covered_files.index
    }
    ro3_breakdowns = sorted(ro3["breakdown"].unique())
    ro3_years = set(ro3["year"])
    breakdowns = {y: ["Total", *(ro3_breakdowns if y in ro3_years else [])] for y in years}
    forms = both.groupby("year")["form"].agg(
        lambda s: "/".join(sorted(set(s), key=lambda f: FORM_ORDER.get(f, len(FORM_ORDER))))
    )
    source = {int(y): f"MHCLG revenue outturn ({f})" for y, f in forms.items()}
    return _grid(
        found,
        measure="",
        years=years,
        covered={int(k): v for k, v in covered_files.items()},
        uncovered_note=uncovered,
        breakdowns=breakdowns,
        source=source,
    )


_RO3_LINES = {
    "physical support",
    "sensory support",
    "support with memory and cognition",
    "learning disability support",
    "mental health support",
    "social support: substance misuse support",
    "social support: asylum seeker support",
    "social support: social isolation",
    "social support: support for carer",
    "assistive equipment and technology",
    "care assessment and safeguarding",
    "information and early intervention",
    "commissioning, strategy and admin support",
    "disbursement payments to care providers",
    "other payments to care providers",
}


@register(
    "asc_net_current_expenditure",
    "Adult social care net current expenditure, MHCLG revenue outturn (RS/RSX; RO3 by "
    "primary support reason and age as breakdown), £ thousands",
    UNIT,
)
def asc_net_current_expenditure(tables: Tables) -> pd.DataFrame:
    out = _outturn_series(tables, "net_current_expenditure", "net current expenditure")
    return out.assign(measure="asc_net_current_expenditure")


@register(
    "asc_gross_total_expenditure",
    "Adult social care total expenditure (C3: employees + running expenses), MHCLG revenue "
    "outturn RSX/RO3, £ thousands",
    UNIT,
)
def asc_gross_total_expenditure(tables: Tables) -> pd.DataFrame:
    out = _outturn_series(tables, "total_expenditure", "gross total expenditure")
    return out.assign(measure="asc_gross_total_expenditure")


# --- ASC-FR -------------------------------------------------------------------------------

_GCE = "gross_current_expenditure"
_AGES = ["18 to 64", "65 and over"]


def _sum_ages(frame: pd.DataFrame, label: pd.Series) -> pd.DataFrame:
    """Sum the two age bands per council x year x label (missing if either is missing)."""
    f = frame.assign(breakdown=label)
    g = f.groupby(["la_code", "year", "breakdown", "source_file"], dropna=False)
    agg = g.agg(
        value=("value", lambda s: s.sum() if (s.notna().all() and len(s) == 2) else np.nan),
        marker=("marker", lambda s: "[x]" if s.isin(list(NOT_SUBMITTED)).any() else pd.NA),
    ).reset_index()
    return agg


def _ascfr_pieces(af: pd.DataFrame) -> pd.DataFrame:
    gce = af[af["measure"] == _GCE]
    pieces = []
    # Totals: the 2014-15 wide file (care type Total) and workbook T15 (care type total row)
    t = gce[
        ((gce["table_ref"] == "Council expenditure 2014-15") & (gce["care_type"] == "Total"))
        | (
            (gce["table_ref"] == "T15")
            & gce["care_type"].str.startswith("Total Gross Current Expenditure")
        )
    ]
    cols = ["la_code", "year", "breakdown", "source_file", "value", "marker"]
    pieces.append(t.assign(breakdown="Total")[cols])
    # Long-term support by setting, both age bands
    wide = gce["table_ref"] == "Council expenditure 2014-15"
    lt = gce[
        wide
        & (gce["care_type"] == "Long Term Care")
        & (gce["primary_support_reason"] == "Total")
        & gce["age_band"].isin(_AGES)
        & (gce["support_setting"] != "Total")
    ]
    wb = gce[gce["table_ref"].isin(["T43", "T44"]) & (gce["support_setting"] != "Total")]
    for f in (lt, wb):
        pieces.append(_sum_ages(f, "Long term: " + f["support_setting"]))
    # Client group (primary support reason), long and short term, both age bands
    cg = gce[
        wide
        & (gce["care_type"] == "Long and Short Term Care")
        & gce["age_band"].isin(_AGES)
        & (gce["primary_support_reason"] != "Total")
        & (gce["support_setting"] == "Total")
    ]
    wb18 = gce[
        (gce["table_ref"] == "T18")
        & gce["age_band"].isin(_AGES)
        & (gce["primary_support_reason"] != "Total")
    ]
    for f in (cg, wb18):
        pieces.append(_sum_ages(f, "Client group: " + f["primary_support_reason"]))
    pieces.append(_csv_pieces(gce[gce["table_ref"] == "CSV Totals"]))
    return pd.concat(pieces, ignore_index=True)


#: Said of every figure taken from an ASC-FR CSV data file with coded keys (2016-17).
CSV_NOTE = (
    "ASC-FR CSV data file with coded keys: the sum of its main-return rows (DataType key 1, "
    "which give England £17.53bn, as NHS Digital published: £17.5bn; the key 2 rows, age "
    "band keys 3 to 5, are not part of it), keys read with data/ascfr_csv_keys.csv"
)


def _sum_rows(frame: pd.DataFrame, label: pd.Series | str) -> pd.DataFrame:
    """Sum every row per council x year x label (missing if any row is missing)."""
    g = frame.assign(breakdown=label).groupby(
        ["la_code", "year", "breakdown", "source_file"], dropna=False
    )
    return g.agg(
        value=("value", lambda s: s.sum() if s.notna().all() else np.nan),
        marker=("marker", lambda s: "[x]" if s.isin(list(NOT_SUBMITTED)).any() else pd.NA),
    ).reset_index()


def _csv_pieces(csv: pd.DataFrame) -> pd.DataFrame:
    """Total, long-term support by setting and client group from the CSV data file's coded
    rows (2016-17), which publish the breakdown only: each is a sum of rows. Only the main
    return (DataType key 1) counts; long term and client group take both age bands, and
    leave out keys whose label is unconfirmed (one support setting, all zero in 2016-17)."""
    main = csv[csv["data_type"] == "Main return"]
    ages = main[main["age_band"].isin(_AGES)]
    lt = ages[
        (ages["care_type"] == "Long Term Care")
        & ~ages["support_setting"].str.contains("label unconfirmed", regex=False)
    ]
    cg = ages[
        ages["care_type"].isin(["Long Term Care", "Short Term Care"])
        & ~ages["primary_support_reason"].str.contains("label unconfirmed", regex=False)
    ]
    return pd.concat(
        [
            _sum_rows(main, "Total"),
            _sum_rows(lt, "Long term: " + lt["support_setting"]),
            _sum_rows(cg, "Client group: " + cg["primary_support_reason"]),
        ],
        ignore_index=True,
    )


@register(
    "ascfr_gross_current_expenditure",
    "Adult social care gross current expenditure, ASC-FR (NHS Digital): total, long-term "
    "support by setting, and by client group (primary support reason), £ thousands",
    UNIT,
)
def ascfr_gross_current_expenditure(tables: Tables) -> pd.DataFrame:
    af = tables.require("ascfr", "adult social care spend from ASC-FR")
    years_all = sorted(int(y) for y in af["year"].dropna().unique())
    files = af.groupby("year")["source_file"].agg(lambda s: ", ".join(sorted(set(s))))
    p = _ascfr_pieces(af)
    p["not_submitted"] = p["marker"].isin(NOT_SUBMITTED)
    found = _on_current_boundaries(p)
    eng = p[p["la_code"] == geography.ENGLAND_CODE]
    eng = eng.assign(basis="published", note="England as published")[
        ["la_code", "year", "breakdown", "value", "basis", "note"]
    ]
    # England where a year publishes none (ASC-FR 2014-15): sum of councils, flagged
    cur = found[found["la_code"] != geography.ENGLAND_CODE]
    no_eng = sorted(set(cur["year"]) - set(eng["year"]))
    built = (
        cur[cur["year"].isin(no_eng)]
        .groupby(["year", "breakdown"])["value"]
        .agg(lambda s: s.sum() if s.notna().all() else np.nan)
        .reset_index()
        .assign(
            la_code=geography.ENGLAND_CODE,
            basis="merged",
            note="sum of councils (no England figure published); missing if any council is",
        )
    )
    found = pd.concat([found, eng, built], ignore_index=True)
    coded = found["year"].isin(set(af.loc[af["table_ref"] == "CSV Totals", "year"]))
    note = found.loc[coded, "note"].fillna("").astype(str)
    found.loc[coded, "note"] = np.where(note != "", note + "; " + CSV_NOTE, CSV_NOTE)
    years = list(range(years_all[0], years_all[-1] + 1)) if years_all else []
    by_year = p.groupby("year")["breakdown"].agg(lambda s: sorted(set(s)))
    breakdowns = {y: by_year.get(y, ["Total"]) for y in years}
    covered = p.groupby("year")["source_file"].agg(lambda s: ", ".join(sorted(set(s))))
    uncovered = {
        int(y): f"{f}: gross current expenditure by setting and client group not derivable "
        "(coded keys without the published lookup)"
        for y, f in files.items()
        if y not in covered.index
    }
    return _grid(
        found,
        measure="ascfr_gross_current_expenditure",
        years=years,
        covered={int(k): v for k, v in covered.items()},
        uncovered_note=uncovered,
        breakdowns=breakdowns,
        source={y: "ASC-FR (NHS Digital)" for y in years},
    )
