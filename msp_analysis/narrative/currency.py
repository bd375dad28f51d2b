"""How current a plan's data are: each source and its latest year for one council, and a
warning where the plan sets figures more than two years apart side by side.

A plan built from the shared files puts SALT and ASC-FR 2021-22 beside ASCOF 2024-25 and
revenue outturn 2023-24; a reader should see that on the first page, not work it out
from the sources list. :func:`data_currency` reads the loaded tables (never the plan's
prose), so the box cannot drift from the figures.

For a council created since a return was made (North Yorkshire, Cumberland ...) the
latest year of that return is its predecessor's, and the box says whose it is.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from msp_analysis import geography
from msp_analysis.council import Council, council_of
from msp_analysis.tables import Tables
from msp_analysis.years import financial_year

#: Sources more than this many years older than the newest are named in the warning.
MAX_GAP_YEARS = 2


@dataclass(frozen=True)
class Source:
    """One source in the box: the processed table, its name as the plan writes it, and how
    its year reads ('financial' 2021-22, 'mid' mid-2021, 'calendar' 2020, 'edition' 2019,
    'based' 2018-based)."""

    table: str
    name: str
    kind: str
    #: rows of the table that belong to this source (column -> value), if not all
    where: tuple[tuple[str, str], ...] = ()
    #: a council created since is built from its parts (population), not its predecessor
    parts_first: bool = False


#: In the order the box lists them (activity and money first, then context).
SOURCES: tuple[Source, ...] = (
    Source("salt", "SALT activity", "financial"),
    Source("ascfr", "ASC-FR spend", "financial"),
    Source("outturn", "revenue outturn", "financial"),
    Source("ascof", "ASCOF outcomes", "financial"),
    Source("workforce", "Skills for Care workforce", "financial"),
    Source(
        "population",
        "population estimates",
        "mid",
        (("estimate", "mid-year estimate"),),
        parts_first=True,
    ),
    Source("population_projections", "population projections", "based", parts_first=True),
    Source("ashe_pay", "ASHE local pay", "calendar"),
    Source("deprivation", "deprivation", "edition"),
)


def _label(kind: str, year: int) -> str:
    return {
        "financial": financial_year(year),
        "mid": f"mid-{year}",
        "calendar": str(year),
        "edition": f"IoD {year}",
        "based": f"{year}-based",
    }[kind]


def _codes_for(
    frame: pd.DataFrame, la_code: str, *, parts_first: bool = False
) -> tuple[pd.DataFrame, str | None]:
    """The rows describing ``la_code`` (its own, the council(s) it was made from, or the
    areas it is built of) and, when not its own, whose they are ("Cumbria's",
    'from its former districts')."""
    own = frame[frame["la_code"] == la_code]
    if len(own):
        return own, None
    if "la_code_current" in frame:  # ASHE, IoD: published codes of the same area as today's
        same = frame[frame["la_code_current"] == la_code]
        if len(same):
            return same, None
    parts = geography.successor_parts()
    parts = parts[parts["successor_code"] == la_code]
    built = frame[frame["la_code"].isin(parts["part_code"])]
    districts = (parts["part_type"] == "district").any()
    built_from = "from its former districts" if districts else None
    if parts_first and len(built):
        return built, built_from
    pred = geography.predecessors(la_code)
    rows = frame[frame["la_code"].isin(pred["predecessor_code"])] if len(pred) else frame[:0]
    if len(rows):  # a renamed council's returns are its own area's: nothing to add
        same = (pred["change"] == "rename").all()
        return rows, None if same else f"{' and '.join(pred['predecessor_name'])}'s"
    return built, (built_from if len(built) else None)


#: the columns :func:`_latest_by_area` reads (those a table has)
_COLUMNS = ("la_code", "la_code_current", "year", "value", "estimate", "provisional")


def _latest_by_area(tables: Tables, source: Source) -> pd.DataFrame:
    """One row per area code in ``source``'s rows with a figure: the latest ``year``,
    whether that year is ``provisional``, and for projections the latest ``based`` year.
    Computed once per data build and stored (the same for every council): a plan then reads
    this small frame, never the whole table (the ASC-FR table alone is about 700 MiB in a
    kernel's memory)."""

    def compute() -> pd.DataFrame:
        frame = tables.columns(source.table, _COLUMNS)
        for col, value in source.where:
            frame = frame[frame[col] == value]
        # every area with rows is kept (a council's own rows with no figure are still its
        # own: they are not replaced by its predecessor's); years count where there is a figure
        has = frame["value"].notna() if "value" in frame else pd.Series(True, index=frame.index)
        keys = [c for c in ("la_code", "la_code_current") if c in frame]
        based = (
            frame["estimate"].astype(str).str.extract(r"(\d{4})-based")[0]
            if "estimate" in frame and source.kind == "based"
            else pd.Series(None, index=frame.index, dtype=object)
        )
        frame = frame[keys].assign(
            year=frame["year"].where(has) if "year" in frame else float("nan"),
            based=pd.to_numeric(based).where(has),
            provisional=(frame["provisional"].astype(bool) if "provisional" in frame else False)
            & has,
        )
        g = frame.groupby(keys, dropna=False, sort=False)
        latest = frame["year"].eq(g["year"].transform("max"))
        frame = frame.assign(provisional=frame["provisional"] & latest)
        g = frame.groupby(keys, dropna=False, sort=False)
        return g.agg(
            year=("year", "max"), based=("based", "max"), provisional=("provisional", "any")
        ).reset_index()

    return tables.derived(("latest_by_area", source.table, source.where), compute)


def _latest(tables: Tables, source: Source, la_code: str) -> dict | None:
    if not tables.has(source.table):
        return None
    areas = _latest_by_area(tables, source)
    rows, whose = _codes_for(areas, la_code, parts_first=source.parts_first)
    if rows.empty or rows["year"].isna().all():
        return None
    if source.kind == "based":
        if rows["based"].isna().all():
            return None
        year = int(rows["based"].max())
    else:
        year = int(rows["year"].max())
    label = _label(source.kind, year)
    if bool(rows.loc[rows["year"] == year, "provisional"].any()):
        label += " (provisional)"
    return {
        "source": source.name,
        "table": source.table,
        "year": year,
        "latest": label,
        "whose": whose,
    }


def data_currency(tables: Tables, council: Council | str) -> dict:
    """Each loaded source's latest year for one council, and a warning where the sources are
    more than :data:`MAX_GAP_YEARS` years apart.

    Returns:
        ``sources``: list of dicts (``source``, ``latest`` label, ``year``, ``whose``:
        "Cumbria's" or 'from its former districts' where the figures are not the
        council's own, else None); ``newest``: the newest source
        (dict) or None; ``older``: sources more than two years older than the newest;
        ``warning``: one sentence naming them, or None; ``history``: for a council
        created since its returns were made, how its history is built
        (:func:`msp_analysis.geography.history_statement`), else None.
    """
    council = council_of(council)
    found = [s for s in (_latest(tables, src, council.code) for src in SOURCES) if s is not None]
    newest = max(found, key=lambda s: s["year"]) if found else None
    older = [s for s in found if newest and newest["year"] - s["year"] > MAX_GAP_YEARS]
    warning = None
    if newest and older:
        names = [s["source"] for s in older]
        listing = ", ".join(names[:-1]) + (" and " if len(names) > 1 else "") + names[-1]
        warning = (
            f"{listing[0].upper()}{listing[1:]} {'is' if len(older) == 1 else 'are'} more than "
            f"{MAX_GAP_YEARS} years older than {newest['source']} {newest['latest']}: compare "
            "figures of different years with care, and load newer releases when they are "
            "published (`msp download`)."
        )
    history = None if tables.demo else council.history
    return {
        "sources": found,
        "newest": newest,
        "older": older,
        "warning": warning,
        "history": history,
    }
