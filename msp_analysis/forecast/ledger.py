"""The base on the ledger: the base year's spend equals a published outturn line.

The line is adult social care **total expenditure** (column C3 of MHCLG's revenue outturn
service expenditure summary, RSX: employees plus running expenses, £ thousands) in the base
year. It fits what the model projects: the model costs care gross (people x a weekly cost,
and ASC-FR unit costs are gross expenditure over weeks of care), and C3 is the outturn's
gross line. The income that takes it to net current expenditure (C7) - charges to people
who use services (C4) and other income (C5: the NHS, the Better Care Fund, grants) - is set
by charging policy and funding agreements the model does not project; the reconciliation
shows it, so the parts also add to C7.

How the base is built (:func:`build`):

1. **The returns, in their year**: ASC-FR gross current expenditure (the SALT year, the
   latest with people by setting) split into long-term care by age band (T43/T44: the
   settings the model projects) and what lies outside them: short-term care (T17),
   assessment and care management (T46 'Social Care Activities'), commissioning and service
   delivery, information and early intervention, support to carers and other social
   support, assistive equipment (T46). The parts add to the T15 total.
2. **Brought forward** to the base year: long-term care by the model itself (people by cell
   x cost per person x the published pay and price path); the parts outside it with the
   number of people in long-term support and the average price path of their care.
3. **Scaled to the line**: every part x one factor, the line over what the returns brought
   forward come to, so the parts add to the published line to the pound. A cost the
   council set itself in £ a week (its fee, from the local evidence file) keeps its value;
   the rest is scaled to fill the line. With no outturn line for the council in the base
   year (not received in time, or no outturn loaded) the factor is 1 and the plan says so.

Projected years (:func:`outside_path`): the parts outside long-term care grow with the
number of people in long-term support (population and rates) and with the average price,
real-cost and workforce factors of the care those people receive (weighted by base spend),
so a shift of placements between settings leaves them unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from msp_analysis import geography
from msp_analysis.forecast.returns import ascfr_rows, source_code
from msp_analysis.sources._parsing import fy_label
from msp_analysis.tables import Tables

LINE = "total_expenditure"
LINE_WORDS = "total expenditure (C3)"
MEMO = {
    "sales_fees_and_charges": "Less sales, fees and charges (C4): charges to people who use services",
    "other_income": "Less other income (C5): the NHS, the Better Care Fund, grants",
    "net_current_expenditure": "Net current expenditure (C7)",
}
#: Parts of ASC-FR gross current expenditure outside the modelled settings: key, words, the
#: T46 lines (or None for short-term care, from T17).
OUTSIDE: list[tuple[str, str, tuple[str, ...] | None]] = [
    ("short_term", "Short-term care (reablement and other short-term support)", None),
    (
        "assessment",
        "Assessment, care management and safeguarding",
        ("Social Care Activities",),
    ),
    (
        "commissioning",
        "Commissioning and service delivery",
        ("Commissioning and Service Delivery",),
    ),
    (
        "prevention",
        "Information and early intervention (prevention)",
        ("Information and Early Intervention",),
    ),
    ("carers", "Support to carers", ("Social Support: Support to Carer",)),
    (
        "social_support",
        "Other social support (substance misuse, asylum seekers, social isolation)",
        (
            "Social Support: Substance Misuse Support",
            "Social Support: Asylum Seeker Support",
            "Social Support: Support for Social Isolation/Other",
        ),
    ),
    (
        "equipment",
        "Assistive equipment and technology",
        ("Assistive Equipment and Technology",),
    ),
]
LONG_TERM = {
    "18 to 64": "Long-term care, adults aged 18 to 64",
    "65 and over": "Long-term care, older people",
}
#: The outturn's income lines: shown as deductions from total expenditure.
INCOME = ("sales_fees_and_charges", "other_income")
OUTSIDE_SETTING = "Outside long-term care"
NOT_PUBLISHED = "no line in the council's return"
OUTSIDE_GROUP = "All client groups"
OUTSIDE_AGES = "All ages"


def column_letter(col: int) -> str:
    """1-based column number -> spreadsheet letters (1 -> A, 27 -> AA)."""
    out = ""
    while col > 0:
        col, r = divmod(col - 1, 26)
        out = chr(65 + r) + out
    return out


def cell_ref(rows: pd.DataFrame) -> str:
    """'file, sheet S, cells K160, L160' for published rows (one file)."""
    if rows.empty or pd.isna(rows.iloc[0]["source_file"]):
        return ""
    return f"{rows.iloc[0]['source_file']}, {sheet_cells(rows)}"


def sheet_cells(rows: pd.DataFrame) -> str:
    """'sheet T43, cell M160' (or 'cells F160, G160') for published rows of one sheet."""
    if rows.empty or rows["source_row"].isna().all():
        return ""
    refs = ", ".join(
        f"{column_letter(int(c))}{int(r)}"
        for r, c in zip(rows["source_row"], rows["source_column"])
        if pd.notna(r) and pd.notna(c)
    )
    sheet = rows.iloc[0].get("source_sheet")
    where = f"sheet {sheet}, " if isinstance(sheet, str) and sheet else ""
    return f"{where}cell{'s' if len(rows) > 1 else ''} {refs}"


@dataclass
class Ledger:
    """The base year's outturn line, the returns' parts and the scaling between them."""

    la_code: str
    base_year: int
    returns_year: int
    line: dict | None  # measure, words, value_gbp, year, cell
    memo: list[dict]  # C4, C5, C7 in the base year (value_gbp, cell)
    parts: pd.DataFrame  # key, label, modelled, returns_gbp, cell, brought_forward_gbp, base_gbp
    scale: float = 1.0
    fixed_gbp: float = 0.0
    notes: list[str] = field(default_factory=list)
    year_before: dict = field(default_factory=dict)  # measure -> C3/C4/C5/C7 the year before

    @property
    def outside_base_gbp(self) -> float:
        return float(self.parts.loc[~self.parts["modelled"], "base_gbp"].sum())


def outturn_lines(tables: Tables, la_code: str, year: int) -> tuple[dict | None, list[dict]]:
    """The council's adult social care C3 line and its C4, C5, C7 in ``year`` (RSX, else RO3)."""
    key = ("outturn_lines", la_code, year)  # the same for every scenario
    if key not in tables.cache:
        tables.cache[key] = _outturn_lines(tables, la_code, year)
    line, memo = tables.cache[key]
    return (dict(line) if line else None), [dict(m) for m in memo]


def _outturn_lines(tables: Tables, la_code: str, year: int) -> tuple[dict | None, list[dict]]:
    if not tables.has("outturn"):
        return None, []
    ot = tables.require("outturn")
    sel = ot[
        (ot["la_code"] == la_code)
        & (ot["year"] == year)
        & (ot["service"].str.lower() == "adult social care")
        & ot["form"].isin(["RSX", "RO3"])
    ]
    if sel.empty:
        return None, []
    form = "RSX" if (sel["form"] == "RSX").any() else "RO3"
    sel = sel[sel["form"] == form]

    def one(measure: str, words: str) -> dict | None:
        r = sel[sel["measure"] == measure]
        if r.empty or r["value"].isna().all():
            return None
        row = r.iloc[0]
        return {
            "measure": measure,
            "words": words,
            "value_gbp": float(row["value"]) * 1000,
            "year": year,
            "form": form,
            "cell": cell_ref(r.head(1)),
            "file": str(row["source_file"]),
            "where": sheet_cells(r.head(1)),
        }

    line = one(
        LINE,
        f"Adult social care {LINE_WORDS}, MHCLG revenue outturn {form} {fy_label(year)}",
    )
    memo = [m for m in (one(k, w) for k, w in MEMO.items()) if m is not None]
    return line, memo


def returns_parts(tables: Tables, la_code: str, year: int) -> pd.DataFrame:
    """ASC-FR gross current expenditure in ``year`` split into long-term care by age band and
    the parts outside the modelled settings, each with its cells (£).

    Columns: key, label, modelled, returns_gbp, cell (file, sheet and cell), file, where (sheet
    and cell), estimated. A gap between the parts and the T15 total is its own part. A council
    with no return of its own has the parts outside long-term care estimated at its region's
    ratio to long-term care (``estimated``; ``returns_gbp`` then holds the ratio, applied by
    :func:`build`)."""
    key = ("returns_parts", la_code, year)  # the same for every scenario
    if key not in tables.cache:
        tables.cache[key] = _returns_parts(tables, la_code, year)
    return tables.cache[key].copy()


def _returns_parts(tables: Tables, la_code: str, year: int) -> pd.DataFrame:
    a = _with_columns(ascfr_rows(tables))
    code, share, _ = source_code(tables, la_code)
    parts = area_parts(a, code, year, share)
    mine = a[(a["la_code"] == code) & (a["year"] == year)]
    total = mine[
        (mine["table_ref"] == "T15")
        & mine["care_type"].astype(str).str.startswith("Total Gross Current Expenditure")
    ]
    if not total.empty and pd.notna(total["value"].iloc[0]):
        gap = float(total["value"].iloc[0]) * 1000 * share - parts["returns_gbp"].sum()
        if abs(gap) >= 1000:
            other = _part("other", "Other (the T15 total less the parts above)", False, total, 1.0)
            parts = pd.concat([parts, pd.DataFrame([{**other, "returns_gbp": gap}])])
            parts = parts.reset_index(drop=True)
    outside = ~parts["modelled"]
    if (
        parts.loc[outside, "returns_gbp"].isna().all()
        or parts.loc[~outside, "returns_gbp"].isna().any()
    ):
        parts = _regional_outside(a, code, year, parts)
    parts["returns_gbp"] = parts["returns_gbp"].fillna(0.0)
    return parts


def area_parts(a: pd.DataFrame, code: str, year: int, share: float = 1.0) -> pd.DataFrame:
    """The parts of one area's ASC-FR return (see :func:`returns_parts`), NaN where missing."""
    mine = a[(a["la_code"] == code) & (a["year"] == year)]
    rows = []
    for age, label in LONG_TERM.items():
        t = mine[
            mine["table_ref"].isin(["T43", "T44"])
            & (mine["age_band"] == age)
            & (mine["support_setting"] == "Total")
        ]
        rows.append(_part(f"long_term_{age[:2]}", label, True, t, share))
    for key, label, lines in OUTSIDE:
        if lines is None:
            t = mine[
                (mine["table_ref"] == "T17")
                & (mine["care_type"] == "Short Term Care")
                & (mine["age_band"] == "Total")
            ]
        else:
            t = mine[(mine["table_ref"] == "T46") & mine["primary_support_reason"].isin(lines)]
        rows.append(_part(key, label, False, t, share))
    return pd.DataFrame(rows)


def _part(key: str, label: str, modelled: bool, rows: pd.DataFrame, share: float) -> dict:
    v = rows["value"].sum(min_count=1) if not rows.empty else np.nan
    return {
        "key": key,
        "label": label,
        "modelled": modelled,
        "returns_gbp": float(v) * 1000 * share if pd.notna(v) else np.nan,
        "cell": cell_ref(rows),
        "file": str(rows.iloc[0]["source_file"])
        if not rows.empty and pd.notna(rows.iloc[0]["source_file"])
        else "",
        "where": sheet_cells(rows),
        "estimated": False,
    }


def _regional_outside(a: pd.DataFrame, code: str, year: int, parts: pd.DataFrame) -> pd.DataFrame:
    """Outside parts at the region's ratio to long-term care (for a council with no return)."""
    region = geography.region_of(code)
    if region is None:
        return parts
    reg = area_parts(a, str(region), year)
    lt_reg = reg.loc[reg["modelled"], "returns_gbp"].sum()
    words = f"estimated at {geography.REGIONS.get(str(region), region)}'s ratio to long-term care"
    out = parts.copy()
    for i, r in out.iterrows():
        v = reg.loc[reg["key"] == r["key"], "returns_gbp"]
        if not r["modelled"] and lt_reg > 0 and len(v) and pd.notna(v.iloc[0]):
            out.loc[i, "returns_gbp"] = float(v.iloc[0]) / lt_reg  # a ratio, applied in build()
            out.loc[i, "estimated"] = True
            out.loc[i, ["cell", "file", "where"]] = [words, "", words]
    return out


def _with_columns(a: pd.DataFrame) -> pd.DataFrame:
    """The ASC-FR rows with every column the parts read (a table may lack a dimension)."""
    missing: dict = {
        c: "Total" for c in ("care_type", "primary_support_reason", "support_setting") if c not in a
    }
    for c in ("source_file", "source_sheet", "source_row", "source_column"):
        if c not in a:
            missing[c] = pd.NA
    return a.assign(**missing) if missing else a


def build(
    tables: Tables,
    la_code: str,
    base_year: int,
    returns_year: int,
    modelled: pd.DataFrame,
) -> Ledger:
    """The base year's outturn line and the returns brought forward and scaled to it.

    ``modelled`` holds the model's long-term care cells: age_band, people_salt, people_base,
    spend_salt (people x cost in the returns' year), spend_base (brought forward to the base
    year, before scaling) and fixed (a council fee in £ a week, kept).
    """
    parts = returns_parts(tables, la_code, returns_year)
    notes: list[str] = []
    lt_salt = modelled.groupby("age_band")["spend_salt"].sum()
    lt_base = modelled.groupby("age_band")["spend_base"].sum()
    price = float(modelled["spend_base"].sum() / max(modelled["spend_salt"].sum(), 1e-9))
    people = float(modelled["people_base"].sum() / max(modelled["people_salt"].sum(), 1e-9))
    # the price part of bringing forward, free of the change in people
    price_only = (
        float(
            (
                modelled["spend_base"]
                / modelled["people_base"].where(modelled["people_base"] > 0)
                * modelled["people_salt"]
            ).sum()
            / max(modelled["spend_salt"].sum(), 1e-9)
        )
        if (modelled["people_base"] > 0).any()
        else price
    )
    bf = []
    for r in parts.itertuples():
        if r.modelled:
            age = next(a for a, lab in LONG_TERM.items() if lab == r.label)
            bf.append(float(lt_base.get(age, 0.0)))
        elif r.estimated:  # a ratio to long-term care
            bf.append(float(r.returns_gbp) * float(lt_base.sum()))
        else:
            bf.append(float(r.returns_gbp) * people * price_only)
    parts["brought_forward_gbp"] = bf
    if parts["estimated"].any():
        est = parts["estimated"]
        parts.loc[est, "returns_gbp"] = parts.loc[est, "returns_gbp"] * float(lt_salt.sum())
        notes.append(
            f"{geography.council_name(la_code)} made no ASC-FR return for {fy_label(returns_year)}:"
            " spend outside long-term care is estimated at its region's ratio to long-term care."
        )
    outside = ~parts["modelled"]
    if parts.loc[outside, "brought_forward_gbp"].sum() < 0:
        # published credits outside long-term care (a negative line) exceed the spend there:
        # the net credit is not projected (it is no spend that grows with people or prices)
        credit = -float(parts.loc[outside, "brought_forward_gbp"].sum())
        parts = pd.concat(
            [
                parts,
                pd.DataFrame(
                    [
                        {
                            "key": "credit",
                            "label": "Net credit outside long-term care, not projected",
                            "modelled": False,
                            "returns_gbp": -float(parts.loc[outside, "returns_gbp"].sum()),
                            "cell": "",
                            "file": "",
                            "where": "the lines above come to less than nothing",
                            "estimated": False,
                            "brought_forward_gbp": credit,
                        }
                    ]
                ),
            ],
            ignore_index=True,
        )
        notes.append(
            f"{geography.council_name(la_code)}'s return shows more credits than spend outside"
            f" long-term care in {fy_label(returns_year)} (a negative line in ASC-FR T46): the net"
            " credit is not projected."
        )
    line, memo = outturn_lines(tables, la_code, base_year)
    before, before_memo = outturn_lines(tables, la_code, base_year - 1)
    year_before = {m["measure"]: m for m in ([before] if before else []) + before_memo}
    fixed = float(modelled.loc[modelled["fixed"], "spend_base"].sum())
    total_bf = float(parts["brought_forward_gbp"].sum())
    scale = 1.0
    if line is None:
        why = (
            "no revenue outturn is loaded"
            if not tables.has("outturn")
            else f"{geography.council_name(la_code)}'s {fy_label(base_year)} revenue outturn was not"
            " received in time for publication"
        )
        notes.append(
            f"The base is the returns brought forward to {fy_label(base_year)}, not tied to a"
            f" published outturn line: {why}."
        )
    elif total_bf > 0:
        scalable = total_bf - fixed
        scale = (line["value_gbp"] - fixed) / scalable if scalable > 0 else 0.0
        if scale <= 0:
            fixed = 0.0
            scale = line["value_gbp"] / total_bf
            notes.append(
                "The council's own fees come to more than the outturn line, so they are scaled"
                " with everything else."
            )
    parts["base_gbp"] = parts["brought_forward_gbp"] * scale
    if fixed:
        # long-term care parts hold the fixed cells at their value: add back what scaling took
        fixed_by_age = modelled.loc[modelled["fixed"]].groupby("age_band")["spend_base"].sum()
        for age, v in fixed_by_age.items():
            i = parts.index[parts["label"] == LONG_TERM[age]]
            parts.loc[i, "base_gbp"] += float(v) * (1 - scale)
    return Ledger(
        la_code=la_code,
        base_year=base_year,
        returns_year=returns_year,
        line=line,
        memo=memo,
        year_before=year_before,
        parts=parts,
        scale=float(scale),
        fixed_gbp=fixed,
        notes=notes,
    )


def reconciliation(ledger: Ledger) -> pd.DataFrame:
    """The reconciliation as a table a finance officer reads line by line.

    Columns: line, measure (the outturn measure of a published row, else ''),
    returns_year_gbp, brought_forward_gbp, base_gbp, in_model, source (file, sheet and cell),
    source_file and source_cell (sheet and cell), year_before_gbp and year_before_source (a
    published row's value the year before the base year, where published). The parts add to the
    outturn line (the 'Published line' row); the memo rows take it to net current expenditure.
    """
    ry, by = fy_label(ledger.returns_year), fy_label(ledger.base_year)
    rows = []
    for r in ledger.parts.itertuples():
        rows.append(
            {
                "line": r.label,
                "returns_year_gbp": r.returns_gbp,
                "brought_forward_gbp": r.brought_forward_gbp,
                "base_gbp": r.base_gbp,
                "in_model": "yes: projected by setting"
                if r.modelled
                else "no: grows with people and prices",
                "source": (f"ASC-FR {ry}: {r.cell}" if not r.estimated else r.cell)
                if r.cell
                else NOT_PUBLISHED,
                "source_file": r.file,
                "source_cell": r.where or NOT_PUBLISHED,
            }
        )
    p = ledger.parts
    scaled = ", scaled" if ledger.line is not None else ""
    rows.append(
        {
            "line": f"Total: ASC-FR gross current expenditure {ry}, brought forward to {by}{scaled}",
            "returns_year_gbp": float(p["returns_gbp"].sum()),
            "brought_forward_gbp": float(p["brought_forward_gbp"].sum()),
            "base_gbp": float(p["base_gbp"].sum()),
            "in_model": "",
            "source": (
                f"scaling factor {ledger.scale:.4f}"
                + (" (the council's own fees kept)" if ledger.fixed_gbp else "")
            )
            if ledger.line is not None
            else "not scaled: no outturn line",
            "source_file": "",
            "source_cell": f"scaling factor {ledger.scale:.4f}"
            if ledger.line is not None
            else "not scaled: no outturn line",
        }
    )
    if ledger.line is not None:
        rows.append(
            {
                "line": f"Published line: {ledger.line['words']}",
                "measure": LINE,
                "returns_year_gbp": np.nan,
                "brought_forward_gbp": np.nan,
                "base_gbp": ledger.line["value_gbp"],
                "in_model": "",
                "source": ledger.line["cell"],
                "source_file": ledger.line["file"],
                "source_cell": ledger.line["where"],
            }
        )
        for m in ledger.memo:
            sign = -1 if m["measure"] in INCOME else 1
            rows.append(
                {
                    "line": MEMO[m["measure"]],
                    "measure": m["measure"],
                    "returns_year_gbp": np.nan,
                    "brought_forward_gbp": np.nan,
                    "base_gbp": sign * m["value_gbp"],
                    "in_model": "",
                    "source": m["cell"],
                    "source_file": m["file"],
                    "source_cell": m["where"],
                }
            )
    out = pd.DataFrame(rows)
    out.insert(1, "measure", out.pop("measure").fillna("") if "measure" in out else "")
    before = [ledger.year_before.get(m) for m in out["measure"]]
    out["year_before_gbp"] = [
        (-1 if m in INCOME else 1) * b["value_gbp"] if b else np.nan
        for m, b in zip(out["measure"], before, strict=True)
    ]
    out["year_before_source"] = [b["cell"] if b else "" for b in before]
    return out


def outside_path(ledger: Ledger, frame: pd.DataFrame, base_cells: pd.DataFrame) -> pd.DataFrame:
    """The parts outside long-term care by projected year, and the factors that move them.

    ``frame`` is the projection's cells by year (people_base, pop_factor, rate_factor,
    price_factor, real_factor, workforce_factor); ``base_cells`` the base year's cells with
    ``spend``. Returns year, spend, pop_factor, rate_factor, price_factor, real_factor,
    workforce_factor (aggregates whose product is spend over the base)."""
    cell = ["age_band", "client_group", "setting"]
    f = frame.merge(
        base_cells[[*cell, "spend"]].rename(columns={"spend": "w"}), on=cell, how="left"
    )
    f["w"] = f["w"].fillna(0.0)
    f = f.assign(
        pb=f["people_base"],
        pp=f["people_base"] * f["pop_factor"],
        pr=f["people_base"] * f["pop_factor"] * f["rate_factor"],
        wp=f["w"] * f["price_factor"],
        wr=f["w"] * f["real_factor"],
        ww=f["w"] * f["workforce_factor"],
    )
    g = f.groupby("year")[["pb", "pp", "pr", "w", "wp", "wr", "ww"]].sum()
    w = g["w"].where(g["w"] > 0, 1.0)
    out = pd.DataFrame(
        {
            "pop_factor": g["pp"] / g["pb"].where(g["pb"] > 0, 1.0),
            "rate_factor": g["pr"] / g["pp"].where(g["pp"] > 0, 1.0),
            "price_factor": (g["wp"] / w).where(g["w"] > 0, 1.0),
            "real_factor": (g["wr"] / w).where(g["w"] > 0, 1.0),
            "workforce_factor": (g["ww"] / w).where(g["w"] > 0, 1.0),
        }
    )
    factors = out.prod(axis=1)
    out.insert(0, "spend", ledger.outside_base_gbp * factors)
    return out.reset_index().astype({"year": int})
