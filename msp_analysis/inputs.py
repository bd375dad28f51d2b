"""Checks on what a user typed, run before any table is loaded or kernel started.

Each function returns the clean value or raises :class:`~msp_analysis.errors.UsageError`
(or :class:`~msp_analysis.errors.SettingsError` for a settings file) with one line
saying what is wrong and what to pass instead. They are cheap (the council list is a
small package CSV), so a mistake is answered in well under two seconds.
"""

from __future__ import annotations

import difflib
import logging
import math
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from msp_analysis.errors import MspError, SettingsError, UsageError
from msp_analysis.years import financial_year

log = logging.getLogger(__name__)


def _geo():
    """msp_analysis.geography, imported on first use (it loads pandas; `msp data` may not need it)."""
    from msp_analysis import geography

    return geography


HORIZON_RANGE = (1, 10)
_CODE_LIKE = re.compile(r"^[eE]\d{8}$")


def _council_rows(include_demo: bool):
    c = _geo().councils(status=None)
    if not include_demo:
        c = c[c["status"] != "demo"]
    return c


def resolve_council(value: object, *, include_demo: bool = True, option: str = "--la") -> str:
    """The ONS code for what the user typed: a code in any case, a name, or a unique prefix.

    ``e06000054``, ``Wiltshire``, ``wilts`` all give ``E06000054``. A name that matches
    several councils lists them; a near miss suggests the closest names (difflib). Messages
    name ``option``, the option the value was given with (``--la``, ``--la-list``).

    Raises:
        UsageError: not a council, with the closest matches and how to list every council.
    """
    text = str(value if value is not None else "").strip()
    if not text:
        raise UsageError(f"{option}: give a council's ONS code or name (`msp councils` lists them)")
    rows = _council_rows(include_demo)
    codes = dict(zip(rows["la_code"], rows["la_name"]))
    if _CODE_LIKE.match(text):
        code = text.upper()
        if code in codes:
            return _not_abolished(code)
        if code == _geo().ENGLAND_CODE or code in _geo().REGIONS:
            raise UsageError(
                f"{option} {text}: {_geo().council_name(code)} is not a council; "
                "give one council's code (`msp councils` lists them)"
            )
        raise UsageError(
            f"{option} {text}: no council has this ONS code (`msp councils --all` lists every code)"
        )
    if not re.fullmatch(r"[A-Za-z0-9 ,.'&()\-]{1,80}", text):
        raise UsageError(
            f"{option} {text[:40]!r}: not a council code or name (`msp councils` lists them)"
        )
    by_name = _geo().code_for_name(text)
    if by_name and by_name in codes:
        return _not_abolished(by_name)
    lowered = text.lower()
    current = rows[rows["status"] != "predecessor"]
    exact = [c for c, n in zip(current["la_code"], current["la_name"]) if n.lower() == lowered]
    if len(exact) == 1:
        return exact[0]
    prefix = [
        (c, n)
        for c, n in zip(current["la_code"], current["la_name"])
        if n.lower().startswith(lowered)
    ]
    if len(prefix) == 1:
        return prefix[0][0]
    if len(prefix) > 1:
        listing = ", ".join(f"{n} ({c})" for c, n in prefix[:8])
        more = f" and {len(prefix) - 8} more" if len(prefix) > 8 else ""
        raise UsageError(f"{option} {text!r} matches {len(prefix)} councils: {listing}{more}")
    names = {n.lower(): (c, n) for c, n in zip(current["la_code"], current["la_name"])}
    close = difflib.get_close_matches(lowered, list(names), n=3, cutoff=0.6)
    hint = (
        "; did you mean " + " or ".join(f"{names[k][1]} ({names[k][0]})" for k in close) + "?"
        if close
        else " (`msp councils` lists them)"
    )
    raise UsageError(f"{option} {text!r} is not a council this tool knows{hint}")


def _not_abolished(code: str) -> str:
    """The code of a council of today; an abolished council's is refused, naming the
    councils that took over its area (whose plans use its returns for the years before).

    Raises:
        UsageError: ``code`` is a council abolished in a boundary change.
    """
    if _geo().is_abolished(code):
        raise UsageError(f"--la {code}: {_geo().abolished_message(code)}")
    return code


def check_horizon(value: int) -> int:
    """Forecast horizon in whole years, 1 to 10."""
    lo, hi = HORIZON_RANGE
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise UsageError(f"--horizon {value}: must be a whole number of years from {lo} to {hi}")
    return value


def check_raw_dir(value: str | Path) -> Path:
    """A folder that exists and holds at least one file (readers check the files themselves)."""
    from msp_analysis import store

    p = Path(value)
    if not _exists(p, "--raw"):
        raise UsageError(f"--raw {value}: no such folder")
    if not p.is_dir():
        raise UsageError(
            f"--raw {value}: is a file; give the folder that holds the published files"
        )
    if not store.candidates(p):
        raise UsageError(
            f"--raw {value}: holds no published files (put the downloaded files there, "
            "or run `msp download --dest` into it)"
        )
    return p


def check_out_dir(value: str | Path, option: str = "--out") -> Path:
    """An output folder that is a folder (or does not exist yet), never a file."""
    p = Path(value)
    if _exists(p, option) and not p.is_dir():
        raise UsageError(f"{option} {value}: is a file; give a folder")
    return p


def _exists(p: Path, option: str) -> bool:
    """Path.exists, with the operating system's refusals (name too long, no permission) as UsageError."""
    try:
        return p.exists()
    except OSError as exc:
        raise UsageError(f"{option} {str(p)[:60]}...: {exc.strerror}") from None


def _bad_number(doc: Any, path: str = "") -> str | None:
    """Key path of the first NaN or infinite number in a parsed YAML document, else None."""
    if isinstance(doc, float) and not math.isfinite(doc):
        return path or "(top level)"
    if isinstance(doc, dict):
        for k, v in doc.items():
            hit = _bad_number(v, f"{path}.{k}" if path else str(k))
            if hit:
                return hit
    if isinstance(doc, list):
        for i, v in enumerate(doc, start=1):  # counted as a person counts: the first is [1]
            hit = _bad_number(v, f"{path}[{i}]")
            if hit:
                return hit
    return None


def check_settings_file(
    value: str | Path, kind: str, loader: Callable[[Path], Any] | None = None
) -> Path:
    """A YAML settings file (scenario, actions, thresholds, catalogue) that exists, parses and validates.

    ``loader`` is the module's own validator; any error it raises becomes one line naming the
    file (its own messages name the key). NaN and infinite numbers are refused here with the key.

    Raises:
        SettingsError: missing, a folder, unreadable, not YAML, NaN/inf, or invalid.
    """
    import yaml

    p = Path(value)
    try:
        found = p.exists()
    except OSError as exc:
        raise SettingsError(f"{kind} file '{str(value)[:60]}': {exc.strerror}") from None
    if not found:
        raise SettingsError(f"{kind} file '{value}' not found")
    if p.is_dir():
        raise SettingsError(f"{kind} file '{value}' is a folder, not a YAML file")
    try:
        doc = yaml.safe_load(p.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise SettingsError(f"{kind} file '{p.name}' is not UTF-8 text") from None
    except OSError as exc:
        raise SettingsError(f"{kind} file '{p.name}' cannot be read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" at line {where.line + 1}" if where is not None else ""
        raise SettingsError(f"{kind} file '{p.name}' is not valid YAML{line}") from None
    bad = _bad_number(doc)
    if bad:
        raise SettingsError(f"{kind} file '{p.name}', key '{bad}': NaN or infinity is not a value")
    if loader is not None:
        try:
            loader(p)
        except MspError:
            raise
        except (TypeError, ValueError, AttributeError, KeyError, IndexError) as exc:
            # the validators check keys one by one; a wrong type deeper in the file
            # (a list where a mapping belongs, a string for a number) surfaces here
            detail = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
            raise SettingsError(
                f"{kind} file '{p.name}': a value has the wrong type ({detail})"
            ) from None
    return p


def check_scenarios(values: Iterable[str] | None) -> list[str] | None:
    """Every ``--scenario`` file validated by the scenario loader."""
    if not values:
        return None
    from msp_analysis.forecast import scenarios

    return [str(check_settings_file(v, "scenario", scenarios.load)) for v in values]


def check_actions(value: str | None) -> str | None:
    """--actions FILE (validated before any kernel starts), or 'example' for the shipped one."""
    if value is None or value == "example":
        return value
    from msp_analysis.narrative.markets import load_actions

    return str(check_settings_file(value, "actions", load_actions))


def check_evidence(value: str | None, la_code: str | None = None) -> str | None:
    """--evidence FILE: the council's local evidence (workbook or YAML), every figure checked
    before any table is loaded or kernel started; for ``la_code`` when given.

    Raises:
        EvidenceError: one line per problem, naming sheet, row and column (or key).
    """
    if value is None:
        return None
    from msp_analysis.indicators.local import load_evidence

    p = Path(value)
    _exists(p, "--evidence")
    load_evidence(p, la_code)
    return str(p)


def evidence_council(value: str | None) -> str | None:
    """The council an evidence file names (its code), or None; used as the default --la."""
    if value is None:
        return None
    from msp_analysis.indicators.local import read_evidence

    return read_evidence(value).la_code


def check_thresholds(value: str | None) -> str | None:
    if value is None:
        return None
    from msp_analysis.indicators.risk import load_thresholds

    return str(check_settings_file(value, "thresholds", load_thresholds))


def not_in_demo(code: str, command: str = "market") -> UsageError:
    """The error for a real council asked of the DEMO data set: says exactly what to pass."""
    name = _geo().council_name(code) or code
    c = _geo().councils(status=None)
    demo_codes = ", ".join(
        f"{n} ({k})" for k, n in zip(c["la_code"], c["la_name"]) if is_demo_council(k)
    )
    return UsageError(
        f"{name} ({code}) is not in the DEMO data set, which is used because data/raw holds no "
        f"published files: pass the folder of published files with --raw DIR (`make {command} "
        f"LA={code} RAW=../shared/data`, or `msp {command} --la {code} --raw ../shared/data`), or "
        f"put the files in data/raw; the DEMO councils are {demo_codes}"
    )


def is_demo_council(code: str) -> bool:
    """True for the fictional councils of the embedded DEMO data set."""
    c = _geo().councils(status=None)
    return bool((c.loc[c["la_code"] == code, "status"] == "demo").any())


def data_years(processed_dir: Path, table: str = "salt") -> dict[str, set[int]]:
    """Councils and the years they have rows for in one processed table (cheap: two columns)."""
    import pandas as pd

    path = processed_dir / f"{table}.parquet"
    if not path.exists():
        return {}
    frame = pd.read_parquet(path, columns=["la_code", "year"])
    return {k: set(v) for k, v in frame.groupby("la_code", observed=True)["year"].unique().items()}


def check_in_data(
    code: str, processed_dir: Path, *, demo: bool, table: str = "salt", command: str = "market"
) -> str:
    """The council has rows in ``table`` of the processed data, or a clear error saying what exists.

    A council created after the data's year (Cumberland or North Yorkshire with 2021-22
    returns) is in the data through the council(s) it was made from: their returns are its
    history (:func:`msp_analysis.geography.history_statement` says how in its plan). A real
    council asked of the DEMO data is told to pass the folder of published files.
    """
    years = data_years(processed_dir, table)
    if code in years:
        return code
    name = _geo().council_name(code) or code
    if demo:
        raise not_in_demo(code, command)
    span = sorted({y for ys in years.values() for y in ys})
    label = f"{financial_year(span[0])} to {financial_year(span[-1])}" if span else "none"
    pred = _geo().predecessors(code)
    olds = [r.predecessor_name for r in pred.itertuples() if r.predecessor_code in years]
    if olds:
        log.info(
            "%s (%s): the loaded %s data (%s) is %s's returns, made before %s was created",
            name,
            code,
            table.upper(),
            label,
            " and ".join(olds),
            name,
        )
        return code
    if is_demo_council(code):
        raise UsageError(
            f"{name} ({code}) is a DEMO council but the data are published files: "
            "leave out --raw to use the DEMO data set"
        )
    log.warning(
        "%s (%s) has no rows in the loaded %s data (%s): it may not have submitted that "
        "year's return; the outputs will say what is missing",
        name,
        code,
        table.upper(),
        label,
    )
    return code
