"""Financial years, as England's returns label them.

Councils' finance and activity returns (ASC-FR, SALT, MHCLG revenue outturn) cover a
financial year, April to March, labelled by its two calendar years: the year from April 2023
to March 2024 is ``2023-24``. Throughout the package a financial year is held as the
calendar year it starts in (``year = 2023``) and written with :func:`financial_year`.
"""

from __future__ import annotations


def financial_year(start: float | str) -> str:
    """The label of the financial year starting in April of ``start``: 2023 -> '2023-24',
    1999 -> '1999-00' (a whole number given as a float, a NumPy integer or a string of digits is
    taken as it is)."""
    year = int(start)
    if year != float(start):
        raise ValueError(f"{start!r} is not a year")
    return f"{year}-{(year + 1) % 100:02d}"
