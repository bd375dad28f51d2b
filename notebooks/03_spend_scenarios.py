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
# Adult social care spend (people x cost per person x the price path, from a base tied to the council's published outturn) for each scenario from the base year with its 80% range, what drives the change in pounds, next year's spend forecast from the outturn series, how well the forecasts did on the past for every council at each horizon, and a workbench to try other settings. Each scenario is a YAML file of assumptions, each with its source; its hash is recorded.

# %% tags=["parameters"]
la_code = "E06000054"  # ONS code of the council; E06000054 is Wiltshire
raw_dir = "../../shared/data"  # folder of published files, relative to this notebook
horizon = 5  # years forecast after the base year (1 to 10)
scenarios = None  # list of scenario YAML files; None for every shipped scenario
evidence_file = None  # the council's local evidence YAML; None for the shipped default (below)
workbench_scenario = (
    "ld_residential_to_supported_living.yml"  # the workbench starts from this shipped scenario
)
workbench_dir = (
    "."  # folder the workbench saves scenario YAML files into, relative to this notebook
)

# %% tags=[]
from IPython.display import display

from msp_analysis import geography, plots, store, widgets
from msp_analysis.forecast import backtest, run, workbench
from msp_analysis.forecast.scenarios import default_dir, scenario_title
from msp_analysis.indicators.local import evidence_for
from msp_analysis.narrative import ranges_facts
from msp_analysis.narrative.section2_costs import shift_sentences
from msp_analysis.notebook import bullets, quiet, show, table
from msp_analysis.tables import Tables
from msp_analysis.years import financial_year

quiet()
tables = Tables.load(store.ensure(raw_dir))
council = geography.council_name(la_code)
files = scenarios or sorted(default_dir().glob("*.yml"))
# the council's own figures (fees, uplifts, people in supported living): the file given, else
# the DEMO example for its council or figures from public documents (Wiltshire), else none
evidence = evidence_for(la_code, evidence_file, demo=tables.demo)
result = run.run(tables, la_code, files, horizon=horizon, evidence=evidence)
runs = result.runs.set_index("scenario")
bullets([run.headline_sentence(run.headline(result, s), council) for s in runs.index])

# %% [markdown] tags=[]
# ## The base on the ledger
#
# The base year's spend is the council's adult social care total expenditure (revenue outturn, column C3): the returns' mix by setting, client group and age, and the parts outside the settings projected, brought forward to the base year and scaled so they add to the published line. The rows below it take total expenditure to net current expenditure, with the same lines the year before (`year_before_k`; its cells are in `reconciliation.csv`). £ thousands; each figure names its file, sheet and cell.

# %% tags=[]
table(
    result.reconciliation.assign(
        returns_year_k=result.reconciliation["returns_year_gbp"] / 1e3,
        brought_forward_k=result.reconciliation["brought_forward_gbp"] / 1e3,
        base_k=result.reconciliation["base_gbp"] / 1e3,
        year_before_k=result.reconciliation["year_before_gbp"] / 1e3,
    )[["line", "returns_year_k", "brought_forward_k", "base_k", "year_before_k", "source"]],
    0,
)

# %% [markdown] tags=[]
# ## Weekly costs a person
#
# From the returns (ASC-FR spend over the people or weeks of care it pays for), the council's own evidence where it gives a fee or a count, or a stated default; in the returns' year and in the base year (after the pay and price path and the scaling to the ledger).

# %% tags=[]
w = result.weekly_costs
table(
    w[(w["people_base"] > 0) | w["setting"].isin(["Supported living", "Shared Lives"])][
        [
            "age_band",
            "client_group",
            "setting",
            "people_base",
            "weekly_returns_year_gbp",
            "weekly_base_gbp",
            "basis",
        ]
    ],
    0,
)

# %% tags=[]
bullets(sorted(set(w["setting"] + ": " + w["source"])))

# %% [markdown] tags=[]
# ## Prices in the first projected year
#
# The council's own fee uplifts for the year where its evidence gives them; otherwise the National Living Wage uprating and CPI weighted by each setting's pay share.

# %% tags=[]
u = result.uplifts
table(u[u["scenario"] == "market_unchanged"].drop(columns="scenario"), 2)

# %% [markdown] tags=[]
# ## Spend by scenario, with its range
#
# Adult social care total expenditure, the base's line. Cash scenarios on the left (the market-unchanged scenario with its 80% and 95% ranges); a scenario in constant prices (Baseline) on an axis of its own. Ranges are as wide as forecasts of this kind strayed from the outturn at each horizon on the past (those forecasts knew one year's pay and prices; years already published narrow them).

# %% tags=[]
spend = result.forecast.query("measure == 'spend' and setting == 'All'")
show(
    plots.spend_fan(
        spend,
        "Adult social care spend by scenario, with ranges",
        source="ASC-FR and SALT (NHS Digital), MHCLG outturn, ONS; msp-analysis scenarios",
        fan_scenario="market_unchanged" if "market_unchanged" in runs.index else runs.index[0],
        constant=ranges_facts.constant_price_words(result),
        titles={n: scenario_title(n) for n in runs.index},
    )
)

# %% tags=[]
table(ranges_facts.spend_by_year(result), 1)

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
        "Change in adult social care spend by driver, market unchanged",
        start_label=financial_year(h["base_year"]),
        end_label=financial_year(h["horizon_year"]),
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
# ## What moving learning disability residential placements does
#
# The shift scenario against the same run without the shift, in the horizon year: people and spend by setting, and one sentence for each.

# %% tags=[]
shift = "ld_residential_to_supported_living"
if shift in runs.index:
    se = result.shift_effects.query("scenario == @shift")
    table(
        se.groupby(["age_band", "setting"], as_index=False)[["people_change", "spend_change"]]
        .sum()
        .assign(spend_change_m=lambda d: d["spend_change"] / 1e6)
        .drop(columns="spend_change"),
        1,
    )
    bullets(shift_sentences(result, shift, council))

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
# ## How well the forecasts did on the past, by horizon
#
# Every year with later figures is an origin; from each, the forecast of every later year up to five years ahead, for every council. Each forecast knew only the pay and price uplifts published at its origin. Each origin's ranges were calibrated on the *other* origins' errors, so the share of outturns its 80% range held is out of sample. Spend: adult social care net current expenditure (and all three spend measures pooled, as the calibration pools them); the reference is the last value. People: people in long-term support; the reference is the rate held flat.

# %% tags=[]
table(result.record, 1)

# %% [markdown] tags=[]
# By origin: median and mean absolute percentage error, bias, the share of councils where the model beat the last value and a straight line, and how often the 80% and 95% ranges held the outturn. The oracle is told the period's true median growth, which no forecast can know.

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

# %% [markdown] tags=[]
# ## Scenario workbench
#
# Move the settings to re-run the council's projection (one scenario, under a second) and redraw spend and people with their ranges, beside the scenario as shipped. *Save scenario* writes the settings as a scenario YAML into `workbench_dir`; use it with `msp forecast --scenario FILE` or `msp report --scenario FILE`. The controls need a running kernel (open the notebook in Jupyter); read on the web, the default state is shown below them.

# %% tags=["nbval-ignore-output"]
wb = workbench.Workbench(
    tables, la_code, default_dir() / workbench_scenario, horizon=horizon, evidence=evidence
)
display(widgets.controls(wb, save_dir=workbench_dir))

# %% [markdown] tags=[]
# The default state: the settings, spend and people with their ranges.

# %% tags=[]
settings_table, figures, default_by_year = widgets.default_state(wb)
display(table(settings_table))
for fig in figures:
    show(fig)
table(default_by_year, 1)
