"""Comparator councils: transparent nearest neighbours on published data.

Features (each standardised to mean 0, sd 1 across councils, equal weights):

- ``log_adults``: log of the population aged 18 and over (size);
- ``share_65_plus``: share of adults aged 65 and over (age structure);
- ``share_85_plus``: share of those 65+ who are 85 and over (age structure, need);
- ``urban``: 1 for metropolitan districts and London boroughs, 0 for counties and
  unitary authorities (a rurality proxy: no land-area data is in the package);
- ``gce_per_adult``: total gross current expenditure per adult, £ (ASC-FR).

Distance is Euclidean on the standardised features; the ``k`` nearest councils
(excluding the council itself) form the group. The method, the features and the
distances are returned so a reader can see why each council was chosen.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from msp_analysis import geography
from msp_analysis.tables import Tables

FEATURES = ["log_adults", "share_65_plus", "share_85_plus", "urban", "gce_per_adult"]
METHOD = (
    "Nearest neighbours: Euclidean distance on standardised log adult population, share of adults aged 65+, "
    "share of 65+ aged 85+, urban council type (metropolitan district or London borough) and gross current "
    "expenditure per adult; equal weights; k nearest councils."
)


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
        & (pop["area_type"] == "council")
        & (pop["estimate"] == "mid-year estimate")
    ]
    counts = pop.groupby("year")["la_code"].nunique()
    year = int(counts[counts == counts.max()].index.max())  # the latest year covering most councils
    p = pop[pop["year"] == year]
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
            latest = gce[gce["year"] == gce["year"].max()].set_index("la_code")["value"]
            f["gce_per_adult"] = latest.reindex(f.index) * 1000 / f["adults"]
    f["population_year"] = year
    return f.reset_index().rename(columns={"index": "la_code"})


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
    out.attrs["method"] = METHOD + f" k = {len(out)}."
    out.attrs["features_used"] = used
    out.attrs["features_left_out"] = [c for c in FEATURES if c not in used]
    out.attrs["population_year"] = int(f["population_year"].iloc[0])
    return out
