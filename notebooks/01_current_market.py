# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
#     formats: ipynb,py:percent
#     notebook_metadata_filter: kernelspec,jupytext,-all
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown] tags=[]
# # Section 1: the current sustainability of local care markets
#
# Indicators for the council against England, its region and a comparator group, for every market in the DHSC template and the specialist markets councils add (65+ care homes, 18+ home care, supported living, learning disability, mental health, autism; day care, extra care and Shared Lives), with the DHSC risk tests for each market. Every number below is computed from the published files; a market no published return measures says which data would. ASC-FR unit costs are spend per week or hour, not the fee paid.

# %% tags=["parameters"]
la_code = "E06000054"  # ONS code of the council; E06000054 is Wiltshire
raw_dir = "../../shared/data"  # folder of published files, relative to this notebook
year = None  # latest financial-year start to describe, e.g. 2021 for 2021-22; None for the latest in the data

# %% tags=[]
from msp_analysis import geography, plots, store
from msp_analysis.indicators import assess, risk_results
from msp_analysis.indicators.assess import indicator_area
from msp_analysis.indicators.risk import data_checks, risk_matrix
from msp_analysis.indicators.summary import benchmark_long, market_summary, sources, up_to
from msp_analysis.notebook import bullets, quiet, show, table
from msp_analysis.tables import Tables

quiet()
tables = Tables.load(store.ensure(raw_dir))
indicators, comparators = assess(tables, la_code)
indicators = up_to(indicators, year)
risks = risk_results(indicators)
council = geography.council_name(la_code)
peers = comparators["la_code"].tolist()
bullets(
    [
        f"{council} ({la_code}); data: {tables.manifest['label']}",
        f"{indicators['indicator'].nunique()} indicators, {int((indicators['status'] == 'missing').sum())} missing (reasons below)",
    ]
)

# %% [markdown] tags=[]
# ## Comparator councils
#
# Chosen from data in the package; the method and the distance of each council are shown.

# %% tags=[]
bullets([comparators.attrs["method"]])
table(
    comparators[
        [
            "la_code",
            "la_name",
            "adults",
            "share_65_plus",
            "share_85_plus",
            "urban",
            "gce_per_adult",
            "distance",
        ]
    ],
    3,
)

# %% [markdown] tags=[]
# ## 65+ care homes (residential and nursing)

# %% tags=[]
bullets(market_summary(indicators, "care_home_65"))

# %% tags=[]
show(
    plots.ranked_bar(
        indicator_area(tables, "clients_65_in_care_homes_per_100k", "Nursing and residential"),
        la_code,
        peers,
        "People aged 65+ in care homes per 100,000 aged 65+, against comparators",
        unit="people per 100,000 aged 65+",
        source="SALT T34 (NHS Digital); ONS mid-year estimates",
    )
)

# %% tags=[]
show(
    plots.trend(
        indicators[
            (indicators["indicator"] == "unit_cost_weekly_65")
            & (indicators["breakdown"] == "Nursing")
        ],
        "ASC-FR unit cost of nursing care, 65+ (spend per week, not the fee paid)",
        council_name=council,
    )
)

# %% [markdown] tags=[]
# ## 18+ home care

# %% tags=[]
bullets(market_summary(indicators, "home_care_18"))

# %% tags=[]
show(
    plots.trend(
        indicators[
            (indicators["indicator"] == "home_care_hourly_rate")
            & (indicators["breakdown"] == "External")
        ],
        "ASC-FR unit cost of external home care (spend per hour, not the fee paid)",
        council_name=council,
    )
)

# %% [markdown] tags=[]
# ## Supported living

# %% tags=[]
bullets(market_summary(indicators, "supported_living"))

# %% [markdown] tags=[]
# ## Learning disability

# %% tags=[]
bullets(market_summary(indicators, "learning_disability"))

# %% [markdown] tags=[]
# ## Mental health

# %% tags=[]
bullets(market_summary(indicators, "mental_health"))

# %% [markdown] tags=[]
# ## Autism; day care, extra care and Shared Lives
#
# No published return measures these per council; the council's own figures (local evidence file) do.

# %% tags=[]
bullets(market_summary(indicators, "autism") + market_summary(indicators, "other_community"))

# %% [markdown] tags=[]
# ## Population, spend, quality and workforce across the markets

# %% tags=[]
bullets(market_summary(indicators, "all"))

# %% tags=[]
ratings = benchmark_long(indicators, "ascof_6b_rating_share", council)
ratings = ratings[ratings["breakdown"] != "Good or outstanding"]
show(
    plots.rating_bars(
        ratings,
        "Residential adult social care providers by CQC rating (ASCOF 6B)",
        source=f"ASCOF 6B (DHSC, from CQC), {ratings['year_label'].iloc[0]}",
    )
)

# %% tags=[]
mix = benchmark_long(indicators, "gce_long_term_by_setting_share", council, prefix="65 and over: ")
show(
    plots.spend_mix(
        mix,
        "Long-term care spend by setting, people aged 65+",
        source=f"ASC-FR T44 (NHS Digital), {mix['year_label'].iloc[0]}",
    )
)

# %% [markdown] tags=[]
# ## Risk tests by market
#
# The five risks in DHSC's table of risk indicators, tested in each market on that market's own figures: *flagged*, *not flagged*, or *could not run* for want of a figure (and the file that would run it). A council-wide figure (workforce turnover, local pay) is tested once, in the council-wide column, never copied into the markets; *no test* where no rule tests a risk there. Rules and thresholds are in `msp_analysis/data/risk_thresholds.yml`; tests on the council's own figures run when a local evidence file is given (the plan's `--evidence`).

# %% tags=[]
matrix = risk_matrix(risks)
table(
    matrix.pivot(index="risk_label", columns="market_label", values="state")
    .reindex(columns=list(dict.fromkeys(matrix["market_label"])))
    .reset_index()
)

# %% tags=[]
table(
    risks.loc[
        risks["state"] != "could not run",
        ["risk_label", "market_label", "measure", "year_label", "rule", "state", "reason"],
    ]
)

# %% [markdown] tags=[]
# ## Figures to check
#
# A year-on-year change in an ASC-FR unit cost above the threshold is a possible data issue to check, not a market risk.

# %% tags=[]
table(data_checks(indicators))

# %% [markdown] tags=[]
# ## Missing indicators
#
# Indicators whose source is not in the loaded files, and why.

# %% tags=[]
table(indicators.loc[indicators["status"] == "missing", ["market", "indicator", "note"]])

# %% [markdown] tags=[]
# ## Sources

# %% tags=[]
bullets(sources(indicators))
