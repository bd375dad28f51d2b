"""The measures the risk tests read beyond the returns' own tables: local pay (ONS ASHE), older
people's deprivation (IoD), who provides each market (ASC-FR), the earlier unit costs; worked by
hand on tiny frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from msp_analysis.forecast.scenarios import price_history
from msp_analysis.indicators import fees, local_economy, provision
from msp_analysis.tables import MissingSource, Tables

pytestmark = pytest.mark.unit
WILTS, SW, ENG = "E06000054", "E12000009", "E92000001"


def _ashe(rows):
    return pd.DataFrame(
        [
            dict(
                la_code=code,
                la_code_current=code if kind == "council" else pd.NA,
                area_type=kind,
                year=year,
                value=value,
                statistic="median",
                sex="All",
                working_pattern="Full-time",
                geography_basis="home",
                provisional=False,
            )
            for code, kind, year, value in rows
        ]
    )


def _by(indicators, name):
    ind = next(i for i in indicators if i.name == name)
    return ind.area.set_index(["la_code", "year"])["value"], ind


def test_wage_floor_as_a_share_of_local_full_time_pay():
    """Wiltshire, April 2020: National Living Wage £8.72 x 37.5 hours x 52.143 weeks =
    £17,050.76; full-time median £31,172 -> 54.70%. England £31,780 -> 53.65%."""
    t = Tables(
        frames={
            "ashe_pay": _ashe([(WILTS, "council", 2020, 31172.0), (ENG, "england", 2020, 31780.0)])
        }
    )
    out = local_economy.wage_floor_bite(t)
    values, ind = _by(out, "wage_floor_share_of_local_pay")
    assert values[(WILTS, 2020)] == pytest.approx(54.70, abs=0.005)
    assert values[(ENG, 2020)] == pytest.approx(53.65, abs=0.005)
    assert ind.year_label == "April {year}" and ind.market == "all"


def test_the_wage_floor_table_agrees_with_the_published_upratings():
    floor = local_economy.wage_floor()
    uplifts = price_history()["pay_uplift_pct"]["values"]
    for year in range(2017, int(floor.index.max()) + 1):  # April upratings of the NLW
        assert (floor[year] / floor[year - 1] - 1) * 100 == pytest.approx(uplifts[year], abs=0.06)


def test_a_weeks_care_in_weeks_of_local_pay(ascfr_frame):
    """Residential care 65+ £812.15 a week (2021-22) against ASHE 2020 (the nearest survey):
    £31,172 / 52.143 = £597.82 a week -> 1.3585 weeks; England £747.4 / (£31,780 / 52.143) =
    1.2263."""
    ascfr = ascfr_frame(
        dict(la_code=WILTS, value=812.145917), dict(la_code=ENG, area_type="england", value=747.4)
    )
    t = Tables(
        frames={
            "ascfr": ascfr,
            "ashe_pay": _ashe([(WILTS, "council", 2020, 31172.0), (ENG, "england", 2020, 31780.0)]),
        }
    )
    values, ind = _by(local_economy.cost_to_local_pay(t), "care_home_cost_to_local_pay")
    assert values[(WILTS, 2021)] == pytest.approx(1.3585, abs=5e-4)
    assert values[(ENG, 2021)] == pytest.approx(1.2263, abs=5e-4)
    assert "2021-22 unit costs against ASHE 2020 pay" in ind.note


def test_a_council_of_2023_sets_its_predecessors_unit_cost_against_its_own_pay(ascfr_frame):
    """North Yorkshire (E06000065, from 1 April 2023) covers the county council's area
    (E10000023): the 2021-22 unit cost is the county's return, the ASHE 2020 row the county's
    (published under its code, today's council the same area). Both go on to E06000065."""
    county, ny = "E10000023", "E06000065"
    ascfr = ascfr_frame(
        dict(la_code=county, value=820.0), dict(la_code=ENG, area_type="england", value=747.4)
    )
    pay = _ashe([(county, "council", 2020, 28600.0), (ENG, "england", 2020, 31780.0)])
    pay.loc[pay["la_code"] == county, "la_code_current"] = ny
    t = Tables(frames={"ascfr": ascfr, "ashe_pay": pay})
    values, _ = _by(local_economy.cost_to_local_pay(t), "care_home_cost_to_local_pay")
    # £820 / (£28,600 / 52.143) = 1.4950 weeks
    assert values[(ny, 2021)] == pytest.approx(820 / (28600 / 52.143), abs=5e-4)
    assert (county, 2021) not in values.index


def test_no_pay_table_says_which_file():
    with pytest.raises(MissingSource, match="ASHE"):
        local_economy.wage_floor_bite(Tables(frames={}))


def test_older_people_deprivation_a_percentage_with_no_england():
    d = pd.DataFrame(
        [
            dict(
                la_code=WILTS,
                la_code_current=WILTS,
                area_type="council",
                domain_code="IDAOPI",
                measure="average_score",
                value=0.087,
                year=2019,
                year_label="IoD 2019",
            ),
            dict(
                la_code=WILTS,
                la_code_current=WILTS,
                area_type="council",
                domain_code="IMD",
                measure="average_score",
                value=13.447,
                year=2019,
                year_label="IoD 2019",
            ),
        ]
    )
    values, ind = _by(
        local_economy.older_people_deprivation(Tables(frames={"deprivation": d})),
        "older_people_income_deprivation",
    )
    assert values[(WILTS, 2019)] == pytest.approx(8.7) and ind.year_label == "IoD 2019"
    assert ENG not in set(ind.area["la_code"])  # ranked among councils instead


def test_in_house_share_of_spend_with_england_built_from_councils():
    """Two councils' residential and nursing care for people aged 65+ (£ thousands): A runs
    homes worth 100 of 1,000 (residential 100 own of 600, nursing 400 with no own-provision
    cell: none); B none of 500. A: 10%; England: 100 / 1,500 = 6.7%."""
    a, b = WILTS, "E06000022"
    rows = []
    for code, setting, own, total in (
        (a, "Residential", 100.0, 600.0),
        (a, "Nursing", np.nan, 400.0),
        (b, "Residential", 0.0, 300.0),
        (b, "Nursing", np.nan, 200.0),
    ):
        for measure, value in ((provision.OWN, own), (provision.TOTAL, total)):
            rows.append(
                dict(
                    la_code=code,
                    area_type="council",
                    year=2014,
                    care_type="Long Term Care",
                    measure=measure,
                    age_band="65 and over",
                    support_setting=setting,
                    primary_support_reason="Total",
                    value=value,
                )
            )
    out = provision.in_house_shares(Tables(frames={"ascfr": pd.DataFrame(rows)}))
    values, _ = _by(out, "in_house_share_care_home_65")
    assert values[(a, 2014)] == pytest.approx(10.0)
    assert values[(b, 2014)] == pytest.approx(0.0)
    assert values[(ENG, 2014)] == pytest.approx(100 / 1500 * 100)


def test_earlier_unit_costs_shaped_like_the_data_tables(ascfr_frame):
    """2014-15: residential care 65+ over two support reasons, £ thousands over weeks:
    (300 + 100) x 1,000 / (500 + 100) = £666.67 a week; learning disability 18-64 as published."""
    rows = [
        dict(measure=measure, primary_support_reason=psr, value=value)
        for psr, spend, weeks in (
            ("Physical Support", 300.0, 500.0),
            ("Learning Disability Support", 100.0, 100.0),
        )
        for measure, value in (("unit_cost_numerator", spend), ("unit_cost_weeks", weeks))
    ]
    rows.append(
        dict(
            age_band="18 to 64",
            primary_support_reason="Learning Disability Support",
            value=1699.09,
        )
    )
    frame = ascfr_frame(*rows, la_code=WILTS, year=2014, table_ref=fees.EARLY)
    early = fees._earlier_unit_costs(frame)
    t52 = early["T52"].set_index(["age_band", "support_setting"])["value"]
    assert t52[("65 and over", "Residential")] == pytest.approx(666.667, abs=1e-3)
    assert early["T53"]["value"].tolist() == [1699.09]


def test_85_plus_growth_for_england_and_regions_sums_the_councils(monkeypatch):
    """Two South West councils projected from mid-2022: 1,000 -> 1,200 (+20%) and 3,000 ->
    3,300 (+10%); the region and England (no published rows on today's councils) are the sums:
    4,000 -> 4,500, +12.5%, not the mean of the councils' growth (15%)."""
    from msp_analysis.indicators import outcomes

    other = "E06000022"  # Bath and North East Somerset, South West
    proj = pd.DataFrame(
        [
            dict(la_code=c, year=y, breakdown="85 and over", value=v)
            for c, y, v in [
                (WILTS, 2022, 1000.0),
                (WILTS, 2027, 1200.0),
                (other, 2022, 3000.0),
                (other, 2027, 3300.0),
            ]
        ]
    )
    monkeypatch.setattr(outcomes, "series", lambda tables, name: proj)
    t = Tables(frames={"population_projections": proj})
    [ind] = outcomes.population_growth(t)
    values = ind.area.set_index("la_code")["value"]
    assert values[WILTS] == pytest.approx(20.0)
    assert values[SW] == pytest.approx(12.5)
    assert values[ENG] == pytest.approx(12.5)
    assert ind.year_label == "mid-2022 to mid-2027"
