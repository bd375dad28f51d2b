"""Regenerate msp_analysis/data/councils.csv from published files (developer tool).

Sources (read in place, never copied):
- ASCOF 2024-25 (DHSC) Table_2c: the 153 councils with adult social services
  responsibilities (CASSRs) on April-2023 boundaries: CASSR code, name, ONS code.
- ASC-FR and SALT data tables 2021-22 (NHS Digital) T2: region of each council,
  and the pre-2023 councils (Cumbria, North Yorkshire county, Somerset county,
  Northamptonshire) that the 2021-22 tables still carry.
- ASC-FR 2016-17 data file (NHS Digital): pre-2019 councils (Bournemouth, Poole,
  Dorset county, Buckinghamshire county).

Usage: python tools/make_councils_csv.py ../shared/data
"""

import sys
from pathlib import Path

import pandas as pd

data = Path(sys.argv[1])
ods = pd.read_excel(
    data / "ascof_2024_25.ods", sheet_name="Table_2c", header=None, engine="calamine"
)
hdr = ods.index[ods[0] == "Local authority code"][0]
cur = ods.iloc[hdr + 1 :, :3].copy()
cur.columns = ["cassr_code", "la_name", "la_code"]
cur = cur[cur["la_code"].astype(str).str.match(r"^E(06|08|09|10)\d{6}$")]
cur["cassr_code"] = cur["cassr_code"].astype(str)

wb = pd.read_excel(
    data / "ASCFR_and_SALT_Data_Tables_2021-22.xlsx",
    sheet_name="T2",
    header=None,
    engine="calamine",
)
rows = wb[wb[0].astype(str).str.match(r"^E(06|08|09|10)\d{6}$")].iloc[:, :5]
rows.columns = ["la_code", "cassr_code", "la_name", "region_code", "region_name"]
rows["cassr_code"] = rows["cassr_code"].astype(str)
regions = rows.set_index("la_code")[["region_code", "region_name"]]
REGION_2023 = {  # councils created in April 2023, in their predecessors' regions
    "E06000063": ("E12000002", "North West"),
    "E06000064": ("E12000002", "North West"),
    "E06000065": ("E12000003", "Yorkshire and The Humber"),
    "E06000066": ("E12000009", "South West"),
}
cur["region_code"] = [
    regions["region_code"].get(c, REGION_2023.get(c, (None,))[0]) for c in cur.la_code
]
cur["region_name"] = [
    regions["region_name"].get(c, REGION_2023.get(c, (None, None))[1]) for c in cur.la_code
]
cur["status"] = "current"
cur["source"] = "ASCOF 2024-25 Table_2c (DHSC); regions from ASC-FR/SALT 2021-22 T2 (NHS Digital)"

old = rows[~rows.la_code.isin(cur.la_code)].copy()
old["status"] = "predecessor"
old["source"] = "ASC-FR/SALT 2021-22 T2 (NHS Digital)"

csv = pd.read_csv(
    data / "ascfr_2016-17_csv_totals.csv", encoding="utf-8-sig", dtype=str, keep_default_na=False
)
c16 = csv[csv.GEOGRAPHY_CODE != ""][
    ["GEOGRAPHY_CODE", "CASSR_CODE", "REGION_GO_CODE"]
].drop_duplicates()
names16 = {
    "E06000028": "Bournemouth",
    "E06000029": "Poole",
    "E10000009": "Dorset",
    "E10000002": "Buckinghamshire",
}
extra = c16[
    c16.GEOGRAPHY_CODE.isin(names16)
    & ~c16.GEOGRAPHY_CODE.isin(cur.la_code)
    & ~c16.GEOGRAPHY_CODE.isin(old.la_code)
]
region_names = dict(zip(rows.region_code, rows.region_name))
extra = pd.DataFrame(
    {
        "la_code": extra.GEOGRAPHY_CODE,
        "cassr_code": extra.CASSR_CODE,
        "la_name": extra.GEOGRAPHY_CODE.map(names16),
        "region_code": extra.REGION_GO_CODE,
        "region_name": extra.REGION_GO_CODE.map(region_names),
        "status": "predecessor",
        "source": "ASC-FR 2016-17 data file (NHS Digital)",
    }
)
out = pd.concat([cur, old, extra], ignore_index=True)
out["la_type"] = out.la_code.str[:3].map(
    {
        "E06": "Unitary Authority",
        "E08": "Metropolitan District",
        "E09": "London Borough",
        "E10": "County",
    }
)
out = out[
    [
        "la_code",
        "la_name",
        "cassr_code",
        "la_type",
        "region_code",
        "region_name",
        "status",
        "source",
    ]
]
out = out.sort_values(["status", "region_code", "la_code"])
assert out.la_code.is_unique and out.region_code.notna().all(), out[out.region_code.isna()]
target = Path(__file__).resolve().parents[1] / "msp_analysis" / "data" / "councils.csv"
out.to_csv(target, index=False)
print(out.status.value_counts().to_dict(), "->", target)
