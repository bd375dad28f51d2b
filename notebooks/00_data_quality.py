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
# # Data quality: what was loaded, and how complete it is
#
# Which published files were read, by which reader and layout; suppressed and missing figures for the council against all councils; councils that did not submit; and boundary changes that affect the council's time series. Run with papermill to change the council.

# %% tags=["parameters"]
la_code = "E06000054"  # ONS code of the council; E06000054 is Wiltshire
raw_dir = "../../shared/data"  # folder of published files, relative to this notebook
year = None  # latest financial-year start to describe, e.g. 2021 for 2021-22; None for the latest in the data

# %% tags=[]
from msp_analysis import dataquality, geography, plots, store
from msp_analysis.notebook import bullets, quiet, show, table
from msp_analysis.series import expenditure
from msp_analysis.tables import Tables

quiet()
tables = Tables.load(store.ensure(raw_dir))
council = geography.council_name(la_code)
bullets(
    [
        f"Council: {council} ({la_code})",
        f"Data: {tables.manifest['label']}; {len(tables.frames)} tables built by msp-analysis {tables.manifest['code_version']}",
    ]
)

# %% [markdown] tags=[]
# ## Files loaded
#
# Each published file, the reader and layout that recognised it, rows read and kept, and rows flagged suppressed or not available (never turned into zero). `sha256` identifies the exact file.

# %% tags=[]
table(dataquality.files_loaded(tables))

# %% [markdown] tags=[]
# ## Completeness for the council
#
# Rows held for the council in each table, how many are suppressed (`[c]`, `[x]`, `*`, `:`) or otherwise missing, and the share missing across all councils for comparison.

# %% tags=[]
table(dataquality.council_completeness(tables, la_code))

# %% [markdown] tags=[]
# ## Councils that did not submit
#
# Councils with figures marked not submitted or not available, by table and year (largest first).

# %% tags=[]
non_submitters = dataquality.non_submitters(tables)
table(non_submitters if year is None else non_submitters[non_submitters["year"] == year]).head(15)

# %% [markdown] tags=[]
# ## Boundary changes affecting this council
#
# Changes since 2019 in which the council is predecessor or successor, and how a time series crosses them.

# %% tags=[]
changes = dataquality.boundary_notes(la_code)
bullets(
    [
        f"{r.effective}: {r.predecessor_name} -> {r.successor_name} ({r.change}; series rule: {r.series_rule})"
        for r in changes.itertuples()
    ]
    or [f"No boundary change since 2019 affects {council}."]
)

# %% [markdown] tags=[]
# ## Every series for the council, on today's boundaries
#
# Each annual series the forecasts and the plan stand on, for this council: the years it spans, the years that are gaps and why (`missing`: no file in the raw folder covers the year, or the file does not publish this measure; `not submitted`: the council's return was not received), and how each figure was obtained (`published`; `merged` from predecessor councils; `apportioned` from a split council by population). Outturn (MHCLG) and ASC-FR (NHS Digital) are different measures of spend and stay separate series.

# %% tags=[]
table(dataquality.series_coverage(tables, la_code))

# %% [markdown] tags=[]
# ## Adult social care spend, 2011-12 to the latest year
#
# Net current expenditure on adult social care from the council's revenue outturn (RS to 2017-18, RSX from 2022-23), for the council and England, in £ millions at cash prices. ASC-FR gross current expenditure (before income) is drawn dashed beside it: a different measure, shown for context, never joined to the outturn line. Gaps are years no file covers.

# %% tags=[]
if tables.has("outturn"):
    nce = expenditure.council_and_england(tables, "asc_net_current_expenditure", la_code)
    gce = (
        expenditure.council_and_england(tables, "ascfr_gross_current_expenditure", la_code)
        if tables.has("ascfr")
        else None
    )
    first, last = nce["year_label"].min(), nce["year_label"].max()
    show(
        plots.spend_history(
            nce,
            f"Adult social care spend, {council} and England, {first} to {last}",
            council_name=council,
            label="net current expenditure (outturn)",
            other=gce,
            other_label="gross current expenditure (ASC-FR)",
        )
    )
    shown = nce[nce["area"] == "council"][["year_label", "value", "basis", "source_file", "note"]]
    display_table = table(shown.rename(columns={"value": "value_gbp_thousands"}), 0)
else:
    display_table = None
    bullets(["No revenue outturn file is loaded, so there is no spend history to show."])
display_table
