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
# People in long-term support by age band, client group and setting, from the base year (the latest year with revenue outturn) over the horizon, with 80% and 95% ranges. Demand follows the ONS population projection by age band and each rate of long-term support's evidence (SALT and ASCOF), carried on after the evidence as the backtest chose; people move through a stock and flow: some leave each year (SALT: people during the year less those at its end) and new placements replace them, so a scenario that changes where new placements go turns the stock over as people leave.

# %% tags=["parameters"]
la_code = "E06000054"  # ONS code of the council; E06000054 is Wiltshire
raw_dir = "../../shared/data"  # folder of published files, relative to this notebook
horizon = 5  # years forecast after the base year (1 to 10)
scenarios = None  # list of scenario YAML files; None for every shipped scenario
evidence_file = None  # the council's local evidence YAML; None for the shipped default (below)

# %% tags=[]
from msp_analysis import geography, plots, store
from msp_analysis.forecast import rates, run
from msp_analysis.forecast.scenarios import default_dir
from msp_analysis.indicators.local import evidence_for
from msp_analysis.notebook import bullets, quiet, show, table
from msp_analysis.tables import Tables

quiet()
tables = Tables.load(store.ensure(raw_dir))
council = geography.council_name(la_code)
files = scenarios or sorted(default_dir().glob("*.yml"))
# the council's own figures (fees, uplifts, people in supported living): the file given, else
# the DEMO example for its council or figures from public documents (Wiltshire), else none
evidence = evidence_for(la_code, evidence_file, demo=tables.demo)
result = run.run(tables, la_code, files, horizon=horizon, evidence=evidence)
runs = result.runs.set_index("scenario")
first = runs.loc["market_unchanged"] if "market_unchanged" in runs.index else runs.iloc[0]
bullets(
    [
        f"{council} ({la_code}); data: {tables.manifest['label']}",
        f"Population: {first['population_source']}",
        *result.notes,
    ]
)

# %% [markdown] tags=[]
# ## Rates of long-term support: the evidence and how each moves
#
# People in long-term support during the year per head of the population they come from (65 and over weighted by need), from SALT (2019-20 to 2021-22) and ASCOF (2020-21 learning disability; 2024-25 client-level data). Each rate's trend is shrunk toward the median council's; after the evidence it is carried on, damped or held, as the backtest chose.

# %% tags=[]
bullets(result.rate_notes or [f"Rates of long-term support: {first['rate_method']}"])

# %% tags=[]
evidence = rates.evidence(tables).query("la_code == @la_code")
table(evidence.assign(rate_per_100k=evidence["rate"] * 1e5).drop(columns=["la_code", "rate"]), 1)

# %% [markdown] tags=[]
# How forecasts of people in long-term support did on the past, by years ahead (every council; each origin's method and ranges chosen on the other origins; the reference holds the rate flat):

# %% tags=[]
table(result.record.query("measure == 'people'"), 1)

# %% [markdown] tags=[]
# ## The age of each input

# %% tags=[]
table(result.inputs)

# %% [markdown] tags=[]
# ## People in long-term support if the market is unchanged

# %% tags=[]
people = result.forecast.query("measure == 'people'")
total = people.query("setting == 'All' and scenario == @first.name")
show(
    plots.fan(
        total,
        f"People in long-term support during the year, {council}",
        source=f"SALT (NHS Digital) and ONS; msp-analysis stock and flow, scenario {first.name}",
    )
)

# %% tags=[]
horizon_year = int(first["horizon_year"])
by_cell = people.query(
    "scenario == @first.name and setting != 'All' and year in [@first.base_year, @horizon_year]"
)
table(
    by_cell.pivot_table(
        index=["age_band", "setting"], columns="year", values="value", aggfunc="sum"
    ).reset_index(),
    0,
)

# %% [markdown] tags=[]
# ## Moving new placements: adults 18-64 with a learning disability in residential care
#
# The shift scenario sends a share of each year's *new* residential placements to supported living and Shared Lives; the people already in residential care stay until they leave, so the difference grows year by year while the total number of people is unchanged.

# %% tags=[]
ld = people.query(
    "age_band == '18 to 64' and client_group == 'Learning Disability Support'"
    " and setting in ['Residential', 'Supported living', 'Shared Lives']"
    " and scenario in ['market_unchanged', 'ld_residential_to_supported_living']"
)
table(
    ld.pivot_table(index=["scenario", "setting"], columns="year", values="value").reset_index(),
    0,
)

# %% tags=[]
show(
    plots.scenario_lines(
        ld.query("setting == 'Residential'")[["scenario", "year", "value"]],
        "Adults 18-64 with a learning disability in residential care",
        unit="people",
        source="SALT (NHS Digital), ASC-FR T43, ONS; msp-analysis scenarios",
    )
)

# %% [markdown] tags=[]
# ## People by scenario, and need that would go unmet
#
# Shifts move people between settings and never change the total. The workforce shock counts people whose need could not be met for want of staff on its own line.

# %% tags=[]
show(
    plots.scenario_lines(
        people.query("setting == 'All'")[["scenario", "year", "value"]],
        "People in long-term support by scenario",
        unit="people",
        source="SALT (NHS Digital), ONS; msp-analysis scenarios",
    )
)
table(
    runs[["base_people", "horizon_people", "people_change_pct", "unserved_people_horizon"]]
    .reset_index()
    .round(1),
    1,
)
