"""The report batch: nothing outlives a run, nothing blocks the next, a stopped batch resumes.

Plans swapped in by several processes at once, leftovers of stopped runs removed (and those
of live runs, or of another computer, left), the PDF engine found where Windows and macOS
install Chrome and Edge, a worker whose kernel will not start, a worker that dies, and the
key a kept plan is checked against.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from msp_analysis import atomic
from msp_analysis.report import batch, leftovers, render_pdf, resume

pytestmark = pytest.mark.unit


def _swapper(args) -> int:
    """Build a plan folder and swap it in ``rounds`` times; returns how many swaps failed."""
    out, rounds, who = args
    failed = 0
    for i in range(rounds):
        new = Path(out) / f".E06000054-{who}-{i}"
        new.mkdir()
        for name in ("plan.html", "summary.json"):
            (new / name).write_text(f"{who} {i}")
        try:
            atomic.swap_folder(new, Path(out) / "E06000054")
        except OSError:
            failed += 1
    return failed


def test_plan_swaps_are_safe_when_runs_finish_at_once(tmp_path):
    # before: two renames (old aside, new in) failed 210 times in 600 under the same race
    with multiprocessing.get_context("fork").Pool(4) as pool:
        failed = pool.map(_swapper, [(tmp_path, 150, w) for w in range(4)])
    assert sum(failed) == 0
    final = tmp_path / "E06000054"
    assert sorted(p.name for p in final.iterdir()) == ["plan.html", "summary.json"]
    assert (final / "plan.html").read_text() == (final / "summary.json").read_text()  # one run's
    assert [p.name for p in tmp_path.iterdir()] == ["E06000054"]  # nothing left aside


def test_leftovers_of_stopped_runs_go_and_those_of_live_runs_stay(tmp_path):
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True
    )
    dead = int(gone.stdout)
    me = os.getpid()
    out, temp = tmp_path / "reports", tmp_path / "temp"
    out.mkdir()
    temp.mkdir()
    here = leftovers.host()
    names = {
        out / f".E06000054-{here}-{dead}-abc": False,  # a killed run's half-built plan
        out / f".tmp-old-E06000054-{here}-{dead}-1f2e3d4c": False,  # its plan put aside
        out / f".E06000054-{here}-{me}-abc": True,  # a live run's (this one)
        out / f".E06000054-00000000-{dead}-abc": True,  # another computer's, same share
        out / "E06000054": True,  # a plan
        temp / f"msp-chromium-{dead}-xyz": False,  # a killed run's browser profile
        temp / f"msp-kernels-{dead}-xyz": False,  # its kernels' connection files
        temp / f"msp-batch-{me}-xyz": True,
        temp / "someone-elses": True,
    }
    for path in names:
        path.mkdir()
        (path / "file").write_text("x")
    assert leftovers.clean(out, [temp]) == 4
    for path, stays in names.items():
        assert path.exists() == stays, path.name


def test_what_a_killed_run_left_and_what_outlived_it(tmp_path):
    """The two checks the batch-resume test and bench_resume make after killing a batch."""
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True
    )
    dead, me = int(gone.stdout), os.getpid()
    for name in (f"msp-kernels-{dead}-a", f"msp-chromium-{me}-b", f"msp-batch-{dead}-c", "other"):
        (tmp_path / name).mkdir()
    assert sorted(leftovers.run_folders([tmp_path, tmp_path / "none"], {dead})) == [
        f"msp-batch-{dead}-c",
        f"msp-kernels-{dead}-a",
    ]
    assert leftovers.still_running([dead, me], 0) == [me]
    assert leftovers.still_running([dead], 5) == []


def test_a_plans_temporary_folder_names_its_run():
    assert leftovers._stale(f".E06000054-{leftovers.tag()}-abc", leftovers._IN_OUT) is False


@pytest.mark.parametrize("platform", ["win32", "darwin"])
def test_pdf_engine_found_where_windows_and_macos_install_chrome_or_edge(
    tmp_path, monkeypatch, platform
):
    monkeypatch.setattr(render_pdf.shutil, "which", lambda name: None)  # nothing on PATH
    monkeypatch.delenv(render_pdf.ENGINE_ENV, raising=False)
    monkeypatch.setattr(render_pdf.sys, "platform", platform)
    if platform == "win32":
        base = tmp_path / "Program Files (x86)"
        exe = base / "Microsoft" / "Edge" / "Application" / "msedge.exe"
        for env in ("PROGRAMFILES", "LOCALAPPDATA"):
            monkeypatch.setenv(env, str(tmp_path / "empty"))
        monkeypatch.setenv("PROGRAMFILES(X86)", str(base))
    else:
        monkeypatch.setattr(render_pdf.Path, "home", lambda: tmp_path)
        exe = (
            tmp_path / "Applications" / "Google Chrome.app" / "Contents" / "MacOS" / "Google Chrome"
        )
        monkeypatch.setattr(
            render_pdf, "_MACOS", (str(exe.relative_to(tmp_path / "Applications")),)
        )
    assert render_pdf.pdf_engine() is None
    exe.parent.mkdir(parents=True)
    exe.write_text("")
    assert render_pdf.pdf_engine() == str(exe)
    chosen = tmp_path / "my browser.exe"  # the user's choice wins
    chosen.write_text("")
    monkeypatch.setenv(render_pdf.ENGINE_ENV, str(chosen))
    assert render_pdf.pdf_engine() == str(chosen)


def test_a_kernel_that_will_not_start_is_tried_once_more_then_fails_its_council(
    tmp_path, monkeypatch
):
    starts = []

    class Flaky:
        def __init__(self, cwd):
            starts.append(cwd)
            if len(starts) < 2:
                raise RuntimeError("Kernel didn't respond in 60 seconds")

        def alive(self):
            return True

        def close(self):
            pass

    monkeypatch.setattr(batch, "KernelRunner", Flaky)
    monkeypatch.setattr(batch, "_RUNNER", None)
    monkeypatch.setitem(batch._SETUP, "cwd", str(tmp_path))
    assert isinstance(batch._runner(), Flaky) and len(starts) == 2  # the retry started it

    class Never(Flaky):
        def __init__(self, cwd):
            raise RuntimeError("Kernel died before replying to kernel_info")

    monkeypatch.setattr(batch, "KernelRunner", Never)
    monkeypatch.setattr(batch, "_RUNNER", None)
    result = batch._one({"la_code": "E06000054", "out_dir": tmp_path})
    assert result["ok"] is False and "did not start, twice" in result["error"]
    assert "(details in logs/E06000054.log)" in result["error"]
    log = (tmp_path / "logs" / "E06000054.log").read_text()
    assert "Kernel died before replying" in log and "Traceback" in log


class _Dies:
    """Unpickled in a worker, it ends that worker at once (as the out-of-memory killer would)."""

    def __reduce__(self):
        return (os._exit, (9,))


def test_a_worker_that_dies_fails_its_council_and_the_batch_goes_on(tmp_path):
    jobs = [
        {"la_code": "E06000054", "out_dir": tmp_path, "poison": _Dies()},
        {"la_code": "nonsense", "out_dir": tmp_path, "raw_dir": tmp_path},
    ]
    results = batch._in_pool(jobs, 2, tmp_path, pdf=False, progress=False)
    by = {r["la_code"]: r for r in results}
    assert set(by) == {"E06000054", "nonsense"} and not any(r["ok"] for r in results)
    assert "BrokenProcessPool" in by["E06000054"]["error"]
    assert "not a council's ONS code" in by["nonsense"]["error"]  # its own error, not the pool's


def test_a_kept_plan_must_have_the_same_key_and_its_files(tmp_path):
    plan = tmp_path / "E06000054"
    plan.mkdir()
    (plan / "plan.html").write_text("<html>")
    (plan / "summary.json").write_text(
        json.dumps(
            {"la_code": "E06000054", resume.KEY: "k1", "html": "plan.html", "pdf": "plan.pdf"}
        )
    )
    html_only = dict(pdf=False, docx=False)
    assert resume.kept(tmp_path, "E06000054", "k1", **html_only)["la_code"] == "E06000054"
    assert resume.kept(tmp_path, "E06000054", "k2", **html_only) is None  # another build/code
    assert resume.kept(tmp_path, "E06000054", "k1", pdf=True, docx=False) is None  # PDF gone
    assert resume.kept(tmp_path, "E06000099", "k1", **html_only) is None
    base = dict(scenarios=None, actions_file=None, evidence_file=None, horizon=5, pdf=True)
    key = resume.plan_key(data_version="v-1", **base)
    assert key == resume.plan_key(data_version="v-1", **base)
    assert key != resume.plan_key(data_version="v-2", **base)
    assert key != resume.plan_key(data_version="v-1", **{**base, "horizon": 4})
    evidence = tmp_path / "evidence.yml"
    evidence.write_text("a: 1\n")
    with_file = resume.plan_key(data_version="v-1", **{**base, "evidence_file": evidence})
    evidence.write_text("a: 2\n")  # the same file name, other figures
    assert with_file != resume.plan_key(data_version="v-1", **{**base, "evidence_file": evidence})
    assert key != resume.plan_key(data_version="v-1", **{**base, "docx": False})
    # a PDF that failed to print (no file named) or a Word draft not written: built again
    summary = {"la_code": "E06000054", resume.KEY: "k1", "html": "plan.html", "pdf": None}
    (plan / "summary.json").write_text(json.dumps({**summary, "docx": "plan.docx"}))
    (plan / "plan.docx").write_bytes(b"PK")
    assert resume.kept(tmp_path, "E06000054", "k1", pdf=True, docx=True) is None
    assert resume.kept(tmp_path, "E06000054", "k1", pdf=False, docx=True) is not None
    (plan / "plan.docx").unlink()
    assert resume.kept(tmp_path, "E06000054", "k1", pdf=False, docx=True) is None
    assert resume.kept(tmp_path, "E06000054", "k1", pdf=False, docx=False) is not None


def test_the_plans_code_key_is_every_files_content(tmp_path, monkeypatch):
    from msp_analysis import cache

    package = tmp_path / "msp_analysis"
    (package / "resources" / "templates").mkdir(parents=True)
    (package / "plan.py").write_text("x = 1\n")
    template = package / "resources" / "templates" / "cover.md.j2"
    template.write_text("# {{ council }}\n")
    monkeypatch.setattr(cache, "PACKAGE_DIR", package)

    def key() -> str:
        resume.package_key.cache_clear()
        return resume.package_key()

    first = key()
    copy = tmp_path / "copy" / "msp_analysis"  # a fresh install: same content, new times
    shutil.copytree(package, copy)
    os.utime(copy / "plan.py", (1, 1))
    monkeypatch.setattr(cache, "PACKAGE_DIR", copy)
    assert key() == first
    (copy / "resources" / "templates" / "cover.md.j2").write_text("# {{ council }} draft\n")
    assert key() != first  # a template edit changes the plans, so they are built again
    resume.package_key.cache_clear()


#: what starts worker processes (concurrent.futures, multiprocessing)
POOLS = {"ProcessPoolExecutor", "Pool"}


def _call_name(node) -> str | None:
    return getattr(node, "id", None) or getattr(node, "attr", None)


def test_every_process_pool_of_the_package_follows_its_parent():
    """A pool whose workers do not end with their parent outlives a killed command: the
    batch's warm-up went on computing (and holding its memory) after `msp report --all`
    was killed, until it had finished."""
    import ast

    import msp_analysis

    root = Path(msp_analysis.__file__).parent
    loose = []
    pools = 0
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        functions = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and _call_name(node.func) in POOLS):
                continue
            pools += 1
            init = next((k.value for k in node.keywords if k.arg == "initializer"), None)
            name = _call_name(init) if init is not None else None
            follows = name == "follow_parent" or (
                name in functions
                and any(
                    isinstance(c, ast.Call) and _call_name(c.func) == "follow_parent"
                    for c in ast.walk(functions[name])
                )
            )
            if not follows:
                loose.append(f"{path.relative_to(root)}:{node.lineno}")
    assert pools >= 4  # the store's readers, the warm-up, the batch's workers, insights
    assert loose == []


SLOW_WARMUP = """
import os, time
from pathlib import Path


def warm_shared(raw_dir, councils):
    Path(os.environ["MSP_TEST_MARKS"], f"warmup-{os.getpid()}").write_text("")
    time.sleep(60)
"""

WARMUP_CHILD = """
import sys
import tempfile
from msp_analysis.report import warmup
import slow_warmup

warmup.warm_shared = slow_warmup.warm_shared
warmup.warm_in_own_process(sys.argv[1], None)
"""


@pytest.mark.skipif(not hasattr(os, "killpg"), reason="POSIX signals")
def test_a_killed_batchs_warm_up_ends_with_it(tmp_path):
    # what all plans share is computed in a process of its own (minutes on the real files)
    import signal
    import time

    import psutil

    (tmp_path / "slow_warmup.py").write_text(SLOW_WARMUP)
    marks = tmp_path / "marks"
    marks.mkdir()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tmp_path), os.environ.get("PYTHONPATH", "")]),
        "MSP_TEST_MARKS": str(marks),
    }
    proc = subprocess.Popen(
        [sys.executable, "-c", WARMUP_CHILD, str(tmp_path)], env=env, start_new_session=True
    )
    deadline = time.monotonic() + 60
    while not list(marks.glob("warmup-*")):
        assert proc.poll() is None and time.monotonic() < deadline, "no warm-up started"
        time.sleep(0.05)
    worker = int(next(marks.glob("warmup-*")).name.split("-")[1])
    os.kill(proc.pid, signal.SIGKILL)  # the batch alone, as kill -9 or the OOM killer
    proc.wait(timeout=10)
    try:
        assert psutil.wait_procs([psutil.Process(worker)], timeout=10)[1] == []
    except psutil.NoSuchProcess:
        pass  # already gone
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(worker, signal.SIGKILL)


@pytest.mark.skipif(render_pdf.pdf_engine() is None, reason="no Chromium to print with")
@pytest.mark.parametrize("live", [False, True], ids=["one-shot", "live-browser"])
def test_chromium_prints_under_a_long_temporary_folder_and_leaves_nothing_there(
    tmp_path, monkeypatch, live
):
    # Chromium's socket goes in a folder of its temporary folder: under a long TMPDIR
    # (pytest's, a deep home folder) it exited at once and the plan had no PDF
    from msp_analysis import browser

    temp = tmp_path / ("a-temporary-folder-with-a-long-name-" * 2) / "tmp"
    temp.mkdir(parents=True)
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr(tempfile, "tempdir", None)  # read TMPDIR again
    html = tmp_path / "plan.html"
    html.write_text("<html><body><h1>Plan</h1></body></html>")
    target = tmp_path / "plan.pdf"
    if live:
        with browser.Browser(render_pdf.pdf_engine()) as chromium:
            assert render_pdf.to_pdf(html, target, browser=chromium) == target
    else:
        assert render_pdf.to_pdf(html, target) == target
    assert target.read_bytes().startswith(b"%PDF")
    assert list(temp.iterdir()) == []  # no profile, no Chromium folder left behind


def test_a_failed_pdf_says_the_browsers_error_not_its_crash_reporter():
    """'PDF printing failed (chrome_crashpad_handler: --database is required ...)' told the
    user nothing: the message is the browser's last real error, without its log prefix."""
    from msp_analysis.report.render_pdf import browser_message

    stderr = (
        "[1207/121502.123456:ERROR:crashpad_client_linux.cc(72)] --database is required\n"
        "chrome_crashpad_handler: --database is required\n"
        "[1207/121502.223456:ERROR:headless_shell.cc(84)] Unable to open /x/plan.html\n"
        "Try 'chrome_crashpad_handler --help' for more information.\n"
    )
    assert browser_message(stderr, 1) == "Unable to open /x/plan.html"
    assert browser_message("chrome_crashpad_handler: --database is required\n", 133) == (
        "the browser stopped with exit code 133"
    )
    assert browser_message("", -9) == "the browser stopped with exit code -9"
