"""Councils, regions and the boundary changes of 2019, 2020, 2021 and 2023.

Reference data lives in ``msp_analysis/data/`` as CSV with its source named in
each row:

- ``councils.csv``: the 153 councils with adult social services responsibilities
  (CASSRs) on April-2023 boundaries, plus the predecessor councils that appear in
  older returns (Bournemouth, Poole, Dorset county, Buckinghamshire county,
  Northamptonshire, Cumbria, North Yorkshire county, Somerset county).
- ``boundary_changes.csv``: predecessor -> successor, with the rule a time
  series follows across the change.

England and region rows are never councils: :func:`area_type` tells them apart by
code (``E92`` England, ``E12`` regions, ``E06/E08/E09/E10`` councils).
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

ENGLAND_CODE = "E92000001"
COUNCIL_CODE = re.compile(r"^E(06|08|09|10)\d{6}$")
REGION_CODE = re.compile(r"^E12\d{6}$")

REGIONS: dict[str, str] = {
    "E12000001": "North East",
    "E12000002": "North West",
    "E12000003": "Yorkshire and The Humber",
    "E12000004": "East Midlands",
    "E12000005": "West Midlands",
    "E12000006": "East of England",
    "E12000007": "London",
    "E12000008": "South East",
    "E12000009": "South West",
}


def _data_csv(name: str) -> pd.DataFrame:
    with resources.files("msp_analysis.data").joinpath(name).open("rb") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


@lru_cache(maxsize=1)
def _councils() -> pd.DataFrame:
    # Demo councils (fictional, status 'demo') sit beside the real ones so the same
    # name and region look-ups work on the embedded demo data.
    return pd.concat([_data_csv("councils.csv"), _data_csv("demo_councils.csv")], ignore_index=True)


def councils(status: str | None = "current") -> pd.DataFrame:
    """Council reference table (copy): la_code, la_name, cassr_code, la_type, region, status.

    ``status`` is 'current' (153 councils on April-2023 boundaries), 'predecessor',
    'demo' (the fictional demo councils) or None for all.
    """
    frame = _councils().copy()
    if status is not None:
        frame = frame[frame["status"] == status]
    return frame.reset_index(drop=True)


@lru_cache(maxsize=1)
def boundary_changes() -> pd.DataFrame:
    """Predecessor -> successor table for the 2019-2023 changes."""
    return _data_csv("boundary_changes.csv")


def area_type(codes: pd.Series) -> pd.Series:
    """'england', 'region', 'council' or 'other' for each ONS code."""
    s = codes.astype("string").fillna("")
    # Classify each distinct code once, then spread back (codes repeat on every row):
    # factorize hashes (no sort, no object array); take copies no Python strings.
    inverse, uniq = pd.factorize(s)
    kinds = pd.array([_kind_of(str(u)) for u in uniq], dtype="string")
    return pd.Series(kinds.take(inverse), index=codes.index, dtype="string")


def _kind_of(code: str) -> str:
    if code == ENGLAND_CODE:
        return "england"
    if REGION_CODE.match(code):
        return "region"
    if COUNCIL_CODE.match(code):
        return "council"
    return "other"


def is_current(code: str) -> bool:
    """True for a council that exists on April-2023 boundaries."""
    return code in _current_codes()


@lru_cache(maxsize=1)
def _current_codes() -> frozenset[str]:
    c = _councils()
    return frozenset(c.loc[c["status"] == "current", "la_code"])


def successors(code: str) -> list[str]:
    """Current council(s) that took over ``code`` (itself if it still exists)."""
    if is_current(code):
        return [code]
    bc = boundary_changes()
    nxt = bc.loc[bc["predecessor_code"] == code, "successor_code"].tolist()
    out: list[str] = []
    for n in nxt:
        out.extend(successors(n))
    return out


def predecessors(code: str) -> pd.DataFrame:
    """Rows of :func:`boundary_changes` whose successor is ``code``."""
    bc = boundary_changes()
    return bc[bc["successor_code"] == code].reset_index(drop=True)


def boundary_changes_for(code: str) -> pd.DataFrame:
    """Every boundary change in which ``code`` is predecessor or successor."""
    bc = boundary_changes()
    return bc[(bc["successor_code"] == code) | (bc["predecessor_code"] == code)].reset_index(
        drop=True
    )


@lru_cache(maxsize=1)
def _lookups() -> tuple[dict[str, str], dict[str, str]]:
    c = _councils()
    return dict(zip(c["la_code"], c["la_name"])), dict(zip(c["la_code"], c["region_code"]))


@lru_cache(maxsize=1)
def known_codes() -> frozenset[str]:
    """Every area code the tool knows: councils (current, predecessor and demo), regions, England."""
    return frozenset(_councils()["la_code"]) | frozenset(REGIONS) | {ENGLAND_CODE}


def council_name(code: str) -> str | None:
    """Published name for an ONS code (council, region or England)."""
    if code == ENGLAND_CODE:
        return "England"
    if code in REGIONS:
        return REGIONS[code]
    return _lookups()[0].get(code)


def region_of(code: str) -> str | None:
    """Region code of a council."""
    return _lookups()[1].get(code)


def _name_key(name: str) -> str:
    s = str(name).lower().replace("&", " and ")
    s = re.sub(
        r"\b(council|county|borough|city of|city|metropolitan|district|the|ua|royal)\b", " ", s
    )
    s = re.sub(r"[^a-z]", "", s)
    return s


@lru_cache(maxsize=1)
def _name_index() -> dict[str, str]:
    c = _councils()
    order = c.sort_values("status")  # 'current' before 'predecessor'
    index: dict[str, str] = {}
    for code, name in zip(order["la_code"], order["la_name"]):
        index.setdefault(_name_key(name), code)
    # Names publishers use that differ from the ONS name.
    aliases = {
        "Bristol": "E06000023",
        "Herefordshire": "E06000019",
        "Kingston upon Hull": "E06000010",
        "Hull": "E06000010",
        "Durham": "E06000047",
        "Southend": "E06000033",
        "Bournemouth Christchurch and Poole": "E06000058",
        "BCP": "E06000058",
        "St Helens": "E08000013",
        "Cornwall and Isles of Scilly": "E06000052",
    }
    for alias, code in aliases.items():
        index.setdefault(_name_key(alias), code)
    return index


def code_for_name(name: str) -> str | None:
    """ONS code for a council name as publishers write it ('Lincolnshire' -> 'E10000019').

    Case, '&', 'County Council', 'City of' and punctuation are ignored. Returns None
    when the name is not a council (the caller decides whether that is an error).
    """
    return _name_index().get(_name_key(name))


def codes_for_names(names: pd.Series) -> pd.Series:
    """Vectorised :func:`code_for_name`."""
    uniq = {n: code_for_name(n) for n in names.dropna().unique()}
    return names.map(uniq).astype("string")


def harmonise_to_current(
    frame: pd.DataFrame,
    *,
    keys: list[str],
    value: str = "value",
    weights: pd.Series | None = None,
    as_at: str | None = None,
) -> pd.DataFrame:
    """Put an additive series (counts, money) on April-2023 council boundaries.

    Renamed councils take their successor's code; merged councils are summed into
    their successor; a split council's figure is apportioned to its successors by
    ``weights`` (e.g. population, indexed by successor code) and flagged
    ``estimated``. A merged total is missing if any part is suppressed or missing:
    a sum of published parts never hides a suppressed cell.

    Args:
        frame: tidy frame with ``la_code``, ``value`` and ``suppressed``.
        keys: the other key columns (year, dimensions) that identify a row.
        value: the value column.
        weights: successor code -> weight, needed when the frame holds a split council.
        as_at: apply only changes effective on or before this date ('2021-04-01' keeps
            Cumbria, North Yorkshire and Somerset as the counties they were until 2023).

    Returns:
        New frame with ``la_code`` on current boundaries, ``la_code_published``
        listing the codes it came from, and an ``estimated`` flag.

    Raises:
        ValueError: a split council is present and no weights were given.
    """
    bc = boundary_changes()
    if as_at is not None:
        bc = bc[bc["effective"] <= as_at]
    out = frame.copy()
    if "la_code_published" not in out:
        out["la_code_published"] = out["la_code"]
    out["estimated"] = False
    is_pred = out["la_code"].isin(bc["predecessor_code"])
    keep = out[~is_pred]
    pred = out[is_pred]
    pieces = [keep]
    if len(pred):
        rule = bc.drop_duplicates("predecessor_code").set_index("predecessor_code")
        simple = pred[
            pred["la_code"].map(rule["change"]).isin(["rename", "successor", "merge"])
        ].copy()
        if len(simple):
            simple["la_code"] = simple["la_code"].map(rule["successor_code"])
            agg = (
                simple.groupby(["la_code", *keys], dropna=False, sort=False)
                .agg(
                    **{
                        value: (
                            value,
                            lambda s: s.sum(min_count=len(s)) if s.notna().all() else np.nan,
                        )
                    },
                    suppressed=("suppressed", "any"),
                    la_code_published=("la_code_published", lambda s: "+".join(sorted(set(s)))),
                )
                .reset_index()
            )
            agg["estimated"] = (
                simple.groupby(["la_code", *keys], dropna=False, sort=False).size().values > 1
            )
            pieces.append(agg)
        split = pred[pred["la_code"].map(rule["change"]) == "split"]
        if len(split):
            if weights is None:
                raise ValueError(
                    "frame holds a council that was split ("
                    + ", ".join(sorted(split["la_code"].unique()))
                    + "): pass weights (e.g. population by successor code) to apportion it"
                )
            parts = []
            for pred_code, rows in split.groupby("la_code"):
                succ = bc.loc[bc["predecessor_code"] == pred_code, "successor_code"].tolist()
                w = weights.reindex(succ)
                if w.isna().any():
                    raise ValueError(
                        f"no weight for successor(s) {list(w[w.isna()].index)} of {pred_code}"
                    )
                w = w / w.sum()
                for s_code, share in w.items():
                    part = rows.copy()
                    part["la_code"] = s_code
                    part[value] = part[value] * share
                    part["estimated"] = True
                    parts.append(part)
            pieces.append(pd.concat(parts))
    result = pd.concat(pieces, ignore_index=True)
    names = _councils().set_index("la_code")["la_name"]
    if "la_name" in result:
        result["la_name"] = result["la_code"].map(names).fillna(result["la_name"])
    return result


@lru_cache(maxsize=1)
def successor_parts() -> pd.DataFrame:
    """Today's councils that are exactly a set of older areas, one row per part.

    BCP is Bournemouth + Poole + Christchurch district; Dorset unitary is Dorset
    county's other five districts; North and West Northamptonshire, Cumberland and
    Westmorland and Furness are each a set of whole districts; Buckinghamshire, North
    Yorkshire and Somerset are their counties on the same boundary. A series published
    on older boundaries (population estimates, projections) is put on today's councils
    exactly by summing the parts. Columns: successor_code, successor_name, effective,
    part_code, part_name, part_type (unitary / district / county), source.
    """
    return _data_csv("successor_parts.csv")


def part_district_codes() -> frozenset[str]:
    """District codes (E07) that are parts of a council created since 2019."""
    p = successor_parts()
    return frozenset(p.loc[p["part_type"] == "district", "part_code"])


@lru_cache(maxsize=1)
def district_counties() -> pd.DataFrame:
    """Every district (E07) used since 2015 and the county (E10) it lies in.

    Read from the order of rows in ONS MYE2 workbooks (a county's districts follow its
    row) by ``tools/make_district_counties.py``. Columns: district_code, district_name,
    county_code, county_name, source.
    """
    return _data_csv("district_counties.csv")


def same_area_current(code: str) -> tuple[str | None, str | None]:
    """The council of today covering the same area as ``code``, for figures that cannot be
    added up or split (a median, a rank, an average score), and a note where there is none.

    A current council is itself. A council renamed on the same boundary (North Yorkshire
    and Somerset counties in 2023, Buckinghamshire county in 2020) is its successor; Dorset
    county is taken as Dorset unitary (the same area less Christchurch, about 6% of its
    people), and the note says so. A council merged into another (Bournemouth, Poole) or
    split (Northamptonshire, Cumbria), and a district that is now part of a council, has
    none: the note names the councils of today involved.

    Returns:
        ``(current code or None, note or None)``; ``(None, None)`` for a code that is not
        a council or district this tool knows.
    """
    if is_current(code):
        return code, None
    bc = boundary_changes()
    rows = bc[bc["predecessor_code"] == code]
    if len(rows):
        first = rows.iloc[0]
        name = first["predecessor_name"]
        year = str(first["effective"])[:4]
        succ = [council_name(s) or s for s in rows["successor_code"]]
        if first["change"] == "rename":
            return str(first["successor_code"]), None
        if first["change"] == "successor":
            return str(first["successor_code"]), (
                f"published for {name} county, taken as {succ[0]} (the same area less "
                f"Christchurch since {year})"
                if code == "E10000009"
                else f"published for {name}, taken as its successor {succ[0]} ({year})"
            )
        if first["change"] == "merge":
            return None, (
                f"{name} merged into {succ[0]} in {year}: a median, rank or average of its own "
                "cannot be combined into one for the new council"
            )
        if first["change"] == "split":
            return None, (
                f"{name} was split in {year} into {' and '.join(succ)}: a figure for the "
                "former county cannot be divided between them"
            )
    parts = successor_parts()
    part = parts[(parts["part_code"] == code) & (parts["part_type"] == "district")]
    if len(part):
        p = part.iloc[0]
        return None, (
            f"a district, part of {p['successor_name']} since {str(p['effective'])[:4]}: "
            "its own figure, not the council's"
        )
    return None, None


def non_additive_for(frame: pd.DataFrame, code: str, *, containing: bool = True) -> pd.DataFrame:
    """Rows of a table of non-additive figures (``la_code``, ``year``) that describe the
    current council ``code``, each with the ``basis`` it rests on.

    ``basis`` is 'published' (the council's own code), 'same area' (published under a
    former code of the same area: North Yorkshire and Somerset counties before 2023,
    Buckinghamshire county before 2020), 'approximately the same area' (Dorset county
    for Dorset), or, when ``containing`` is True and nothing else covers a year,
    'former county containing it (not split)': Cumbria's figure for Cumberland or
    Westmorland and Furness, Northamptonshire's for North or West Northamptonshire.
    A council's own rows win over a predecessor's in the same year.
    """
    own = frame[frame["la_code"] == code].assign(basis="published")
    names = {"rename": "same area", "successor": "approximately the same area"}
    bc = boundary_changes()
    pieces = [own]
    for rule, basis in names.items():
        preds = bc.loc[(bc["successor_code"] == code) & (bc["change"] == rule), "predecessor_code"]
        pieces.append(frame[frame["la_code"].isin(preds)].assign(basis=basis))
    if containing:
        preds = bc.loc[
            (bc["successor_code"] == code) & (bc["change"] == "split"), "predecessor_code"
        ]
        pieces.append(
            frame[frame["la_code"].isin(preds)].assign(
                basis="former county containing it (not split)"
            )
        )
    out = pd.concat(pieces, ignore_index=True)
    if out.empty:
        return out
    order = {b: i for i, b in enumerate(["published", *names.values()])}
    rank = out["basis"].map(order).fillna(len(order))
    best = rank.groupby(out["year"]).transform("min")
    return out[rank == best].reset_index(drop=True)


@lru_cache(maxsize=1)
def split_weights() -> pd.Series:
    """Successor code -> its share of a split county's adults (aged 18 and over, ONS mid-2021;
    ``data/split_weights.csv``, built by ``tools/make_split_weights.py`` from the districts
    each successor was made of)."""
    frame = _data_csv("split_weights.csv")
    return frame.set_index("successor_code")["weight"].astype(float)


def is_abolished(code: str) -> bool:
    """True for a council that no longer exists (a predecessor in :func:`boundary_changes`)."""
    return code in set(boundary_changes()["predecessor_code"]) and not is_current(code)


def abolished_message(code: str) -> str:
    """What to say when someone asks for an abolished council: when it went and which
    councils of today took over ('Cumbria (E10000006) was abolished on 1 April 2023: its
    area is now Cumberland (E06000063) and Westmorland and Furness (E06000064) ...')."""
    rows = boundary_changes()[boundary_changes()["predecessor_code"] == code]
    name = council_name(code) or code
    if rows.empty:
        return f"{name} ({code}) is not a council today"
    when = pd.Timestamp(rows["effective"].iloc[0])
    succ = [(s, council_name(s) or s) for s in successors(code)]
    listing = " and ".join(f"{n} ({s})" for s, n in succ)
    verb = "is now" if len(succ) == 1 else "is now shared by"
    if rows["change"].iloc[0] == "merge":
        verb = "is now part of"
    runs = " or ".join(f"--la {s}" for s, _ in succ)
    return (
        f"{name} ({code}) was abolished on {when.day} {when:%B %Y}: its area {verb} {listing}. "
        f"A plan is for a council of today: run with {runs} (its plan uses {name}'s returns "
        "for the years before)"
    )


def history_statement(code: str) -> str | None:
    """One paragraph for a council created since 2019 whose history is a former council's
    returns: which council made them, on which boundary, and how its figures are used here.
    None for a council whose returns are all its own."""
    pred = predecessors(code)
    if pred.empty:
        return None
    name = council_name(code) or code
    when = pd.Timestamp(pred["effective"].iloc[0])
    first_year = f"{when.year}-{(when.year + 1) % 100:02d}"
    change = pred["change"].iloc[0]
    olds = pred["predecessor_name"].tolist()
    if change == "rename":
        old = olds[0]
        return (
            f"{name} Council was created on {when.day} {when:%B %Y} on the boundary of {old} "
            f"County Council, which it replaced. Figures for years before {first_year} are "
            f"{old} County Council's returns, shown under {name}'s name: the same area and the "
            "same people."
        )
    if change == "successor":
        return (
            f"{name} Council was created on {when.day} {when:%B %Y} from most of {olds[0]} "
            f"County Council's area. Figures for years before {first_year} are the county's "
            f"returns. {pred['note'].iloc[0]}."
        )
    if change == "split":
        old = olds[0]
        parts = successor_parts()
        districts = parts.loc[
            (parts["successor_code"] == code) & (parts["part_type"] == "district"), "part_name"
        ].tolist()
        made_of = (
            f" (the former districts of {', '.join(districts[:-1])} and {districts[-1]})"
            if len(districts) > 1
            else ""
        )
        share = split_weights().get(code)
        share_text = f"{share:.1%}" if share is not None else "its share"
        return (
            f"{name} Council was created on {when.day} {when:%B %Y} from part of {old} County "
            f"Council's area{made_of}. Returns before {first_year} were made by {old} County "
            f"Council for the whole county: rates, shares and unit costs shown for those years "
            f"are {old}'s; counts of people and money are {old}'s multiplied by {name}'s share "
            f"of the county's adults ({share_text}, ONS mid-2021 estimates, its former districts "
            f"summed), and are marked as estimates. From {first_year} the figures are "
            f"{name}'s own where the publisher has them."
        )
    if change == "merge":
        return (
            f"{name} Council was created on {when.day} {when:%B %Y}. "
            f"{pred['note'].iloc[0]}. Counts and money before {first_year} are the former "
            "councils' returns added up; their rates and shares are not combined."
        )
    return None


#: Words in a unit that mark a figure which cannot be added up (a rate, share, price, index).
_INTENSIVE = re.compile(r"%|\bper\b|\bHHI\b|\brate\b|\bratio\b|\bshare\b|\bscore\b|\brank\b", re.I)


def is_additive_unit(unit: str) -> bool:
    """True for counts and money ('people', 'providers', '£ million'); False for rates,
    shares, prices and indices ('%', '£ per week', 'per 100,000', 'HHI (0-10,000)')."""
    return not _INTENSIVE.search(str(unit))


def to_current_councils(
    area: pd.DataFrame, *, additive: bool, keys: list[str] | None = None
) -> pd.DataFrame:
    """An area frame (``la_code``, ``area_type``, ``year``, ``breakdown``, ``value``) with
    its councils on today's boundaries; England and region rows untouched.

    Where a council of today has no row for a key (year, breakdown) and the council(s) it
    was made from do: a renamed council's row is carried over as it is; a split county's
    row goes to each successor, as it is for a rate or share (``additive`` False) or
    times the successor's population share for a count or money (:func:`split_weights`);
    merged councils' counts are summed (all parts present) and their rates left out. The
    former councils' rows then go, so nothing is counted twice among councils. Rows that
    came from a former council have ``boundary_basis`` 'same area', 'approximately the
    same area', 'former county (rate)', 'apportioned' or 'merged'; a council's own rows
    'published'.
    """
    keys = keys or [k for k in ("year", "breakdown") if k in area.columns]
    out = area.copy()
    if "boundary_basis" not in out:
        out["boundary_basis"] = "published"
    bc = boundary_changes()
    preds = set(bc["predecessor_code"]) & set(out["la_code"])
    if not preds:
        return out
    is_pred = out["la_code"].isin(preds) & (out["area_type"] == "council")
    old = out[is_pred]
    keep = out[~is_pred]
    have = keep[keep["area_type"] == "council"][["la_code", *keys]].drop_duplicates()
    pieces = [keep]
    weights = split_weights()
    for change, group in bc[bc["predecessor_code"].isin(preds)].groupby("change"):
        for succ, rows in group.groupby("successor_code"):
            parts = old[old["la_code"].isin(rows["predecessor_code"])]
            if parts.empty:
                continue
            if change in ("rename", "successor"):
                new = parts.assign(
                    la_code=succ,
                    boundary_basis="same area"
                    if change == "rename"
                    else "approximately the same area",
                )
            elif change == "split":
                share = float(weights.get(succ, np.nan))
                new = parts.assign(la_code=succ)
                if additive:
                    new["value"] = new["value"] * share
                    new["boundary_basis"] = "apportioned"
                else:
                    new["boundary_basis"] = "former county (rate)"
            else:  # merge
                if not additive:
                    continue
                n_parts = len(rows)
                g = parts.groupby(keys, dropna=False)["value"]
                summed = g.sum(min_count=1).where(g.count() == n_parts).rename("value")
                first = parts.drop_duplicates(keys).set_index(keys).drop(columns="value")
                new = first.join(summed).reset_index().assign(la_code=succ)
                new["boundary_basis"] = "merged"
            mine = have[have["la_code"] == succ]
            if len(mine):
                new = new.merge(mine.assign(_own=True), on=["la_code", *keys], how="left")
                new = new[new["_own"].isna()].drop(columns="_own")
            pieces.append(new)
    result = pd.concat(pieces, ignore_index=True)
    return result
