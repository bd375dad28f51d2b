"""The councils created in 2023 (and the other boundary changes): today's councils in the
CLI, in batch lists and in Section 1; the data-currency box on page 1."""

from __future__ import annotations

import pandas as pd
import pytest

from msp_analysis import geography, inputs
from msp_analysis.errors import UsageError
from msp_analysis.narrative.currency import data_currency
from msp_analysis.tables import Tables

pytestmark = pytest.mark.unit

CUMBRIA, CUMBERLAND, WESTMORLAND = "E10000006", "E06000063", "E06000064"
NYC, NY = "E10000023", "E06000065"


def test_abolished_council_is_refused_naming_its_successors():
    with pytest.raises(UsageError) as exc:
        inputs.resolve_council(CUMBRIA)
    msg = str(exc.value)
    assert "abolished on 1 April 2023" in msg
    assert "Cumberland (E06000063)" in msg and "Westmorland and Furness (E06000064)" in msg
    assert "--la E06000063 or --la E06000064" in msg
    with pytest.raises(UsageError, match=r"North Yorkshire \(E06000065\)"):
        inputs.resolve_council("e10000023")
    with pytest.raises(UsageError, match="part of Bournemouth, Christchurch and Poole"):
        inputs.resolve_council("E06000028")
    # today's councils by code and by name; a name shared with the old county is today's
    assert inputs.resolve_council("E06000064") == WESTMORLAND
    assert inputs.resolve_council("North Yorkshire") == NY
    assert inputs.resolve_council("cumberland") == CUMBERLAND


def test_new_council_is_in_the_data_through_its_predecessor(tmp_path):
    # a processed salt table with Cumbria's 2021-22 rows only
    pd.DataFrame({"la_code": [CUMBRIA, "E06000054"], "year": [2021, 2021]}).to_parquet(
        tmp_path / "salt.parquet"
    )
    assert inputs.check_in_data(CUMBERLAND, tmp_path, demo=False) == CUMBERLAND
    assert inputs.check_in_data(NY, tmp_path, demo=False) == NY  # no rows at all: warned, kept


def test_history_statements():
    ny = geography.history_statement(NY)
    assert "on the boundary of North Yorkshire County Council" in ny and "2023-24" in ny
    cu = geography.history_statement(CUMBERLAND)
    assert "Allerdale, Carlisle and Copeland" in cu
    # the share is the one in data/split_weights.csv: 222,687 of Cumbria's 410,445 adults
    # (mid-2021, its three districts summed)
    assert f"{222687 / (222687 + 187758):.1%}" in cu and "54.3%" in cu
    assert geography.history_statement("E06000054") is None


@pytest.mark.parametrize(
    ("unit", "additive"),
    [
        ("people", True),
        ("providers", True),
        ("£ million", True),
        ("people aged 65+", True),
        ("% of care home beds", False),
        ("£ per week", False),
        ("clients per 100,000 adults", False),
        ("HHI (0-10,000)", False),
        ("filled posts per 1,000 adults", False),
    ],
)
def test_is_additive_unit(unit, additive):
    assert geography.is_additive_unit(unit) is additive


def _area(rows):
    return pd.DataFrame(rows, columns=["la_code", "area_type", "year", "breakdown", "value"])


AREA = _area(
    [
        (CUMBRIA, "council", 2021, "Total", 100.0),
        (NYC, "council", 2021, "Total", 50.0),
        (NY, "council", 2024, "Total", 70.0),
        (NYC, "council", 2024, "Total", 999.0),  # a stale county row where today's exists
        ("E06000054", "council", 2021, "Total", 10.0),
        ("E12000002", "region", 2021, "Total", 500.0),
        ("E92000001", "england", 2021, "Total", 9000.0),
    ]
)


def test_to_current_councils_rates_and_counts():
    rate = geography.to_current_councils(AREA, additive=False).set_index(["la_code", "year"])
    # a split county's rate goes to each successor as it is; the county goes
    assert rate.loc[(CUMBERLAND, 2021), "value"] == 100.0
    assert rate.loc[(WESTMORLAND, 2021), "value"] == 100.0
    assert rate.loc[(CUMBERLAND, 2021), "boundary_basis"] == "former county (rate)"
    assert CUMBRIA not in rate.index.get_level_values(0) and NYC not in rate.index.get_level_values(
        0
    )
    # a renamed county's row carries over; today's own row wins over the county's
    assert (
        rate.loc[(NY, 2021), "value"] == 50.0
        and rate.loc[(NY, 2021), "boundary_basis"] == "same area"
    )
    assert (
        rate.loc[(NY, 2024), "value"] == 70.0
        and rate.loc[(NY, 2024), "boundary_basis"] == "published"
    )
    # England and regions untouched; councils of today counted once each
    assert rate.loc[("E12000002", 2021), "value"] == 500.0
    assert len(rate.loc[pd.IndexSlice[:, 2021], :]) == 6
    count = geography.to_current_councils(AREA, additive=True).set_index(["la_code", "year"])
    # counts split by the share of adults (mid-2021, districts summed): 222,687 and 187,758
    assert count.loc[(CUMBERLAND, 2021), "value"] == pytest.approx(100 * 222687 / 410445, abs=1e-3)
    assert count.loc[(WESTMORLAND, 2021), "value"] == pytest.approx(100 * 187758 / 410445, abs=1e-3)
    assert count.loc[(CUMBERLAND, 2021), "boundary_basis"] == "apportioned"


def test_to_current_councils_merges_counts_not_rates():
    area = _area(
        [
            ("E06000028", "council", 2017, "Total", 30.0),
            ("E06000029", "council", 2017, "Total", 20.0),
            ("E06000028", "council", 2016, "Total", 30.0),  # Poole missing in 2016
        ]
    )
    counts = geography.to_current_councils(area, additive=True).set_index(["la_code", "year"])
    assert counts.loc[("E06000058", 2017), "value"] == 50.0
    assert pd.isna(counts.loc[("E06000058", 2016), "value"])  # a part missing: never a sum
    rates = geography.to_current_councils(area, additive=False)
    assert rates.empty


def _tables(**frames):
    return Tables(frames=frames)


def _rows(code, years, **extra):
    return pd.DataFrame(
        {"la_code": code, "year": years, "value": 1.0, "la_name": "x", **extra}
    ).astype({"year": "Int64"})


def test_data_currency_box_and_warning():
    t = _tables(
        salt=_rows("E06000054", [2020, 2021]),
        ascof=_rows("E06000054", [2023, 2024]),
        outturn=_rows("E06000054", [2023]),
        ashe_pay=pd.concat(
            [
                _rows("E06000054", [2019], provisional=False, la_code_current="E06000054"),
                _rows("E06000054", [2020], provisional=True, la_code_current="E06000054"),
            ]
        ),
    )
    box = data_currency(t, "E06000054")
    latest = {s["source"]: s["latest"] for s in box["sources"]}
    assert latest == {
        "SALT activity": "2021-22",
        "revenue outturn": "2023-24",
        "ASCOF outcomes": "2024-25",
        "ASHE local pay": "2020 (provisional)",
    }
    assert box["newest"]["latest"] == "2024-25"
    # 2021-22 and 2020 are more than two years before 2024-25; 2023-24 is not
    assert [s["table"] for s in box["older"]] == ["salt", "ashe_pay"]
    assert box["warning"].startswith(
        "SALT activity and ASHE local pay are more than 2 years older than ASCOF outcomes "
        "2024-25: compare"
    )
    assert box["history"] is None


def test_data_currency_no_warning_when_years_are_close():
    t = _tables(salt=_rows("E06000054", [2022]), ascof=_rows("E06000054", [2024]))
    assert data_currency(t, "E06000054")["warning"] is None


def test_data_currency_of_a_new_council_says_whose_figures():
    t = _tables(
        salt=_rows(CUMBRIA, [2021]),
        outturn=_rows(CUMBERLAND, [2023]),
        population=pd.concat(
            [
                _rows(CUMBRIA, [2021], estimate="mid-year estimate"),
                _rows("E07000026", [2021], estimate="mid-year estimate"),
            ]
        ),
    )
    box = data_currency(t, CUMBERLAND)
    whose = {s["table"]: s["whose"] for s in box["sources"]}
    assert whose == {
        "salt": "Cumbria's",
        "outturn": None,
        "population": "from its former districts",
    }
    assert "Allerdale, Carlisle and Copeland" in box["history"]


_COVER = dict(
    council="Cumberland",
    la_code=CUMBERLAND,
    demo=False,
    version="x",
    data_label="published data",
    built_at="",
    headline="H.",
    flagged=[],
    flagged_where=[],
    summary=[],
    actions_example=False,
    fill_in=False,
    evidence_example=False,
    evidence_used=False,
    not_run_count=0,
    test_count=0,
)


@pytest.mark.parametrize("history", [True, False])
def test_currency_box_on_page_one_is_its_own_block(history):
    from msp_analysis.narrative import render

    box = {
        "sources": [
            {"source": "SALT activity", "latest": "2021-22", "whose": "Cumbria's"},
            {"source": "ASCOF outcomes", "latest": "2024-25", "whose": None},
        ],
        "warning": "SALT activity is more than 2 years older than ASCOF outcomes 2024-25.",
        "history": "Cumberland Council was created on 1 April 2023." if history else None,
    }
    text = render.render("cover.md.j2", {**_COVER, "currency": box})
    assert (
        "\n\n> **Data currency.** Latest year of each source: SALT activity 2021-22 "
        "(Cumbria's) · ASCOF outcomes 2024-25.<br>**Years are mixed.** SALT activity is "
        "more than 2 years older than ASCOF outcomes 2024-25." in text
    )
    # the box ends before 'In brief' (a blank line), so the headline is not inside it
    assert "\n\n**In brief.** H." in text
    if history:
        assert "\n>\n> **Cumberland and the returns made before it existed.** Cumberland" in text
    without = render.render("cover.md.j2", {**_COVER, "currency": None})
    assert "Data currency" not in without and "sources.*\n\n**In brief.**" in without


def test_data_currency_keeps_a_council_own_rows_without_a_figure():
    # Westmorland and Furness has 2023-24 outturn rows with no figure (its return is not
    # published): the box says there is no outturn for it, not Cumbria's 2022-23
    t = _tables(
        outturn=pd.concat(
            [
                _rows(WESTMORLAND, [2023]).assign(value=float("nan")),
                _rows(CUMBRIA, [2022]),
            ]
        ),
        ascof=_rows(WESTMORLAND, [2024]),
    )
    box = data_currency(t, WESTMORLAND)
    assert [s["table"] for s in box["sources"]] == ["ascof"]
