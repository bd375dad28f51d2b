"""Population by age band on today's council boundaries: estimates and rebased projections.

Two measures (see :func:`msp_analysis.series.series`):

- ``population_estimate``: ONS mid-year estimates, every year from the first to the last
  year any population file in the raw folder covers (a year no file covers is a row with
  basis ``missing``). A council that exists on the year's boundaries is ``published``.
  A council created since is built from the areas it was made of
  (:func:`geography.successor_parts`): BCP from Bournemouth, Poole and Christchurch
  district, Dorset from Dorset county's other five districts, Buckinghamshire, North
  Yorkshire and Somerset from their counties (the same area), Cumberland and Westmorland
  and Furness from Cumbria's districts; all basis ``merged``, exact sums of published
  figures. North and West Northamptonshire before they were first published are
  ``apportioned`` from Northamptonshire county by each one's share of the county in the
  first year both are published (by age band), and the note says so.
- ``population_projection``: the latest ONS subnational population projection, on the
  boundaries of its base year, put on today's councils the same way (exact sums of
  districts or counties, basis ``projected``), then *rebased*: the projected growth of
  each age band from the council's latest mid-year estimate year is applied to that
  estimate, so the projection in the estimate's year equals the estimate. Rows start in
  that year. Where no estimate is loaded the projection is given as published, and the
  note says so.

Bands: 18 to 64, 65 to 74, 75 to 84, 85 and over, 18 and over, 65 and over and All
ages. Where a band boundary cuts a published age group (18 cuts the projections' 5-year
group 15-19), the group is split evenly by single year of age (two fifths of 15-19 are
18 and 19) and the note says so. Persons are the published persons figures, or males
plus females where a table publishes only those.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from msp_analysis import geography
from msp_analysis.series import COLUMNS, register
from msp_analysis.tables import Tables

log = logging.getLogger(__name__)

#: Age bands: name -> (first age, last age or None for open-ended).
BANDS: dict[str, tuple[int, int | None]] = {
    "18 to 64": (18, 64),
    "65 to 74": (65, 74),
    "75 to 84": (75, 84),
    "85 and over": (85, None),
    "18 and over": (18, None),
    "65 and over": (65, None),
    "All ages": (0, None),
}

_UNIT = "people"
_KEYS = ["la_code", "year", "breakdown"]


def persons(population: pd.DataFrame) -> pd.DataFrame:
    """Persons rows: as published, or males + females for area-years with no persons rows."""
    p = population[population["sex"] == "Persons"]
    mf = population[population["sex"].isin(["Males", "Females"])]
    if mf.empty:
        return p
    have = pd.MultiIndex.from_frame(p[["la_code", "year", "estimate"]].drop_duplicates())
    key = pd.MultiIndex.from_frame(mf[["la_code", "year", "estimate"]])
    mf = mf[~key.isin(have)]
    if mf.empty:
        return p
    group = ["la_code", "area_type", "year", "estimate"]
    extra = [
        c
        for c in ("la_name", "age_label", "source", "source_file", "age", "age_from", "age_to")
        if c in mf
    ]
    summed = (
        mf.groupby(group + extra, dropna=False, sort=False)
        .agg(value=("value", lambda s: s.sum(min_count=2)), n=("value", "size"))
        .reset_index()
    )
    summed.loc[summed["n"] < 2, "value"] = np.nan  # one sex missing: no persons figure
    summed["sex"] = "Persons"
    return pd.concat([p, summed.drop(columns="n")], ignore_index=True)


def _ranges(frame: pd.DataFrame) -> pd.DataFrame:
    """age_from / age_to for every breakdown row (older tables carry ``age`` only)."""
    if "age_from" in frame:
        return frame[frame["age_from"].notna()]
    f = frame[frame["age"].notna()].copy()
    f["age_from"] = f["age"]
    f["age_to"] = f["age"].where(f["age_label"].astype(str).str.strip() != "90+")
    return f


def band_shares(age_from: pd.Series, age_to: pd.Series, band: tuple[int, int | None]) -> pd.Series:
    """Share of each age group inside ``band``, single years assumed evenly spread.

    Raises:
        ValueError: the band cuts an open-ended group (e.g. a band ending at 94 and a 90+ group).
    """
    lo, hi = band
    a = age_from.astype("float64")
    b = age_to.astype("float64")  # NaN: open-ended
    top = np.inf if hi is None else hi
    open_ = b.isna()
    width = (b - a + 1).where(~open_)
    overlap = (np.minimum(b, top) - np.maximum(a, lo) + 1).clip(lower=0)
    share = (overlap / width).where(~open_)
    inside_open = open_ & (a >= lo) & (hi is None)
    outside_open = open_ & (hi is not None) & (a > top)
    cut_open = open_ & ~inside_open & ~outside_open
    if cut_open.any():
        raise ValueError(
            f"band {lo}-{hi} cuts an open-ended age group starting at {a[cut_open].iloc[0]:.0f}"
        )
    share = share.where(~open_, inside_open.astype("float64"))
    return share.fillna(0.0)


def band_population(
    population: pd.DataFrame, bands: dict[str, tuple[int, int | None]] | None = None
) -> pd.DataFrame:
    """Persons by area x year x band, from single years or age groups.

    'All ages' (when a band starts at 0 and is open) is the published total where there is one.

    Returns:
        la_code, area_type, year, estimate, breakdown, value, source_file, and ``split``:
        True where a band boundary cut a published age group (split evenly by single year).
    """
    bands = BANDS if bands is None else bands
    optional = ("la_name", "age_label", "age", "age_from", "age_to", "source", "source_file")
    cols = ["la_code", "area_type", "year", "estimate", "sex", "value"]
    pop = population[cols + [c for c in optional if c in population]]
    if "source_file" not in pop:
        pop = pop.assign(source_file="")
    if "age_label" not in pop:
        pop = pop.assign(age_label=pop["age"].astype("string").fillna("All ages"))
    for c in ("la_code", "area_type", "la_name", "estimate", "sex", "age_label", "source_file"):
        if c in pop:
            pop = pop.assign(**{c: pop[c].astype("category")})
    pop = persons(pop)
    rng = _ranges(pop)
    keys = ["la_code", "area_type", "year", "estimate"]
    pieces = []
    for name, band in bands.items():
        share = band_shares(rng["age_from"], rng["age_to"], band)
        part = rng.assign(value=rng["value"] * share, split=(share > 0) & (share < 1))
        # a missing age leaves the band missing
        agg = _sum_parts(part[share > 0], keys).drop(columns="n")
        if band == (0, None):
            total = pop[pop["age_label"] == "All ages"]
            if len(total):
                pub = total.groupby(keys, sort=False).agg(
                    value=("value", "first"), source_file=("source_file", "first")
                )
                agg = agg.set_index(keys)
                agg.loc[pub.index.intersection(agg.index), "value"] = pub["value"]
                extra = pub.loc[pub.index.difference(agg.index)].assign(split=False)
                agg = pd.concat([agg, extra]).reset_index()
        agg["breakdown"] = name
        pieces.append(agg)
    out = pd.concat(pieces, ignore_index=True)
    out["year"] = out["year"].astype("int64")
    for c in ("la_code", "area_type", "estimate", "source_file"):
        out[c] = out[c].astype(str)
    return out


# ---------------------------------------------------------------- boundaries ----------


def population_by_band(
    population: pd.DataFrame,
    bands: dict[str, tuple[int, int | None]],
    *,
    estimate: str = "mid-year estimate",
) -> pd.DataFrame:
    """Persons by area x year x named age band (e.g. {'18 to 64': (18, 64), '65 and over': (65, None)})
    of one kind of ``estimate`` in the ``population`` table, on the boundaries it was published on.

    Works on single years and on age groups (ONS projections' 5-year groups: a group a band
    boundary cuts is split evenly by single year); persons are males + females where a table
    publishes only those (:func:`band_population`). Used by Section 1's rates per head and by
    the forecasts' population paths.
    """
    pop = population[population["estimate"] == estimate]
    out = band_population(pop, bands)
    return out[["la_code", "area_type", "year", "value", "breakdown"]]


def _current_codes() -> list[str]:
    return [*geography.councils()["la_code"], geography.ENGLAND_CODE]


def _parts() -> dict[str, pd.DataFrame]:
    p = geography.successor_parts()
    return {code: rows for code, rows in p.groupby("successor_code")}


def _describe(rows: pd.DataFrame) -> str:
    return ", ".join(f"{n} ({c})" for n, c in zip(rows["part_name"], rows["part_code"]))


def _sum_parts(parts: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Sum of ``value`` over the parts in each group of ``by``: missing where any part is
    missing, with ``n`` (how many areas), ``split`` (any part's band cut an age group) and
    ``source_file`` (the first part's)."""
    agg = (
        parts.assign(_nan=parts["value"].isna())
        .groupby(by, sort=False)
        .agg(
            value=("value", "sum"),
            nan=("_nan", "any"),
            n=("la_code", "nunique"),
            split=("split", "any"),
            source_file=("source_file", "first"),
        )
        .reset_index()
    )
    agg.loc[agg.pop("nan"), "value"] = np.nan  # a missing part leaves the sum missing
    return agg


def on_current_boundaries(banded: pd.DataFrame, *, apportion_splits: bool) -> pd.DataFrame:
    """Banded population for today's councils and England: published, merged or apportioned.

    Args:
        banded: :func:`band_population` output (any boundaries).
        apportion_splits: apportion a split county to its successors by their shares in the
            first year both are published (mid-year estimates), for the years before it.

    Returns:
        la_code, year, breakdown, value, basis, source_file, split, note; one row per
        council (and England) per year that has data; councils with no figure are absent.
    """
    # the fictional DEMO councils are published as themselves (they never occur in real files)
    current = set(_current_codes()) | set(geography.councils("demo")["la_code"])
    banded = _counties_from_districts(banded)
    idx = banded.set_index(_KEYS)
    published = banded[banded["la_code"].isin(current)].copy()
    published["basis"] = np.where(published["built"] == "", "published", "merged")
    published = published.rename(columns={"built": "note"})
    pieces = [published]
    have = set(zip(published["la_code"], published["year"]))
    # merged: exact sums of the parts a council was made of
    for succ, rows in _parts().items():
        codes = rows["part_code"].tolist()
        sub = banded[banded["la_code"].isin(codes)]
        if sub.empty:
            continue
        agg = _sum_parts(sub, ["year", "breakdown"])
        agg = agg[(agg["n"] == len(codes))].drop(columns="n")
        agg = agg[[(succ, y) not in have for y in agg["year"]]]
        if agg.empty:
            continue
        same = len(codes) == 1 and rows["part_type"].iloc[0] == "county"
        what = (
            f"{_describe(rows)}, the same area"
            if same
            else f"sum of {_describe(rows)} as published"
        )
        agg = agg.assign(la_code=succ, basis="merged", note=f"built from {what}")
        pieces.append(agg)
    out = pd.concat(pieces, ignore_index=True)
    if apportion_splits:
        out = _apportion_splits(out, idx)
    out = _england_from_councils(out)
    return out[["la_code", "year", "breakdown", "value", "basis", "source_file", "split", "note"]]


def _counties_from_districts(banded: pd.DataFrame) -> pd.DataFrame:
    """Banded rows plus counties summed from their districts where a table has districts only.

    Built only for a year with no county published at all whose districts cover at least 20
    counties (a national table of districts, such as ONS MYEB), so an extract of a few
    districts never makes a county. Adds ``built``: '' for published rows, else the note.
    """
    banded = banded.assign(built="")
    lookup = geography.district_counties().set_index("district_code")["county_code"]
    names = geography.district_counties().set_index("county_code")["county_name"].to_dict()
    d = banded[banded["area_type"] == "district"].copy()
    d["county"] = d["la_code"].map(lookup)
    d = d[d["county"].notna()]
    with_counties = set(banded.loc[banded["la_code"].str.startswith("E10"), "year"])
    cover = d[~d["year"].isin(with_counties)].groupby("year")["county"].nunique()
    full = cover[cover >= 20].index
    d = d[d["year"].isin(full)]
    if d.empty:
        return banded
    agg = _sum_parts(d, ["county", "year", "estimate", "breakdown"])
    agg = agg.rename(columns={"county": "la_code"})
    agg["built"] = (
        "built from the sum of the "
        + agg.pop("n").astype(str)
        + " districts of "
        + agg["la_code"].map(names)
        + " as published"
    )
    agg["area_type"] = "council"
    log.info("%d county rows summed from districts", len(agg))
    return pd.concat([banded, agg], ignore_index=True)


def _england_from_councils(out: pd.DataFrame) -> pd.DataFrame:
    """England as the sum of today's councils in years no England row is published."""
    eng = geography.ENGLAND_CODE
    councils = [c for c in _current_codes() if c != eng]
    have_eng = set(out.loc[out["la_code"] == eng, "year"])
    c = out[out["la_code"].isin(councils) & ~out["year"].isin(have_eng)]
    if c.empty:
        return out
    agg = _sum_parts(c, ["year", "breakdown"])
    agg = agg[agg.pop("n") == len(councils)]  # every council, or no England figure
    if agg.empty:
        return out
    agg = agg.assign(
        la_code=eng,
        basis="merged",
        note=f"built from the sum of the {len(councils)} councils (no England row published)",
    )
    return pd.concat([out, agg], ignore_index=True)


def _apportion_splits(out: pd.DataFrame, banded_idx: pd.DataFrame) -> pd.DataFrame:
    bc = geography.boundary_changes()
    split = bc[bc["change"] == "split"]
    for county, rows in split.groupby("predecessor_code"):
        succs = rows["successor_code"].tolist()
        pub = out[out["la_code"].isin(succs) & (out["basis"] == "published")]
        both = pub.groupby("year")["la_code"].nunique()
        both = both[both == len(succs)]
        if both.empty:
            continue  # never published: the successors stay as built from their districts
        first = int(both.index.min())
        base = pub[pub["year"] == first].set_index(["la_code", "breakdown"])["value"]
        shares = base / base.groupby(level="breakdown").transform("sum")
        try:
            cty = banded_idx.xs(county, level="la_code").reset_index()
        except KeyError:
            continue
        cty = cty[cty["year"] < first]
        if cty.empty:
            continue
        name = geography.council_name(county) or county
        parts = []
        for s in succs:
            sh = shares.xs(s, level="la_code")
            part = cty.assign(
                la_code=s,
                value=cty["value"] * cty["breakdown"].map(sh),
                basis="apportioned",
                note=(
                    f"apportioned from {name} ({county}) by "
                    f"{geography.council_name(s)}'s share of it in mid-{first}, the first year "
                    "both successors are published (share by age band)"
                ),
            )
            parts.append(part)
        new = pd.concat(parts, ignore_index=True)
        replace = set(zip(new["la_code"], new["year"]))
        keep = [(c, y) not in replace for c, y in zip(out["la_code"], out["year"])]
        out = pd.concat([out[keep], new], ignore_index=True)
    return out


def _complete(frame: pd.DataFrame, years: list[int], breakdowns: list[str]) -> pd.DataFrame:
    """Every current council and England x year x band; absent rows basis 'missing'."""
    demo = set(geography.councils("demo")["la_code"]) & set(frame["la_code"])
    codes = [*_current_codes(), *sorted(demo)]
    grid = pd.MultiIndex.from_product([codes, years, breakdowns], names=_KEYS).to_frame(index=False)
    out = grid.merge(frame, on=_KEYS, how="left")
    gone = out["basis"].isna()
    out.loc[gone, "basis"] = "missing"
    out.loc[gone, "note"] = "no population file in the raw folder covers this council and year"
    out["split"] = out["split"].fillna(False).astype(bool)
    return out


_SPLIT_NOTE = (
    "{band} includes an even share by single year of age of a published age group the band "
    "boundary cuts (two fifths of 15-19 are ages 18 and 19)"
)


def _finish(out: pd.DataFrame, measure: str, source: str) -> pd.DataFrame:
    out = out.copy()
    split_note = out["breakdown"].map(lambda b: _SPLIT_NOTE.format(band=b))
    out["note"] = np.where(
        out["split"],
        np.where(out["note"].fillna("") != "", out["note"].fillna("") + "; ", "") + split_note,
        out["note"].fillna(""),
    )
    names = {c: geography.council_name(c) for c in out["la_code"].unique()}
    out["la_name"] = out["la_code"].map(names)
    out["year"] = out["year"].astype("Int64")
    out["year_label"] = ("mid-" + out["year"].astype(str)).astype("string")
    out["measure"] = measure
    out["unit"] = _UNIT
    out["source"] = np.where(out["basis"] == "missing", "", source)
    out["source_file"] = out["source_file"].fillna("")
    return out[COLUMNS].sort_values(["la_code", "year", "breakdown"]).reset_index(drop=True)


# ---------------------------------------------------------------- measures ------------


def estimate_frame(tables: Tables) -> pd.DataFrame:
    """``population_estimate`` for every current council and England (see module doc)."""
    pop = tables.require(
        "population", "population estimates by age band need ONS mid-year estimates"
    )
    pop = pop[pop["estimate"] == "mid-year estimate"]
    banded = band_population(pop)
    cur = on_current_boundaries(banded, apportion_splits=True)
    years = list(range(int(banded["year"].min()), int(banded["year"].max()) + 1))
    out = _complete(cur, years, list(BANDS))
    log.info(
        "population_estimate: %d rows, %d years, bases %s",
        len(out),
        len(years),
        out["basis"].value_counts().to_dict(),
    )
    return _finish(out, "population_estimate", "ONS mid-year population estimates")


def projection_frame(tables: Tables) -> pd.DataFrame:
    """``population_projection`` for every current council and England (see module doc)."""
    proj = tables.require(
        "population_projections", "population projections need the ONS subnational projections"
    )
    bases = proj["estimate"].str.extract(r"(\d{4})")[0].astype(float)
    latest = int(bases.max())
    proj = proj[bases == latest]
    label = f"{latest}-based"
    banded = band_population(proj)
    cur = on_current_boundaries(banded, apportion_splits=False)
    cur["basis"] = "projected"
    cur["note"] = cur["note"].where(
        cur["note"] == "", cur["note"].str.replace("built from", "on today's boundary: built from")
    )
    years = set(cur["year"].astype(int))
    base = pd.DataFrame(columns=["la_code", "breakdown", "y0", "est", "est_file", "est_basis"])
    if tables.has("population"):
        est = estimate_frame_cached(tables)
        est = est[(est["basis"] != "missing") & est["value"].notna()]
        est = est[est["year"].astype(int).isin(years)]
        if len(est):
            last = est.loc[est.groupby(["la_code", "breakdown"])["year"].idxmax()]
            base = last.rename(
                columns={
                    "year": "y0",
                    "value": "est",
                    "source_file": "est_file",
                    "basis": "est_basis",
                }
            )[["la_code", "breakdown", "y0", "est", "est_file", "est_basis"]]
            base["y0"] = base["y0"].astype(int)
    cur = cur.merge(base, on=["la_code", "breakdown"], how="left")
    at = cur[cur["year"] == cur["y0"]].set_index(["la_code", "breakdown"])["value"]
    cur["at_y0"] = pd.MultiIndex.from_frame(cur[["la_code", "breakdown"]]).map(at.to_dict().get)
    rebased = cur["y0"].notna() & cur["at_y0"].notna()
    plain = cur[~rebased].copy()
    plain["note"] = _join(
        plain["note"],
        f"ONS {label} projection as published: no mid-year estimate in its years is loaded, "
        "so it is not rebased",
    )
    reb = cur[rebased & (cur["year"] >= cur["y0"])].copy()
    reb["value"] = reb["est"] * reb["value"] / reb["at_y0"].astype(float)
    reb["source_file"] = reb["source_file"] + " + " + reb["est_file"]
    y0 = reb["y0"].astype(int).astype(str)
    reb["note"] = _join(
        reb["note"],
        f"ONS {label} projection rebased: its growth from mid-"
        + y0
        + " applied to the mid-"
        + y0
        + " estimate ("
        + reb["est_basis"]
        + ")",
    )
    pieces = [reb, plain]
    out = pd.concat(pieces, ignore_index=True)
    log.info("population_projection: %d rows (%s)", len(out), label)
    return _finish(
        out,
        "population_projection",
        f"ONS subnational population projections ({label}), rebased to ONS mid-year estimates",
    )


def _join(notes: pd.Series, text) -> pd.Series:
    notes = notes.fillna("").astype(str)
    return pd.Series(np.where(notes != "", notes + "; " + text, text), index=notes.index)


def estimate_frame_cached(tables: Tables) -> pd.DataFrame:
    """:func:`estimate_frame`, computed once per :class:`Tables`."""
    key = ("series", "population_estimate")
    return tables.derived(
        key, lambda: estimate_frame(tables).sort_values(["la_code", "year"]).reset_index(drop=True)
    )


@register(
    "population_estimate",
    "People by age band (18 to 64, 65 to 74, 75 to 84, 85 and over, 18 and over, 65 and over, "
    "All ages), ONS mid-year estimates on today's council boundaries",
    _UNIT,
)
def _population_estimate(tables: Tables) -> pd.DataFrame:
    return estimate_frame_cached(tables)


@register(
    "population_projection",
    "People by age band, the latest ONS subnational population projection on today's council "
    "boundaries, rebased to the latest mid-year estimate",
    _UNIT,
)
def _population_projection(tables: Tables) -> pd.DataFrame:
    return projection_frame(tables)
