"""ASC-FR 2014-15 wide council-level expenditure CSV, on tiny hand-made files."""

from __future__ import annotations

import pandas as pd
import pytest

from msp_analysis import schemas
from msp_analysis.errors import SourceError
from msp_analysis.sources import ascfr, readers_for

pytestmark = pytest.mark.unit

HEAD = "Support type,Age category,Summary,Delivery mechanism,Accounting category"


def _wide(path, lines, councils=("817 - Wiltshire", "810 - Bournemouth")):
    text = ",,,,," + ",".join("SW" for _ in councils) + "\n"
    text += HEAD + "," + ",".join(councils) + "\n"
    text += "".join(line + "\n" for line in lines)
    text += ',,,,,\nNotes,,,,\n"Data are presented in \xa3000\'s",,,,\n'
    path.write_bytes(text.encode("cp1252"))
    return path


LINES = [
    "Long term,Age 18 to 64,Physical support,Nursing,Gross current expenditure,1284.73,596",
    "Long term,Age 18 to 64,Physical support,Nursing,Income: total,:,107",
    "Non Salt Totals,,Social Support: Support to Carer ,Total,Gross current expenditure,776,5",
    "Non Salt Totals,,Social Support: Support to Carer ,Total,Gross current expenditure,776,5",
    "Non Salt Totals,,Adult Social Care,Total,Gross current expenditure,155818,9000",
    "Non Salt Totals,,Actual total net cost,Total,Net total expenditure,131627,8000",
]


def test_wide_layout_to_tidy(tmp_path):
    path = _wide(tmp_path / "ascfr_2014-15_council_expenditure.csv", LINES)
    assert ascfr.detect(path) == "ascfr-2014-15-wide"
    assert [m.__name__.rsplit(".", 1)[-1] for m, _ in readers_for(path)] == ["ascfr"]
    tidy = schemas.validate("ascfr", ascfr.clean(ascfr.read(path)))
    w = tidy[tidy["la_code"] == "E06000054"]  # 817 -> Wiltshire via old_council_codes.csv
    assert set(tidy["la_code"]) == {"E06000054", "E06000028"}  # 810 -> Bournemouth
    assert set(tidy["year"]) == {2014}
    lt = w[(w["care_type"] == "Long Term Care") & (w["measure"] == "gross_current_expenditure")]
    assert lt.iloc[0]["value"] == 1284.73
    assert (lt.iloc[0]["age_band"], lt.iloc[0]["primary_support_reason"]) == (
        "18 to 64",
        "Physical Support",
    )
    assert lt.iloc[0]["support_setting"] == "Nursing" and lt.iloc[0]["source_row"] == 3
    inc = w[w["measure"] == "income_total"].iloc[0]
    assert inc["suppressed"] and inc["marker"] == ":"  # ':' unavailable, never zero
    carers = w[w["primary_support_reason"] == "Social Support: Support to Carer"]
    assert len(carers) == 1 and carers.iloc[0]["value"] == 776  # the repeated line kept once
    total = w[(w["care_type"] == "Total") & (w["measure"] == "gross_current_expenditure")]
    assert total.iloc[0]["value"] == 155818
    assert w[w["measure"] == "actual_total_net_cost"].iloc[0]["value"] == 131627


def test_repeated_line_with_other_values_is_an_error(tmp_path):
    lines = [*LINES]
    lines[3] = lines[3].replace("776,5", "777,5")
    path = _wide(tmp_path / "a_2014-15.csv", lines)
    with pytest.raises(SourceError, match="published twice") as err:
        ascfr.clean(ascfr.read(path))
    assert err.value.row == 5


def test_bad_cell_names_its_council_column_and_row(tmp_path):
    # Distinct cells are parsed once; a bad one must still be reported where it stands:
    # line 4 of the file (the 2nd data line), Bournemouth's column.
    lines = [*LINES]
    lines[1] = lines[1].replace(":,107", ":,1O7")
    path = _wide(tmp_path / "a_2014-15.csv", lines)
    with pytest.raises(SourceError, match="'1O7' is not a number") as err:
        ascfr.clean(ascfr.read(path))
    assert (err.value.column, err.value.row) == ("810 - Bournemouth", 4)


def test_dollar_cells_read_as_numbers(tmp_path):
    lines = [*LINES]
    lines[0] = lines[0].replace("1284.73,596", "$0.00,596")
    path = _wide(tmp_path / "a_2014-15.csv", lines)
    tidy = ascfr.clean(ascfr.read(path))
    cell = tidy[(tidy["la_code"] == "E06000054") & (tidy["source_row"] == 3)].iloc[0]
    assert cell["value"] == 0 and not cell["suppressed"]


def test_council_number_and_name_must_agree(tmp_path):
    path = _wide(tmp_path / "a_2014-15.csv", LINES[:1], councils=("817 - Swindon", "810 - Poole"))
    with pytest.raises(SourceError, match="817 is 'Wiltshire'") as err:
        ascfr.clean(ascfr.read(path))
    assert err.value.column == "817 - Swindon"


# The 2015-16 "data file with descriptions" layout, as NHS Digital published it
# (pss-exp-eng-15-16-fin-add-data.csv): UTF-8 with BOM, council numbers, labels spelled out.
EARLY = (
    "UUID,Council Code,Council Name,Data Type,Data Source,Age Band,Finance Type,"
    "Comparative totals,Value,Notes\n"
    "8326110,817,Wiltshire,Mandatory,Additional Data,-,Income,"
    "Income from Specific and Special Grants,1271,\n"
    "8510101,817,Wiltshire,Mandatory,Bridging Year,Age 65 and over,Expenditure,"
    "Assessment and Care management,28293.25547,Estimate\n"
    "8510102,817,Wiltshire,Mandatory,Bridging Year,Age 65 and over,Income,"
    "Assessment and Care management,:,\n"
    "8328110,810,Bournemouth,Voluntay,Additional Data,-,Income,Income from Better Care Fund,,\n"
)


def test_2015_16_descriptions(tmp_path):
    path = tmp_path / "pss-exp-eng-15-16-fin-add-data.csv"
    path.write_bytes(b"\xef\xbb\xbf" + EARLY.encode("utf-8"))
    assert ascfr.detect(path) == "ascfr-2015-16-descriptions"
    tidy = schemas.validate("ascfr", ascfr.clean(ascfr.read(path)))
    assert set(tidy["year"]) == {2015}  # from '15-16' in the file name
    assert set(tidy["la_code"]) == {"E06000054", "E06000028"}  # 817 Wiltshire, 810 Bournemouth
    w = tidy[tidy["la_code"] == "E06000054"].set_index("measure")
    est = w.loc["expenditure_assessment_and_care_management"]
    assert est["value"] == 28293.25547 and est["marker"] == "Estimate" and not est["suppressed"]
    assert est["age_band"] == "65 and over" and est["source_row"] == 3
    assert est["table_ref"] == "Data file 2015-16: Bridging Year"
    sup = w.loc["income_assessment_and_care_management"]
    assert sup["suppressed"] and sup["value"] != sup["value"]
    grants = w.loc["income_income_from_specific_and_special_grants"]
    assert grants["value"] == 1271 and grants["age_band"] == "Total"
    blank = tidy[tidy["la_code"] == "E06000028"].iloc[0]
    assert blank["value"] != blank["value"] and not blank["suppressed"]


def test_2015_16_descriptions_needs_a_year_and_known_councils(tmp_path):
    path = tmp_path / "fin-add-data.csv"
    path.write_text(EARLY, encoding="utf-8")
    with pytest.raises(SourceError, match="no financial year"):
        ascfr.clean(ascfr.read(path))
    path = tmp_path / "pss-exp-eng-15-16-x.csv"
    path.write_text(EARLY.replace("817,Wiltshire", "817,Swindon"), encoding="utf-8")
    with pytest.raises(SourceError, match="817 is 'Wiltshire'") as err:
        ascfr.clean(ascfr.read(path))
    assert err.value.row == 2


# The 2014-15 council-level unit costs (pss-exp-eng-14-15-fin-coun-lev-unit-cost.csv):
# wide like the expenditure file, regions and England after the councils, '.' where a unit
# cost is not calculated.
UC_HEAD = (
    "Support type,Age category,Primary support reason,Service delivery mechanism,"
    "Unit cost category,Unit cost provision,817 - Wiltshire,South West,England"
)
UC_LINES = [
    "Long term,Age 18 to 64,Learning disability support,Residential,Numerator,All,25816,1,1844289.86",
    "Long term,Age 18 to 64,Learning disability support,Residential,Denominator,All,15194,1,1380224.7",
    "Long term,Age 18 to 64,Learning disability support,Residential,Unit costs,All,1699.09,1000,1336.22",
    "Long term,Age 18 to 64,Physical support,Residential,Unit costs,Own provision,.,.,885.82",
    "Short term,Age 65 and over,Physical support,To maximise independence,Unit costs,All,43.38,40,41",
]


def _unit_costs(path, lines=UC_LINES, head=UC_HEAD):
    text = ",,,,,,SW,SW,Eng\n" + head + "\n" + "".join(line + "\n" for line in lines)
    text += ",,,,,,,,\nNotes: Data are presented in \xa3000's,,,,,,,,\n"
    path.write_bytes(text.encode("cp1252"))
    return path


def test_unit_costs_wide_layout_to_tidy(tmp_path):
    path = _unit_costs(tmp_path / "ascfr_2014-15_council_unit_costs.csv")
    assert ascfr.detect(path) == "ascfr-2014-15-unit-costs-wide"
    tidy = schemas.validate("ascfr", ascfr.clean(ascfr.read(path)))
    assert set(tidy["la_code"]) == {"E06000054", "E12000009", "E92000001"}
    w = tidy[tidy["la_code"] == "E06000054"].set_index(["measure", "provision", "source_row"])
    # line 3: the numerator, £ thousands; line 4 its weeks; line 5 the unit cost, £ a week
    assert w.loc[("unit_cost_numerator", "Total", 3), "value"] == 25816
    assert w.loc[("unit_cost_weeks", "Total", 4), "unit"] == "weeks"
    uc = w.loc[("unit_cost", "Total", 5)]
    assert uc["value"] == 1699.09 and uc["unit"] == "£ per week"
    assert (uc["age_band"], uc["primary_support_reason"], uc["support_setting"]) == (
        "18 to 64",
        "Learning Disability Support",
        "Residential",
    )
    own = w.loc[("unit_cost", "In House", 6)]  # '.': not calculated, missing, never zero
    assert pd.isna(own["value"]) and own["suppressed"] and own["marker"] == "."
    st = w.loc[("unit_cost", "Total", 7)]
    assert st["care_type"] == "Short Term Care" and st["purpose"].endswith("Maximise Independence")
    eng = tidy[(tidy["la_code"] == "E92000001") & (tidy["source_row"] == 5)].iloc[0]
    assert eng["value"] == 1336.22 and eng["area_type"] == "england" and eng["source_column"] == 9


def test_unit_costs_unknown_line_or_column_is_named(tmp_path):
    bad = [*UC_LINES]
    bad[1] = bad[1].replace("Denominator", "Denominatr")
    with pytest.raises(SourceError, match="unknown line label") as err:
        ascfr.clean(ascfr.read(_unit_costs(tmp_path / "a_2014-15.csv", bad)))
    assert err.value.row == 4
    head = UC_HEAD.replace("South West", "Atlantis")
    with pytest.raises(SourceError, match="neither a council") as err:
        ascfr.clean(ascfr.read(_unit_costs(tmp_path / "b_2014-15.csv", head=head)))
    assert err.value.column == "Atlantis"
