# msp-analysis: `make` lists the targets.
PY      ?= $(shell command -v python3.11 || command -v python3)
VENV    := .venv
BIN     := $(VENV)/bin
RAW     ?=
RAWARG  := $(if $(RAW),--raw $(RAW),)
SHARED  ?= ../shared/data

.DEFAULT_GOAL := help
.PHONY: help setup data test test-unit test-integration lab bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-17s %s\n", $$1, $$2}'

$(BIN)/msp: requirements.txt pyproject.toml
	@command -v $(PY) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PY) not found); set PY=/path/to/python3.11"; exit 1; }
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@

setup: $(BIN)/msp ## create .venv and install everything (Python 3.11 and pip are all it needs)

data: setup ## build data/processed from data/raw (or RAW=DIR); the DEMO data set when there are no published files
	$(BIN)/msp data $(RAWARG)

test: setup ## run every test (unit, demo, and integration on $(SHARED) when present)
	$(BIN)/python -m pytest

test-unit: setup ## unit tests only (no files needed)
	$(BIN)/python -m pytest -m "unit or demo"

lab: setup ## open JupyterLab on the notebooks
	$(BIN)/jupyter lab notebooks/

bench: setup ## time `msp data` on $(SHARED) against a bare pandas read; writes benchmarks/results/
	$(BIN)/python benchmarks/bench_data.py --raw $(SHARED)

clean: ## remove processed tables, demo raw files, reports and caches (never data/raw)
	rm -rf data/processed/*.parquet data/processed/manifest.json data/demo_raw reports .pytest_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
