"""Markets no public return measures per council: said plainly, with the data that would measure them.

Out-of-area placements, autism (SALT and ASC-FR record a primary support reason, which has no
autism category) and day care or extra care (neither return separates them from other community
support). A council's own figures for these come in through its local evidence file.
"""

from __future__ import annotations

from msp_analysis.indicators.catalogue import computes
from msp_analysis.tables import MissingSource, Tables


@computes("out_of_area_placements")
def out_of_area(tables: Tables):
    raise MissingSource(
        "no published return counts out-of-area placements per council; the council's own count of "
        "people placed outside its area (local evidence) gives it"
    )


@computes("autistic_people_supported")
def autism(tables: Tables):
    raise MissingSource(
        "SALT and ASC-FR record a primary support reason, which has no autism category; the council's "
        "own count of autistic people it supports (local evidence) gives it"
    )


@computes("day_and_extra_care_people")
def day_and_extra_care(tables: Tables):
    raise MissingSource(
        "SALT and ASC-FR do not separate day care or extra care from other community support; the "
        "council's own counts and fees (local evidence) give them"
    )
