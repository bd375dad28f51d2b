"""Write notebooks/00_data_quality.ipynb and 01_current_market.ipynb (cells only; `make notebooks` runs them).

Notebooks stay thin: a parameters cell, calls into msp_analysis, charts and computed prose.
"""

from pathlib import Path

import nbformat as nbf

NB = Path(__file__).resolve().parents[1] / "notebooks"
PARAMS = """la_code = "E06000054"  # ONS code of the council; E06000054 is Wiltshire
raw_dir = "../../shared/data"  # folder of published files, relative to this notebook
year = None  # latest financial-year start to describe, e.g. 2021 for 2021-22; None for the latest in the data"""


def md(text):
    return nbf.v4.new_markdown_cell(text)


def code(text, tags=None):
    cell = nbf.v4.new_code_cell(text)
    if tags:
        cell.metadata["tags"] = tags
    return cell


def notebook(cells):
    nb = nbf.v4.new_notebook()
    nb.cells = cells
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.metadata["language_info"] = {"name": "python"}
    return nb


dq = notebook(
    [
        md(
            "# Data quality: what was loaded, and how complete it is\n\nWhich published files were read, by which reader and layout; "
            "suppressed and missing figures for the council against all councils; councils that did not submit; "
            "and boundary changes that affect the council's time series. Run with papermill to change the council."
        ),
        code(PARAMS, ["parameters"]),
        code("""from msp_analysis import dataquality, geography, store
from msp_analysis.tables import Tables
from msp_analysis.notebook import bullets, quiet, table

quiet()
tables = Tables.load(store.ensure(raw_dir))
council = geography.council_name(la_code)
bullets([f"Council: {council} ({la_code})",
         f"Data: {tables.manifest['label']}; {len(tables.frames)} tables built by msp-analysis {tables.manifest['code_version']}"])"""),
        md(
            "## Files loaded\n\nEach published file, the reader and layout that recognised it, rows read and kept, and rows flagged "
            "suppressed or not available (never turned into zero). `sha256` identifies the exact file."
        ),
        code("table(dataquality.files_loaded(tables))"),
        md(
            "## Completeness for the council\n\nRows held for the council in each table, how many are suppressed (`[c]`, `[x]`, `*`, `:`) "
            "or otherwise missing, and the share missing across all councils for comparison."
        ),
        code("table(dataquality.council_completeness(tables, la_code))"),
        md(
            "## Councils that did not submit\n\nCouncils with figures marked not submitted or not available, by table and year (largest first)."
        ),
        code("""non_submitters = dataquality.non_submitters(tables)
table(non_submitters if year is None else non_submitters[non_submitters["year"] == year]).head(15)"""),
        md(
            "## Boundary changes affecting this council\n\nChanges since 2019 in which the council is predecessor or successor, and how a time series crosses them."
        ),
        code("""changes = dataquality.boundary_notes(la_code)
bullets([f"{r.effective}: {r.predecessor_name} -> {r.successor_name} ({r.change}; series rule: {r.series_rule})" for r in changes.itertuples()]
        or [f"No boundary change since 2019 affects {council}."])"""),
    ]
)

market = notebook(
    [
        md(
            "# Section 1: the current sustainability of local care markets\n\nIndicators for the council against England, its region and a "
            "comparator group, for the 65+ care home market, the 18+ home care market and the specialist markets, with the DHSC risk flags. "
            "Every number below is computed from the published files; a missing source is said plainly."
        ),
        code(PARAMS, ["parameters"]),
        code("""from msp_analysis import geography, plots, store
from msp_analysis.indicators import assess, risk_flags
from msp_analysis.tables import Tables
from msp_analysis.indicators.assess import indicator_area
from msp_analysis.indicators.summary import benchmark_long, market_summary, sources, up_to
from msp_analysis.notebook import bullets, quiet, show, table

quiet()
tables = Tables.load(store.ensure(raw_dir))
indicators, comparators = assess(tables, la_code)
indicators = up_to(indicators, year)
flags = risk_flags(indicators)
council = geography.council_name(la_code)
peers = comparators["la_code"].tolist()
bullets([f"{council} ({la_code}); data: {tables.manifest['label']}",
         f"{indicators['indicator'].nunique()} indicators, {int((indicators['status'] == 'missing').sum())} missing (reasons below)"])"""),
        md(
            "## Comparator councils\n\nChosen from data in the package; the method and the distance of each council are shown."
        ),
        code("""bullets([comparators.attrs["method"]])
table(comparators[["la_code", "la_name", "adults", "share_65_plus", "share_85_plus", "urban", "gce_per_adult", "distance"]], 3)"""),
        md("## 65+ care homes"),
        code('bullets(market_summary(indicators, "care_home_65"))'),
        code("""show(plots.trend(indicators[(indicators["indicator"] == "unit_cost_weekly_65") & (indicators["breakdown"] == "Nursing")],
                 "Weekly unit cost of nursing care, 65+", council_name=council))"""),
        code("""show(plots.ranked_bar(indicator_area(tables, "clients_65_in_care_homes_per_100k", "Nursing and residential"), la_code, peers,
                      "People aged 65+ in care homes per 100,000 aged 65+, against comparators",
                      unit="people per 100,000 aged 65+", source="SALT T34 (NHS Digital) 2021-22; ONS mid-year estimates"))"""),
        md("## 18+ home care"),
        code('bullets(market_summary(indicators, "home_care_18"))'),
        code("""show(plots.trend(indicators[(indicators["indicator"] == "home_care_hourly_rate") & (indicators["breakdown"] == "External")],
                 "Hourly rate for externally provided home care", council_name=council))"""),
        md("## Learning disability, mental health and autism; supported living"),
        code('bullets(market_summary(indicators, "specialist"))'),
        md("## Quality, workforce and spend across the markets"),
        code('bullets(market_summary(indicators, "all"))'),
        code("""ratings = benchmark_long(indicators, "ascof_6b_rating_share", council)
ratings = ratings[ratings["breakdown"] != "Good or outstanding"]
show(plots.rating_bars(ratings, "CQC ratings of registered locations (ASCOF 6B)",
                       source=f"ASCOF 6B (DHSC, from CQC), {ratings['year_label'].iloc[0]}"))"""),
        code("""mix = benchmark_long(indicators, "gce_long_term_by_setting_share", council, prefix="65 and over: ")
show(plots.spend_mix(mix, "Long-term care spend by setting, people aged 65+",
                     source=f"ASC-FR T44 (NHS Digital), {mix['year_label'].iloc[0]}"))"""),
        md(
            "## Risk flags\n\nThe five risks in DHSC's table of risk indicators, with the rule and threshold beside each flag "
            "(thresholds in `msp_analysis/data/risk_thresholds.yml`). A blank flag means the data to judge is missing."
        ),
        code(
            """table(flags[["risk_label", "market", "indicator", "breakdown", "year", "value", "england", "rule", "flag", "reason"]])"""
        ),
        md("## Missing indicators\n\nIndicators whose source is not in the loaded files, and why."),
        code(
            """table(indicators.loc[indicators["status"] == "missing", ["market", "indicator", "note"]])"""
        ),
        md("## Sources"),
        code("bullets(sources(indicators))"),
    ]
)

FC_PARAMS = """la_code = "E06000054"  # ONS code of the council; E06000054 is Wiltshire
raw_dir = "../../shared/data"  # folder of published files, relative to this notebook
base_year = None  # financial-year start of the base year, e.g. 2021; None for the latest with SALT by setting
horizon = 5  # years forecast after the base year
scenarios = ["../scenarios/baseline.yml", "../scenarios/market_unchanged.yml", "../scenarios/ld_residential_to_supported_living.yml", "../scenarios/home_care_growth.yml", "../scenarios/workforce_shock.yml"]  # scenario YAML files"""

FC_SETUP = """from msp_analysis import geography, plots, store
from msp_analysis.forecast import backtest, run
from msp_analysis.tables import Tables
from msp_analysis.notebook import bullets, quiet, show, table

quiet()
tables = Tables.load(store.ensure(raw_dir))
council = geography.council_name(la_code)
result = run.run(tables, la_code, scenarios, horizon=horizon, base=base_year)
runs = result["runs"].set_index("scenario")
first = runs.iloc[0]"""

demand_nb = notebook(
    [
        md(
            "# Section 2: how demand will change\n\nPeople in long-term support by age band, support setting and client group over the "
            "horizon, with 80% and 95% prediction intervals, and how well the same method forecast the past (a rolling-origin backtest "
            "on every council). Population comes from ONS projections where loaded; the rates follow their own trend."
        ),
        code(FC_PARAMS, ["parameters"]),
        code(
            FC_SETUP
            + """
bullets([f"{council} ({la_code}); data: {tables.manifest['label']}; base year {first['base_year']}-{(first['base_year'] + 1) % 100:02d}",
         f"Population: {first['population_source']}",
         f"Rates: {first['rate_method']}",
         f"Pooled across councils: {first['pooled_growth']}"])"""
        ),
        md("## People in long-term support, baseline scenario"),
        code("""people = result["forecast"].query("measure == 'people'")
total = people.query("setting == 'All' and scenario == @runs.index[0]")
show(plots.fan(total, f"People in long-term support during the year, {council}",
               source=f"SALT (NHS Digital) and ONS; msp-analysis forecast, scenario {runs.index[0]}, base {first['base_year']}"))"""),
        code("""horizon_year = int(first["horizon_year"])
by_group = people.query("scenario == @runs.index[0] and setting != 'All' and year in [@first.base_year, @horizon_year]")
table(by_group.pivot_table(index=["age_band", "setting"], columns="year", values="value", aggfunc="sum").reset_index(), 0)"""),
        md(
            "## People by scenario\n\nScenarios change where people are supported (shifts, extra community growth) or whether they can be (workforce capacity)."
        ),
        code("""people_totals = people.query("setting == 'All'")[["scenario", "year", "value"]]
show(plots.scenario_lines(people_totals, "People in long-term support by scenario", unit="people",
                          source="SALT (NHS Digital), ONS; msp-analysis scenarios"))"""),
        md(
            "## How well this method forecast the past\n\nRolling-origin backtest on every council's real history (on April-2021 boundaries): "
            "error of forecasts 1 and 2 years ahead against naive (last value) and linear-trend forecasts, and how often the actual "
            "value fell inside the 80% and 95% intervals. Few years of history mean few origins: the table says how many."
        ),
        code("""bt = backtest.backtest(tables)
table(backtest.summary(bt), 1)"""),
        code(
            """table(bt[bt["la_code"] == la_code][["target", "origin", "horizon", "model", "actual", "forecast", "ape", "covered_80", "covered_95"]], 1)"""
        ),
    ]
)

spend_nb = notebook(
    [
        md(
            "# Section 2: how spend will change under each scenario\n\nLong-term care spend (people x cost per person x prices) for each "
            "scenario, what drives the change, and the assumptions behind it. Each scenario is a YAML file in `scenarios/`; its hash is recorded."
        ),
        code(FC_PARAMS, ["parameters"]),
        code(
            FC_SETUP
            + """
bullets([run.headline_sentence(run.headline(result, s), council) for s in runs.index])"""
        ),
        md("## Spend by scenario"),
        code("""spend = result["forecast"].query("measure == 'spend' and setting == 'All'")
show(plots.scenario_lines(spend.assign(value=spend["value"] / 1e6)[["scenario", "year", "value"]], "Long-term care spend by scenario",
                          unit="£ million, cash", source="ASC-FR and SALT (NHS Digital), ONS; msp-analysis scenarios"))"""),
        code("""show(plots.fan(spend.query("scenario == 'market_unchanged'").assign(**{c: lambda d, c=c: d[c] / 1e6 for c in ["value", "lower_80", "upper_80", "lower_95", "upper_95"]}),
               "Spend if the market is unchanged (£ million), with intervals", source="msp-analysis forecast; intervals from the demand model"))"""),
        md("## What drives the change (market unchanged)"),
        code("""d = result["decomposition"].query("scenario == 'market_unchanged'")
drivers = d.groupby("driver")["change_gbp"].sum().reindex(["population", "rate", "setting_growth", "unit_cost", "inflation", "capacity", "shift"]).fillna(0) / 1e6
h = run.headline(result, "market_unchanged")
show(plots.waterfall(drivers[drivers.abs() > 1e-9], "Change in long-term care spend by driver, market unchanged",
                     start_label=f"{h['base_year']}-{(h['base_year'] + 1) % 100:02d}", end_label=f"{h['horizon_year']}-{(h['horizon_year'] + 1) % 100:02d}",
                     start=h["base_spend_gbp"] / 1e6, unit="£ million", source="msp-analysis decomposition (log-mean Divisia, exact)"))"""),
        code("""by_group = d.groupby(["setting", "client_group"], as_index=False)[["change_gbp", "share_of_change"]].sum()
table(by_group.sort_values("change_gbp", ascending=False).assign(change_gbp=lambda x: x["change_gbp"] / 1e6, share_of_change=lambda x: x["share_of_change"] * 100), 1)"""),
        md(
            "## Assumptions\n\nEvery assumption, its value, source and our confidence in it; and the files each run used."
        ),
        code('table(result["assumptions"])'),
        code(
            'table(result["runs"][["scenario", "scenario_file", "version", "base_year", "horizon_year", "history_years", "spend_change_pct"]].assign(scenario_sha256=result["runs"]["scenario_sha256"].str[:12]), 1)'
        ),
    ]
)

PLAN_PARAMS = """la_code = "E06000054"  # ONS code of the council; E06000054 is Wiltshire
raw_dir = "../../shared/data"  # folder of published files, relative to this notebook
scenarios = None  # list of scenario YAML files; None for every file in scenarios/
actions_file = "../templates/actions.yml"  # the council's own actions (Section 3); the shipped file is an example
evidence_file = None  # the council's local evidence YAML; None for none (a DEMO plan uses the example)
horizon = 5  # years forecast after the base year
backtest_file = None  # a backtest_summary.csv to reuse (a batch computes it once); None to compute it here
summary_file = None  # where to write the plan's headline figures as JSON (msp report sets it); None for nowhere"""

plan_nb = notebook(
    [
        code(PLAN_PARAMS, ["parameters"]),
        code("""import pandas as pd

from msp_analysis.narrative import plan
from msp_analysis.notebook import markdown, quiet, show

quiet()
draft = plan.draft(la_code, raw_dir=raw_dir, scenarios=scenarios, actions_file=actions_file, horizon=horizon,
                   backtest_summary=pd.read_csv(backtest_file) if backtest_file else None, evidence_file=evidence_file)
markdown(draft.cover)"""),
        code("markdown(draft.contents)"),
        code("markdown(draft.section1)"),
        code("show(draft.fig_care_home_rates())"),
        code("show(draft.fig_care_home_costs())"),
        code("show(draft.fig_ratings())"),
        code("markdown(draft.section2)"),
        code("show(draft.fig_people())"),
        code("show(draft.fig_spend_scenarios())"),
        code("show(draft.fig_drivers())"),
        code("markdown(draft.section3)"),
        code("""markdown(draft.appendix)
if summary_file:
    draft.write_summary(summary_file)"""),
    ]
)

NB.mkdir(exist_ok=True)
nbf.write(plan_nb, NB / "04_plan_draft.ipynb")
nbf.write(demand_nb, NB / "02_demand_forecast.ipynb")
nbf.write(spend_nb, NB / "03_spend_scenarios.ipynb")
nbf.write(dq, NB / "00_data_quality.ipynb")
nbf.write(market, NB / "01_current_market.ipynb")
print("wrote", NB / "00_data_quality.ipynb", NB / "01_current_market.ipynb")
