"""Comparator councils: transparent nearest neighbours on published data.

Features (each standardised to mean 0, sd 1 across councils, equal weights):

- ``log_adults``: log of the population aged 18 and over (size);
- ``share_65_plus``: share of adults aged 65 and over (age structure);
- ``share_85_plus``: share of those 65+ who are 85 and over (age structure, need);
- ``urban``: 1 for metropolitan districts and London boroughs, 0 for counties and
  unitary authorities (a rurality proxy: no land-area data is in the package);
- ``gce_per_adult``: total gross current expenditure per adult, £ (ASC-FR).

Distance is Euclidean on the standardised features (``METHOD`` says it in words); the ``k`` nearest councils
(excluding the council itself) form the group. The method, the features and the
distances are returned so a reader can see why each council was chosen: ``attrs["method"]``
in technical terms (the plan's appendix, ``comparators.csv``) and ``attrs["summary"]`` in
plain words for the body of the plan.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from msp_analysis import geography
from msp_analysis.tables import Tables

FEATURES = ["log_adults", "share_65_plus", "share_85_plus", "urban", "gce_per_adult"]
METHOD = (
    "Councils are compared on five measures: the number of adults aged 18 and over (on a log "
    "scale, so a council twice the size counts the same at any size), the share of adults aged "
    "65 and over, the share of those aged 65 and over who are 85 and over, whether the council "
    "is a metropolitan district or London borough, and gross current expenditure per adult "
    "(ASC-FR). Each measure is put on the same scale (how far a council is from the average of "
    "all councils, in standard deviations) and counted equally; the councils nearest to this "
    "one across the five measures together (the square root of the sum of the squared "
    "differences) are its comparators, the council itself excluded."
)

#: What each feature means to a reader of the plan.
FEATURE_WORDS = {
    "log_adults": "the number of adults aged 18 and over",
    "share_65_plus": "the share of adults aged 65 and over",
    "share_85_plus": "the share of those aged 65 and over who are 85 and over",
    "urban": "whether a council is a metropolitan district or London borough",
    "gce_per_adult": "adult social care spending per adult",
}
_COUNT_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}


def _and(items: list[str]) -> str:
    return ", ".join(items[:-1]) + (" and " if len(items) > 1 else "") + "".join(items[-1:])


def summary(k: int, council: str, used: list[str], left_out: dict[str, str] | None = None) -> str:
    """How the comparators were chosen, in plain words, from the features actually used
    (``left_out``: feature -> why it was not used).

    >>> summary(15, "Wiltshire", ["log_adults"], {"gce_per_adult": "there is no figure for it"})
    'the 15 councils most like Wiltshire on one measure: the number of adults aged 18 and over \
(adult social care spending per adult is left out: there is no figure for it)'
    """
    councils = "the council" if k == 1 else f"the {k} councils"
    n = len(used)
    measures = _COUNT_WORDS.get(n, str(n)) + (" measure" if n == 1 else " measures")
    text = (
        f"{councils} most like {council} on {measures}"
        + (", each counted equally" if n > 1 else "")
        + f": {_and([FEATURE_WORDS[f] for f in used])}"
    )
    notes = [f"{FEATURE_WORDS[f]} is left out: {why}" for f, why in (left_out or {}).items()]
    return text + (f" ({'; '.join(notes)})" if notes else "")


def features(tables: Tables) -> pd.DataFrame:
    """Comparator features per council, from the latest population year and ASC-FR total GCE.

    The same for every council: computed once per data build (see ``Tables.derived``).
    """
    return tables.derived("comparator_features", lambda: _features(tables)).copy()


def _features(tables: Tables) -> pd.DataFrame:
    pop = tables.get("population")
    if pop is None or pop.empty:
        raise ValueError("comparators need the population table (ONS mid-year estimates)")
    pop = pop[
        (pop["sex"] == "Persons")
        & pop["age"].notna()
        & pop["area_type"].isin(["council", "district"])
        & (pop["estimate"] == "mid-year estimate")
    ]
    councils = pop[pop["area_type"] == "council"]
    counts = councils.groupby("year")["la_code"].nunique()
    year = int(counts[counts == counts.max()].index.max())  # the latest year covering most councils
    p = _on_todays_councils(pop[pop["year"] == year])
    adults = p[p["age"] >= 18].groupby("la_code")["value"].sum()
    over65 = p[p["age"] >= 65].groupby("la_code")["value"].sum()
    over85 = p[p["age"] >= 85].groupby("la_code")["value"].sum()
    f = pd.DataFrame({"adults": adults, "over65": over65, "over85": over85})
    f["log_adults"] = np.log(f["adults"])
    f["share_65_plus"] = f["over65"] / f["adults"]
    f["share_85_plus"] = f["over85"] / f["over65"]
    types = geography.councils(status=None).set_index("la_code")["la_type"]
    f["urban"] = f.index.map(types).isin(["Metropolitan District", "London Borough"]).astype(float)
    f["gce_per_adult"] = np.nan
    ascfr = tables.get("ascfr")
    if ascfr is not None:
        gce = ascfr[
            (ascfr["table_ref"] == "T15")
            & (ascfr["care_type"].str.startswith("Total"))
            & (ascfr["area_type"] == "council")
        ]
        if len(gce):
            latest = gce[gce["year"] == gce["year"].max()].assign(breakdown="Total")
            latest = geography.to_current_councils(
                latest[["la_code", "area_type", "year", "breakdown", "value"]], additive=True
            ).set_index("la_code")["value"]
            f["gce_per_adult"] = latest.reindex(f.index) * 1000 / f["adults"]
    f["population_year"] = year
    return f.reset_index().rename(columns={"index": "la_code"})


def _on_todays_councils(p: pd.DataFrame) -> pd.DataFrame:
    """One year's single-age rows on today's councils: a council created since the
    estimate's boundaries is the sum of the areas it was made of (Cumberland from Cumbria's
    districts, North Yorkshire from the county), and the areas it replaced go, so every
    council of today (and no abolished one) has its people once."""
    parts = geography.successor_parts()
    present = set(p["la_code"])
    built = []
    for succ, rows in parts.groupby("successor_code"):
        codes = set(rows["part_code"])
        if succ in present or not codes <= present:
            continue
        made = p[p["la_code"].isin(codes)].groupby("age", as_index=False)["value"].sum()
        built.append(made.assign(la_code=succ, area_type="council"))
    out = pd.concat([p, *built], ignore_index=True)
    today = out["la_code"].map(lambda c: not geography.is_abolished(c))
    return out[(out["area_type"] == "council") & today]


def comparator_group(tables: Tables, la_code: str, k: int = 15) -> pd.DataFrame:
    """The ``k`` councils nearest to ``la_code``, with features and distance; method in ``attrs``.

    A feature missing for the council is left out of the distance (and said in ``attrs``);
    councils missing any used feature are not candidates.
    """
    f = features(tables)
    if la_code not in set(f["la_code"]):
        raise ValueError(f"{la_code} has no population row, so no comparator group can be formed")
    target = f.set_index("la_code").loc[la_code]
    used = [
        c for c in FEATURES if pd.notna(target[c]) and f[c].notna().sum() > 2 and f[c].std() > 0
    ]
    cand = f.dropna(subset=used).set_index("la_code")
    z = (cand[used] - cand[used].mean()) / cand[used].std()
    dist = np.sqrt(((z - z.loc[la_code]) ** 2).sum(axis=1)).drop(la_code)
    chosen = dist.nsmallest(min(k, len(dist)))
    out = cand.loc[chosen.index, ["adults", *FEATURES]].copy()
    out.insert(0, "la_name", [geography.council_name(c) for c in out.index])
    out["distance"] = chosen
    out = out.reset_index()
    out.attrs["method"] = METHOD + f" The nearest {len(out)} are used."
    out.attrs["features_used"] = used
    out.attrs["features_left_out"] = [c for c in FEATURES if c not in used]
    name = geography.council_name(la_code) or la_code
    why = {
        c: f"there is no figure for {name}"
        if pd.isna(target[c])
        else ("it is the same for every council" if f[c].std() == 0 else "too few councils have it")
        for c in out.attrs["features_left_out"]
    }
    out.attrs["summary"] = summary(len(out), name, used, why)
    out.attrs["population_year"] = int(f["population_year"].iloc[0])
    return out
