"""Shared fixtures. Every test carries exactly one of the markers unit, integration, demo."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
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


HERMETIC_ENV = ("MSP_PROCESSED_DIR", "MSP_RAW_DIR", "MSP_DEMO_DIR")


@pytest.fixture(autouse=True, scope="session")
def _outside_the_checkout(tmp_path_factory):
    """Processed tables, the default raw folder and DEMO files go to a temporary folder.

    Nothing a test runs writes into the checkout: after `make test`, `git status` is clean
    (.ci/run checks it). A test that needs its own folders still passes them explicitly.
    """
    home = tmp_path_factory.mktemp("msp_home")
    saved = {k: os.environ.get(k) for k in HERMETIC_ENV}
    os.environ["MSP_PROCESSED_DIR"] = str(home / "processed")
    os.environ["MSP_RAW_DIR"] = str(home / "raw")
    os.environ["MSP_DEMO_DIR"] = str(home / "demo_raw")
    (home / "raw").mkdir()
    yield home
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


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


#: one ASC-FR row as the readers write it: a council's residential unit cost for people aged 65+
#: (T52, 2021-22, all provision); a test gives only the fields its rows differ in
ASCFR_ROW = dict(
    area_type="council",
    year=2021,
    table_ref="T52",
    measure="unit_cost",
    age_band="65 and over",
    support_setting="Residential",
    primary_support_reason="Total",
    provision="Total",
)


@pytest.fixture
def ascfr_frame():
    """Builds a tiny long ASC-FR frame: ``ascfr_frame(dict(la_code=..., value=...), ...,
    **common)``, each row :data:`ASCFR_ROW` with ``common`` and then its own fields over it."""

    def build(*rows: dict, **common) -> pd.DataFrame:
        return pd.DataFrame([ASCFR_ROW | common | row for row in rows])

    return build
