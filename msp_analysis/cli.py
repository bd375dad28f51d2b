"""Command line: ``msp data | market | forecast | backtest | report | evidence | download | demo | councils | insights | layouts | schema``.

Run ``msp --help`` or ``msp COMMAND --help``. Also runnable as ``python -m msp_analysis.cli``.
"""

from __future__ import annotations

import logging
import os
import shlex
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import click

from msp_analysis import config, inputs, store
from msp_analysis.council import council_of
from msp_analysis.errors import MspError, UsageError
from msp_analysis.years import financial_year

log = logging.getLogger("msp")
#: exit status for a bug (an exception msp-analysis did not raise on purpose)
EXIT_INTERNAL = 3
#: exit status for a usage mistake (an unknown option, a value of the wrong type)
EXIT_USAGE = 2
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class _Commands(click.Group):
    """A group whose commands are listed in the order they are declared (the pipeline's)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


@click.group(
    cls=_Commands,
    context_settings=CONTEXT,
    help="Market Sustainability Plan evidence from public adult social care data.",
)
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    help="log each step, and show the full traceback of an internal error",
)
def msp(verbose: bool) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(_Messages(verbose=verbose))
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, handlers=[handler])


def command(name: str, help: str, group: click.Group = msp) -> Callable:
    """Declare ``cmd_x(args)`` as ``msp NAME`` (in ``group``) with the ``click.option`` and
    ``click.argument`` lines under this one.

    The options reach the function as ``args`` (``args.raw``, ``args.la_list``: a repeatable
    option is a list, or None when not given) and it returns the exit status. It stays a
    plain function of ``args``, looked up by name when the command runs (so a test can
    replace it).
    """

    def declare(fn: Callable[[SimpleNamespace], int]) -> Callable[[SimpleNamespace], int]:
        def run(**options: Any) -> int:
            args = SimpleNamespace(
                command=name,
                **{k: list(v) or None if isinstance(v, tuple) else v for k, v in options.items()},
            )
            click.get_current_context().find_root().obj = args  # for main's error log
            return globals()[fn.__name__](args)

        run.__click_params__ = list(getattr(fn, "__click_params__", []))  # type: ignore[attr-defined]
        group.command(name, help=help, short_help=help, context_settings=CONTEXT)(run)
        return fn

    return declare


class _Name(click.ParamType):
    """A file or folder name: not empty, not blank, no control characters, not over 1024."""

    name = "path"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        value = str(value)
        if not value.strip() or any(ord(ch) < 32 for ch in value):
            self.fail(f"{value!r} is not a usable file or folder name", param, ctx)
        if len(value) > 1024:
            self.fail("a file or folder name of over 1024 characters", param, ctx)
        return value


PATH = _Name()
#: the published-files folder option, as every command that reads a data build takes it
RAW_OPTION = click.option(
    "--raw", type=PATH, help="folder of published files (default: the last `msp data` build)"
)
#: --scenario as msp forecast and msp report take it
SCENARIO_OPTION = click.option(
    "--scenario",
    type=PATH,
    multiple=True,
    help="scenario YAML (repeatable; default: the shipped scenarios, or every *.yml in $MSP_SCENARIOS_DIR)",
)


def readers_for(path: Path) -> list:
    from msp_analysis.sources import readers_for as _readers_for

    return _readers_for(path)


def known_layouts() -> dict[str, str]:
    from msp_analysis.sources import known_layouts as _known_layouts

    return _known_layouts()


def _has_published_files(folder: Path) -> bool:
    return folder.is_dir() and any(readers_for(p) for p in store.candidates(folder))


def demo_raw_dir() -> Path:
    """Where ``msp demo`` writes by default: beside data/raw, never inside it ($MSP_DEMO_DIR)."""
    return config.demo_raw_dir()


def _write_demo(folder: Path) -> list[Path]:
    """Write the embedded DEMO raw files to ``folder`` (the DEMO module is loaded only here)."""
    from msp_analysis import demo

    return demo.write(folder)


@command("data", help="build data/processed/*.parquet and manifest.json from published files")
@click.option(
    "--raw",
    type=PATH,
    help="folder of published files (default: data/raw; the DEMO data set if that holds none)",
)
@click.option("--out", type=PATH, help="folder for processed tables (default: data/processed)")
@click.option("-q", "--quiet", is_flag=True, help="no progress bar")
@click.option(
    "--strict",
    is_flag=True,
    help="all or nothing: any file that fails stops the build and nothing is written",
)
@click.option(
    "--workers",
    type=int,
    help="processes reading files at once (default: one per core; 1 reads them in turn)",
)
@click.option(
    "--verify",
    is_flag=True,
    help="a file that is not the publisher's release as catalogued (its SHA-256 differs) "
    "is an error, not a warning",
)
@click.option(
    "--forget-missing",
    is_flag=True,
    help="let go of the rows of files no longer in the folder (removed on purpose); "
    "without it such a build keeps them and exits 1",
)
def cmd_data(args: SimpleNamespace) -> int:

    raw = inputs.check_raw_dir(args.raw) if args.raw else config.raw_dir()
    if args.out:
        inputs.check_out_dir(args.out)
    if not args.raw and not _has_published_files(raw):
        raw = demo_raw_dir()
        log.warning(
            "no published files in %s: building the embedded DEMO data set (fictional councils) from %s",
            config.raw_dir(),
            raw,
        )
        _write_demo(raw)
    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers {args.workers}: give 1 or more processes")
    out = Path(args.out) if args.out else config.processed_dir()
    result = store.build(
        raw,
        out,
        progress=not args.quiet,
        strict=args.strict,
        workers=args.workers,
        verify=args.verify,
        forget_missing=args.forget_missing,
    )
    label = "DEMO data" if result.demo else "published data"
    print(
        f"Built {len(result.tables)} tables from {len(set(f['file'] for f in result.files))} files ({label}) into {out}:"
    )
    for name, rows in sorted(result.tables.items()):
        print(f"  {name:<24} {rows:>9,} rows")
    _print_build_notes(result)
    if result.failures:
        print(f"FAILED {len(result.failures)} file(s); nothing new was taken from them:")
        for f in result.failures:
            kept = f.get("kept_previous_rows") or {}
            keep = (
                ""
                if f.get("missing")  # its message says what was kept
                else f" (kept {sum(kept.values()):,} rows from the build of {f['kept_from_build']})"
                if kept
                else " (no earlier rows to keep)"
            )
            print(f"  - {f['message']}{keep}")
        return 1
    return 0


#: files beside the data that are documents, never data: a skipped one needs no list of layouts
DOCUMENT_SUFFIXES = frozenset(
    {".md", ".pdf", ".doc", ".docx", ".odt", ".rtf", ".html", ".htm", ".png", ".jpg", ".jpeg"}
)


def _print_build_notes(result: store.BuildResult) -> None:
    """What a build did not read, and why; files that are not the publisher's; notes. Printed
    whatever ``-q`` says (it only hides the progress bar), for a reused build as for a new one."""
    if result.skipped:
        print(f"Skipped {len(result.skipped)} file(s), not read:")
        for name in result.skipped:
            print(f"  - {name}: {result.skip_reasons.get(name, 'no reader knows this file')}")
        if any(Path(name).suffix.lower() not in DOCUMENT_SUFFIXES for name in result.skipped):
            # a file that may be data no reader recognised: say what the readers know (this
            # imports every reader, so not for a folder's README, which every warm build meets)
            print(f"  known layouts: {', '.join(known_layouts())} (`msp layouts` describes each)")
    unpublished = [
        u for u in result.unpublished if u["file"] not in {f["file"] for f in result.failures}
    ]
    if unpublished:
        print(
            f"Not the published file ({len(unpublished)}; `msp data --verify` refuses such files):"
        )
        for u in unpublished:
            print(f"  - {u['message']}")
    for note in result.notes:
        print(f"Note: {note}")


def _processed_for(raw_arg: str | None, la: str | None = None) -> Path:
    """Processed tables for --raw DIR (cached), or the last `msp data` build (DEMO when nothing else).

    A real council asked of the DEMO fallback is refused at once, before the DEMO build.
    """
    if raw_arg:
        return store.ensure(inputs.check_raw_dir(raw_arg))
    processed = config.processed_dir()
    if not store.has_build(processed):
        raw = config.raw_dir() if _has_published_files(config.raw_dir()) else demo_raw_dir()
        if raw == demo_raw_dir() and la is not None and not inputs.is_demo_council(la):
            raise inputs.not_in_demo(la)
        if raw == demo_raw_dir():
            log.warning("no processed tables and no published files: using the DEMO data set")
            _write_demo(raw)
        return store.ensure(raw)
    return processed


def _council_in(processed: Path, la: str, table: str = "salt", command: str = "market") -> str:
    """The council checked against the data: DEMO mix-ups and councils newer than the data stop here."""
    from msp_analysis import store

    demo = bool(store.manifest(processed).get("demo"))
    return inputs.check_in_data(la, processed, demo=demo, table=table, command=command)


@command("market", help="write every Section 1 indicator for one council to CSV")
@click.option(
    "--la", required=True, help="council: ONS code (any case) or name, e.g. E06000054, Wiltshire"
)
@RAW_OPTION
@click.option(
    "--out",
    type=PATH,
    default="reports",
    help="folder for <la>/market_indicators.csv, comparators.csv, risk_results.csv",
)
@click.option("--k", type=int, default=15, help="number of comparator councils (default 15)")
@click.option(
    "--thresholds", type=PATH, help="your own risk thresholds YAML (default: the package's)"
)
def cmd_market(args: SimpleNamespace) -> int:
    la = inputs.resolve_council(args.la)
    if not 1 <= args.k <= 50:
        raise UsageError(f"--k {args.k}: the number of comparators must be from 1 to 50")
    thresholds = inputs.check_thresholds(args.thresholds)
    inputs.check_out_dir(args.out)
    processed = _processed_for(args.raw, la)
    _council_in(processed, la, table="population")

    from msp_analysis.indicators import assess, load_thresholds, risk_results
    from msp_analysis.tables import Tables

    tables = Tables.load(processed)
    indicators, comps = assess(tables, la, k=args.k)
    results = risk_results(indicators, load_thresholds(thresholds))
    out = Path(args.out) / la
    out.mkdir(parents=True, exist_ok=True)
    indicators.to_csv(out / "market_indicators.csv", index=False)
    comps.assign(method=comps.attrs["method"]).to_csv(out / "comparators.csv", index=False)
    results.to_csv(out / "risk_results.csv", index=False)
    n_missing = int((indicators["status"] == "missing").sum())
    label = " (DEMO data)" if tables.demo else ""
    print(
        f"{council_of(la).label}{label}: "
        f"{_count(indicators['indicator'].nunique(), 'indicator')} "
        f"({n_missing} missing, reasons in the 'note' column), {_count(len(comps), 'comparator')}, "
        f"{int(results['state'].eq('flagged').sum())} of {_count(len(results), 'risk test')} "
        f"flagged -> {out}"
    )
    return 0


def _count(n: int, noun: str) -> str:
    """'1 risk test', '3 risk tests', '0 risk tests'."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


@command("forecast", help="forecast people and spend for one council under YAML scenarios")
@click.option("--la", required=True, help="council: ONS code (any case) or name")
@SCENARIO_OPTION
@click.option("--horizon", type=int, default=5, help="years after the base year, 1-10 (default 5)")
@RAW_OPTION
@click.option(
    "--out",
    type=PATH,
    required=True,
    help="folder for forecast.csv, decomposition.csv, reconciliation.csv, weekly_costs.csv, "
    "first_year_prices.csv, shift_effects.csv, assumptions.csv, runs.json",
)
@click.option(
    "--evidence",
    type=PATH,
    help="the council's local evidence YAML (fees, uplifts, people in supported living); "
    "default: the figures from public documents shipped for the council, if any",
)
def cmd_forecast(args: SimpleNamespace) -> int:
    la = inputs.resolve_council(args.la)
    horizon = inputs.check_horizon(args.horizon)
    scenario_files = inputs.check_scenarios(args.scenario)
    evidence_file = inputs.check_evidence(args.evidence)
    inputs.check_out_dir(args.out)
    processed = _processed_for(args.raw, la)
    _council_in(processed, la, command="forecast")

    from msp_analysis.forecast import run as forecast_run
    from msp_analysis.forecast.scenarios import default_dir
    from msp_analysis.indicators.local import evidence_for
    from msp_analysis.tables import Tables

    tables = Tables.load(processed)
    files: list[str | Path] = (
        list(scenario_files) if scenario_files else sorted(default_dir().glob("*.yml"))
    )
    evidence = evidence_for(la, evidence_file, demo=tables.demo)
    result = forecast_run.run(tables, la, files, horizon=horizon, evidence=evidence)
    out = Path(args.out)
    forecast_run.write(result, out)
    label = " (DEMO data)" if tables.demo else ""
    first = result.runs.iloc[0]
    tied = first["base_line"] or "the returns brought forward (no outturn line)"
    print(
        f"{council_of(la).name}{label}: base {financial_year(int(first['base_year']))}"
        f" £{first['base_spend_gbp'] / 1e6:,.1f}m = {tied}"
        + (f"; local evidence: {evidence.name}" if evidence is not None else "")
    )
    for s in result["runs"]["scenario"]:
        h = forecast_run.headline(result, s)
        print(
            f"{council_of(la).name}{label}, {s}: adult social care spend {h['spend_change_pct']:+.1f}% "
            f"from {financial_year(h['base_year'])} to {financial_year(h['horizon_year'])} "
            f"(rates rest on {h['history_years']} years of history)"
        )
    print(
        f"-> {out}/forecast.csv, decomposition.csv, reconciliation.csv, weekly_costs.csv,"
        " first_year_prices.csv, shift_effects.csv, assumptions.csv, runs.json"
    )
    return 0


@command("backtest", help="rolling-origin backtest for every council on the loaded history")
@RAW_OPTION
@click.option(
    "--out",
    type=PATH,
    required=True,
    help="folder for backtest.csv, backtest_summary.csv, backtest_by_horizon.csv and"
    " rates_backtest.csv",
)
def cmd_backtest(args: SimpleNamespace) -> int:
    inputs.check_out_dir(args.out)
    processed = _processed_for(args.raw)

    from msp_analysis.forecast import backtest, ranges, rates
    from msp_analysis.tables import Tables

    tables = Tables.load(processed)
    bt = backtest.backtest(tables)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    bt.to_csv(out / "backtest.csv", index=False)
    summary = backtest.summary(bt)
    summary.to_csv(out / "backtest_summary.csv", index=False)
    rb = rates.backtest(tables)
    rb.to_csv(out / "rates_backtest.csv", index=False)
    record = ranges.record(tables)
    record.to_csv(out / "backtest_by_horizon.csv", index=False)
    if record.empty:
        print("no spend history")
    else:
        print(
            "How the forecasts did on the past, by years ahead (pooled over origins; each"
            " origin's ranges calibrated on the other origins):"
        )
        shown = record.rename(
            columns={
                "horizon": "years ahead",
                "origins": "forecast from",
                "median_ape": "median error %",
                "bias_pct": "bias %",
                "coverage_80": "80% range held %",
                "coverage_95": "95% range held %",
                "reference_median_ape": "reference median error %",
            }
        )
        print(shown.round(1).to_string(index=False))
        print(
            "Spend: adult social care net current expenditure; 'all measures' adds total"
            " expenditure and ASC-FR gross current expenditure; reference: the last value."
            " People: people in long-term support; reference: the rate held flat."
        )
    h = backtest.headline(summary)
    if h:
        print(
            f"Latest origin {h['origin']}, one year ahead: median error {h['median_ape']:.1f}%"
            f" (naive {h['naive_median_ape']:.1f}%, national-growth oracle"
            f" {h['oracle_median_ape']:.1f}%); beats naive for {h['beats_naive_pct']:.0f}% of"
            f" {h['councils']} councils (target 70%); 80% ranges held {h['coverage_80']:.0f}%"
            f" there and {h['coverage_80_all_origins']:.0f}% over all {h['origins']} origins one"
            " year ahead (target 75-85%)"
        )
    print(
        f"-> {out}/backtest.csv ({len(bt):,} rows, {bt['la_code'].nunique()} councils),"
        " backtest_summary.csv, backtest_by_horizon.csv, rates_backtest.csv"
    )
    return 0


def _raw_for_report(raw_arg: str | None, la: str | None = None) -> Path:
    """--raw DIR, else data/raw when it holds published files, else the DEMO data set."""
    if raw_arg:
        return inputs.check_raw_dir(raw_arg)
    if _has_published_files(config.raw_dir()):
        return config.raw_dir()
    if la is not None and not inputs.is_demo_council(la):
        raise inputs.not_in_demo(la, "report")
    raw = demo_raw_dir()
    if not (raw / store.DEMO_MARKER).exists():
        _write_demo(raw)
    log.warning(
        "no published files in %s: building the DEMO plan from the embedded demo data",
        config.raw_dir(),
    )
    return raw


def _la_list(value: str) -> list[str]:
    """--la-list: a file of codes or names (one a line, # comments), or codes/names separated by commas."""
    p = Path(value)
    if p.is_dir():
        raise UsageError(f"--la-list {value}: is a folder; give a file or comma-separated codes")
    if p.is_file():
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            raise UsageError(f"--la-list {value}: cannot be read as text") from None
        items = [line.split("#", 1)[0].strip() for line in text.splitlines()]
    else:
        items = [x.strip() for x in value.split(",")]
    items = [x for x in items if x]
    if not items:
        raise UsageError(f"--la-list {value}: names no council")
    codes = []
    for x in items:
        code = inputs.resolve_council(x, option="--la-list")
        if code not in codes:
            codes.append(code)
    return codes


@command("report", help="build the plan draft (HTML, PDF, Word) for one council, or --all")
@click.option(
    "--la",
    help="council: ONS code (any case) or name (default: Wiltshire, or the first DEMO council)",
)
@click.option(
    "--all", is_flag=True, help="every council in the data, in parallel, with an index page"
)
@click.option(
    "--la-list",
    type=PATH,
    help="with --all: only these councils (a file with one code or name a line, "
    "or codes separated by commas)",
)
@click.option(
    "--raw",
    type=PATH,
    help="folder of published files (default: data/raw, or the DEMO data when it holds none)",
)
@SCENARIO_OPTION
@click.option(
    "--actions",
    type=PATH,
    help="the council's actions YAML for Section 3, or 'example' for the shipped example actions "
    "(default: $MSP_TEMPLATES_DIR/actions.yml; without one each market gets a table to fill in)",
)
@click.option(
    "--evidence",
    type=PATH,
    help="the council's local evidence: a workbook from `msp evidence template` (or YAML); "
    "default: none (a DEMO plan uses the shipped example for the DEMO council)",
)
@click.option(
    "--horizon", type=int, default=5, help="years forecast after the base year, 1-10 (default 5)"
)
@click.option(
    "--out",
    type=PATH,
    default="reports",
    help="folder for <la_code>/plan.html, plan.pdf, plan.docx (default: reports)",
)
@click.option("--workers", type=int, help="parallel processes for --all (default: all cores)")
@click.option(
    "--scheduler",
    help="Dask scheduler address for --all (e.g. tcp://host:8786); default: this machine",
)
@click.option("--no-pdf", is_flag=True, help="no PDF")
@click.option("--no-docx", is_flag=True, help="no Word draft (plan.docx)")
@click.option(
    "-q", "--quiet", is_flag=True, help="no progress lines while one plan builds, nor --all's bar"
)
@click.option(
    "--force",
    is_flag=True,
    help="with --all: build every plan again, even those already built from the same "
    "data build with the same settings and code (kept by default, so a stopped batch "
    "resumes)",
)
def cmd_report(args: SimpleNamespace) -> int:
    if args.all and args.la:
        raise UsageError(
            "give --la for one council or --all (with --la-list for a subset), not both"
        )
    if args.la_list and not args.all:
        raise UsageError("--la-list selects councils for --all: add --all")
    if args.all and args.evidence:
        raise UsageError("--evidence holds one council's figures: use it with --la, not --all")
    la = inputs.resolve_council(args.la) if args.la else None
    subset = _la_list(args.la_list) if args.la_list else None
    horizon = inputs.check_horizon(args.horizon)
    scenario_files = inputs.check_scenarios(args.scenario)
    actions = inputs.check_actions(args.actions)
    if la is None and args.evidence and not args.all:
        la = inputs.evidence_council(args.evidence)  # the council the evidence is for
    evidence = inputs.check_evidence(args.evidence, la)
    inputs.check_out_dir(args.out)
    if args.workers is not None and not 1 <= args.workers <= 64:
        raise UsageError(f"--workers {args.workers}: must be from 1 to 64")

    from msp_analysis import report, store

    raw = _raw_for_report(args.raw, la)
    steps = None
    if not args.all and not args.quiet:  # a batch has its own progress bar
        from msp_analysis.progress import Steps

        steps = Steps("Building the plan draft:")
        line_breaker = steps.log_filter()  # a data warning prints on a line of its own
        for handler in logging.getLogger().handlers:
            handler.addFilter(line_breaker)
        steps.start("data")
    processed = store.ensure(raw)
    engine = report.pdf_engine() if not args.no_pdf else None
    if not args.no_pdf and engine is None:  # said once here, not once per plan
        print(f"note: {report.PDF_HELP}")
    common: dict[str, Any] = dict(
        scenarios=scenario_files,
        actions_file=actions,
        evidence_file=evidence,
        horizon=horizon,
        pdf=engine is not None,
        docx=not args.no_docx,
    )
    if args.all:
        if subset:
            for code in subset:
                _council_in(processed, code, command="report")
        result = report.build_all(
            raw_dir=raw,
            out_dir=args.out,
            councils=subset,
            workers=args.workers,
            scheduler=args.scheduler,
            force=args.force,
            progress=not args.quiet,
            **common,
        )
        built, kept = result["built"], result.get("kept", 0)
        print(
            f"Built {built} plan{'' if built == 1 else 's'}"
            + (
                f"; kept {kept} built before from the same data and settings "
                "(--force builds every plan again)"
                if kept
                else ""
            )
            + f"; index: {result['index']}"
        )
        if result.get("national"):
            print(_national_line(result["national"]))
        for f in result["failed"]:
            print(f"  failed {f['la_code']}: {f['error']}")
        return 0 if not result["failed"] else 1
    if la is None:
        councils = report.councils_in(raw)
        la = next((c for c in ("E06000054", "E10900001") if c in councils), councils[0])
    _council_in(processed, la, command="report")
    browser = None
    if engine:  # Chromium boots while the notebook runs (its own process group, closed below)
        from msp_analysis import browser as chromium

        browser = chromium.start(engine)  # None where it cannot run: one per plan then
    try:
        s = report.build(
            la,
            raw_dir=raw,
            out_dir=args.out,
            browser=browser,
            progress=steps.start if steps else None,
            **common,
        )
    finally:
        if steps is not None:
            steps.done()
            for handler in logging.getLogger().handlers:
                handler.removeFilter(line_breaker)
        if browser is not None:
            browser.close()
    out = Path(args.out) / la
    label = " (DEMO)" if s["demo"] else ""
    written = [str(out / s["html"])] + [s[k] for k in ("pdf", "docx") if s.get(k)]
    print(
        f"{s['council']}{label}: {', '.join(written[:-1])} and {written[-1]}"
        if len(written) > 1
        else f"{s['council']}{label}: {written[0]} (HTML only)",
        end=f" in {s['seconds']} s\n",
    )
    return 0


@msp.group(
    cls=_Commands,
    context_settings=CONTEXT,
    help="the council's local evidence workbook: write the template, check one",
    short_help="the council's local evidence workbook: write the template, check one",
)
def evidence() -> None:
    """``msp evidence template|check``: the commands below."""


@command(
    "template",
    group=evidence,
    help="write the evidence workbook (Excel) to fill in: a sheet per theme, drop-down lists",
)
@click.argument("out", type=PATH, metavar="OUT.xlsx")
@click.option("--la", help="council: ONS code (any case) or name; its code and name are filled in")
@click.option("--force", is_flag=True, help="replace OUT.xlsx if it exists")
def cmd_evidence_template(args: SimpleNamespace) -> int:
    from msp_analysis.indicators import evidence_workbook

    la = inputs.resolve_council(args.la) if args.la else None
    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        raise UsageError(
            f"{args.out}: the evidence workbook is an Excel file: give a name ending .xlsx"
        )
    if inputs._exists(out, "OUT") and not args.force:
        raise UsageError(f"{args.out} exists: give another name, or --force to replace it")
    if not out.parent.is_dir():
        raise UsageError(f"{args.out}: no folder {out.parent}")
    name = council_of(la).name if la else None
    n = evidence_workbook.write(out, la_code=la, la_name=name)
    whose = f" for {name} ({la})" if la else " (type the council's code on its Instructions sheet)"
    print(
        f"Wrote the evidence workbook{whose} to {out}: {n['sheets']} theme sheets, "
        f"{n['rows']} measure rows. Fill in the figures you hold, check it with "
        f"`msp evidence check {out}`, then pass it to `msp report"
        f"{f' --la {la}' if la else ''} --evidence {out}`."
    )
    return 0


@command(
    "check",
    group=evidence,
    help="check a filled evidence workbook (or YAML) and list its figures",
)
@click.argument("file", type=PATH, metavar="FILE")
@click.option("--la", help="the council the plan is for (a file for another is refused)")
def cmd_evidence_check(args: SimpleNamespace) -> int:
    from msp_analysis.indicators.local import MARKETS, MEASURES, load_evidence

    la = inputs.resolve_council(args.la) if args.la else None
    _exists_or_fail(args.file)
    ev = load_evidence(args.file, la)
    code = ev.la_code or la
    whose = council_of(code).label if code else "no council named"
    print(
        f"{Path(args.file).name}: {_count(len(ev.figures), 'figure')} for {whose}"
        + (" (EXAMPLE figures)" if ev.example else "")
        + ", all checked:"
    )
    for f in ev.figures:
        unit = str(f.unit)
        value = (
            f"£{f.value:,.2f} {unit.removeprefix('£ ')}"
            if unit.startswith("£")
            else f"{f.value:,g} {unit}"
        )
        print(
            f"  {MARKETS[f.market]}: {MEASURES[f.measure].label}, {value}, {f.period} ({f.source}, {f.date.isoformat()})"
        )
    return 0


def _exists_or_fail(value: str) -> None:
    if not inputs._exists(Path(value), "FILE"):
        raise UsageError(f"{value}: no such file")


@command("download", help="fetch the published files into data/raw (checksummed, resumable)")
@click.option(
    "--years",
    type=int,
    multiple=True,
    help="financial-year starts to fetch, e.g. 2021 2024 (default: all)",
)
@click.argument("more_years", nargs=-1, type=int, metavar="[YEAR]...")  # `--years 2021 2024`
@click.option(
    "--catalogue",
    type=PATH,
    help="your own catalogue YAML of files and URLs (default: the package's)",
)
@click.option(
    "--dest",
    type=PATH,
    help="folder to write to (default: data/raw); nothing is written outside it",
)
@click.option("--max-mb", type=float, help="size limit per file in MB (default 512)")
@click.option("-q", "--quiet", is_flag=True, help="no progress bar")
def cmd_download(args: SimpleNamespace) -> int:
    from msp_analysis import download

    if args.more_years and not args.years:
        raise UsageError(f"unrecognized arguments: {' '.join(map(str, args.more_years))}")
    if args.max_mb is not None and not 0 < args.max_mb <= 10_000:
        raise UsageError(f"--max-mb {args.max_mb}: must be from 1 to 10000")
    dest = inputs.check_out_dir(args.dest or config.raw_dir(), "--dest")
    rows = download.download(
        dest,
        catalogue=args.catalogue,
        years=[*(args.years or []), *(args.more_years or [])] or None,
        progress=not args.quiet,
        max_bytes=int(args.max_mb * 1024 * 1024) if args.max_mb else download.MAX_BYTES,
    )
    for r in rows:
        print(f"  {r['status']:<11} {r['file']} {r['message']}")
    failed = [r for r in rows if r["status"] == "failed"]
    print(
        f"{len(rows) - len(failed)} of {len(rows)} files in place"
        + (f"; {len(failed)} failed" if failed else "")
    )
    return 1 if failed else 0


@command("demo", help="write the embedded DEMO raw files (fictional councils, published layouts)")
@click.option("--out", type=PATH, help="folder to write to (default: data/demo_raw)")
def cmd_demo(args: SimpleNamespace) -> int:
    out = inputs.check_out_dir(args.out) if args.out else demo_raw_dir()
    paths = _write_demo(out)
    print(f"Wrote {len(paths)} DEMO raw files (fictional councils) to {out}")
    return 0


@command("councils", help="list councils: ONS code, name, CASSR code, region")
@click.option("--all", is_flag=True, help="include predecessor and DEMO councils")
def cmd_councils(args: SimpleNamespace) -> int:
    from msp_analysis import geography

    table = geography.councils(status=None if args.all else "current")
    print(
        table[["la_code", "la_name", "cassr_code", "la_type", "region_name", "status"]].to_string(
            index=False
        )
    )
    return 0


def _national_line(n: dict) -> str:
    files = n["html"] + (f" and {Path(n['pdf']).name}" if n.get("pdf") else " (HTML only)")
    left_out = n.get("left_out") or 0
    left = f"; {left_out} {'plan' if left_out == 1 else 'plans'} left out, listed in it"
    plans = "1 council's plan" if n["councils"] == 1 else f"{n['councils']:,} councils' plans"
    return f"National insights: {files} ({plans}{left if left_out else ''}) in {n['seconds']} s"


@command(
    "insights",
    help="the national insights report (every plan rolled up) from a folder of plans, "
    "or from a data build with --raw",
)
@click.option(
    "--reports",
    type=PATH,
    default="reports",
    help="folder of plans written by `msp report --all` (default: reports); with --raw, "
    "where the councils' facts are stored",
)
@click.option(
    "--raw",
    type=PATH,
    help="folder of published files: draft every council's facts from this data build "
    "(no plans rendered) and report on them",
)
@click.option(
    "--la-list",
    type=PATH,
    help="with --raw: only these councils (a file with one code or name a line, or codes "
    "separated by commas)",
)
@click.option(
    "--out", type=PATH, help="folder for insights.html and .pdf (default: REPORTS/national)"
)
@click.option("--workers", type=int, help="parallel processes for --raw (default: all cores)")
@click.option("--no-pdf", is_flag=True, help="HTML only")
@click.option("-q", "--quiet", is_flag=True, help="no progress bar")
def cmd_insights(args: SimpleNamespace) -> int:
    """The national insights report from a folder of plans, or (--raw) from a data build."""
    reports = inputs.check_out_dir(args.reports, "--reports")
    out = inputs.check_out_dir(args.out) if args.out else None
    subset = _la_list(args.la_list) if args.la_list else None
    if args.workers is not None and not 1 <= args.workers <= 64:
        raise UsageError(f"--workers {args.workers}: must be from 1 to 64")
    if subset and not args.raw:
        raise UsageError("--la-list selects councils to draft from --raw: add --raw")

    from msp_analysis import national

    build = None
    failed: list[dict] = []
    if args.raw:
        raw = inputs.check_raw_dir(args.raw)
        processed = store.ensure(raw)
        for code in subset or []:
            _council_in(processed, code, command="insights")
        drafted = national.draft_facts(
            raw, reports, councils=subset, workers=args.workers, progress=not args.quiet
        )
        build = drafted["manifest_sha256"]
        failed = [
            dict(
                la_code=f["la_code"],
                council=council_of(f["la_code"]).name,
                error=f["error"],
            )
            for f in drafted["failed"]
        ]
        print(
            f"Facts of {drafted['drafted']} councils drafted from {raw}"
            + (f" ({drafted['reused']} already stored)" if drafted["reused"] else "")
        )
    elif not reports.is_dir():
        raise UsageError(
            f"--reports {args.reports}: no such folder of plans; build them with "
            "`msp report --all`, or draft the facts from a data build with --raw DIR"
        )
    result = national.write(
        reports, out_dir=out, manifest_sha256=build, failed=failed, pdf=not args.no_pdf
    )
    print(_national_line(result))
    for f in failed:
        print(f"  failed {f['la_code']}: {f['error']}")
    return 0 if not failed else 1


@command("layouts", help="list every published file layout the readers know")
def cmd_layouts(args: SimpleNamespace) -> int:
    for name, text in known_layouts().items():
        print(f"{name}\n    {text}")
    return 0


@command(
    "schema",
    help="write a JSON Schema for each settings file (scenario, local evidence, risk "
    "thresholds, actions), for editors that check YAML as you type",
)
@click.option("--out", type=PATH, default="schemas", help="folder to write to (default: schemas)")
def cmd_schema(args: SimpleNamespace) -> int:
    from msp_analysis import configs

    for path in configs.write_schemas(inputs.check_out_dir(args.out)):
        print(f"-> {path}")
    return 0


class _Messages(logging.Formatter):
    """Log lines as a user reads them: 'warning: <message>'; with -v also the module that
    logged it (for a bug report)."""

    def __init__(self, verbose: bool) -> None:
        super().__init__()
        self.verbose = verbose

    def format(self, record: logging.LogRecord) -> str:
        where = f" ({record.name})" if self.verbose else ""
        text = f"{record.levelname.lower()}{where}: {record.getMessage()}"
        if record.exc_info and self.verbose:
            text += "\n" + self.formatException(record.exc_info)
        return text


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns the exit status.

    0 done; 1 a data problem (a file, a missing source, a failed download); 2 a usage or
    settings problem (a mistyped option too); 3 an internal error (a bug: the message asks
    for a report with ``-v``, which shows the traceback); 130 interrupted.
    """
    given = list(sys.argv[1:] if argv is None else argv)
    verbose = False
    ctx: click.Context | None = None
    try:
        with msp.make_context("msp", list(given)) as ctx:
            verbose = bool(ctx.params.get("verbose"))
            return msp.invoke(ctx)
    except click.exceptions.Exit as exc:  # --help
        return exc.exit_code
    except click.exceptions.NoArgsIsHelpError as exc:  # `msp` alone: the commands
        print(exc.ctx.get_help() if exc.ctx else exc.format_message(), file=sys.stderr)
        return EXIT_USAGE
    except click.UsageError as exc:  # an unknown command or option, a value of the wrong type
        if exc.ctx is not None:
            print(exc.ctx.get_usage().replace("Usage:", "usage:", 1), file=sys.stderr)
        print(f"error: {exc.format_message()}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # `msp councils | head`: the reader has all it wanted
        _quiet_stdout()
        return 0
    except MspError as exc:
        for line in getattr(exc, "problems", None) or [_one_line(exc)]:
            print(f"error: {line}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:  # not found, permission denied, disk full, name too long
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return 1
    except (KeyboardInterrupt, click.exceptions.Abort):
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: say so, keep the traceback in a log file (and for -v)
        if _notebook_failed(exc):
            print(f"error: {_one_line(exc)}", file=sys.stderr)
            return 1
        if verbose:
            traceback.print_exc(file=sys.stderr)
        where = _error_log(ctx.obj if ctx is not None else None, given, exc)
        cmd = shlex.join(["msp", *([] if {"-v", "--verbose"} & set(given) else ["-v"]), *given])
        print(
            f"internal error ({type(exc).__name__}): this is a bug in msp-analysis; "
            + (
                f"its traceback is in {where}: please report it with that file"
                if where
                else f"please report it with the output of `{cmd}`"
            ),
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def _error_log(args: SimpleNamespace | None, given: list[str], exc: BaseException) -> Path | None:
    """Write an internal error's traceback, with the command and versions, to
    ``msp-error-<time>.log`` in the folder the command writes to (``--out``, ``--dest``, the
    processed folder for ``msp data``, else the temporary folder); its path, or None when it
    could not be written. ``args`` are the command's (None when it never started)."""
    import platform
    import tempfile
    from datetime import datetime

    from msp_analysis import __version__

    folder = getattr(args, "out", None) or getattr(args, "dest", None)
    if folder is None and getattr(args, "command", None) == "data":
        folder = config.processed_dir()
    folder = Path(folder) if folder else Path(tempfile.gettempdir())
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    text = (
        f"msp {shlex.join(given)}\nmsp-analysis {__version__}, Python {platform.python_version()}, "
        f"{platform.platform()}\n\n"
        + "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    )
    for place in (folder, Path(tempfile.gettempdir())):
        path = place / f"msp-error-{stamp}-{os.getpid()}.log"
        try:
            place.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return path
        except OSError:
            continue
    return None


def _quiet_stdout() -> None:
    """Point stdout at the null device, so the interpreter's last flush into a closed pipe
    raises nothing either (Python's documented way to end quietly on SIGPIPE)."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout is no real file (a test capture)
        pass


def _notebook_failed(exc: BaseException) -> bool:
    """papermill's error for a notebook cell that raised (its own error names the cell)."""
    return type(exc).__name__ == "PapermillExecutionError" or type(exc).__name__ == (
        "CellExecutionError"
    )


def _one_line(exc: BaseException) -> str:
    """The error's message on one line, without machine paths of temporary folders."""
    if _notebook_failed(exc):
        ename = getattr(exc, "ename", "")
        evalue = getattr(exc, "evalue", "") or str(exc).strip().splitlines()[-1]
        return f"the plan notebook failed: {ename}: {evalue}".strip()
    if isinstance(exc, OSError) and exc.strerror:
        name = f": {str(exc.filename)[:120]}" if exc.filename else ""
        return f"{exc.strerror}{name}"
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


if __name__ == "__main__":
    sys.exit(main())
