"""The package as a user installs it: a wheel, in a fresh venv outside the checkout, builds the DEMO plan.

Scenarios, templates, the plan notebook and reference data must all come from the installed
package (msp_analysis/resources, msp_analysis/data), never from this checkout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

import msp_analysis

pytestmark = pytest.mark.demo

ROOT = Path(__file__).resolve().parents[1]


def _run(cmd: list[str], cwd: Path, env: dict | None = None) -> str:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """Built from a copy of the tracked files, so the build writes nothing into the checkout."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout")
    src = tmp_path_factory.mktemp("src")
    files = _run(["git", "ls-files", "-z"], ROOT).split("\0")
    for name in filter(None, files):
        if (ROOT / name).is_file():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, src / name)
    out = tmp_path_factory.mktemp("dist")
    env = {**os.environ, "SETUPTOOLS_SCM_PRETEND_VERSION": msp_analysis.__version__}
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), "."], src, env)
    (built,) = out.glob("msp_analysis-*.whl")
    return built


def test_wheel_ships_the_package_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for expected in [
        "msp_analysis/resources/notebooks/04_plan_draft.py",
        "msp_analysis/resources/scenarios/market_unchanged.yml",
        "msp_analysis/resources/templates/actions.yml",
        "msp_analysis/resources/templates/narrative/section1.md.j2",
        "msp_analysis/resources/public_evidence/E06000054.yml",
        "msp_analysis/data/councils.csv",
        "msp_analysis/data/risk_thresholds.yml",
    ]:
        assert expected in names
    assert not any(n.startswith(("tests/", "notebooks/")) for n in names)


def test_installed_wheel_builds_the_demo_plan_outside_the_checkout(wheel, tmp_path):
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], tmp_path)
    # The dependencies come from this environment (no downloads); the package from the wheel.
    site = Path(
        _run(
            [
                str(venv / "bin" / "python"),
                "-c",
                "import sysconfig; print(sysconfig.get_paths()['purelib'])",
            ],
            tmp_path,
        ).strip()
    )
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run(
        [
            str(venv / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        tmp_path,
    )
    work = tmp_path / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MSP_") and k != "PYTHONPATH"}
    env["HOME"] = str(tmp_path)  # nothing written beside the user's real files either
    # nbconvert's templates and the kernel spec come with the borrowed dependencies
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    where = _run(
        [str(venv / "bin" / "python"), "-c", "import msp_analysis; print(msp_analysis.__file__)"],
        work,
        env,
    )
    assert Path(where.strip()).is_relative_to(venv), where
    env["MSP_PROCESSED_DIR"] = str(tmp_path / "processed")
    env["MSP_DEMO_DIR"] = str(tmp_path / "demo_raw")
    _run(
        [str(venv / "bin" / "msp"), "report", "--out", str(work / "reports"), "--no-pdf"], work, env
    )
    (plan_dir,) = (work / "reports").iterdir()
    html = (plan_dir / "plan.html").read_text()
    assert "Demoshire" in html and "Section 3" in html
    summary = json.loads((plan_dir / "summary.json").read_text())
    assert summary["demo"] is True and summary["spend_change_pct"] is not None
