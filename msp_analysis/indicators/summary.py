"""Short computed sentences about a council's indicators: every number comes from the frame."""

from __future__ import annotations

import pandas as pd

from msp_analysis import geography


def fmt(value: float, unit: str = "") -> str:
    """People-friendly number: thousands separators, sensible decimals, £ where the unit is money."""
    if value is None or pd.isna(value):
        return "not available"
    money = unit.startswith("£")
    digits = 0 if abs(value) >= 100 else 1
    text = f"{value:,.{digits}f}"
    return f"£{text}" if money else text


def compare_word(value: float, other: float, tolerance_pct: float = 2.0) -> str:
    """'above', 'below' or 'in line with' (within ``tolerance_pct`` per cent)."""
    if pd.isna(value) or pd.isna(other) or other == 0:
        return "not comparable with"
    diff = (value - other) / abs(other) * 100
    if abs(diff) <= tolerance_pct:
        return "in line with"
    return "above" if diff > 0 else "below"


def sentence(row: pd.Series, label: str) -> str:
    """One sentence for one indicator row (latest year), with England, region and rank."""
    if row["status"] == "missing":
        return f"{label}: not available ({row['note']})."
    unit = row["unit"] or ""
    parts = [
        f"{label} was {fmt(row['value'], unit)} ({unit}, {row['year_label']})"
        if pd.notna(row["year_label"])
        else f"{label} was {fmt(row['value'], unit)} ({unit})"
    ]
    if pd.notna(row["england"]):
        parts.append(
            f"{compare_word(row['value'], row['england'])} England ({fmt(row['england'], unit)})"
        )
    if pd.notna(row["region"]):
        parts.append(
            f"{compare_word(row['value'], row['region'])} the region ({fmt(row['region'], unit)})"
        )
    if pd.notna(row["comparator_median"]):
        parts.append(
            f"{compare_word(row['value'], row['comparator_median'])} the comparator median ({fmt(row['comparator_median'], unit)})"
        )
    text = parts[0] + (": " + ", ".join(parts[1:]) if len(parts) > 1 else "")
    if pd.notna(row["rank"]):
        text += f"; rank {int(row['rank'])} of {int(row['n_ranked'])} councils (1 = highest)"
    if pd.notna(row.get("change_pct")):
        change = row["change_pct"]
        text += (
            "; unchanged on the year before"
            if abs(change) < 0.05
            else f"; {'up' if change > 0 else 'down'} {abs(change):.1f}% on the year before"
        )
    return text + "."


def latest(ind: pd.DataFrame, indicator: str, breakdown: str) -> pd.Series | None:
    sel = ind[(ind["indicator"] == indicator) & (ind["breakdown"] == breakdown)]
    if sel.empty:
        sel = ind[(ind["indicator"] == indicator) & (ind["status"] == "missing")]
        return sel.iloc[0] if len(sel) else None
    ok = sel[sel["status"] == "ok"]
    pick = ok if len(ok) else sel
    return pick.sort_values("year").iloc[-1]


#: ASC-FR unit costs are spend divided by activity, not the fee a council pays (said in every label).
NOT_FEE = "not the fee paid"

#: The headline indicators per market, with the words used for them. ASCOF labels quote the
#: publisher's measure description; ASC-FR unit costs say they are spend per unit, not fees.
HEADLINES = {
    "care_home_65": [
        (
            "clients_65_in_care_homes_per_100k",
            "Residential",
            "People aged 65+ in long-term residential care during the year, per 100,000 aged 65+",
        ),
        (
            "clients_65_in_care_homes_per_100k",
            "Nursing",
            "People aged 65+ in long-term nursing care during the year, per 100,000 aged 65+",
        ),
        (
            "ascof_care_home_admissions_65_per_100k",
            "Total",
            "Adults aged 65 and over whose long-term support needs are met by admission to "
            "residential and nursing care homes, per 100,000 population (ASCOF 2C; 2A2 before 2023-24)",
        ),
        (
            "requests_outcome_share",
            "65 and over: Long Term Care: Residential",
            "Requests for support from new clients aged 65+ that led to long-term residential care",
        ),
        (
            "requests_outcome_share",
            "65 and over: Long Term Care: Nursing",
            "Requests for support from new clients aged 65+ that led to long-term nursing care",
        ),
        (
            "unit_cost_weekly_65",
            "Residential",
            f"ASC-FR unit cost of residential care, 65+: spend per person per week ({NOT_FEE})",
        ),
        (
            "unit_cost_weekly_65",
            "Nursing",
            f"ASC-FR unit cost of nursing care, 65+: spend per person per week ({NOT_FEE})",
        ),
        (
            "care_home_beds_per_1000_65",
            "All care homes",
            "Care home beds per 1,000 people aged 65+",
        ),
        ("hhi_care_home_beds", "Total", "Concentration of care home beds (HHI)"),
        ("care_home_rating_share", "Good", "Share of care homes rated good"),
    ],
    "home_care_18": [
        (
            "home_care_hourly_rate",
            "External",
            f"ASC-FR unit cost of externally provided home care: spend per hour ({NOT_FEE})",
        ),
        (
            "gce_long_term_by_setting_share",
            "65 and over: Community: Home Care",
            "Home care's share of long-term care spend on people aged 65+",
        ),
        (
            "gce_long_term_by_setting_share",
            "18 to 64: Community: Home Care",
            "Home care's share of long-term care spend on adults aged 18-64",
        ),
        (
            "requests_outcome_share",
            "65 and over: Long Term Care: Community",
            "Requests for support from new clients aged 65+ that led to long-term community support",
        ),
        ("home_care_locations_per_100k", "Total", "Home care locations per 100,000 adults"),
        ("home_care_rating_share", "Good", "Share of home care services rated good"),
    ],
    "supported_living": [
        (
            "gce_long_term_by_setting_share",
            "18 to 64: Community: Supported Living",
            "Supported living's share of long-term care spend on adults aged 18-64",
        ),
        (
            "gce_long_term_by_setting_per_head",
            "18 to 64: Community: Supported Living",
            "Spend on supported living per person aged 18-64",
        ),
        (
            "gce_long_term_by_setting_per_head",
            "65 and over: Community: Supported Living",
            "Spend on supported living per person aged 65+",
        ),
        (
            "supported_living_locations_per_100k",
            "Total",
            "Supported living locations per 100,000 adults",
        ),
    ],
    "learning_disability": [
        (
            "clients_18_64_year_end_by_reason_per_100k",
            "Learning Disability Support",
            "People aged 18-64 in long-term support for a learning disability at year end, "
            "per 100,000 aged 18-64",
        ),
        (
            "gce_by_reason_share",
            "18 to 64: Learning Disability Support",
            "Learning disability support's share of spend on adults aged 18-64",
        ),
        (
            "unit_cost_weekly_18_64_by_reason",
            "Residential: Learning Disability Support",
            f"ASC-FR unit cost of residential care for learning disability, 18-64 ({NOT_FEE})",
        ),
        (
            "ascof_ld_living_at_home",
            "Total",
            "The proportion of people who receive long-term support with a learning disability, "
            "who live in their home or with family, aged 18 to 64 (ASCOF 2E(1))",
        ),
    ],
    "mental_health": [
        (
            "clients_18_64_year_end_by_reason_per_100k",
            "Mental Health Support",
            "People aged 18-64 in long-term support for mental health at year end, "
            "per 100,000 aged 18-64",
        ),
        (
            "gce_by_reason_share",
            "18 to 64: Mental Health Support",
            "Mental health support's share of spend on adults aged 18-64",
        ),
        (
            "unit_cost_weekly_18_64_by_reason",
            "Residential: Mental Health Support",
            f"ASC-FR unit cost of residential care for mental health, 18-64 ({NOT_FEE})",
        ),
    ],
    "autism": [
        ("autistic_people_supported", "Total", "Autistic people the council supports"),
    ],
    "other_community": [
        (
            "gce_long_term_by_setting_share",
            "65 and over: Community: Other Long Term Care",
            "Other long-term community care (day care among it) as a share of long-term care "
            "spend on people aged 65+",
        ),
        (
            "shared_lives_locations_per_100k",
            "Total",
            "Shared Lives schemes per 100,000 adults",
        ),
        ("day_and_extra_care_people", "Total", "People in day care and extra care"),
    ],
    "all": [
        ("population_65_plus", "Total", "People aged 65 and over"),
        ("population_85_plus", "Total", "People aged 85 and over"),
        ("population_65_plus_share", "Total", "Share of adults aged 65 and over"),
        ("gce_total", "Total", "Total gross current expenditure on adult social care"),
        (
            "gce_total_per_adult",
            "Total",
            "Total gross current expenditure on adult social care per adult",
        ),
        (
            "clients_lts_during_year_per_100k",
            "Total",
            "Adults in long-term support during the year per 100,000 adults",
        ),
        (
            "requests_per_100k",
            "Total",
            "Requests for support from new clients per 100,000 adults",
        ),
        (
            "requests_route_share",
            "65 and over: Discharge from Hospital",
            "Requests for support from new clients aged 65+ on discharge from hospital",
        ),
        (
            "ascof_reablement_no_further_request",
            "Total",
            "The proportion of people who received reablement during the year, who previously "
            "were not receiving services, where no further request was made for ongoing support "
            "(ASCOF 2A)",
        ),
        (
            "ascof_care_home_admissions_18_64_per_100k",
            "Total",
            "Adults aged 18 to 64 whose long-term support needs are met by admission to "
            "residential and nursing care homes, per 100,000 population (ASCOF 2B; 2A1 before "
            "2023-24)",
        ),
        (
            "ascof_6b_rating_share",
            "Good or outstanding",
            "The percentage of residential adult social care providers rated good or outstanding "
            "by CQC (ASCOF 6B)",
        ),
        (
            "ascof_6a_turnover",
            "All services",
            "The proportion of staff in the formal care workforce leaving their role in the past "
            "12 months (ASCOF 6A)",
        ),
        ("vacancy_rate", "All services", "Care workforce vacancy rate (Skills for Care)"),
        ("out_of_area_placements", "Total", "People placed in care outside the council's area"),
    ],
}


def market_summary(ind: pd.DataFrame, market: str) -> list[str]:
    """Sentences for a market's headline indicators, latest year first."""
    out = []
    for indicator, breakdown, label in HEADLINES[market]:
        row = latest(ind, indicator, breakdown)
        if row is not None:
            out.append(sentence(row, label))
    return out


def up_to(ind: pd.DataFrame, year: int | None) -> pd.DataFrame:
    """Indicator rows up to a financial year (all rows when ``year`` is None)."""
    return ind if year is None else ind[ind["year"].isna() | (ind["year"] <= year)]


def benchmark_long(
    ind: pd.DataFrame, indicator: str, council: str, prefix: str = ""
) -> pd.DataFrame:
    """Latest year of an indicator's breakdowns as rows for the council, its region and England (for stacked charts)."""
    sel = ind[
        (ind["indicator"] == indicator)
        & (ind["status"] == "ok")
        & ind["breakdown"].str.startswith(prefix)
    ]
    if sel.empty:
        return pd.DataFrame(columns=["area", "breakdown", "value", "year_label"])
    sel = sel[sel["year"] == sel["year"].max()] if sel["year"].notna().any() else sel
    long = sel.melt(
        id_vars=["breakdown", "year_label"],
        value_vars=["value", "region", "england"],
        var_name="who",
        value_name="v",
    )
    region = geography.REGIONS.get(geography.region_of(sel["la_code"].iloc[0]) or "", "Region")
    long["area"] = long["who"].map({"value": council, "region": region, "england": "England"})
    long["breakdown"] = long["breakdown"].str.replace(prefix, "", regex=False)
    return long.rename(columns={"v": "value"})[["area", "breakdown", "value", "year_label"]]


def sources(ind: pd.DataFrame) -> list[str]:
    """'source: years' lines for the sources behind the indicators; sources not loaded say so."""
    lines = []
    for source, g in ind.groupby("source"):
        years = sorted(set(g["year_label"].dropna()))
        lines.append(f"{source}: {', '.join(years)}" if years else f"{source}: not loaded")
    return sorted(lines)
