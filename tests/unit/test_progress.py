"""Progress while one plan builds: steps said as they start, each with its time."""

from __future__ import annotations

import io
import re

import pytest

from msp_analysis import progress

pytestmark = pytest.mark.unit


def test_steps_print_each_step_once_with_its_time():
    out = io.StringIO()
    steps = progress.Steps("Building the plan for Testshire (E06000054):", out)
    for name in ("data", "data", "indicators", "forecast", "pdf"):
        steps.start(name)
    steps.done()
    lines = out.getvalue().splitlines()
    assert lines[0] == "Building the plan for Testshire (E06000054):"
    names = [re.sub(r"\s+\d+\.\d s$", "", line).strip() for line in lines[1:]]
    assert names == ["tables and kernel", "indicators", "forecasts", "PDF"]
    assert all(re.search(r"\d+\.\d s$", line) for line in lines[1:])


def test_steps_written_by_another_process_are_followed(tmp_path):
    path = tmp_path / "steps.txt"
    report = progress.to_file(path)
    seen: list[str] = []
    with progress.FileWatch(path, seen.append, every_s=0.01):
        report("indicators")
        report("forecast")
        with path.open("a") as fh:
            fh.write("sect")  # half written: not a step yet
    assert seen == ["indicators", "forecast"]
    progress.to_file(None)("anything")  # no file: nothing happens


def test_a_finished_plan_folder_is_shared_as_the_umask_allows(tmp_path):
    """mkdtemp makes the build folder private (0700); the finished plan gets what the user's
    umask gives any new folder and file."""
    import os
    import tempfile

    from msp_analysis.report.plan import share_as_umask_allows, umask

    if os.name != "posix":
        pytest.skip("permission bits are POSIX's (Windows has only a read-only flag)")
    folder = tempfile.mkdtemp(dir=tmp_path)
    (tmp_path / folder / "plan.html").write_text("x")
    os.chmod(tmp_path / folder / "plan.html", 0o600)
    before = os.umask(0o027)
    try:
        share_as_umask_allows(tmp_path / folder)
        assert umask() == 0o027
    finally:
        os.umask(before)
    assert (os.stat(folder).st_mode & 0o777) == 0o750
    assert (os.stat(tmp_path / folder / "plan.html").st_mode & 0o777) == 0o640
