"""The care markets of a Market Sustainability Plan, declared once.

The DHSC template's markets (65+ care homes, 18+ home care) and the specialist markets councils
add, in plan order, with the words the plan uses for each. ``all`` holds council-wide figures:
they describe every market at once and are shown once, never copied into each market.

Everything that names a market (indicator declarations, risk rules, the local evidence and
actions files, the plan's tables) takes :data:`Market` and :data:`MARKETS` from here.
"""

from __future__ import annotations

from typing import Literal, get_args

Market = Literal[
    "care_home_65",
    "home_care_18",
    "supported_living",
    "learning_disability",
    "mental_health",
    "autism",
    "other_community",
    "all",
]

#: Each market's title in the plan, in plan order.
MARKETS: dict[str, str] = {
    "care_home_65": "65+ care homes (residential and nursing)",
    "home_care_18": "18+ home care",
    "supported_living": "Supported living",
    "learning_disability": "Learning disability",
    "mental_health": "Mental health",
    "autism": "Autism",
    "other_community": "Day care, extra care and Shared Lives",
    "all": "Across all markets",
}

#: Short names for table columns and headers.
SHORT_NAMES: dict[str, str] = {
    "care_home_65": "65+ care homes",
    "home_care_18": "18+ home care",
    "supported_living": "Supported living",
    "learning_disability": "Learning disability",
    "mental_health": "Mental health",
    "autism": "Autism",
    "other_community": "Day care, extra care, Shared Lives",
    "all": "Council-wide",
}

#: Each market's name inside a sentence ('limited capacity (65+ care homes, learning disability)').
IN_PROSE: dict[str, str] = {
    "care_home_65": "65+ care homes",
    "home_care_18": "18+ home care",
    "supported_living": "supported living",
    "learning_disability": "learning disability",
    "mental_health": "mental health",
    "autism": "autism",
    "other_community": "day care, extra care and Shared Lives",
    "all": "the council as a whole",
}

#: The markets DHSC's risks are tested in (council-wide figures are tested once, on their own).
TESTED_MARKETS: list[str] = [m for m in MARKETS if m != "all"]

if not set(get_args(Market)) == set(MARKETS) == set(SHORT_NAMES) == set(IN_PROSE):
    raise RuntimeError("indicators.markets: the market declarations name different markets")
