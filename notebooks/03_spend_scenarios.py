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
# Long-term care spend (people x cost per person x the price path) for each scenario from the base year, what drives the change in pounds, next year's spend forecast from the outturn series, and how well that forecast did on the past for every council. Each scenario is a YAML file of assumptions, each with its source; its hash is recorded.

# %% tags=["parameters"]
la_code = "E06000054"  # ONS code of the council; E06000054 is Wiltshire
raw_dir = "../../shared/data"  # folder of published files, relative to this notebook
horizon = 5  # years forecast after the base year (1 to 10)
scenarios = None  # list of scenario YAML files; None for every shipped scenario

# %% tags=[]
from msp_analysis import geography, plots, store
from msp_analysis.forecast import backtest, run
from msp_analysis.forecast.scenarios import default_dir
from msp_analysis.notebook import bullets, quiet, show, table
from msp_analysis.tables import Tables

quiet()
tables = Tables.load(store.ensure(raw_dir))
council = geography.council_name(la_code)
files = scenarios or sorted(default_dir().glob("*.yml"))
result = run.run(tables, la_code, files, horizon=horizon)
runs = result.runs.set_index("scenario")
bullets([run.headline_sentence(run.headline(result, s), council) for s in runs.index])

# %% [markdown] tags=[]
# ## Spend by scenario

# %% tags=[]
spend = result.forecast.query("measure == 'spend' and setting == 'All'")
show(
    plots.scenario_lines(
        spend.assign(value=spend["value"] / 1e6)[["scenario", "year", "value"]],
        "Long-term care spend by scenario",
        unit="£ million, cash",
        source="ASC-FR and SALT (NHS Digital), MHCLG outturn, ONS; msp-analysis scenarios",
    )
)

# %% [markdown] tags=[]
# ## What drives the change (market unchanged)
#
# An exact decomposition (log-mean Divisia index): the drivers add up to the change in pounds.

# %% tags=[]
d = result.decomposition.query("scenario == 'market_unchanged'")
h = run.headline(result, "market_unchanged")
drivers = d.groupby("driver")["change_gbp"].sum() / 1e6
show(
    plots.waterfall(
        drivers[drivers.abs() > 1e-9],
        "Change in long-term care spend by driver, market unchanged",
        start_label=run.fy(h["base_year"]),
        end_label=run.fy(h["horizon_year"]),
        start=h["base_spend_gbp"] / 1e6,
        unit="£ million",
        source="msp-analysis decomposition (log-mean Divisia, exact)",
    )
)

# %% tags=[]
by_cell = d.groupby(["age_band", "setting", "client_group"], as_index=False)["change_gbp"].sum()
table(
    by_cell.sort_values("change_gbp", ascending=False)
    .assign(change_gbp_m=lambda x: x["change_gbp"] / 1e6)
    .drop(columns="change_gbp")
    .head(12),
    2,
)

# %% [markdown] tags=[]
# ## Next year's spend
#
# From the council's own outturn series, with the National Living Wage uprating and CPI published before the year starts.

# %% tags=[]
table(
    result.outlook.assign(
        last_m=result.outlook["last_gbp"] / 1e6,
        forecast_m=result.outlook["forecast_gbp"] / 1e6,
        lower_80_m=result.outlook["lower_80_gbp"] / 1e6,
        upper_80_m=result.outlook["upper_80_gbp"] / 1e6,
    )[["measure", "origin", "year", "last_m", "forecast_m", "lower_80_m", "upper_80_m"]],
    1,
)

# %% [markdown] tags=[]
# ## How well the spend forecast did on the past, every council
#
# Rolling origin: every year with a later published year is an origin; the horizon is the gap. Median and mean absolute percentage error, bias, the share of councils where the model beat the last value and a straight line, and how often the 80% and 95% ranges held the outturn. The oracle is told the year's true median growth, which no forecast can know.

# %% tags=[]
summary = backtest.summary(backtest.backtest(tables))
table(
    summary[
        [
            "target",
            "origin",
            "horizon",
            "model",
            "councils",
            "median_ape",
            "mape",
            "bias_pct",
            "beats_naive_pct",
            "beats_linear_trend_pct",
            "coverage_80",
            "coverage_95",
        ]
    ].query("model in ['model', 'naive', 'linear_trend', 'oracle']"),
    1,
)

# %% [markdown] tags=[]
# ## Assumptions
#
# Every assumption, its value, source and our confidence in it; and the files each run used.

# %% tags=[]
table(result.assumptions)

# %% tags=[]
table(
    result.runs[
        ["scenario", "scenario_file", "version", "base_year", "horizon_year", "spend_change_pct"]
    ].assign(scenario_sha256=result.runs["scenario_sha256"].str[:12]),
    1,
)
