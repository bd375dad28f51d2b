"""Shared fixtures. Every test carries exactly one of the markers unit, integration, demo."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
KINDS = {"unit", "integration", "demo"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if not str(item.fspath).startswith(str(ROOT / "tests")):
            continue  # notebooks under nbval carry no marker
        kinds = {m.name for m in item.iter_markers()} & KINDS
        if len(kinds) != 1:
            raise pytest.UsageError(
                f"{item.nodeid} must carry exactly one of the markers {sorted(KINDS)} (has {sorted(kinds)})"
            )


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real published files: $MSP_SHARED_DATA or ../shared/data beside the checkout.

    Missing files skip the test on a laptop, but fail it in CI (CI is set), where they must be present.
    """
    path = Path(os.environ.get("MSP_SHARED_DATA", ROOT.parent / "shared" / "data"))
    if not (path / "ASCFR_and_SALT_Data_Tables_2021-22.xlsx").exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but the real data files are missing from {path}")
        pytest.skip(f"real data files not found in {path} (set MSP_SHARED_DATA)")
    return path


@pytest.fixture(scope="session")
def real_processed(shared_data, tmp_path_factory) -> Path:
    """Processed tables built once from every real file.

    The build keeps going past a file it cannot read: such files are listed by
    ``store.failures(out)`` (tests that need a source check it was read), the rest are built.
    """
    from msp_analysis import store

    out = tmp_path_factory.mktemp("processed_real")
    store.build(shared_data, out, progress=False)
    return out


@pytest.fixture(scope="session")
def demo_raw(tmp_path_factory) -> Path:
    from msp_analysis import demo

    raw = tmp_path_factory.mktemp("demo_raw")
    demo.write(raw)
    return raw


@pytest.fixture(scope="session")
def demo_processed(demo_raw, tmp_path_factory) -> Path:
    from msp_analysis import store

    out = tmp_path_factory.mktemp("demo_processed")
    store.build(demo_raw, out, progress=False)
    return out
