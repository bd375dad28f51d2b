"""Out-of-area placements: no public per-council series is in the package; said plainly."""

from __future__ import annotations

from msp_analysis.indicators.base import Provides
from msp_analysis.tables import MissingSource, Tables

PROVIDES = [Provides("specialist", "out_of_area_placements", "people", "council's own records")]


def out_of_area(tables: Tables):
    raise MissingSource(
        "no public per-council series of out-of-area placements exists in the published returns loaded; "
        "add the council's own count (e.g. placements outside the council area at year end)"
    )


GROUPS = [(out_of_area, PROVIDES)]
