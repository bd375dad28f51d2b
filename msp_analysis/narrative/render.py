"""Jinja2 environment for the plan: StrictUndefined, and filters that format, never calculate.

Filters: ``number`` (thousands separators, sensible decimals), ``percent``, ``whole_percent``, ``money``
(£, with m/bn for large sums), ``change`` ("up 4.8%", "down 2.0%", "unchanged"), ``nobreak``
(a year label or figure kept on one line), ``unit_words`` ('£ per week' -> 'a week'),
``direction`` ("rises" / "falls" / "is unchanged"), ``missing`` (plain words for a
missing value) and ``upper_first`` (a capital first letter that keeps the others: "Shared
Lives" stays, where Jinja's ``capitalize`` would lower it). Templates hold words and
structure; every number arrives in the facts.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import jinja2

from msp_analysis import resources


def _nan(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def number(v, unit: str = "", digits: int | None = None) -> str:
    if _nan(v):
        return "not available"
    if unit == "£ million":
        return f"£{v:,.1f}m"
    if unit.startswith("£"):
        return money(v) if digits is None else f"£{v:,.{digits}f}"
    if unit.startswith("%"):
        return f"{v:,.{1 if digits is None else digits}f}%"
    if digits is None and (isinstance(v, int) or (isinstance(v, float) and v.is_integer())):
        return f"{int(v):,}"  # a count: no decimals
    d = digits if digits is not None else (0 if abs(v) >= 100 else 1)
    return f"{v:,.{d}f}"


def percent(v, digits: int = 1) -> str:
    return "not available" if _nan(v) else f"{v:.{digits}f}%"


def whole_percent(v) -> str:
    return percent(v, 0)


def money(v) -> str:
    if _nan(v):
        return "not available"
    a = abs(v)
    if a >= 1e9:
        return f"£{v / 1e9:,.2f}bn"
    if a >= 1e6:
        return f"£{v / 1e6:,.1f}m"
    return f"£{v:,.0f}" if a >= 100 else f"£{v:,.2f}"


def money_among(values) -> list[str]:
    """Amounts said in one sentence, in one unit: all in £m with one decimal when the largest
    is £1m or more (so '+£0.1m' sits beside '+£12.2m', not '+£127,303'; two decimals below
    £0.05m: '+£0.04m'), else each as :func:`money` says it."""
    amounts = [abs(v) for v in values if not _nan(v)]
    if not amounts or max(amounts) < 1e6:
        return [money(v) for v in values]
    return [
        money(v) if _nan(v) or abs(v) >= 1e9 else f"£{v / 1e6:,.{2 if abs(v) < 0.05e6 else 1}f}m"
        for v in values
    ]


def change(v, tolerance: float = 0.05) -> str:
    if _nan(v):
        return "with no earlier year to compare"
    if abs(v) < tolerance:
        return "unchanged on the year before"
    return f"{'up' if v > 0 else 'down'} {abs(v):.1f}% on the year before"


def direction(v, tolerance: float = 0.05) -> str:
    if _nan(v):
        return "cannot be projected"
    if abs(v) < tolerance:
        return "is unchanged"
    return "rises" if v > 0 else "falls"


def movement(v, tolerance: float = 0.05) -> str:
    """'rises 4.8%', 'falls 2.0%' or 'is unchanged'."""
    if _nan(v):
        return "cannot be projected"
    if abs(v) < tolerance:
        return "is unchanged"
    return f"{'rises' if v > 0 else 'falls'} {abs(v):.1f}%"


def upper_first(text) -> str:
    """The first letter upper case, the rest as written ('weekly costs of Shared Lives' ->
    'Weekly costs of Shared Lives')."""
    text = str(text)
    return text[:1].upper() + text[1:]


def nobreak(text) -> str:
    """Text whose hyphens never break a line ('2021-22' stays whole in a narrow table cell;
    'mid-2021 to mid-2026' may still wrap at its spaces)."""
    return re.sub(r"(?<=\w)-(?=\w)", "\u2011", str(text))


def file_name(name) -> str:
    """A file name that may wrap after its underscores (a zero-width space after each), never
    inside a word: 'ons_ashe_2020_table8_7a_...' in a narrow column."""
    return str(name).replace("_", "_\u200b")


def unit_words(unit) -> str:
    """A unit said after a figure: '£ per week' -> 'a week' (so '£780 a week', never '£780
    £ per week'); a percentage says nothing more; other units as they are."""
    unit = str(unit or "")
    if unit.startswith("%"):
        return ""
    if unit.startswith("£ per "):
        rest = unit.removeprefix("£ per ")
        return ("an " if rest[:1] in "aeiou" or rest.startswith("hour") else "a ") + rest
    return unit


def counted(n, noun: str) -> str:
    """A count with its noun agreeing: '1 figure', '9 figures', '1,204 figures'."""
    return f"{number(n)} {noun}{'' if n == 1 else 's'}"


def environment(template_dir: str | Path | None = None) -> jinja2.Environment:
    """The plan's Jinja2 environment over ``template_dir``, else the user's and shipped templates.

    Without ``template_dir`` a template in ``$MSP_TEMPLATES_DIR/narrative`` replaces the shipped
    one of the same name (``msp_analysis.resources``).
    """
    folders = [Path(template_dir)] if template_dir else resources.template_dirs()
    return _environment(folders, autoescape=False)


def html_environment(folder: str, *, keep_trailing_newline: bool = True) -> jinja2.Environment:
    """The Jinja2 environment of one of the package's HTML pages (the batch's index, the national
    report): the shipped templates in ``templates/<folder>``, every value escaped as HTML, with
    the plan's filters (a page adds its own to ``env.filters``)."""
    return _environment(
        [resources.packaged("templates", folder)],
        autoescape=True,
        keep_trailing_newline=keep_trailing_newline,
    )


def _environment(
    folders: list[Path], *, autoescape: bool, keep_trailing_newline: bool = True
) -> jinja2.Environment:
    """Every template of the package is read the same way: unknown names are errors
    (StrictUndefined), block tags leave no blank lines, figures are formatted by the filters."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(f) for f in folders]),
        undefined=jinja2.StrictUndefined,
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=keep_trailing_newline,
    )
    env.filters.update(
        number=number,
        percent=percent,
        money=money,
        change=change,
        direction=direction,
        movement=movement,
        whole_percent=whole_percent,
        upper_first=upper_first,
        nobreak=nobreak,
        file_name=file_name,
        unit_words=unit_words,
        counted=counted,
    )
    return env


def render(template: str, facts: dict, template_dir: str | Path | None = None) -> str:
    """Render one section template with its facts (Markdown out)."""
    return environment(template_dir).get_template(template).render(**facts)
