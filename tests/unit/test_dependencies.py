"""One dependency list: pyproject.toml declares, requirements.lock pins, environment.yml follows."""

from __future__ import annotations

import ast
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import make_environment  # noqa: E402

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
LOCK = (ROOT / "requirements.lock").read_text()
PINS = dict(p.split("==") for p in make_environment.pins(LOCK))
PINS = {canonicalize_name(k): v for k, v in PINS.items()}


def _declared(extra: str | None = None) -> list[Requirement]:
    reqs = PROJECT["dependencies"] if extra is None else PROJECT["optional-dependencies"][extra]
    return [r for r in map(Requirement, reqs) if canonicalize_name(r.name) != "msp-analysis"]


def test_environment_yml_is_derived_from_the_lock():
    assert (ROOT / "environment.yml").read_text() == make_environment.render(LOCK), (
        "environment.yml is out of date: run `make lock`"
    )


@pytest.mark.parametrize("extra", [None, *sorted(PROJECT["optional-dependencies"])])
def test_lock_pins_every_declared_dependency_within_its_range(extra):
    for req in _declared(extra):
        name = canonicalize_name(req.name)
        assert name in PINS, f"{req.name} is declared but not in requirements.lock: `make lock`"
        assert req.specifier.contains(PINS[name], prereleases=True), (
            f"requirements.lock pins {req.name}=={PINS[name]}, outside {req.specifier}"
        )


def test_every_import_in_the_package_is_declared():
    """scipy was used and not declared; seaborn declared and not used: neither again."""
    dists = packages_distributions()
    core = {canonicalize_name(r.name) for r in _declared()}
    # imported only when --scheduler is given (extra 'dask'); only to make the national
    # report's PDF links relative (extra 'pdf'; without it they stay as Chromium printed them)
    optional = {"dask", "pypdf"}
    imported = set()
    for path in (ROOT / "msp_analysis").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    third_party = {m for m in imported if m not in sys.stdlib_module_names and m != "msp_analysis"}
    assert "scipy" in third_party  # forecast/models.py
    extras = {
        canonicalize_name(r.name)
        for extra in PROJECT["optional-dependencies"]
        for r in _declared(extra)
    }
    for module in sorted(optional):
        assert module in third_party, f"'{module}' is no longer imported: drop it from optional"
        assert canonicalize_name(module) in extras, f"'{module}' is imported but in no extra"
    for module in sorted(third_party - optional):
        providers = {canonicalize_name(d) for d in dists.get(module, [])}
        assert providers & core, f"'{module}' is imported by msp_analysis but not declared"
    used = {canonicalize_name(d) for m in third_party for d in dists.get(m, [])}
    # used without an import statement
    # pandas' Parquet engine; the kernel papermill starts; pandas' spreadsheet engine
    used |= {"pyarrow", "ipykernel", "python-calamine"}
    for req in _declared():
        name = canonicalize_name(req.name)
        assert name in used, f"{req.name} is declared but msp_analysis never imports it"
