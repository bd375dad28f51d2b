"""Build ``msp_analysis/data/old_council_codes.csv`` from published files (run by hand).

Older returns name councils by codes that are not ONS codes:

- MHCLG / DCLG revenue outturn "E-codes" (``E3902`` = Wiltshire): RS 2011-12 to 2013-14
  publish only the E-code and a name. RS 2014-15 and RSX 2023-24 publish the E-code beside
  the ONS code, which gives the lookup (the two files agree wherever both hold a council).
- ASC-FR 2014-15 "council numbers" (``817 - Wiltshire``): the CASSR codes that
  ``councils.csv`` already holds (from the ASC-FR/SALT tables and the 2016-17 data files);
  the names as ASC-FR 2014-15 spells them are kept beside them, so a reader can check a
  number and a name against each other.

Usage: ``python tools/make_old_codes.py ../shared/data``
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

import pandas as pd
from python_calamine import CalamineWorkbook

OUT = Path(__file__).resolve().parents[1] / "msp_analysis" / "data" / "old_council_codes.csv"


def _outturn_pairs(path: Path, sheet: str, source: str) -> list[dict]:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()
    h = next(i for i, r in enumerate(rows[:20]) if str(r[0]).strip() == "E-code")
    head = [str(c).strip() for c in rows[h]]
    ons, name = head.index("ONS Code"), head.index("Local authority")
    out = []
    for r in rows[h + 1 :]:
        e, o = str(r[0]).strip(), str(r[ons]).strip()
        if re.fullmatch(r"E\d{4}", e) and re.fullmatch(r"E\d{8}", o):
            out.append(
                {
                    "old_code": e,
                    "published_name": str(r[name]).strip(),
                    "la_code": o,
                    "source": source,
                }
            )
    return out


def main(raw: Path) -> None:
    councils = pd.read_csv(OUT.parent / "councils.csv", dtype=str, keep_default_na=False)
    codes = set(councils["la_code"])
    rows: list[dict] = []
    seen: dict[str, str] = {}
    for path, sheet, src in [
        (
            raw / "dclg_rs_2014-15_by_la.xls",
            "RS LA Data 2014-15 (1)",
            "DCLG RS 2014-15 by LA, sheet 'RS LA Data 2014-15 (1)', columns E-code and ONS Code",
        ),
        (
            raw / "mhclg_rsx_2023-24_by_la.ods",
            "RSX_LA_Data_2023-24",
            "MHCLG RSX 2023-24 by LA, sheet 'RSX_LA_Data_2023-24', columns E-code and ONS Code",
        ),
    ]:
        for p in _outturn_pairs(path, sheet, src):
            if p["la_code"] not in codes:
                continue
            if p["old_code"] in seen:
                if seen[p["old_code"]] != p["la_code"]:
                    raise SystemExit(f"E-code {p['old_code']} maps to two ONS codes")
                continue
            seen[p["old_code"]] = p["la_code"]
            rows.append({"scheme": "outturn_ecode", **p})
    with open(raw / "ascfr_2014-15_council_expenditure.csv", encoding="cp1252") as fh:
        header = next(r for i, r in enumerate(csv.reader(fh)) if i == 1)
    by_cassr = dict(zip(councils["cassr_code"], councils["la_code"]))
    for h in header[5:]:
        num, name = (s.strip() for s in h.split(" - ", 1))
        rows.append(
            {
                "scheme": "ascfr_council_number",
                "old_code": num,
                "published_name": name,
                "la_code": by_cassr[num],
                "source": "ASC-FR 2014-15 council-level expenditure data (NHS Digital), column "
                "headers '<council number> - <name>'; number = CASSR code in councils.csv",
            }
        )
    frame = pd.DataFrame(rows).sort_values(["scheme", "old_code"])
    frame.to_csv(OUT, index=False)
    print(f"wrote {len(frame)} rows to {OUT}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
