"""Notebooks as code: each committed .ipynb runs exactly the code of its paired percent-format .py."""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat
import pytest

from msp_analysis import resources

pytestmark = pytest.mark.unit

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
PAIRS = {
    "00_data_quality": NOTEBOOKS / "00_data_quality.py",
    "01_current_market": NOTEBOOKS / "01_current_market.py",
    "02_demand_forecast": NOTEBOOKS / "02_demand_forecast.py",
    "03_spend_scenarios": NOTEBOOKS / "03_spend_scenarios.py",
    # the plan notebook ships inside the package so an installed wheel can run it
    "04_plan_draft": resources.plan_notebook(),
}


def _cells(nb) -> list[tuple[str, str, list[str]]]:
    return [(c.cell_type, c.source.strip(), list(c.metadata.get("tags", []))) for c in nb.cells]


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_ipynb_matches_its_py(name):
    committed = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    source = jupytext.read(PAIRS[name])
    assert _cells(committed) == _cells(source), (
        f"notebooks/{name}.ipynb and {PAIRS[name].name} differ: run `make sync-notebooks`"
    )


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_one_parameters_cell_and_no_injected_cell(name):
    tags = [t for _, _, cell_tags in _cells(jupytext.read(PAIRS[name])) for t in cell_tags]
    assert tags.count("parameters") == 1
    assert "injected-parameters" not in tags


def test_every_notebook_is_paired():
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == sorted(PAIRS)
