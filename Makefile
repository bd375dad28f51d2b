# msp-analysis: `make` lists the targets.
PY      ?= $(shell command -v python3.11 || command -v python3)
VENV    := .venv
BIN     := $(VENV)/bin
RAW     ?=
RAWARG  := $(if $(RAW),--raw $(RAW),)
SHARED  ?= ../shared/data
LA      ?= E06000054
BENCH_SAMPLE ?= 0

.DEFAULT_GOAL := help
.PHONY: help setup pdf-engine data report report-all lint format test test-unit sync-notebooks notebooks lock market lab bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-17s %s\n", $$1, $$2}'

$(BIN)/msp: requirements.lock pyproject.toml
	@command -v $(PY) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PY) not found); set PY=/path/to/python3.11"; exit 1; }
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@

lock: setup ## re-pin requirements.lock from pyproject.toml (uv) and derive environment.yml from it
	$(BIN)/uv pip compile pyproject.toml --extra dev --python $(BIN)/python $(if $(UPGRADE),--upgrade-package $(UPGRADE),) \
	  --no-annotate --custom-compile-command "make lock" -o requirements.lock
	$(BIN)/python tools/make_environment.py

setup: $(BIN)/msp pdf-engine ## create .venv and install everything (Python 3.11 and pip; Chromium for PDFs where apt allows)

pdf-engine: ## install Debian's chromium for PDF plans (root with apt-get); otherwise say how
	@if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing chromium (PDF engine) from Debian packages..."; \
	  (apt-get install -y -qq chromium >/dev/null 2>&1 || (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq chromium >/dev/null 2>&1)) \
	  || echo "Could not install chromium: plans will be HTML only (install it with your package manager for PDFs)"; \
	else echo "No chromium and no root apt-get: plans will be HTML only (install chromium for PDFs)"; fi

data: setup ## build data/processed from data/raw (or RAW=DIR); the DEMO data set when there are no published files
	$(BIN)/msp data $(RAWARG)

lint: setup ## ruff lint and format check, mypy type check (the gate CI runs before the tests)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: setup ## reformat the code (notebook .py files included) with ruff, apply its safe fixes, sync the .ipynb
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/jupytext --sync notebooks/*.ipynb

test: setup ## run every test: unit, demo, integration on $(SHARED), and nbval on the committed notebooks
	$(BIN)/python -m pytest
	@if [ -d "$(SHARED)" ] || [ -n "$$CI" ]; then \
	  tmp=$$(mktemp -d); MSP_PROCESSED_DIR=$$tmp/processed $(BIN)/python -m pytest --nbval notebooks/ \
	    --nbval-sanitize-with notebooks/nbval_sanitize.cfg; rc=$$?; rm -rf $$tmp; exit $$rc; \
	else echo "Notebook checks skipped: $(SHARED) not found (the notebooks are committed for Wiltshire on the real files)"; fi

test-unit: setup ## unit tests only (no files needed)
	$(BIN)/python -m pytest -m "unit or demo"

NB_PARAMS := $(if $(filter command line,$(origin LA)),-p la_code $(LA),) $(if $(filter command line,$(origin SHARED)),-p raw_dir $(abspath $(SHARED)),)

sync-notebooks: setup ## pair each notebook's .py (the code you edit) with its .ipynb (the newer side wins)
	$(BIN)/jupytext --sync notebooks/*.ipynb

notebooks: sync-notebooks ## sync, then re-run the notebooks (Wiltshire on $(SHARED) unless LA=/SHARED= given) keeping outputs
	cd notebooks && for nb in 00_data_quality 01_current_market 02_demand_forecast 03_spend_scenarios 04_plan_draft; do \
	  ../$(BIN)/papermill $$nb.ipynb $$nb.ipynb --cwd . -k python3 $(NB_PARAMS) --no-progress-bar || exit 1; done

report: setup ## build the plan draft (HTML + PDF) into reports/: LA=code RAW=dir; the DEMO plan when there are no published files
	$(BIN)/msp report $(if $(filter command line,$(origin LA)),--la $(LA),) $(RAWARG)

report-all: setup ## every council's plan in parallel, with reports/index.html (RAW=dir)
	$(BIN)/msp report --all $(RAWARG)

market: setup ## write every Section 1 indicator for LA to reports/LA/*.csv (RAW=DIR; default data/raw, else $(SHARED) when present)
	$(BIN)/msp market --la $(LA) $(or $(RAWARG),$(if $(wildcard data/raw/*.xls*)$(wildcard data/raw/*.ods)$(wildcard data/raw/*.csv),,$(if $(wildcard $(SHARED)/*.xlsx),--raw $(SHARED))))

lab: setup ## open JupyterLab on the notebooks (as any user; root gets --allow-root)
	$(BIN)/jupyter lab notebooks/ $$( [ "$$(id -u)" = "0" ] && echo --allow-root )

# the 24 files of the first benchmarks (25 Nov 2026): the third round of shared files left out
BENCH_24_FILES = --exclude 'ons_ashe_*' --exclude 'mhclg_iod2019_*' --exclude 'ascfr_2014-15_council_unit_costs.csv' --exclude 'ascfr_2015-16_additional_data.csv' --exclude 'ascfr_2016-17_csv_additional.csv'

bench: setup ## time msp data vs a bare pandas read, forecasts, plans for every council (BENCH_SAMPLE=N to sample), a resumed and a killed batch (DEMO); writes benchmarks/results/
	$(BIN)/python benchmarks/bench_data.py --raw $(SHARED)
	$(BIN)/python benchmarks/bench_data.py --raw $(SHARED) --name 24_files $(BENCH_24_FILES)
	$(BIN)/python benchmarks/bench_forecast.py --raw $(SHARED)
	$(BIN)/python benchmarks/bench_report.py --raw $(SHARED) --sample $(BENCH_SAMPLE)
	$(BIN)/python benchmarks/bench_resume.py

clean: ## remove processed tables, demo raw files, reports and caches (never data/raw)
	rm -rf data/processed/* data/processed/.lock data/demo_raw reports .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
