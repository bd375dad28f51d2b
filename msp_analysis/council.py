"""A council, resolved once from its ONS code and passed down.

A plan is about one council, and many parts of it need more than its code: the name on the
cover and in every sentence, its region for the benchmarks, its type for the national report,
and, for a council created since 2019, which councils' returns make up its history.
:func:`council_of` looks all of that up once (in :mod:`msp_analysis.geography`'s council list
and boundary changes) and returns a small frozen :class:`Council` that ``plan.draft`` hands to
each section instead of each section turning the code back into a name.

This module imports no pandas, so the package's front door (``from msp_analysis import
Council``) stays light; the geography tables are read the first time a council is resolved.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Council:
    """One council (or a region or England, for look-ups that need a name): what the package
    knows of it from its council list and the 2019-2023 boundary changes."""

    #: ONS code, e.g. ``E06000054``
    code: str
    #: published name (``Wiltshire``); the code itself when the code is not one the package knows
    name: str
    #: region's ONS code and name (None for England, a region, or an unknown code)
    region_code: str | None = None
    region: str | None = None
    #: 'Unitary Authority', 'County', 'Metropolitan District', 'London Borough' (None if unknown)
    la_type: str | None = None
    #: 'current' (a council of today), 'predecessor' (abolished since 2019), 'demo' (a fictional
    #: DEMO council), 'area' (England or a region) or 'unknown'
    status: str = "unknown"
    #: codes of the councils it was made from (its boundary changes since 2019)
    predecessors: tuple[str, ...] = ()
    #: councils of today that took it over (itself when it exists today)
    successors: tuple[str, ...] = ()
    #: for a council created since 2019, how its history is made from a former council's
    #: returns (:func:`msp_analysis.geography.history_statement`); None otherwise
    history: str | None = None

    @property
    def known(self) -> bool:
        """True when the code is a council, region or England the package knows."""
        return self.status != "unknown"

    @property
    def demo(self) -> bool:
        """True for one of the fictional DEMO councils."""
        return self.status == "demo"

    @property
    def label(self) -> str:
        """Name and code, as messages name a council: 'Wiltshire (E06000054)'."""
        return f"{self.name} ({self.code})" if self.name != self.code else self.code


def council_of(code: str | Council) -> Council:
    """The :class:`Council` for an ONS code (a Council is returned as it is).

    Looked up once per code and process. Any code is accepted: one the package does not know
    comes back with its code as its name and ``known`` False, so a caller that must refuse it
    (``msp report --la``) does so with its own message.
    """
    if isinstance(code, Council):
        return code
    return _council_of(str(code))


@lru_cache(maxsize=256)
def _council_of(code: str) -> Council:
    from msp_analysis import geography  # pandas, loaded only when a council is first resolved

    name = geography.council_name(code)
    if name is None:
        return Council(code=code, name=code)
    if code == geography.ENGLAND_CODE or code in geography.REGIONS:
        return Council(code=code, name=name, status="area")
    table = geography.councils(status=None)
    row = table[table["la_code"] == code].iloc[0]
    region_code = geography.region_of(code) or None
    return Council(
        code=code,
        name=name,
        region_code=region_code,
        region=geography.REGIONS.get(region_code or ""),
        la_type=str(row["la_type"]) or None,
        status=str(row["status"]),
        predecessors=tuple(geography.predecessors(code)["predecessor_code"]),
        successors=tuple(geography.successors(code)),
        history=geography.history_statement(code),
    )
