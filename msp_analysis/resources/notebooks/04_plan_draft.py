# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,-all
#     formats: notebooks///ipynb,msp_analysis/resources/notebooks///py:percent
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

# %% tags=["parameters"]
la_code = "E06000054"  # ONS code of the council; E06000054 is Wiltshire
raw_dir = "../../shared/data"  # folder of published files, relative to this notebook
scenarios = None  # list of scenario YAML files; None for the default scenarios
actions_file = None  # the council's actions YAML (Section 3), or "example"; None: tables to fill in
evidence_file = (
    None  # the council's local evidence YAML; None for none (a DEMO plan uses the example)
)
horizon = 5  # years forecast after the base year
backtest_file = None  # a backtest_summary.csv to reuse (a batch computes it once); None: compute
summary_file = None  # where to write the plan's headline figures as JSON (msp report sets it); None for nowhere
progress_file = None  # where the draft appends each step's name as it starts (msp report follows it); None for nowhere

# %% tags=[]
import pandas as pd

from msp_analysis.narrative import plan
from msp_analysis.notebook import markdown, quiet, show

quiet()
draft = plan.draft(
    la_code,
    raw_dir=raw_dir,
    scenarios=scenarios,
    actions_file=actions_file,
    horizon=horizon,
    backtest_summary=pd.read_csv(backtest_file) if backtest_file else None,
    evidence_file=evidence_file,
    progress_file=progress_file,
)
markdown(draft.cover)

# %% tags=[]
markdown(draft.contents)

# %% tags=[]
for text, figs in draft.section1_parts():
    markdown(text)
    for fig in figs:
        show(fig)

# %% tags=[]
for text, figs in draft.section2_parts():
    markdown(text)
    for fig in figs:
        show(fig)

# %% tags=[]
markdown(draft.section3)

# %% tags=[]
markdown(draft.appendix)
if summary_file:
    draft.write_summary(summary_file)
