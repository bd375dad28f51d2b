"""The command line answers every mistake in one line, quickly, and never with a traceback.

Each case runs ``msp`` in-process with the data folders pointed at an empty temporary
folder, so nothing is built or written in the checkout.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from msp_analysis import cli, inputs
from msp_analysis.errors import (
    ConfigError,
    MspError,
    SettingsError,
    SourceError,
    UsageError,
)
from msp_analysis.tables import MissingSource

pytestmark = pytest.mark.unit


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    """cwd, data/raw and data/processed all in an empty temporary folder.

    The working folder sits two levels down, so that the '../../' values the fuzz test
    tries stay inside this test's own folder (never a folder other runs share).
    """
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    (work / "raw").mkdir()
    monkeypatch.setenv("MSP_RAW_DIR", str(work / "raw"))
    monkeypatch.setenv("MSP_PROCESSED_DIR", str(work / "processed"))
    (work / "a_folder").mkdir()
    (work / "a_file.txt").write_text("not a folder\n")
    return work


def run(argv, capsys) -> tuple[int, str, str]:
    try:
        code = cli.main([str(a) for a in argv])
    except SystemExit as exc:  # argparse's own usage errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


BAD_VALUES = [
    "",
    "../../la_escape_probe",
    "/etc/passwd",
    "a_folder",
    "a_file.txt",
    "no_such_thing",
    "-1",
    "0",
    "99999",
    "nan",
    "inf",
    "1e309",
    "Wilts; rm -rf /",
    "é" * 3,
    "x" * 300,
]
#: a valid-looking base for each command; the --raw that does not exist stops any run that
#: gets past the checks, so a fuzzed value that slips through fails fast, never builds data
BASE = {
    "data": ["data", "--raw", "no_raw_here", "--out", "out"],
    "demo": ["demo", "--out", "a_file.txt"],
    "market": ["market", "--la", "E06000054", "--raw", "no_raw_here"],
    "forecast": ["forecast", "--la", "E06000054", "--raw", "no_raw_here", "--out", "out"],
    "backtest": ["backtest", "--raw", "no_raw_here", "--out", "out"],
    "report": ["report", "--la", "E06000054", "--raw", "no_raw_here", "--no-pdf"],
    "insights": ["insights", "--reports", "no_reports_here", "--no-pdf"],
    "download": ["download", "--dest", "dest", "--catalogue", "no_such_catalogue.yml"],
    "councils": ["councils"],
    "layouts": ["layouts"],
    "schema": ["schema", "--out", "out"],
}
OPTIONS = {
    "data": ["--raw", "--out"],
    "demo": ["--out"],
    "market": ["--la", "--raw", "--out", "--k", "--thresholds"],
    "forecast": ["--la", "--raw", "--out", "--horizon", "--scenario", "--evidence"],
    "backtest": ["--raw", "--out"],
    "report": ["--la", "--raw", "--out", "--horizon", "--scenario", "--actions", "--workers"],
    "insights": ["--reports", "--raw", "--out", "--workers", "--la-list"],
    "download": ["--dest", "--catalogue", "--years", "--max-mb"],
    "councils": ["--nonsense"],
    "layouts": ["--nonsense"],
    "schema": ["--out"],
}


def _with(base: list[str], option: str, value: str) -> list[str]:
    argv = list(base)
    if option in argv:
        argv[argv.index(option) + 1] = value
    else:
        argv += [option, value]
    return argv


CASES = [
    (cmd, opt, val)
    for cmd, opts in OPTIONS.items()
    for opt, val in itertools.product(opts, BAD_VALUES)
]


@pytest.mark.parametrize("cmd, option, value", CASES, ids=lambda x: str(x)[:20])
def test_fuzz_every_subcommand_gives_one_line_never_a_traceback(
    sandbox, capsys, cmd, option, value
):
    if option != "--la":  # an output folder may legitimately be anywhere the user says
        value = value.replace("la_escape_probe", "out_probe")
    code, out, err = run(_with(BASE[cmd], option, value), capsys)
    assert code in (0, 1, 2), (code, err)
    assert "Traceback" not in err + out and "internal error" not in err
    if code:
        lines = [line for line in err.splitlines() if line.startswith("error:")]
        assert len(lines) == 1 or err.startswith("usage:"), err
    if option == "--la":  # a council value never becomes part of a path
        assert not (sandbox.parent.parent / "la_escape_probe").exists()


def test_top_level_and_unknown_commands(sandbox, capsys):
    for argv in ([], ["nonsense"], ["-v"], ["report", "--all", "--la", "E06000054"]):
        code, _, err = run(argv, capsys)
        assert code == 2 and "Traceback" not in err


def test_report_la_with_dots_never_names_a_path(sandbox, capsys):
    code, _, err = run(["report", "--la", "../../la_escape_probe", "--out", "outdir"], capsys)
    assert code == 2 and "not a council code or name" in err
    assert not (sandbox / "outdir").exists()
    assert not (sandbox.parent.parent / "la_escape_probe").exists()


def test_real_council_on_demo_fallback_says_what_to_pass(sandbox, capsys):
    """`make market LA=E06000054` on a fresh clone (no published files): exact advice, at once."""
    code, _, err = run(["market", "--la", "E06000054"], capsys)
    assert code == 2 and "--raw" in err and "RAW=" in err and "Demoshire (E10900001)" in err
    assert not (sandbox / "processed").exists()  # refused before any DEMO build


def test_internal_error_is_short_and_leaves_its_traceback_in_a_log_it_names(
    sandbox, capsys, monkeypatch, tmp_path
):
    import re
    import tempfile

    def bug(args):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(cli, "cmd_councils", bug)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # no folder given: the temp folder
    code, _, err = run(["councils"], capsys)
    assert code == cli.EXIT_INTERNAL
    assert err.count("\n") == 1 and "internal error (ZeroDivisionError)" in err
    assert "Traceback" not in err
    log = Path(re.search(r"traceback is in (\S+\.log)", err).group(1))
    assert log.parent == tmp_path
    text = log.read_text()
    assert text.startswith("msp councils\n") and "ZeroDivisionError: boom" in text
    # a command given a folder keeps the log there (and writes nowhere else)
    monkeypatch.setattr(cli, "cmd_data", bug)
    out = tmp_path / "processed here"
    code, _, err = run(["data", "--out", str(out)], capsys)
    assert (
        code == cli.EXIT_INTERNAL
        and str(out) in err
        and len(list(out.glob("msp-error-*.log"))) == 1
    )
    code, _, err = run(["-v", "councils"], capsys)
    assert code == cli.EXIT_INTERNAL and "Traceback" in err and "ZeroDivisionError: boom" in err


@pytest.mark.parametrize(
    "exc, code",
    [
        (SourceError("bad cell", file="/tmp/x/f.xlsx", sheet="T1", row=4), 1),
        (MissingSource("the 'salt' table is not loaded"), 1),
        (SettingsError("scenario 'a.yml', key 'x': wrong"), 2),
        (UsageError("--la: nope"), 2),
        (FileNotFoundError("raw data folder x does not exist"), 1),
    ],
)
def test_known_errors_are_one_line_with_their_exit_status(sandbox, capsys, monkeypatch, exc, code):
    def fail(args):
        raise exc

    monkeypatch.setattr(cli, "cmd_councils", fail)
    got, _, err = run(["councils"], capsys)
    assert got == code and err.startswith("error: ") and err.count("\n") == 1
    assert "/tmp/x" not in err  # a SourceError names the file, not the machine path


def test_hierarchy():
    assert issubclass(MissingSource, MspError) and issubclass(MissingSource, LookupError)
    assert issubclass(SettingsError, ConfigError) and issubclass(UsageError, ConfigError)
    assert issubclass(SourceError, MspError) and not issubclass(SourceError, ConfigError)
    from msp_analysis.store import BuildError

    assert issubclass(BuildError, MspError)


@pytest.mark.parametrize(
    "typed, code",
    [
        ("E06000054", "E06000054"),
        ("e06000054", "E06000054"),
        ("Wiltshire", "E06000054"),
        ("wiltshire council", "E06000054"),
        ("wilts", "E06000054"),
        ("  Lincolnshire ", "E10000019"),
        ("Demoshire", "E10900001"),
    ],
)
def test_council_in_any_case_or_name(typed, code):
    assert inputs.resolve_council(typed) == code


@pytest.mark.parametrize(
    "typed, says",
    [
        ("Wiltshite", "did you mean Wiltshire (E06000054)"),
        ("north", "matches"),
        ("E06999999", "no council has this ONS code"),
        ("E12000009", "is not a council"),
        ("../x", "not a council code or name"),
    ],
)
def test_council_mistakes_suggest(typed, says):
    with pytest.raises(UsageError, match=says.replace("(", r"\(").replace(")", r"\)")):
        inputs.resolve_council(typed)


@pytest.mark.parametrize("h", [0, 11, -3])
def test_horizon_outside_1_to_10(h):
    with pytest.raises(UsageError, match="1 to 10"):
        inputs.check_horizon(h)


SETTINGS = [
    ("scenario", inputs.check_scenarios, lambda p: [str(p)]),
    ("actions", inputs.check_actions, str),
    ("thresholds", inputs.check_thresholds, str),
]
BAD_YAML = [
    ("- a list\n- where a mapping belongs\n", None),
    ("name: x\nversion: 1\ndescription: y\nassumptions: [1, 2]\n", None),
    ("name: x\nversion: 1\ndescription: y\nrules:\n  - risk: .nan\n", "rules[1].risk"),
    ("name: x\nversion: 1\ndescription: y\nactions:\n  - .inf\n", "actions[1]"),
    ("name: x\nversion: 1\ndescription: y\nactions: [just a string]\n", None),
    ("name: x\nversion: 1\ndescription: y\nrules: 5\n", None),
    ("name: [unclosed\n", "line"),
    ("", None),
]


@pytest.mark.parametrize("kind, check, arg", SETTINGS, ids=[s[0] for s in SETTINGS])
@pytest.mark.parametrize("text, key", BAD_YAML)
def test_settings_files_with_wrong_types_are_one_line(tmp_path, kind, check, arg, text, key):
    p = tmp_path / f"bad_{kind}.yml"
    p.write_text(text)
    with pytest.raises(SettingsError) as err:
        check(arg(p))
    message = str(err.value)
    assert p.name in message and "\n" not in message
    if key:
        assert key in message


@pytest.mark.parametrize("kind, check, arg", SETTINGS, ids=[s[0] for s in SETTINGS])
def test_settings_folder_or_missing_file(tmp_path, kind, check, arg):
    with pytest.raises(SettingsError, match="is a folder"):
        check(arg(tmp_path))
    with pytest.raises(SettingsError, match="not found"):
        check(arg(tmp_path / "absent.yml"))
    (tmp_path / "latin1.yml").write_bytes(b"name: caf\xe9\n")
    with pytest.raises(SettingsError, match="UTF-8"):
        check(arg(tmp_path / "latin1.yml"))


@pytest.mark.unit
def test_log_lines_read_as_messages_not_module_names():
    import logging

    from msp_analysis.cli import _Messages

    record = logging.LogRecord(
        "msp_analysis.sources.outturn", logging.WARNING, __file__, 1, "row %d: bad", (43,), None
    )
    assert _Messages(verbose=False).format(record) == "warning: row 43: bad"
    assert _Messages(verbose=True).format(record) == (
        "warning (msp_analysis.sources.outturn): row 43: bad"
    )


class _ClosedPipe:
    """stdout whose reader has gone (`msp councils | head`)."""

    def write(self, text):
        raise BrokenPipeError(32, "Broken pipe")

    def flush(self):
        pass


def test_a_closed_pipe_ends_quietly_with_exit_0(sandbox, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdout", _ClosedPipe())
    code = cli.main(["councils"])
    err = capsys.readouterr().err
    assert code == 0 and err == ""


def test_la_list_errors_name_la_list(sandbox, capsys):
    code, _, err = run(["report", "--all", "--la-list", "E06000054,nowhereshire"], capsys)
    assert code == 2
    assert err.startswith("error: --la-list 'nowhereshire' is not a council"), err


@pytest.mark.parametrize("n, words", [(0, "0 risk flags"), (1, "1 risk flag"), (2, "2 risk flags")])
def test_counts_agree_with_their_nouns(n, words):
    assert cli._count(n, "risk flag") == words


def test_national_line_agrees_in_number():
    """'(1 councils' plans)' was printed for a batch of one plan."""
    one = cli._national_line(dict(html="insights.html", councils=1, seconds=1.2))
    assert "(1 council's plan) in 1.2 s" in one and "HTML only" in one
    many = cli._national_line(
        dict(html="insights.html", pdf="x/insights.pdf", councils=1530, seconds=6, left_out=1)
    )
    assert "insights.html and insights.pdf (1,530 councils' plans; 1 plan left out" in many
    assert "2 plans left out" in cli._national_line(
        dict(html="i.html", councils=3, seconds=1, left_out=2)
    )


@pytest.mark.parametrize("quiet", [False, True])
def test_report_all_quiet_hides_the_batch_bar(sandbox, capsys, monkeypatch, quiet):
    """-q printed the batch's tqdm bar all the same: build_all was never told."""
    from msp_analysis import report, store

    seen = {}

    def build_all(**kw):
        seen.update(kw)
        return dict(built=1, failed=[], index="reports/index.html")

    monkeypatch.setattr(cli, "_raw_for_report", lambda raw, la=None: sandbox / "raw")
    monkeypatch.setattr(store, "ensure", lambda raw: sandbox / "processed")
    monkeypatch.setattr(report, "pdf_engine", lambda: None)
    monkeypatch.setattr(report, "build_all", build_all)
    code, out, _ = run(["report", "--all", "--no-pdf", *(["-q"] if quiet else [])], capsys)
    assert code == 0 and "Built 1 plan; index: reports/index.html" in out
    assert seen["progress"] is (not quiet)


def test_skipped_files_list_the_known_layouts_only_when_one_may_be_data(capsys):
    # a folder's README is skipped on every build, warm ones too: naming every layout for it
    # would import every reader (0.6 s of a 0.7 s warm build); a data file saved as .txt that
    # no reader recognised still gets the list
    from msp_analysis.store import BuildResult

    readme = BuildResult(Path("out"), skipped=["DATA.md"], skip_reasons={"DATA.md": "a text file"})
    cli._print_build_notes(readme)
    out = capsys.readouterr().out
    assert "DATA.md: a text file" in out and "known layouts" not in out
    saved = BuildResult(Path("out"), skipped=["DATA.md", "fees.txt"])
    cli._print_build_notes(saved)
    out = capsys.readouterr().out
    assert "fees.txt: no reader knows this file" in out
    assert "known layouts: nhsd-ascfr-salt-tables" in out
