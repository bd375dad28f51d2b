"""Write notebooks/00_data_quality.ipynb and 01_current_market.ipynb (cells only; `make notebooks` runs them).

Notebooks stay thin: a parameters cell, calls into msp_analysis, charts and computed prose.
"""
from pathlib import Path

import nbformat as nbf

NB = Path(__file__).resolve().parents[1] / "notebooks"
PARAMS = '''la_code = "E06000054"  # ONS code of the council; E06000054 is Wiltshire
raw_dir = "../../shared/data"  # folder of published files, relative to this notebook
year = None  # latest financial-year start to describe, e.g. 2021 for 2021-22; None for the latest in the data'''


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
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


dq = notebook([
    md("# Data quality: what was loaded, and how complete it is\n\nWhich published files were read, by which reader and layout; "
       "suppressed and missing figures for the council against all councils; councils that did not submit; "
       "and boundary changes that affect the council's time series. Run with papermill to change the council."),
    code(PARAMS, ["parameters"]),
    code('''from msp_analysis import dataquality, geography, store
from msp_analysis.indicators import Tables
from msp_analysis.notebook import bullets, quiet, table

quiet()
tables = Tables.load(store.ensure(raw_dir))
council = geography.council_name(la_code)
bullets([f"Council: {council} ({la_code})",
         f"Data: {tables.manifest['label']}; {len(tables.frames)} tables built by msp-analysis {tables.manifest['code_version']}"])'''),
    md("## Files loaded\n\nEach published file, the reader and layout that recognised it, rows read and kept, and rows flagged "
       "suppressed or not available (never turned into zero). `sha256` identifies the exact file."),
    code("table(dataquality.files_loaded(tables))"),
    md("## Completeness for the council\n\nRows held for the council in each table, how many are suppressed (`[c]`, `[x]`, `*`, `:`) "
       "or otherwise missing, and the share missing across all councils for comparison."),
    code("table(dataquality.council_completeness(tables, la_code))"),
    md("## Councils that did not submit\n\nCouncils with figures marked not submitted or not available, by table and year (largest first)."),
    code('''non_submitters = dataquality.non_submitters(tables)
table(non_submitters if year is None else non_submitters[non_submitters["year"] == year]).head(15)'''),
    md("## Boundary changes affecting this council\n\nChanges since 2019 in which the council is predecessor or successor, and how a time series crosses them."),
    code('''changes = dataquality.boundary_notes(la_code)
bullets([f"{r.effective}: {r.predecessor_name} -> {r.successor_name} ({r.change}; series rule: {r.series_rule})" for r in changes.itertuples()]
        or [f"No boundary change since 2019 affects {council}."])'''),
])

market = notebook([
    md("# Section 1: the current sustainability of local care markets\n\nIndicators for the council against England, its region and a "
       "comparator group, for the 65+ care home market, the 18+ home care market and the specialist markets, with the DHSC risk flags. "
       "Every number below is computed from the published files; a missing source is said plainly."),
    code(PARAMS, ["parameters"]),
    code('''from msp_analysis import geography, plots, store
from msp_analysis.indicators import Tables, assess, risk_flags
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
         f"{indicators['indicator'].nunique()} indicators, {int((indicators['status'] == 'missing').sum())} missing (reasons below)"])'''),
    md("## Comparator councils\n\nChosen from data in the package; the method and the distance of each council are shown."),
    code('''bullets([comparators.attrs["method"]])
table(comparators[["la_code", "la_name", "adults", "share_65_plus", "share_85_plus", "urban", "gce_per_adult", "distance"]], 3)'''),
    md("## 65+ care homes"),
    code('bullets(market_summary(indicators, "care_home_65"))'),
    code('''show(plots.trend(indicators[(indicators["indicator"] == "unit_cost_weekly_65") & (indicators["breakdown"] == "Nursing")],
                 "Weekly unit cost of nursing care, 65+", council_name=council))'''),
    code('''show(plots.ranked_bar(indicator_area(tables, "clients_65_in_care_homes_per_100k", "Nursing and residential"), la_code, peers,
                      "People aged 65+ in care homes per 100,000 aged 65+, against comparators",
                      unit="people per 100,000 aged 65+", source="SALT T34 (NHS Digital) 2021-22; ONS mid-year estimates"))'''),
    md("## 18+ home care"),
    code('bullets(market_summary(indicators, "home_care_18"))'),
    code('''show(plots.trend(indicators[(indicators["indicator"] == "home_care_hourly_rate") & (indicators["breakdown"] == "External")],
                 "Hourly rate for externally provided home care", council_name=council))'''),
    md("## Learning disability, mental health and autism; supported living"),
    code('bullets(market_summary(indicators, "specialist"))'),
    md("## Quality, workforce and spend across the markets"),
    code('bullets(market_summary(indicators, "all"))'),
    code('''ratings = benchmark_long(indicators, "ascof_6b_rating_share", council)
ratings = ratings[ratings["breakdown"] != "Good or outstanding"]
show(plots.rating_bars(ratings, "CQC ratings of registered locations (ASCOF 6B)",
                       source=f"ASCOF 6B (DHSC, from CQC), {ratings['year_label'].iloc[0]}"))'''),
    code('''mix = benchmark_long(indicators, "gce_long_term_by_setting_share", council, prefix="65 and over: ")
show(plots.spend_mix(mix, "Long-term care spend by setting, people aged 65+",
                     source=f"ASC-FR T44 (NHS Digital), {mix['year_label'].iloc[0]}"))'''),
    md("## Risk flags\n\nThe five risks in DHSC's table of risk indicators, with the rule and threshold beside each flag "
       "(thresholds in `msp_analysis/data/risk_thresholds.yml`). A blank flag means the data to judge is missing."),
    code('''table(flags[["risk_label", "market", "indicator", "breakdown", "year", "value", "england", "rule", "flag", "reason"]])'''),
    md("## Missing indicators\n\nIndicators whose source is not in the loaded files, and why."),
    code('''table(indicators.loc[indicators["status"] == "missing", ["market", "indicator", "note"]])'''),
    md("## Sources"),
    code("bullets(sources(indicators))"),
])

NB.mkdir(exist_ok=True)
nbf.write(dq, NB / "00_data_quality.ipynb")
nbf.write(market, NB / "01_current_market.ipynb")
print("wrote", NB / "00_data_quality.ipynb", NB / "01_current_market.ipynb")
