"""ONS population layouts on tiny hand-made files, and the population series on tiny tables.

The workbooks follow the publishers' layouts: ONS MYE2 (mid-2015 'Persons UK' and the later
'MYE2 - ...' sheets), the accessible MYEB long table, and the SNPP table as a workbook
(sheets Persons / Males / Females) and as a re-saved CSV. Expected values are worked out by
hand from the cells written here.
"""

from __future__ import annotations

import pandas as pd
import pytest
from openpyxl import Workbook

from msp_analysis import schemas
from msp_analysis.errors import SourceError
from msp_analysis.series import series
from msp_analysis.series.population import band_population, band_shares
from msp_analysis.sources import population
from msp_analysis.tables import Tables

pytestmark = pytest.mark.unit


def _book(path, sheets: dict[str, list[list]]):
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        sh = wb.create_sheet(name)
        for row in rows:
            sh.append(row)
    wb.save(path)


def _ages(base: float) -> list[float]:
    """Ages 0..90: ``base`` people at each age (90 = 90 and over)."""
    return [float(base)] * 91


# mid-2015 layout: sheets 'Persons UK', 'Males UK', 'Females UK ' (trailing space); title in
# row 1, 'ALL PERSONS' in row 2, header in row 3 (CODE, NAME, ALL AGES, 0.0 ... 90.0), no
# geography column: councils told from districts by code.
AREAS_2015 = [
    ("K02000001", "UNITED KINGDOM", 10),
    ("E92000001", "ENGLAND", 9),
    ("E12000009", "SOUTH WEST", 8),
    ("E06000054", "Wiltshire", 2),
    ("E10000009", "Dorset", 3),
    ("E07000048", "Christchurch", 1),  # a part of BCP: kept as a district
    ("E07000049", "East Dorset", 2),  # a part of Dorset unitary: kept
    ("E10000029", "Suffolk", 1),
    ("E07000200", "Babergh", 1),  # any other district (its county is published): dropped
    ("E11000001", "Greater Manchester (Met County)", 4),  # dropped
    ("W06000001", "Isle of Anglesey", 1),  # dropped
]


def _mye2015(path):
    sheets = {"Terms & Conditions": [["Terms"]]}
    for name, label, share in (
        ("Persons UK", "ALL PERSONS", 1.0),
        ("Males UK", "MALES", 0.5),
        ("Females UK ", "FEMALES", 0.5),
    ):
        rows = [
            [
                "MYE2: Population estimates by single year of age and sex for local "
                "authorities in the UK, mid-2015"
            ],
            [label],
            ["CODE", "NAME", "ALL AGES", *[float(a) for a in range(91)]],
        ]
        for code, area, per_age in AREAS_2015:
            ages = [v * share for v in _ages(per_age)]
            rows.append([code, area, sum(ages), *ages])
        rows.append([])
        rows.append(["Source: Office for National Statistics"])
        sheets[name] = rows
    _book(path, sheets)


def test_mye2_2015_layout_no_geography_column(tmp_path):
    path = tmp_path / "MYE2_2015.xls.xlsx"
    _mye2015(path)
    assert population.detect(path) == "ons-mye2-workbook"
    t = population.clean(population.read(path))
    schemas.validate("population", t)
    assert (t.year == 2015).all() and set(t.sex) == {"Persons", "Males", "Females"}
    kinds = t.drop_duplicates("la_code").set_index("la_code")["area_type"].to_dict()
    assert kinds == {
        "E92000001": "england",
        "E12000009": "region",
        "E06000054": "council",
        "E10000009": "council",
        "E10000029": "council",
        "E07000048": "district",
        "E07000049": "district",
    }
    p = t[(t.la_code == "E06000054") & (t.sex == "Persons")].set_index("age_label")
    # Wiltshire: 2 people at each of 91 ages -> 182 in ALL AGES (row 7, column C)
    assert p.loc["All ages", "value"] == 182
    assert (p.loc["All ages", "source_row"], p.loc["All ages", "source_column"]) == (7, 3)
    # the last age column, headed 90.0, is everyone aged 90 and over
    top = p.loc["90+"]
    assert (top["age"], top["age_from"], top["source_column"]) == (90, 90, 94)
    assert pd.isna(top["age_to"]) and p.loc["45", "age_to"] == 45
    females = t[(t.la_code == "E10000009") & (t.sex == "Females") & (t.age_label == "0")]
    assert females.value.iloc[0] == 1.5 and females.source_row.iloc[0] == 8


def _mye2_accessible(path, year=2018, geog=("Geography1", "Geography1", "Geography")):
    """mid-2018 style: 'MYE2-All', 'MYE2 - Males', 'MYE2 - Females', header in row 5 with
    Geography1 (or Geography), ages as numbers; the accessible layout puts text ages."""
    sheets = {"Contents ": [["Contents"]], "MYE1": [["other table"]]}
    for (name, sex, share), g in zip(
        (
            ("MYE2-All", "Persons", 1.0),
            ("MYE2 - Males", "Males", 0.4),
            ("MYE2 - Females", "Females", 0.6),
        ),
        geog,
    ):
        rows = [
            ["Contents"],
            [],
            [
                f"MYE2: Population estimates: {sex} by single year of age and sex for local authorities in the UK, mid-{year}"
            ],
            [],
            ["Code", "Name", g, "All ages", *[str(a) for a in range(90)], "90+"],
            ["E92000001", "ENGLAND", "Country", 910.0 * share, *_ages(10 * share)],
            ["E06000054", "Wiltshire", "Unitary Authority", 91.0 * share, *_ages(share)],
            [],
            ["1. Further information ..."],
        ]
        sheets[name] = rows
    _book(path, sheets)


def test_mye2_sheet_names_header_row_and_geography_column_vary(tmp_path):
    path = tmp_path / "ukmidyearestimates2018.xlsx"
    _mye2_accessible(path)
    assert population.detect(path) == "ons-mye2-workbook"
    t = population.clean(population.read(path))
    schemas.validate("population", t)
    assert (t.year == 2018).all()
    w = t[(t.la_code == "E06000054") & (t.age_label == "All ages")].set_index("sex")["value"]
    assert w.to_dict() == {
        "Persons": 91.0,
        "Males": pytest.approx(36.4),
        "Females": pytest.approx(54.6),
    }
    assert t[t.age_label == "90+"].age.unique().tolist() == [90]
    # row 7 of the sheet (header in row 5, England in row 6)
    assert t[(t.la_code == "E06000054") & (t.sex == "Persons")].source_row.unique().tolist() == [7]


def test_mye2_without_title_year_is_an_error(tmp_path):
    path = tmp_path / "mye.xlsx"
    _book(
        path, {"MYE2 - Persons": [["A title without the year"], ["Code", "Name", "All ages", "0"]]}
    )
    with pytest.raises(SourceError, match="mid-YYYY") as err:
        population.read(path)
    assert "MYE2 - Persons" in str(err.value)


def _myeb(path):
    """Accessible MYEB detailed time series: cover, contents, notes; MYEB1 long table with the
    title in row 1 and the header in row 2 (sex 1 = male, 2 = female; age 90 = 90 and over)."""
    rows = [
        [
            "MYEB1: Population estimates by local authority, sex and single year of age, mid-2021 to mid-2022"
        ],
        ["ladcode23", "laname23", "country", "sex", "age", "population_2021", "population_2022"],
    ]
    for code, name in (
        ("E06000054", "Wiltshire"),
        ("E07000048", "Christchurch"),
        ("W06000001", "Isle of Anglesey"),
    ):
        for sex in (1, 2):
            for age in range(91):
                rows.append([code, name, code[0], sex, age, 1.0 * sex, 2.0 * sex])
    _book(
        path,
        {
            "Cover sheet": [["Population estimates"]],
            "Contents": [["Contents"]],
            "Notes": [["Notes"]],
            "MYEB1": rows,
        },
    )


def test_myeb_long_table(tmp_path):
    path = tmp_path / "myebtables.xlsx"
    _myeb(path)
    assert population.detect(path) == "ons-myeb-workbook"
    t = population.clean(population.read(path))
    schemas.validate("population", t)
    assert set(t.la_code) == {"E06000054", "E07000048"}  # Wales dropped, a BCP part kept
    w = t[t.la_code == "E06000054"]
    assert set(w.year) == {2021, 2022} and set(w.sex) == {"Males", "Females"}
    assert len(w) == 2 * 2 * 91
    f22 = w[(w.sex == "Females") & (w.year == 2022) & (w.age_label == "90+")].iloc[0]
    assert f22.value == 4.0 and pd.isna(f22.age_to) and f22.age == 90
    # Wiltshire, male, age 0 is row 3; population_2022 is column G
    m0 = w[(w.sex == "Males") & (w.year == 2022) & (w.age_label == "0")].iloc[0]
    assert (m0.source_row, m0.source_column) == (3, 7)
    # persons are built from males + females for the bands: 91 x (1 + 2) in 2021
    b = band_population(t[t.la_code == "E06000054"])
    assert b.set_index(["year", "breakdown"]).loc[(2021, "All ages"), "value"] == 273


SNPP_GROUPS = [f"{a}-{a + 4}" for a in range(0, 90, 5)] + ["90+"]


def test_snpp_workbook_sheets_persons_males_females(tmp_path):
    path = tmp_path / "table2.xlsx"
    sheets = {}
    for name, per in (("Persons", 10.0), ("Males", 4.0), ("Females", 6.0)):
        rows = [
            [
                f"Table 2: 2018-based subnational population projections, {name.lower()} by five year age groups"
            ],
            [],
            ["CODE", "AREA", "AGE GROUP", 2018, 2019],
            ["E06000054", "Wiltshire", "All ages", per * 19, per * 19 * 1.1],
        ]
        rows[3:3] = [["E06000054", "Wiltshire", g, per, per * 1.1] for g in SNPP_GROUPS]
        sheets[name] = rows
    _book(path, sheets)
    assert population.detect(path) == "ons-snpp-workbook"  # 'Persons' is not an MYE2 sheet
    t = population.clean(population.read(path))
    schemas.validate("population_projections", t)
    assert population.table_for("ons-snpp-workbook") == "population_projections"
    assert set(t.sex) == {"Persons", "Males", "Females"} and set(t.year) == {2018, 2019}
    g = t[(t.sex == "Males") & (t.age_label == "15-19") & (t.year == 2019)].iloc[0]
    assert (g.age_from, g.age_to, g.value) == (15, 19, pytest.approx(4.4))
    assert pd.isna(g.age) and (g.source_row, g.source_column) == (7, 5)
    assert t.estimate.unique().tolist() == ["2018-based projection"]


def test_snpp_resaved_csv_with_index_column_and_float_years(tmp_path):
    path = tmp_path / "ons_pop.csv"
    lines = ['"","CODE","AREA","AGE GROUP","2018","2019.0"']
    for i, g in enumerate([*SNPP_GROUPS, "All ages"], 1):
        v = 190 if g == "All ages" else 10
        lines.append(f'"{i}","E06000054","Wiltshire","{g}"," {v}"," {v * 1.5}"')
    path.write_text("\n".join(lines) + "\n")
    assert population.detect(path) == "ons-snpp-table-csv"
    t = population.clean(population.read(path))
    schemas.validate("population_projections", t)
    assert set(t.year) == {2018, 2019} and set(t.sex) == {"Persons"}
    row = t[(t.year == 2019) & (t.age_label == "All ages")].iloc[0]
    assert row.value == 285 and (row.source_row, row.source_column) == (21, 6)


def test_snpp_bad_age_group_named(tmp_path):
    path = tmp_path / "ons_pop.csv"
    path.write_text(
        '"","CODE","AREA","AGE GROUP","2018"\n"1","E06000054","Wiltshire","young","5"\n'
    )
    with pytest.raises(SourceError, match="'young'") as err:
        population.clean(population.read(path))
    assert "row 2" in str(err.value) and "AGE GROUP" in str(err.value)


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        (7, (7, 7, "7")),
        (7.0, (7, 7, "7")),
        ("Age 7", (7, 7, "7")),
        ("90+", (90, None, "90+")),
        ("Aged 90+", (90, None, "90+")),
        ("90 and over", (90, None, "90+")),
        ("0-4", (0, 4, "0-4")),
        ("15 to 19", (15, 19, "15-19")),
        ("All ages", (None, None, "All ages")),
        ("All Ages", (None, None, "All ages")),
        ("old", None),
        ("19-15", None),
    ],
)
def test_parse_age(label, expected):
    assert population.parse_age(label) == expected


def test_band_shares_split_five_year_groups_evenly():
    lo = pd.Series([15, 60, 85, 90, 0])
    hi = pd.Series([19, 64, 89, None, 4], dtype="Int64")
    assert band_shares(lo, hi, (18, 64)).tolist() == [0.4, 1.0, 0.0, 0.0, 0.0]
    assert band_shares(lo, hi, (85, None)).tolist() == [0.0, 0.0, 1.0, 1.0, 0.0]
    assert band_shares(lo, hi, (65, 74)).tolist() == [0.0] * 5
    with pytest.raises(ValueError, match="open-ended"):
        band_shares(lo, hi, (80, 94))


# ---------------------------------------------------------------- series ---------------


def _rows(code, year, total_by_age: dict, estimate="mid-year estimate", area="council"):
    """Persons rows for one area-year: {age_label: value} with 'All ages' added."""
    out = []
    for label, v in total_by_age.items():
        a = population.parse_age(label)
        out.append((code, area, year, estimate, "Persons", label, a[0], a[1], v))
    out.append(
        (code, area, year, estimate, "Persons", "All ages", None, None, sum(total_by_age.values()))
    )
    return out


def _ages3(young, adult, old):
    """Age groups a test can add up by hand: 0-17, 18-64 and 65+ (split 2:1:1 into 65-74,
    75-84 and 85+)."""
    return {"0-17": young, "18-64": adult, "65-74": old / 2, "75-84": old / 4, "85+": old / 4}


def _frame(rows, source_file):
    f = pd.DataFrame(
        rows,
        columns=[
            "la_code",
            "area_type",
            "year",
            "estimate",
            "sex",
            "age_label",
            "age_from",
            "age_to",
            "value",
        ],
    )
    f["age_from"] = f["age_from"].astype("Int64")
    f["age_to"] = f["age_to"].astype("Int64")
    f["age"] = pd.array([pd.NA] * len(f), dtype="Int64")
    return f.assign(source_file=source_file, source="ONS")


@pytest.fixture()
def tiny() -> Tables:
    old = []  # mid-2017, on 2017 boundaries
    old += _rows("E92000001", 2017, _ages3(100, 600, 300), area="england")
    old += _rows("E06000028", 2017, _ages3(10, 60, 30))  # Bournemouth
    old += _rows("E06000029", 2017, _ages3(5, 30, 15))  # Poole
    old += _rows("E07000048", 2017, _ages3(1, 6, 3), area="district")  # Christchurch
    for code in ("E07000049", "E07000050", "E07000051", "E07000052", "E07000053"):
        old += _rows(code, 2017, _ages3(2, 12, 6), area="district")  # Dorset's five districts
    old += _rows("E10000009", 2017, _ages3(11, 66, 33))  # Dorset county = Christchurch + five
    old += _rows("E10000021", 2017, _ages3(20, 120, 60))  # Northamptonshire
    new = []  # mid-2020, on 2021 boundaries
    new += _rows("E92000001", 2020, _ages3(110, 660, 330), area="england")
    new += _rows("E06000061", 2020, _ages3(10, 50, 25))  # North Northamptonshire
    new += _rows("E06000062", 2020, _ages3(10, 70, 50))  # West Northamptonshire
    pop = pd.concat([_frame(old, "mye2017.xls"), _frame(new, "mye2020.xls")], ignore_index=True)
    proj = []
    for year, f in ((2018, 1.0), (2020, 1.1), (2021, 1.21)):
        proj += _rows("E06000028", year, _ages3(10 * f, 60 * f, 30 * f), "2018-based projection")
        proj += _rows("E06000029", year, _ages3(5 * f, 30 * f, 15 * f), "2018-based projection")
        proj += _rows(
            "E07000048", year, _ages3(1 * f, 6 * f, 3 * f), "2018-based projection", "district"
        )
        proj += _rows("E10000021", year, _ages3(20 * f, 120 * f, 60 * f), "2018-based projection")
    return Tables(frames={"population": pop, "population_projections": _frame(proj, "snpp.csv")})


def _at(s, code, year, band):
    row = s[(s.la_code == code) & (s.year == year) & (s.breakdown == band)]
    assert len(row) == 1, (code, year, band)
    return row.iloc[0]


def test_estimate_series_merged_apportioned_missing(tiny):
    s = series(tiny, "population_estimate")
    # BCP mid-2017 = Bournemouth 100 + Poole 50 + Christchurch 10, merged
    bcp = _at(s, "E06000058", 2017, "All ages")
    assert (bcp.value, bcp.basis) == (160, "merged") and "Christchurch (E07000048)" in bcp.note
    # Dorset unitary = its five districts, 5 x 20 = 100 (county 110 less Christchurch 10)
    assert _at(s, "E06000059", 2017, "All ages").value == 100
    # 65 and over: open group 65+ is inside; 18 to 64: 18-64 group exactly
    assert _at(s, "E06000058", 2017, "65 and over").value == 30 + 15 + 3
    assert _at(s, "E06000058", 2017, "18 to 64").value == 60 + 30 + 6
    # North Northamptonshire mid-2017: county 200 x its mid-2020 share 85 / (85 + 130)
    nn = _at(s, "E06000061", 2017, "All ages")
    assert nn.basis == "apportioned" and nn.value == pytest.approx(200 * 85 / 215)
    assert "mid-2020" in nn.note and "Northamptonshire (E10000021)" in nn.note
    # by band: 65 and over share 25 / 75 of the county's 60
    assert _at(s, "E06000061", 2017, "65 and over").value == pytest.approx(60 * 25 / 75)
    assert _at(s, "E06000061", 2020, "All ages").basis == "published"
    # years between files are missing, flagged; a council with no rows is missing
    gap = _at(s, "E06000058", 2018, "All ages")
    assert gap.basis == "missing" and pd.isna(gap.value)
    assert _at(s, "E06000054", 2017, "All ages").basis == "missing"
    assert set(s.year) == {2017, 2018, 2019, 2020}
    assert _at(s, "E92000001", 2020, "All ages").value == 1100


def test_projection_built_from_parts_and_rebased(tiny):
    p = series(tiny, "population_projection")
    e = series(tiny, "population_estimate")
    # North Northamptonshire: no part of it in the projection (only the county): not built
    assert p[p.la_code == "E06000061"].empty
    # BCP: projection = Bournemouth + Poole + Christchurch (160 in 2018, x1.1 in 2020, x1.21 in
    # 2021); the latest estimate in its years is mid-2020 -> rebased there
    bcp = p[(p.la_code == "E06000058") & (p.breakdown == "All ages")].set_index("year")
    # BCP's only estimate is mid-2017, outside the projection's years: not rebased, as published
    assert bcp.index.tolist() == [2018, 2020, 2021]
    assert bcp.loc[2018, "value"] == 160 and bcp.loc[2021, "value"] == pytest.approx(193.6)
    assert "not rebased" in bcp.loc[2018, "note"] and "on today's boundary" in bcp.loc[2018, "note"]
    assert (p.basis == "projected").all()
    assert _at(e, "E06000058", 2017, "All ages").value == 160  # the estimate it was not rebased to


def test_projection_rebased_equals_estimate_in_its_year():
    est = _frame(
        _rows("E06000054", 2020, _ages3(20, 100, 40))
        + _rows("E92000001", 2020, _ages3(1, 2, 3), area="england"),
        "mye2020.xls",
    )
    proj = _frame(
        _rows("E06000054", 2019, _ages3(18, 95, 35), "2018-based projection")
        + _rows("E06000054", 2020, _ages3(19, 98, 38), "2018-based projection")
        + _rows("E06000054", 2021, _ages3(19, 98, 41.8), "2018-based projection"),
        "snpp.csv",
    )
    t = Tables(frames={"population": est, "population_projections": proj})
    p = series(t, "population_projection", "E06000054").set_index(["year", "breakdown"])
    assert p.index.get_level_values("year").min() == 2020
    assert p.loc[(2020, "65 and over"), "value"] == 40  # equals the estimate
    assert p.loc[(2021, "65 and over"), "value"] == pytest.approx(40 * 41.8 / 38)  # +10%
    assert p.loc[(2021, "18 to 64"), "value"] == pytest.approx(100)  # no growth
    assert (p.basis == "projected").all()
    assert (
        "rebased" in p.loc[(2021, "All ages"), "note"]
        and "mid-2020" in p.loc[(2021, "All ages"), "note"]
    )


def test_districts_only_table_builds_counties_and_england():
    """A national table of districts (MYEB-like, no county or England rows): each county is
    the sum of its districts, today's councils are built from them, England from councils."""
    from msp_analysis import geography

    lookup = geography.district_counties()
    parts = geography.successor_parts()
    part_of = set(parts.part_code)
    rows = []

    def district_of(county):
        d = lookup[(lookup.county_code == county) & ~lookup.district_code.isin(part_of)]
        return d.district_code.iloc[0]

    for code in geography.councils().la_code:
        if code in set(parts.successor_code):
            continue
        if code.startswith("E10"):
            rows += _rows(district_of(code), 2022, _ages3(1, 6, 3), area="district")
        else:
            rows += _rows(code, 2022, _ages3(1, 6, 3))
    for p in parts.itertuples():
        if p.part_type == "county":
            rows += _rows(district_of(p.part_code), 2022, _ages3(1, 6, 3), area="district")
        else:
            area = "district" if p.part_type == "district" else "council"
            rows += _rows(p.part_code, 2022, _ages3(1, 6, 3), area=area)
    pop = _frame(rows, "myeb.xlsx")
    n_inputs = pop.la_code.nunique()
    s = series(Tables(frames={"population": pop}), "population_estimate")
    s = s[s.breakdown == "All ages"].set_index("la_code")
    assert (s.drop(index="E92000001").basis != "missing").all()  # every council built
    kent = s.loc["E10000016"]
    assert kent.value == 10 and kent.basis == "merged" and "districts of Kent" in kent.note
    ny = s.loc["E06000065"]  # North Yorkshire: its county, itself summed from districts
    assert ny.value == 10 and ny.basis == "merged"
    assert s.loc["E06000058"].value == 30  # BCP: Bournemouth + Poole + Christchurch
    eng = s.loc["E92000001"]
    assert eng.basis == "merged" and f"sum of the {len(geography.councils())} councils" in eng.note
    assert eng.value == 10 * n_inputs  # every input counted once


def test_csv_with_code_and_area_only_is_not_claimed(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("Code,Area,Beds\nE06000054,Wiltshire,10\n")
    assert population.detect(path) is None


def _snpp_csv(path, header: list[str], extra=lambda g: []):
    lines = [",".join(f'"{h}"' for h in header)]
    for i, g in enumerate(SNPP_GROUPS, 1):
        lines.append(
            ",".join(f'"{x}"' for x in [i, "E06000054", "Wiltshire", g, 10, 15, 20, *extra(g)])
        )
    path.write_text("\n".join(lines) + "\n")


def test_snpp_year_column_renamed_or_unknown_is_an_error_not_rows_gone(tmp_path):
    # '2019' renamed 'Y2019': before, the whole year vanished from the projections
    path = tmp_path / "ons_pop.csv"
    _snpp_csv(path, ["", "CODE", "AREA", "AGE GROUP", "2018", "Y2019", "2020"])
    with pytest.raises(SourceError) as err:
        population.clean(population.read(path))
    assert "column 'Y2019'" in str(err.value) and "neither a year" in str(err.value)
    # a year deleted: the run of years has a gap
    _snpp_csv(path, ["", "CODE", "AREA", "AGE GROUP", "2018", "2020", "2021"])
    with pytest.raises(SourceError, match="without 2019"):
        population.clean(population.read(path))


def test_snpp_notes_column_is_left_out_with_a_note(tmp_path, caplog):
    path = tmp_path / "ons_pop.csv"
    _snpp_csv(
        path,
        ["", "CODE", "AREA", "AGE GROUP", "2018", "2019", "2020", "Notes"],
        extra=lambda g: ["provisional"],
    )
    t = population.clean(population.read(path))
    assert sorted(t.year.unique()) == [2018, 2019, 2020] and len(t) == 3 * len(SNPP_GROUPS)
    assert "column(s) 'Notes' carry no figures" in caplog.text


def test_mye2_status_column_left_out_and_lower_case_code_kept(tmp_path, caplog):
    # a release adds a 'Status' column after 90+, and Wiltshire's code was typed in lower
    # case: the table reads as before, with two notes, and Wiltshire's rows are all there
    path = tmp_path / "ukmidyearestimates2018.xlsx"
    _mye2_accessible(path)
    import openpyxl

    book = openpyxl.load_workbook(path)
    for name in ("MYE2-All", "MYE2 - Males", "MYE2 - Females"):
        sheet = book[name]
        sheet.cell(5, 96, "Status")
        sheet.cell(6, 96, "Final")
        sheet.cell(7, 96, "Final")
        sheet.cell(7, 1, "e06000054")
    book.save(path)
    t = population.clean(population.read(path))
    w = t[(t.la_code == "E06000054") & (t.sex == "Persons")]
    assert len(w) == 92 and w[w.age_label == "All ages"].value.iloc[0] == 91.0
    assert "'Status' carry no figures" in caplog.text
    assert "area code(s) written in lower case" in caplog.text
