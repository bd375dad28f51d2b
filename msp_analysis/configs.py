"""Settings files declared as pydantic models: the model is the schema and the documentation.

Every YAML file a user may edit (risk thresholds, Section 3 actions, scenarios, local evidence)
is described by a model built on :class:`ConfigModel` (unknown keys rejected) and read with
:func:`load_yaml`, which turns any problem into one :class:`~msp_analysis.errors.SettingsError`
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
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue

from msp_analysis.errors import SettingsError

__all__ = [
    "ConfigModel",
    "json_schema",
    "load_yaml",
    "settings_models",
    "validate",
    "write_schemas",
]


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
# "str", "date", "list[...]", "literal[...]", a model's CamelCase name), and "[key]" to an
# error in a mapping's key; the key a person wrote has none of them.
_UNION_MEMBER = re.compile(r"^([a-z]+(\[.*\])?|[A-Z]\w*(\[.*\])?|function-\w+\[.*\])$")
_TYPE_NAMES = {
    *("int", "float", "str", "bool", "date", "datetime", "none", "list", "dict", "literal"),
    "union",
    "nullable",
}


def _model_names() -> set[str]:
    """Names of every settings model (pydantic tags a union member with its model's name)."""
    names, todo = set(), [ConfigModel]
    while todo:
        cls = todo.pop()
        names.add(cls.__name__.split("[")[0])
        todo.extend(cls.__subclasses__())
    return names


def _is_member_tag(part: int | str) -> bool:
    if part == "[key]":
        return True
    if not isinstance(part, str) or not _UNION_MEMBER.match(part):
        return False
    head = part.split("[")[0]
    return head in _TYPE_NAMES or head in _model_names() or part.startswith("function-")


def describe(exc: ValidationError, name: str) -> str:
    """Every validation problem, naming the file and key, on one line ('; ' between problems).

    Errors from the members of a union (``int | float``) are merged into one per key.
    """
    problems: dict[str, list[str]] = {}
    for e in exc.errors():
        loc = tuple(p for p in e["loc"] if not _is_member_tag(p))
        text = problem_text(e)
        found = problems.setdefault(_key(loc), [])
        if text not in found:
            found.append(text)
    return "; ".join(f"{name}, key '{key}': {' or '.join(t)}" for key, t in problems.items())


def validate(doc: Any, model: type[M], name: str) -> M:
    """A parsed document as ``model``; problems become one SettingsError naming ``name`` and keys."""
    try:
        return model.model_validate(doc)
    except ValidationError as exc:
        raise SettingsError(describe(exc, name)) from None


def load_yaml(path: str | Path, model: type[M]) -> M:
    """Read a YAML settings file into ``model``; any problem is one error naming file and key.

    Raises:
        FileNotFoundError: the file does not exist.
        SettingsError: the YAML does not parse, or does not match the model.
    """
    p = Path(path)
    try:
        doc = yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise SettingsError(f"{p.name}{where}: not valid YAML ({problem})") from None
    return validate(doc, model, p.name)


class _SettingsSchema(GenerateJsonSchema):
    """Text fields also take a number, as the models do (``version: 1`` is read as '1')."""

    def str_schema(self, schema: Any) -> JsonSchemaValue:
        out = super().str_schema(schema)
        out["type"] = ["string", "number"]
        return out


def json_schema(model: type[BaseModel]) -> str:
    """The model's JSON Schema as indented text (for editors and documentation)."""
    schema = model.model_json_schema(schema_generator=_SettingsSchema)
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def settings_models() -> dict[str, type[BaseModel]]:
    """Every settings file a user may edit, by file kind, and the model that checks it."""
    from msp_analysis.forecast.scenarios import ScenarioFile
    from msp_analysis.indicators.local import LocalEvidence
    from msp_analysis.indicators.risk import RiskThresholds
    from msp_analysis.narrative.markets import ActionsFile

    return {
        "scenario": ScenarioFile,
        "local_evidence": LocalEvidence,
        "risk_thresholds": RiskThresholds,
        "actions": ActionsFile,
    }


def write_schemas(out_dir: str | Path) -> list[Path]:
    """``<kind>.schema.json`` for every settings file into ``out_dir`` (made if missing)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for kind, model in settings_models().items():
        path = out / f"{kind}.schema.json"
        path.write_text(json_schema(model), encoding="utf-8")
        paths.append(path)
    return paths
