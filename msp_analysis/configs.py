"""Settings files declared as pydantic models: the model is the schema and the documentation.

Every YAML file a user may edit (risk thresholds, Section 3 actions, scenarios, local evidence)
is described by a model built on :class:`ConfigModel` (unknown keys rejected) and read with
:func:`load_yaml`, which turns any problem into one :class:`~msp_analysis.errors.ScenarioError`
naming the file and the key, e.g.::

    risk_thresholds.yml, key 'rules[3].threshold': Input should be a valid number (got 'ten')

``json_schema(Model)`` gives the JSON Schema of a model, for editors and for readers of the docs.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from msp_analysis.errors import ScenarioError

__all__ = ["ConfigModel", "json_schema", "load_yaml", "validate"]


class ConfigModel(BaseModel):
    """Base of every settings model: unknown keys are an error, never silently ignored."""

    # A number where text is expected (version: 1, id: 7) is read as its text.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, coerce_numbers_to_str=True)


M = TypeVar("M", bound=BaseModel)


def _key(loc: tuple[int | str, ...]) -> str:
    """('rules', 2, 'threshold') -> 'rules[3].threshold' (1-based, as a person counts items)."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def _shown(value: Any) -> str | None:
    """A value a person typed, as they would write it; None for a whole mapping or list
    (never a Python repr: no dicts, no ``datetime.date(...)``)."""
    if isinstance(value, dict | list | tuple | set):
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return f"'{value}'" if len(value) <= 80 else f"'{value[:77]}...'"
    if value is None:
        return "nothing"
    return str(value)


def problem_text(err: Any) -> str:
    """One pydantic error in words, with the value that was given where it is a single value."""
    kind = err["type"]
    if kind == "extra_forbidden":
        return "unknown key (not in the schema)"
    if kind == "missing":
        return "required key is missing"
    message = str(err["msg"]).removeprefix("Value error, ")
    if kind in {"model_type", "dict_type", "list_type"}:
        return message
    got = _shown(err.get("input"))
    return f"{message} (got {got})" if got is not None else message


# pydantic adds the member's type to the location of an error inside a union ("int", "float",
# "str", "date", "list[...]", a model's CamelCase name); the key a person wrote has none of them.
_UNION_MEMBER = re.compile(r"^([a-z]+(\[.*\])?|[A-Z]\w*|function-\w+\[.*\])$")
_TYPE_NAMES = {"int", "float", "str", "bool", "date", "datetime", "none", "list", "dict"}


def _is_member_tag(part: int | str) -> bool:
    if not isinstance(part, str) or not _UNION_MEMBER.match(part):
        return False
    return part.split("[")[0] in _TYPE_NAMES or part[0].isupper() or part.startswith("function-")


def describe(exc: ValidationError, name: str) -> str:
    """Every validation problem, naming the file and key, on one line ('; ' between problems).

    Errors from the members of a union (``int | float``) are merged into one per key.
    """
    problems: dict[str, list[str]] = {}
    for e in exc.errors():
        loc = tuple(e["loc"])
        while loc and _is_member_tag(loc[-1]):
            loc = loc[:-1]
        text = problem_text(e)
        found = problems.setdefault(_key(loc), [])
        if text not in found:
            found.append(text)
    return "; ".join(f"{name}, key '{key}': {' or '.join(t)}" for key, t in problems.items())


def validate(doc: Any, model: type[M], name: str) -> M:
    """A parsed document as ``model``; problems become one ScenarioError naming ``name`` and keys."""
    try:
        return model.model_validate(doc)
    except ValidationError as exc:
        raise ScenarioError(describe(exc, name)) from None


def load_yaml(path: str | Path, model: type[M]) -> M:
    """Read a YAML settings file into ``model``; any problem is one error naming file and key.

    Raises:
        FileNotFoundError: the file does not exist.
        ScenarioError: the YAML does not parse, or does not match the model.
    """
    p = Path(path)
    try:
        doc = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(f"{p.name}{where}: not valid YAML ({problem})") from None
    return validate(doc, model, p.name)


def json_schema(model: type[BaseModel]) -> str:
    """The model's JSON Schema as indented text (for editors and documentation)."""
    return json.dumps(model.model_json_schema(), indent=2, sort_keys=True) + "\n"
