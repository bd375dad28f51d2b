"""Where data lives. Read once; nothing here depends on the working directory
when the package sits in its checkout (the usual, editable install).

- ``MSP_RAW_DIR``: folder of published files (default ``<project>/data/raw``).
- ``MSP_PROCESSED_DIR``: folder of processed tables (default ``<project>/data/processed``).
- ``MSP_DEMO_DIR``: where the DEMO files are written (default ``<project>/data/demo_raw``).
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def project_root() -> Path:
    """The checkout holding the package (has pyproject.toml), else the working directory."""
    candidate = PACKAGE_DIR.parent
    return candidate if (candidate / "pyproject.toml").exists() else Path.cwd()


def raw_dir() -> Path:
    """Folder of published (raw, immutable) files."""
    return Path(os.environ.get("MSP_RAW_DIR", project_root() / "data" / "raw"))


def processed_dir() -> Path:
    """Folder of processed Parquet tables and manifest.json."""
    return Path(os.environ.get("MSP_PROCESSED_DIR", project_root() / "data" / "processed"))


def demo_raw_dir() -> Path:
    """Folder the DEMO files are written to when no published files are given."""
    return Path(os.environ.get("MSP_DEMO_DIR", project_root() / "data" / "demo_raw"))
