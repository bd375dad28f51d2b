"""Build ``msp_analysis/data/district_counties.csv`` from ONS MYE2 workbooks (run by hand).

ONS lists each county's districts straight after the county's row in every MYE2 sheet
(mid-2015 to mid-2021 in the shared data). Reading that order gives district -> county
for every district code used since 2015, including districts merged or abolished since
(Forest Heath and St Edmundsbury, Taunton Deane and West Somerset, Dorset's,
Buckinghamshire's, Northamptonshire's, Cumbria's, North Yorkshire's and Somerset's).
Population tables that publish districts only (the ONS MYEB long tables) are summed to
counties with it.

Usage: ``python tools/make_district_counties.py ../shared/data``
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "msp_analysis" / "data" / "district_counties.csv"


def main(raw: Path) -> None:
    from msp_analysis.sources import population

    seen: dict[str, list] = {}
    for path in sorted(raw.iterdir()):
        if path.suffix.lower() not in {".xls", ".xlsx"}:
            continue
        if population.detect(path) != "ons-mye2-workbook":
            continue
        raw_frame = population.read(path)
        persons = raw_frame[raw_frame["sex"] == "Persons"]
        county = None
        for code, name in zip(persons["Code"].astype(str).str.strip(), persons["Name"]):
            if re.match(r"^E10\d{6}$", code):
                county = (code, str(name).strip())
            elif re.match(r"^E07\d{6}$", code):
                if county is None:
                    raise SystemExit(f"{path.name}: district {code} before any county")
                row = seen.setdefault(code, [code, str(name).strip(), *county, []])
                if (row[2], row[3]) != county:
                    raise SystemExit(f"{code} under {row[2]} and {county[0]}")
                row[4].append(path.name)
            else:
                county = None
    with OUT.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["district_code", "district_name", "county_code", "county_name", "source"])
        for code in sorted(seen):
            d, n, c, cn, files = seen[code]
            w.writerow([d, n, c, cn, "ONS MYE2 order of rows: " + ", ".join(sorted(set(files)))])
    print(f"wrote {len(seen)} districts to {OUT}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data"))
