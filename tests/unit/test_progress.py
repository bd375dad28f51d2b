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


def test_a_warning_during_a_step_prints_on_a_line_of_its_own():
    """'tables and kernel    warning: mhclg_rs_2017-18 ...' was printed on one line, with the
    step's time after the last warning."""
    import logging

    out = io.StringIO()
    steps = progress.Steps("Building the plan draft:", out)
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("warning: %(message)s"))
    handler.addFilter(steps.log_filter())
    log = logging.getLogger("msp.test_progress")
    log.addHandler(handler)
    log.propagate = False
    try:
        steps.start("data")
        log.warning("file.xlsx row 43: no council's code")
        log.warning("second")
        steps.start("indicators")
        steps.done()
    finally:
        log.removeHandler(handler)
    lines = out.getvalue().splitlines()
    assert lines[1].strip() == "tables and kernel"
    assert lines[2:4] == ["warning: file.xlsx row 43: no council's code", "warning: second"]
    assert re.fullmatch(r"  tables and kernel +\d+\.\d s", lines[4])  # the name said again
    assert re.fullmatch(r"  indicators +\d+\.\d s", lines[5]) and len(lines) == 6


class _Stop(Exception):
    pass


def test_plan_steps_arrive_while_the_notebook_runs_from_a_relative_out(tmp_path, monkeypatch):
    # papermill changes the parent's working directory to the notebook's while it runs: a
    # step file followed by a relative path was only found after the notebook ended, so
    # `msp report` (--out reports, relative) printed 'indicators 0.0 s' for every step
    import os
    import time
    from pathlib import Path

    from msp_analysis.report import plan as report_plan

    monkeypatch.chdir(tmp_path)
    out = Path("reports") / ".building"
    out.mkdir(parents=True)
    seen: list[str] = []

    def notebook(executed, params, cwd, runner):
        before = os.getcwd()
        os.chdir(cwd)  # as papermill's execute_notebook does
        try:
            progress.to_file(params["progress_file"])("indicators")
            deadline = time.monotonic() + 5
            while "indicators" not in seen and time.monotonic() < deadline:
                time.sleep(0.05)
            arrived = list(seen)
        finally:
            os.chdir(before)
        raise _Stop(arrived)

    monkeypatch.setattr(report_plan, "run_plan_notebook", notebook)
    with pytest.raises(_Stop) as stop:
        report_plan._build_into(
            out,
            "E10900001",
            raw_dir=tmp_path,
            scenarios=None,
            actions_file=None,
            horizon=5,
            backtest_file=None,
            pdf=False,
            runner=None,
            progress=seen.append,
        )
    assert stop.value.args[0] == ["data", "indicators"]
