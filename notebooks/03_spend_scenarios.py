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
# # Section 2: how spend will change under each scenario
#
# Long-term care spend (people x cost per person x prices) for each scenario, what drives the change, and the assumptions behind it. Each scenario is a YAML file in `scenarios/`; its hash is recorded.

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
from msp_analysis.forecast import run
from msp_analysis.notebook import bullets, quiet, show, table
from msp_analysis.tables import Tables

quiet()
tables = Tables.load(store.ensure(raw_dir))
council = geography.council_name(la_code)
result = run.run(tables, la_code, scenarios, horizon=horizon, base=base_year)
runs = result["runs"].set_index("scenario")
first = runs.iloc[0]
bullets([run.headline_sentence(run.headline(result, s), council) for s in runs.index])

# %% [markdown] tags=[]
# ## Spend by scenario

# %% tags=[]
spend = result["forecast"].query("measure == 'spend' and setting == 'All'")
show(
    plots.scenario_lines(
        spend.assign(value=spend["value"] / 1e6)[["scenario", "year", "value"]],
        "Long-term care spend by scenario",
        unit="£ million, cash",
        source="ASC-FR and SALT (NHS Digital), ONS; msp-analysis scenarios",
    )
)

# %% tags=[]
show(
    plots.fan(
        spend.query("scenario == 'market_unchanged'").assign(
            **{
                c: lambda d, c=c: d[c] / 1e6
                for c in ["value", "lower_80", "upper_80", "lower_95", "upper_95"]
            }
        ),
        "Spend if the market is unchanged (£ million), with intervals",
        source="msp-analysis forecast; intervals from the demand model",
    )
)

# %% [markdown] tags=[]
# ## What drives the change (market unchanged)

# %% tags=[]
d = result["decomposition"].query("scenario == 'market_unchanged'")
drivers = (
    d.groupby("driver")["change_gbp"]
    .sum()
    .reindex(
        ["population", "rate", "setting_growth", "unit_cost", "inflation", "capacity", "shift"]
    )
    .fillna(0)
    / 1e6
)
h = run.headline(result, "market_unchanged")
show(
    plots.waterfall(
        drivers[drivers.abs() > 1e-9],
        "Change in long-term care spend by driver, market unchanged",
        start_label=f"{h['base_year']}-{(h['base_year'] + 1) % 100:02d}",
        end_label=f"{h['horizon_year']}-{(h['horizon_year'] + 1) % 100:02d}",
        start=h["base_spend_gbp"] / 1e6,
        unit="£ million",
        source="msp-analysis decomposition (log-mean Divisia, exact)",
    )
)

# %% tags=[]
by_group = d.groupby(["setting", "client_group"], as_index=False)[
    ["change_gbp", "share_of_change"]
].sum()
table(
    by_group.sort_values("change_gbp", ascending=False).assign(
        change_gbp=lambda x: x["change_gbp"] / 1e6,
        share_of_change=lambda x: x["share_of_change"] * 100,
    ),
    1,
)

# %% [markdown] tags=[]
# ## Assumptions
#
# Every assumption, its value, source and our confidence in it; and the files each run used.

# %% tags=[]
table(result["assumptions"])

# %% tags=[]
table(
    result["runs"][
        [
            "scenario",
            "scenario_file",
            "version",
            "base_year",
            "horizon_year",
            "history_years",
            "spend_change_pct",
        ]
    ].assign(scenario_sha256=result["runs"]["scenario_sha256"].str[:12]),
    1,
)
