"""The README's rows per table are the build's, never typed: they are written by
tools/readme_counts.py from a build's manifest, and this test fails when they drift."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from msp_analysis import store

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import readme_counts  # noqa: E402


def test_readme_row_counts_are_the_builds(real_processed):
    built = {name: t["rows"] for name, t in store.manifest(real_processed)["tables"].items()}
    stated = readme_counts.counts((ROOT / "README.md").read_text(encoding="utf-8"))
    assert stated, "the README's table of rows per table was not found"
    # every table the README names: the build's count, or '-' for a table the files do not give
    drift = {n: (v, built.get(n)) for n, v in stated.items() if v != built.get(n)}
    assert not drift, (
        f"README row counts (stated, built) differ: {drift}; "
        "run python tools/readme_counts.py --raw ../shared/data"
    )
    assert set(built) <= set(stated), f"tables the README does not list: {set(built) - set(stated)}"


def test_rewrite_sets_counts_and_dashes():
    text = "| table | from | rows |\n|---|---|---|\n| `a` / `b` | x | 1 / 2 |\n| `c` | y | 5 |\n"
    new = readme_counts.rewrite(text, {"a": 1234, "c": 7})
    assert "| `a` / `b` | x | 1,234 / - |" in new and "| `c` | y | 7 |" in new
    assert readme_counts.counts(new) == {"a": 1234, "b": None, "c": 7}
