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
# # Section 2: how demand will change
#
# People in long-term support by age band, support setting and client group over the horizon, with 80% and 95% prediction intervals, and how well the same method forecast the past (a rolling-origin backtest on every council). Population comes from ONS projections where loaded; the rates follow their own trend.

# %% tags=["parameters"]
la_code = "E06000054"  # ONS code of the council; E06000054 is Wiltshire
raw_dir = "../../shared/data"  # folder of published files, relative to this notebook
base_year = None  # financial-year start of the base year, e.g. 2021; None for the latest with SALT by setting
horizon = 5  # years forecast after the base year
scenarios = [
    "../scenarios/baseline.yml",
    "../scenarios/market_unchanged.yml",
    "../scenarios/ld_residential_to_supported_living.yml",
    "../scenarios/home_care_growth.yml",
    "../scenarios/workforce_shock.yml",
]  # scenario YAML files

# %% tags=[]
from msp_analysis import geography, plots, store
from msp_analysis.forecast import backtest, run
from msp_analysis.notebook import bullets, quiet, show, table
from msp_analysis.tables import Tables

quiet()
tables = Tables.load(store.ensure(raw_dir))
council = geography.council_name(la_code)
result = run.run(tables, la_code, scenarios, horizon=horizon, base=base_year)
runs = result["runs"].set_index("scenario")
first = runs.iloc[0]
bullets(
    [
        f"{council} ({la_code}); data: {tables.manifest['label']}; base year {first['base_year']}-{(first['base_year'] + 1) % 100:02d}",
        f"Population: {first['population_source']}",
        f"Rates: {first['rate_method']}",
        f"Pooled across councils: {first['pooled_growth']}",
    ]
)

# %% [markdown] tags=[]
# ## People in long-term support, baseline scenario

# %% tags=[]
people = result["forecast"].query("measure == 'people'")
total = people.query("setting == 'All' and scenario == @runs.index[0]")
show(
    plots.fan(
        total,
        f"People in long-term support during the year, {council}",
        source=f"SALT (NHS Digital) and ONS; msp-analysis forecast, scenario {runs.index[0]}, base {first['base_year']}",
    )
)

# %% tags=[]
horizon_year = int(first["horizon_year"])
by_group = people.query(
    "scenario == @runs.index[0] and setting != 'All' and year in [@first.base_year, @horizon_year]"
)
table(
    by_group.pivot_table(
        index=["age_band", "setting"], columns="year", values="value", aggfunc="sum"
    ).reset_index(),
    0,
)

# %% [markdown] tags=[]
# ## People by scenario
#
# Scenarios change where people are supported (shifts, extra community growth) or whether they can be (workforce capacity).

# %% tags=[]
people_totals = people.query("setting == 'All'")[["scenario", "year", "value"]]
show(
    plots.scenario_lines(
        people_totals,
        "People in long-term support by scenario",
        unit="people",
        source="SALT (NHS Digital), ONS; msp-analysis scenarios",
    )
)

# %% [markdown] tags=[]
# ## How well this method forecast the past
#
# Rolling-origin backtest on every council's real history (on April-2021 boundaries): error of forecasts 1 and 2 years ahead against naive (last value) and linear-trend forecasts, and how often the actual value fell inside the 80% and 95% intervals. Few years of history mean few origins: the table says how many.

# %% tags=[]
bt = backtest.backtest(tables)
table(backtest.summary(bt), 1)

# %% tags=[]
table(
    bt[bt["la_code"] == la_code][
        [
            "target",
            "origin",
            "horizon",
            "model",
            "actual",
            "forecast",
            "ape",
            "covered_80",
            "covered_95",
        ]
    ],
    1,
)
