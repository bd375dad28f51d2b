"""Every Section 1 indicator, declared once: its market, name, unit, source, definition, and
the figures of it the plan's market tables show.

The functions that compute indicators (``sufficiency``, ``diversity``, ``quality``, ``fees``,
``spend_mix``, ``workforce``, ``outcomes``, ``placements``) register with :func:`computes`,
naming the indicators they return, and build each result with :func:`make`, which takes the
market, unit and source from here. The plan's tables (:func:`table_rows`), the risk tests
(``risk_thresholds.yml`` names indicators declared here) and the national report read the
same declarations. To find any figure's code: look its indicator name up in :data:`SPECS`
(what it is) and :func:`computer` (the function that computes it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from msp_analysis.indicators.markets import MARKETS

SALT = "SALT (NHS Digital)"
ASCFR = "ASC-FR (NHS Digital)"
ASCOF = "ASCOF (DHSC)"
CQC_DIRECTORY = "CQC care directory (HSCA Active Locations)"
CQC_RATINGS = "CQC latest ratings"
SFC = "Skills for Care ASC-WDS / NMDS-SC"
ONS_MYE = "ONS mid-year estimates"
OWN = "council's own records (local evidence file)"
ASHE = "ONS ASHE Table 8.7a (pay by home council)"
IOD = "MHCLG English Indices of Deprivation 2019 (IDAOPI)"
SNPP = "ONS subnational population projections, rebased to ONS mid-year estimates"
ASCFR_PROVISION = f"{ASCFR} 2014-15 council expenditure (own provision)"

#: ASC-FR unit costs are spend divided by activity, not the fee a council pays (said in every label).
NOT_FEE = "not the fee paid"


@dataclass(frozen=True)
class Row:
    """A figure of an indicator (one breakdown) that a market's table in the plan shows."""

    breakdown: str
    label: str
    #: the market whose table shows it; None: the indicator's own market
    market: str | None = None
    #: 'indicator:breakdown' of a better figure of the same thing: this row is shown only when
    #: that one has no figure for the council (one rating figure per market, from the best
    #: source loaded)
    instead_of: str | None = None
    #: a shorter name for risk tests and the executive summary; empty: the label
    short: str = ""
    #: False for a figure the tables do not show (it names a breakdown a risk test reads)
    table: bool = True


@dataclass(frozen=True)
class Spec:
    """One indicator: what it measures, in which unit, from which source, and how."""

    market: str
    name: str
    unit: str
    source: str
    definition: str = ""
    rows: tuple[Row, ...] = ()


@dataclass
class Indicator:
    """An indicator for every area: ``area`` has la_code, area_type, year, breakdown, value."""

    market: str
    name: str
    unit: str
    source: str
    area: pd.DataFrame
    note: str = ""
    #: The period in words where it is not a financial year (a snapshot: 'as at 29 May 2026';
    #: with '{year}', each row's: 'April {year}'); None labels each row by its financial year.
    year_label: str | None = None
    #: False where the source covers too few councils to rank one among them
    ranked: bool = True


def _ascof(codes: str) -> str:
    return f"{ASCOF} {codes}"


#: Every indicator, in the order the plan's market tables show their figures.
SPECS: tuple[Spec, ...] = (
    Spec(
        "home_care_18",
        "home_care_hourly_rate",
        "£ per hour",
        f"{ASCFR} T51",
        "gross spend on home care divided by the hours bought, by who provides it (in house, external)",
        (
            Row(
                "External",
                f"ASC-FR unit cost of externally provided home care: spend per hour ({NOT_FEE})",
                short="ASC-FR unit cost of external home care (spend an hour, not the fee)",
            ),
        ),
    ),
    Spec(
        "all",
        "gce_long_term_by_setting_share",
        "% of long-term GCE in the age band",
        f"{ASCFR} T43/T44",
        "gross current expenditure on long-term care in a setting as a share of all long-term "
        "care spend in the age band",
        (
            Row(
                "65 and over: Community: Home Care",
                "Home care's share of long-term care spend on people aged 65+",
                "home_care_18",
            ),
            Row(
                "18 to 64: Community: Home Care",
                "Home care's share of long-term care spend on adults aged 18-64",
                "home_care_18",
            ),
            Row(
                "18 to 64: Community: Supported Living",
                "Supported living's share of long-term care spend on adults aged 18-64",
                "supported_living",
            ),
            Row(
                "65 and over: Community: Other Long Term Care",
                "Other long-term community care (day care among it) as a share of long-term care "
                "spend on people aged 65+",
                "other_community",
            ),
        ),
    ),
    Spec(
        "all",
        "gce_long_term_by_setting_per_head",
        "£ per person in the age band",
        f"{ASCFR} T43/T44; ONS",
        "gross current expenditure on long-term care in a setting divided by the population in "
        "the age band",
        (
            Row(
                "18 to 64: Community: Supported Living",
                "Spend on supported living in the year per resident aged 18-64 (all residents, "
                "not per person supported)",
                "supported_living",
                short="Supported living spend per resident aged 18-64",
            ),
            Row(
                "65 and over: Community: Supported Living",
                "Spend on supported living in the year per resident aged 65+ (all residents, not "
                "per person supported)",
                "supported_living",
                short="Supported living spend per resident aged 65+",
            ),
            Row(
                "65 and over: Community: Home Care",
                "Spend on home care in the year per resident aged 65+ (all residents, not per "
                "person supported)",
                "home_care_18",
                short="Home care spend per resident aged 65+",
                table=False,
            ),
            Row(
                "18 to 64: Community: Other Long Term Care",
                "Spend on day care and other long-term community support in the year per "
                "resident aged 18-64 (all residents, not per person supported)",
                "other_community",
                short="Day care and other community support: spend per resident aged 18-64",
            ),
        ),
    ),
    Spec(
        "care_home_65",
        "clients_65_in_care_homes_per_100k",
        "people per 100,000 aged 65+",
        f"{SALT} T34; ONS",
        "people aged 65+ in long-term residential or nursing care during the year per 100,000 "
        "people aged 65+",
        (
            Row(
                "Residential",
                "People aged 65+ in long-term residential care during the year, per 100,000 aged 65+",
            ),
            Row(
                "Nursing",
                "People aged 65+ in long-term nursing care during the year, per 100,000 aged 65+",
            ),
            Row(
                "Nursing and residential",
                "People aged 65+ in long-term residential or nursing care during the year, per "
                "100,000 aged 65+",
                short="People aged 65+ in care homes per 100,000 aged 65+",
                table=False,
            ),
        ),
    ),
    Spec(
        "care_home_65",
        "population_85_plus_growth_5y",
        "% growth over five years",
        SNPP,
        "the projected change in people aged 85 and over over the five years from the latest "
        "mid-year estimate",
        (Row("Total", "Projected growth in people aged 85 and over in the next five years"),),
    ),
    Spec(
        "care_home_65",
        "ascof_care_home_admissions_65_per_100k",
        "admissions per 100,000 aged 65+",
        _ascof("2A2/2C"),
        "ASCOF 2C (2A2 before 2023-24) as published",
        (
            Row(
                "Total",
                "Adults aged 65 and over whose long-term support needs are met by admission to "
                "residential and nursing care homes, per 100,000 population (ASCOF 2C; 2A2 "
                "before 2023-24)",
            ),
        ),
    ),
    Spec(
        "all",
        "requests_outcome_share",
        "% of requests from new clients",
        f"{SALT} T10/T11",
        "requests for support from new clients that led to each outcome, as a share of all "
        "requests in the age band",
        (
            Row(
                "65 and over: Long Term Care: Residential",
                "Requests for support from new clients aged 65+ that led to long-term residential care",
                "care_home_65",
            ),
            Row(
                "65 and over: Long Term Care: Nursing",
                "Requests for support from new clients aged 65+ that led to long-term nursing care",
                "care_home_65",
            ),
            Row(
                "65 and over: Long Term Care: Community",
                "Requests for support from new clients aged 65+ that led to long-term community "
                "support",
                "home_care_18",
            ),
        ),
    ),
    Spec(
        "care_home_65",
        "unit_cost_weekly_65",
        "£ per week",
        f"{ASCFR} T52",
        "gross spend on long-term care for people aged 65+ in the setting divided by the weeks "
        "of care bought",
        (
            Row(
                "Residential",
                f"ASC-FR unit cost of residential care, 65+: spend per person per week ({NOT_FEE})",
                short="ASC-FR unit cost of residential care, 65+ (spend a week, not the fee)",
            ),
            Row(
                "Nursing",
                f"ASC-FR unit cost of nursing care, 65+: spend per person per week ({NOT_FEE})",
                short="ASC-FR unit cost of nursing care, 65+ (spend a week, not the fee)",
            ),
        ),
    ),
    Spec(
        "care_home_65",
        "care_home_cost_to_local_pay",
        "weeks of local median full-time pay",
        f"{ASCFR} T52; {ASHE}",
        "the ASC-FR unit cost of a week of residential care for people aged 65+ divided by a "
        "week of the median full-time pay of employees living in the area",
        (
            Row(
                "Total",
                "A week of residential care, 65+ (ASC-FR unit cost), in weeks of local median "
                "full-time pay",
                short="A week of residential care, 65+, in weeks of local full-time pay",
            ),
        ),
    ),
    Spec(
        "care_home_65",
        "older_people_income_deprivation",
        "% of people aged 60+",
        IOD,
        "the share of people aged 60 and over living in income-deprived households (the IoD "
        "2019 IDAOPI average score); few deprived older people points to many who pay for "
        "their own care",
        (
            Row(
                "Total",
                "Older people in income-deprived households (IoD 2019; few means many "
                "self-funders)",
                short="Older people in income-deprived households",
            ),
        ),
    ),
    Spec(
        "care_home_65",
        "in_house_share_care_home_65",
        "% of long-term gross spend",
        ASCFR_PROVISION,
        "the council's own provision as a share of its gross spend on residential and nursing "
        "care for people aged 65+",
        (Row("Total", "Care homes for people aged 65+ run by the council: share of spend"),),
    ),
    Spec(
        "care_home_65",
        "care_home_beds_per_1000_65",
        "beds per 1,000 people aged 65+",
        f"{CQC_DIRECTORY}; ONS",
        "care home beds registered with CQC per 1,000 people aged 65+",
        (Row("All care homes", "Care home beds per 1,000 people aged 65+"),),
    ),
    Spec(
        "care_home_65",
        "hhi_care_home_beds",
        "HHI (0-10,000)",
        CQC_DIRECTORY,
        "Herfindahl-Hirschman index of providers' shares of care home beds: the sum of the "
        "squared percentage shares",
        (Row("Total", "Concentration of care home beds (HHI)"),),
    ),
    Spec(
        "care_home_65",
        "care_home_rating_share",
        "% of care home locations",
        CQC_RATINGS,
        "care home locations by their latest overall CQC rating, as a share of all care home "
        "locations",
        (
            Row(
                "Good or outstanding",
                "Care homes rated good or outstanding by CQC (latest overall rating)",
            ),
            Row("Inadequate", "Care homes rated inadequate by CQC", table=False),
        ),
    ),
    Spec(
        "care_home_65",
        "ascof_6b_rating_share",
        "% of residential providers",
        "ASCOF 6B (DHSC, from CQC)",
        "ASCOF 6B as published: the percentage of residential adult social care providers (care "
        "homes for all ages) rated good or outstanding by CQC",
        (
            Row(
                "Good or outstanding",
                "Care homes (all ages) rated good or outstanding by CQC: the percentage of "
                "residential adult social care providers rated good or outstanding (ASCOF 6B)",
                instead_of="care_home_rating_share:Good or outstanding",
                short="Care homes rated good or outstanding (ASCOF 6B)",
            ),
        ),
    ),
    Spec(
        "home_care_18",
        "clients_65_in_community_per_100k",
        "people per 100,000 aged 65+",
        f"{SALT} T34; ONS",
        "people aged 65+ in long-term community support (home care, direct payments and other "
        "support at home) during the year per 100,000 people aged 65+",
        (
            Row(
                "Total",
                "People aged 65+ in long-term support at home during the year, per 100,000 "
                "aged 65+",
                short="People aged 65+ supported at home per 100,000 aged 65+",
            ),
        ),
    ),
    Spec(
        "home_care_18",
        "home_care_cost_to_local_pay",
        "hours of local median full-time pay",
        f"{ASCFR} T51; {ASHE}",
        "the ASC-FR unit cost of an hour of externally provided home care divided by an hour of "
        "the median full-time pay of employees living in the area (37.5 hours a week)",
        (
            Row(
                "Total",
                "An hour of external home care (ASC-FR unit cost), in hours of local median "
                "full-time pay",
                short="An hour of external home care in hours of local full-time pay",
            ),
        ),
    ),
    Spec(
        "home_care_18",
        "in_house_share_home_care_18",
        "% of long-term gross spend",
        ASCFR_PROVISION,
        "the council's own provision as a share of its gross spend on home care for adults",
        (Row("Total", "Home care provided by the council: share of spend"),),
    ),
    Spec(
        "home_care_18",
        "home_care_locations_per_100k",
        "locations per 100,000 adults",
        f"{CQC_DIRECTORY}; ONS",
        "home care locations registered with CQC per 100,000 adults",
        (Row("Total", "Home care locations per 100,000 adults"),),
    ),
    Spec(
        "home_care_18",
        "home_care_rating_share",
        "% of home care locations",
        CQC_RATINGS,
        "home care locations by their latest overall CQC rating, as a share of all home care "
        "locations",
        (
            Row(
                "Good or outstanding",
                "Home care services rated good or outstanding by CQC (latest overall rating)",
            ),
            Row("Inadequate", "Home care services rated inadequate by CQC", table=False),
        ),
    ),
    Spec(
        "supported_living",
        "in_house_share_supported_living",
        "% of long-term gross spend",
        ASCFR_PROVISION,
        "the council's own provision as a share of its gross spend on supported living",
        (Row("Total", "Supported living provided by the council: share of spend"),),
    ),
    Spec(
        "supported_living",
        "supported_living_locations_per_100k",
        "locations per 100,000 adults",
        f"{CQC_DIRECTORY}; ONS",
        "supported living locations registered with CQC per 100,000 adults",
        (Row("Total", "Supported living locations per 100,000 adults"),),
    ),
    Spec(
        "other_community",
        "shared_lives_locations_per_100k",
        "locations per 100,000 adults",
        f"{CQC_DIRECTORY}; ONS",
        "Shared Lives schemes registered with CQC per 100,000 adults",
        (Row("Total", "Shared Lives schemes per 100,000 adults"),),
    ),
    Spec(
        "other_community",
        "in_house_share_other_community",
        "% of long-term gross spend",
        ASCFR_PROVISION,
        "the council's own provision as a share of its gross spend on other long-term community "
        "care (day care among it)",
        (Row("Total", "Day care and other community support run by the council: share of spend"),),
    ),
    Spec(
        "other_community",
        "day_and_extra_care_people",
        "people",
        OWN,
        "people in day care and extra care, from the council's own records",
        (Row("Total", "People in day care and extra care"),),
    ),
    Spec(
        "all",
        "clients_18_64_year_end_by_reason_per_100k",
        "people per 100,000 aged 18-64",
        f"{SALT} T37; ONS",
        "people aged 18-64 in long-term support at the end of the year by primary support "
        "reason, per 100,000 people aged 18-64",
        (
            Row(
                "Learning Disability Support",
                "People aged 18-64 in long-term support for a learning disability at year end, "
                "per 100,000 aged 18-64",
                "learning_disability",
                short="Adults supported for a learning disability per 100,000 aged 18-64",
            ),
            Row(
                "Mental Health Support",
                "People aged 18-64 in long-term support for mental health at year end, "
                "per 100,000 aged 18-64",
                "mental_health",
                short="Adults supported for mental health per 100,000 aged 18-64",
            ),
        ),
    ),
    Spec(
        "all",
        "gce_by_reason_share",
        "% of long and short term GCE in the age band",
        f"{ASCFR} T18",
        "gross current expenditure on a primary support reason as a share of all spend in the "
        "age band",
        (
            Row(
                "18 to 64: Learning Disability Support",
                "Learning disability support's share of spend on adults aged 18-64",
                "learning_disability",
            ),
            Row(
                "18 to 64: Mental Health Support",
                "Mental health support's share of spend on adults aged 18-64",
                "mental_health",
            ),
        ),
    ),
    Spec(
        "all",
        "unit_cost_weekly_18_64_by_reason",
        "£ per week",
        f"{ASCFR} T53",
        "gross spend on long-term care for adults aged 18-64 by setting and primary support "
        "reason divided by the weeks of care bought",
        (
            Row(
                "Residential: Learning Disability Support",
                f"ASC-FR unit cost of residential care for learning disability, 18-64 ({NOT_FEE})",
                "learning_disability",
                short="ASC-FR unit cost of residential care for learning disability (spend a week)",
            ),
            Row(
                "Residential: Mental Health Support",
                f"ASC-FR unit cost of residential care for mental health, 18-64 ({NOT_FEE})",
                "mental_health",
                short="ASC-FR unit cost of residential care for mental health (spend a week)",
            ),
        ),
    ),
    Spec(
        "learning_disability",
        "ld_care_cost_to_local_pay",
        "weeks of local median full-time pay",
        f"{ASCFR} T53; {ASHE}",
        "the ASC-FR unit cost of a week of residential care for adults aged 18-64 with a "
        "learning disability divided by a week of local median full-time pay",
        (
            Row(
                "Total",
                "A week of residential care for learning disability, 18-64 (ASC-FR unit cost), in "
                "weeks of local median full-time pay",
                short="A week of learning disability residential care in weeks of local pay",
            ),
        ),
    ),
    Spec(
        "learning_disability",
        "in_house_share_learning_disability",
        "% of long-term gross spend",
        ASCFR_PROVISION,
        "the council's own provision as a share of its gross spend on long-term care for adults "
        "aged 18-64 with a learning disability",
        (Row("Total", "Learning disability care provided by the council: share of spend"),),
    ),
    Spec(
        "mental_health",
        "mh_care_cost_to_local_pay",
        "weeks of local median full-time pay",
        f"{ASCFR} T53; {ASHE}",
        "the ASC-FR unit cost of a week of residential care for adults aged 18-64 with mental "
        "health needs divided by a week of local median full-time pay",
        (
            Row(
                "Total",
                "A week of residential care for mental health, 18-64 (ASC-FR unit cost), in weeks "
                "of local median full-time pay",
                short="A week of mental health residential care in weeks of local pay",
            ),
        ),
    ),
    Spec(
        "mental_health",
        "in_house_share_mental_health",
        "% of long-term gross spend",
        ASCFR_PROVISION,
        "the council's own provision as a share of its gross spend on long-term care for adults "
        "aged 18-64 with mental health needs",
        (Row("Total", "Mental health care provided by the council: share of spend"),),
    ),
    Spec(
        "learning_disability",
        "ascof_ld_living_at_home",
        "% of people",
        _ascof("2E(1)"),
        "ASCOF 2E(1) (1G before 2024-25) as published",
        (
            Row(
                "Total",
                "The proportion of people who receive long-term support with a learning "
                "disability, who live in their home or with family, aged 18 to 64 (ASCOF 2E(1))",
                short="Adults with a learning disability living at home (ASCOF 2E(1))",
            ),
        ),
    ),
    Spec(
        "autism",
        "autistic_people_supported",
        "people",
        OWN,
        "autistic people the council supports, from its own records",
        (Row("Total", "Autistic people the council supports"),),
    ),
    Spec(
        "all",
        "population_65_plus",
        "people aged 65+",
        ONS_MYE,
        "people aged 65 and over, mid-year estimate",
        (Row("Total", "People aged 65 and over"),),
    ),
    Spec(
        "all",
        "population_85_plus",
        "people aged 85+",
        ONS_MYE,
        "people aged 85 and over, mid-year estimate",
        (Row("Total", "People aged 85 and over"),),
    ),
    Spec(
        "all",
        "population_65_plus_share",
        "% of adults (18+) who are 65+",
        ONS_MYE,
        "people aged 65 and over as a share of people aged 18 and over",
        (Row("Total", "Share of adults aged 65 and over"),),
    ),
    Spec(
        "all",
        "gce_total",
        "£ million",
        f"{ASCFR} T15",
        "total gross current expenditure on adult social care",
        (Row("Total", "Total gross current expenditure on adult social care"),),
    ),
    Spec(
        "all",
        "gce_total_per_adult",
        "£ per adult",
        f"{ASCFR} T15; ONS",
        "total gross current expenditure on adult social care divided by the population aged "
        "18 and over",
        (Row("Total", "Total gross current expenditure on adult social care per adult"),),
    ),
    Spec(
        "all",
        "clients_lts_during_year_per_100k",
        "people per 100,000 adults in the age band",
        f"{SALT} T2/T34; ONS",
        "people in long-term support during the year per 100,000 adults in the age band",
        (Row("Total", "Adults in long-term support during the year per 100,000 adults"),),
    ),
    Spec(
        "all",
        "requests_per_100k",
        "requests per 100,000 adults in the age band",
        f"{SALT} T2; ONS",
        "requests for support from new clients per 100,000 adults in the age band",
        (Row("Total", "Requests for support from new clients per 100,000 adults"),),
    ),
    Spec(
        "all",
        "requests_route_share",
        "% of requests for support from new clients",
        f"{SALT} T8",
        "requests for support from new clients by route of access as a share of all requests "
        "in the age band",
        (
            Row(
                "65 and over: Discharge from Hospital",
                "Requests for support from new clients aged 65+ on discharge from hospital",
            ),
        ),
    ),
    Spec(
        "all",
        "ascof_reablement_no_further_request",
        "% of people",
        _ascof("2A"),
        "ASCOF 2A as published",
        (
            Row(
                "Total",
                "The proportion of people who received reablement during the year, who "
                "previously were not receiving services, where no further request was made for "
                "ongoing support (ASCOF 2A)",
            ),
        ),
    ),
    Spec(
        "all",
        "ascof_care_home_admissions_18_64_per_100k",
        "admissions per 100,000 aged 18-64",
        _ascof("2A1/2B"),
        "ASCOF 2B (2A1 before 2023-24) as published",
        (
            Row(
                "Total",
                "Adults aged 18 to 64 whose long-term support needs are met by admission to "
                "residential and nursing care homes, per 100,000 population (ASCOF 2B; 2A1 "
                "before 2023-24)",
            ),
        ),
    ),
    Spec(
        "all",
        "ascof_6a_turnover",
        "% of staff leaving in the year",
        "ASCOF 6A (DHSC, from Skills for Care ASC-WDS)",
        "ASCOF 6A as published",
        (
            Row(
                "All services",
                "The proportion of staff in the formal care workforce leaving their role in the "
                "past 12 months (ASCOF 6A)",
                short="Care workforce turnover (ASCOF 6A)",
            ),
        ),
    ),
    Spec(
        "all",
        "wage_floor_share_of_local_pay",
        "% of local median full-time pay",
        f"{ASHE}; National Living Wage",
        "the wage floor in force each April (National Living Wage from 2016) for a full-time "
        "year of 37.5 hours a week, as a share of the median full-time pay of employees living "
        "in the area",
        (
            Row(
                "Total",
                "The National Living Wage for a full-time year as a share of local median "
                "full-time pay",
                short="National Living Wage as a share of local full-time pay",
            ),
        ),
    ),
    Spec(
        "all",
        "vacancy_rate",
        "% of posts vacant",
        SFC,
        "vacant posts as a share of all posts, all sectors and job roles",
        (
            Row("All services", "Care workforce vacancy rate (Skills for Care)"),
            Row(
                "Care home services with nursing",
                "Vacancy rate in care homes with nursing (Skills for Care)",
                "care_home_65",
                table=False,
            ),
            Row(
                "Domiciliary care services",
                "Vacancy rate in home care services (Skills for Care)",
                "home_care_18",
                table=False,
            ),
        ),
    ),
    Spec(
        "all",
        "out_of_area_placements",
        "people",
        OWN,
        "people the council places in care outside its area, from its own records",
        (Row("Total", "People placed in care outside the council's area"),),
    ),
    # Indicators the plan's tables do not show (in market_indicators.csv and the notebooks)
    Spec(
        "all",
        "clients_lts_year_end_per_100k",
        "people per 100,000 adults in the age band",
        f"{SALT} T33; ONS",
        "people in long-term support at the end of the year per 100,000 adults in the age band",
    ),
    Spec(
        "care_home_65",
        "care_home_beds_per_1000_75",
        "beds per 1,000 people aged 75+",
        f"{CQC_DIRECTORY}; ONS",
        "care home beds registered with CQC per 1,000 people aged 75+",
    ),
    Spec(
        "care_home_65",
        "care_home_providers",
        "providers",
        CQC_DIRECTORY,
        "providers with at least one care home registered in the area",
    ),
    Spec(
        "care_home_65",
        "top5_provider_share_of_beds",
        "% of care home beds",
        CQC_DIRECTORY,
        "the five largest providers' share of the area's care home beds",
        (Row("Total", "The five largest providers' share of care home beds", table=False),),
    ),
    Spec(
        "care_home_65",
        "care_home_size_mix",
        "% of care homes",
        CQC_DIRECTORY,
        "care homes by number of beds, as a share of all care homes",
    ),
    Spec(
        "home_care_18",
        "home_care_providers",
        "providers",
        CQC_DIRECTORY,
        "providers with at least one home care location registered in the area",
    ),
    Spec(
        "care_home_65",
        "care_home_providers_rated",
        "providers",
        f"{CQC_RATINGS} (locations)",
        "providers with at least one care home in the ratings file",
    ),
    Spec(
        "care_home_65",
        "hhi_care_home_locations",
        "HHI (0-10,000)",
        f"{CQC_RATINGS} (locations)",
        "Herfindahl-Hirschman index of providers' shares of care home locations",
    ),
    Spec(
        "all",
        "unit_cost_weekly_18_64",
        "£ per week",
        f"{ASCFR} T52",
        "gross spend on long-term care for adults aged 18-64 in the setting divided by the "
        "weeks of care bought",
    ),
    Spec(
        "care_home_65",
        "unit_cost_weekly_65_by_reason",
        "£ per week",
        f"{ASCFR} T54",
        "gross spend on long-term care for people aged 65+ by setting and primary support "
        "reason divided by the weeks of care bought",
    ),
    Spec(
        "care_home_65",
        "unit_cost_weekly_residential_by_provision",
        "£ per week",
        f"{ASCFR} T55",
        "gross spend on residential care by who provides it divided by the weeks of care bought",
    ),
    Spec(
        "all",
        "turnover_rate",
        "% of staff leaving in the year",
        SFC,
        "leavers in the year as a share of staff, all sectors and job roles",
    ),
    Spec(
        "all",
        "filled_posts_per_1000_adults",
        "filled posts per 1,000 adults",
        f"{SFC}; ONS",
        "filled adult social care posts per 1,000 adults",
    ),
)

#: Indicator name -> its declaration.
CATALOGUE: dict[str, Spec] = {s.name: s for s in SPECS}
if len(CATALOGUE) != len(SPECS) or not {s.market for s in SPECS} <= set(MARKETS):
    raise RuntimeError("indicators.catalogue: an indicator is declared twice or names no market")

#: The indicator functions, in the order they run, each with the indicators it returns.
COMPUTERS: list[tuple[Callable, tuple[Spec, ...]]] = []


def computes(*names: str) -> Callable[[Callable], Callable]:
    """Register an indicator function as the one that computes ``names`` (declared in
    :data:`SPECS`), so that a missing source still lists each of them with the reason.

    Raises:
        KeyError: a name that is not declared (at import, so a typo cannot ship).
    """
    specs = tuple(CATALOGUE[n] for n in names)

    def register(fn: Callable) -> Callable:
        COMPUTERS.append((fn, specs))
        return fn

    return register


def computer(name: str) -> Callable | None:
    """The function that computes an indicator (None for the council's own figures)."""
    return next((fn for fn, specs in COMPUTERS if any(s.name == name for s in specs)), None)


def make(
    name: str,
    area: pd.DataFrame,
    *notes: str,
    year_label: str | None = None,
    ranked: bool = True,
) -> Indicator:
    """The result of an indicator function: the declaration of ``name`` with the area frame
    and the notes that qualify it (empty notes dropped, the rest joined with '; ')."""
    s = CATALOGUE[name]
    return Indicator(
        s.market,
        s.name,
        s.unit,
        s.source,
        area,
        "; ".join(n for n in notes if n),
        year_label=year_label,
        ranked=ranked,
    )


def table_rows(market: str) -> list[tuple[str, str, str]]:
    """(indicator, breakdown, label) of the figures a market's table shows, in plan order."""
    return [
        (s.name, r.breakdown, r.label)
        for s in SPECS
        for r in s.rows
        if r.table and (r.market or s.market) == market
    ]


def label(indicator: str, breakdown: str, *, short: bool = False) -> str:
    """Words for one figure: its row's label (its short name with ``short``), else the
    indicator's definition with its breakdown."""
    s = CATALOGUE.get(indicator)
    if s is None:
        return f"{indicator.replace('_', ' ')}, {breakdown}"
    for r in s.rows:
        if r.breakdown == breakdown:
            return (r.short or r.label) if short else r.label
    text = s.definition[:1].upper() + s.definition[1:]
    return text if breakdown in ("Total", "") else f"{text} ({breakdown})"
