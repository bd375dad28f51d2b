"""Reading and checking the council's local evidence, from a workbook or a YAML file.

Both readers give raw entries, each field with the words that say where it is (sheet, row and
column in a workbook; the key in YAML). :func:`check` then finds every problem before it
reports any: a field of the wrong type, a unit the measure cannot take in its market (a home
care fee per week), a value out of range, a date in the future, a council code that is not a
council's, a file for another council, or a template with no figures. Each problem is one line,
and entries are counted as a person counts them (the first figure in YAML is ``figures[1]``; a
workbook row is the row number Excel shows).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from msp_analysis.configs import problem_text
from msp_analysis.errors import EvidenceError
from msp_analysis.indicators.evidence_workbook import Entries, read_entries
from msp_analysis.indicators.local import Figure, LocalEvidence, figure_problems

#: at most this many problems are listed (then how many more)
MAX_PROBLEMS = 40
WORKBOOK_SUFFIXES = {".xlsx", ".xlsm"}
YAML_SUFFIXES = {".yml", ".yaml"}


def load(path: str | Path, la_code: str | None, *, allow_empty: bool = False) -> LocalEvidence:
    """The evidence in ``path`` (a workbook or YAML), every problem reported at once.

    Raises:
        EvidenceError: one line per problem (the file for another council comes first).
    """
    p = Path(path)
    if not p.exists():
        raise EvidenceError([f"local evidence file '{p}' does not exist"])
    if p.is_dir():
        raise EvidenceError([f"local evidence file '{p}' is a folder, not a workbook or YAML file"])
    suffix = p.suffix.lower()
    if suffix in WORKBOOK_SUFFIXES:
        entries = read_entries(p)
    elif suffix in YAML_SUFFIXES:
        entries = read_yaml_entries(p)
    elif suffix in {".xls", ".ods", ".csv"}:
        raise EvidenceError(
            [
                f"{p.name}: save it as an Excel workbook (.xlsx) and pass that (`msp evidence template` writes one)"
            ]
        )
    else:
        raise EvidenceError([f"{p.name}: give an evidence workbook (.xlsx) or a YAML file (.yml)"])
    return check(entries, la_code, allow_empty=allow_empty)


def read_yaml_entries(path: Path) -> Entries:
    """A YAML evidence file read into raw entries (key names as locators)."""
    import yaml

    name = path.name
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise EvidenceError([f"{name}: not UTF-8 text"]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f", line {mark.line + 1}" if mark is not None else ""
        raise EvidenceError([f"{name}{at}: not valid YAML"]) from None
    if not isinstance(doc, dict):
        raise EvidenceError(
            [f"{name}: not a local evidence file (expected keys name, la_code, figures)"]
        )
    entries = Entries(
        file=name,
        header={k: v for k, v in doc.items() if k != "figures"},
        header_where=lambda key: f"{name}, key '{key}'",
        kind="YAML file",
        empty_hint="'figures' is empty, as in the template",
    )
    figures = doc.get("figures") or []
    if not isinstance(figures, list):
        entries.problems.append(f"{name}, key 'figures': a list of figures is expected")
        return entries
    for i, raw in enumerate(figures, start=1):

        def where(key: str, i: int = i) -> str:
            return f"{name}, key 'figures[{i}].{key}'" if key else f"{name}, key 'figures[{i}]'"

        if not isinstance(raw, dict):
            entries.problems.append(
                f"{where('')}: a figure is a mapping of market, measure, value, unit, period, "
                "source and date"
            )
            continue
        entries.figures.append((raw, where))
    return entries


def check(entries: Entries, la_code: str | None, *, allow_empty: bool = False) -> LocalEvidence:
    """Every problem in ``entries``, or the evidence they hold.

    Raises:
        EvidenceError: the problems, one a line.
    """
    from msp_analysis import geography

    problems = list(entries.problems)
    header = dict(entries.header)
    header.setdefault("name", Path(entries.file).stem)
    code = header.get("la_code")
    council_line: str | None = None
    if code is not None:
        code = str(code).strip().upper()
        header["la_code"] = code
        if not geography.COUNCIL_CODE.match(code) or geography.council_name(code) is None:
            problems.insert(
                0,
                f"{entries.header_where('la_code')}: '{code}' is not a council's ONS code "
                "(`msp councils` lists them)",
            )
        elif la_code and code != la_code:
            theirs, ours = _council(code, geography), _council(la_code, geography)
            council_line = (
                f"{entries.header_where('la_code')}: this {entries.kind} holds the figures of "
                f"{theirs}, not {ours}: pass "
                f"{geography.council_name(la_code) or la_code}'s own evidence"
            )
    try:
        evidence = LocalEvidence.model_validate({**header, "figures": []})
    except ValidationError as exc:
        for e in exc.errors():
            key = str(e["loc"][0]) if e["loc"] else "name"
            problems.append(f"{entries.header_where(key)}: {problem_text(e)}")
        evidence = None
    figures: list[Figure] = []
    for raw, where in entries.figures:
        try:
            figure = Figure.model_validate(raw)
        except ValidationError as exc:
            for e in exc.errors():
                key = str(e["loc"][0]) if e["loc"] else ""
                problems.append(f"{where(key)}: {_figure_error(e)}")
            continue
        for key, text in figure_problems(figure):
            problems.append(f"{where(key)}: {text}")
        figures.append(figure)
    if council_line:
        problems.insert(0, council_line)
    if problems:
        raise EvidenceError(_capped(problems))
    if not figures and not allow_empty:
        raise EvidenceError(
            [
                f"{entries.file}: no figures filled in ({entries.empty_hint}): fill in the "
                "figures you hold, or leave out --evidence"
            ]
        )
    assert evidence is not None
    return evidence.model_copy(update={"figures": figures})


def _council(code: str, geography) -> str:
    return f"{geography.council_name(code) or code} ({code})"


def _figure_error(e: Any) -> str:
    """A figure field's problem in words (the choices named for a market or measure)."""
    from msp_analysis.indicators.local import MARKETS, MEASURES

    key = str(e["loc"][0]) if e["loc"] else ""
    given = e.get("input")
    if e["type"] == "literal_error" and key in ("market", "measure"):
        choices = ", ".join(MARKETS if key == "market" else MEASURES)
        return f"'{given}' is not a {key} (one of {choices})"
    if key == "date" and e["type"].startswith(("date", "datetime")):
        return f"'{given}' is not a date: write it as YYYY-MM-DD"
    if key == "value" and e["type"].startswith(("float", "int")):
        return f"'{given}' is not a number"
    return problem_text(e)


def _capped(problems: list[str]) -> list[str]:
    if len(problems) <= MAX_PROBLEMS:
        return problems
    return [*problems[:MAX_PROBLEMS], f"... and {len(problems) - MAX_PROBLEMS} more problems"]
