"""Build ``msp_analysis/data/split_weights.csv`` from the ONS mid-2021 estimates (run by hand).

A council split in two (Northamptonshire 2021, Cumbria 2023) has figures published only
for the whole county before the split. Series on today's boundaries apportion them by
each successor's share of the county's adults (aged 18 and over: adult social care's
population) at mid-2021, the last
estimate on the boundaries the successors were built from: North and West
Northamptonshire directly, Cumberland and Westmorland and Furness as the sums of the
districts they were formed from (Allerdale, Carlisle, Copeland; Barrow-in-Furness,
Eden, South Lakeland).

Usage: ``python tools/make_split_weights.py ../shared/data``
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
from python_calamine import CalamineWorkbook

OUT = Path(__file__).resolve().parents[1] / "msp_analysis" / "data" / "split_weights.csv"
FILE = "ons_mye_mid2021_on_2021_geography.xls"
PARTS = {
    ("E10000021", "E06000061"): ["E06000061"],
    ("E10000021", "E06000062"): ["E06000062"],
    ("E10000006", "E06000063"): ["E07000026", "E07000028", "E07000029"],
    ("E10000006", "E06000064"): ["E07000027", "E07000030", "E07000031"],
}


def main(raw: Path) -> None:
    rows = CalamineWorkbook.from_path(str(raw / FILE)).get_sheet_by_name("MYE2 - Persons")
    rows = rows.to_python()
    h = next(i for i, r in enumerate(rows) if str(r[0]).strip() == "Code")
    header = [str(c).strip() for c in rows[h]]
    first_adult = header.index("18")  # single years of age '0' ... '89', then '90+'
    pop = {
        str(r[0]).strip(): float(sum(r[first_adult:])) for r in rows[h + 1 :] if str(r[0]).strip()
    }
    out = []
    for (pred, succ), parts in PARTS.items():
        out.append(
            {
                "predecessor_code": pred,
                "successor_code": succ,
                "population": int(sum(pop[p] for p in parts)),
                "parts": "+".join(parts),
                "source": f"ONS mid-2021 population estimates ({FILE}), sheet 'MYE2 - Persons', "
                "columns '18' to '90+' (adults)",
            }
        )
    frame = pd.DataFrame(out)
    frame["weight"] = (
        frame["population"] / frame.groupby("predecessor_code")["population"].transform("sum")
    ).round(6)
    frame.to_csv(OUT, index=False)
    print(frame)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
