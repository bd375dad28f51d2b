"""Forecast invariants and hand-computed expectations on a tiny fixture council.

The fixture (Wiltshire's code, invented numbers), worked by hand:
  people during 2021-22 (T34): 18-64 Nursing 10, Residential 40, Community 50;
                               65+   Nursing 100, Residential 200, Community 300   (700 in all)
  reasons at year end (T37):   18-64 LD 60%, MH 40%;  65+ Physical 75%, Memory 25%
  spend (T43/T44, £k):         18-64 Nursing 500, Residential 2,000, Community 1,000 + 500
                               65+   Nursing 3,000, Residential 4,000, Community 3,000   (£14.0m)
  so cost per person (£):      18-64 50,000 / 50,000 / 30,000;  65+ 30,000 / 20,000 / 10,000
  T2 history 18-64: 90, 95, 100 (2019-2021); 65+: 600 each year; population flat.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from msp_analysis.errors import ScenarioError
from msp_analysis.forecast import demand, models, run, spend
from msp_analysis.forecast import scenarios as S
from msp_analysis.tables import Tables

pytestmark = pytest.mark.unit
LA = "E06000054"


def _salt_rows():
    rows = []
    base = dict(
        la_code=LA,
        area_type="council",
        year=2021,
        suppressed=False,
        marker=pd.NA,
        measure="",
        support_setting="Total",
        primary_support_reason="Total",
        age_band="Total",
        table_ref="",
    )
    for age, vals in {"18 to 64": (10, 40, 50), "65 and over": (100, 200, 300)}.items():
        for setting, v in zip(
            ["Nursing", "Residential", "Community: CASSR Managed Personal Budget"], vals
        ):
            rows.append(
                {
                    **base,
                    "table_ref": "T34",
                    "measure": "clients_lts_during_year",
                    "age_band": age,
                    "support_setting": setting,
                    "value": v,
                }
            )
        rows.append(
            {
                **base,
                "table_ref": "T34",
                "measure": "clients_lts_during_year",
                "age_band": age,
                "value": sum(vals),
            }
        )
    for age, reasons in {
        "18 to 64": {"Learning Disability Support": 60, "Mental Health Support": 40},
        "65 and over": {
            "Physical Support: Personal Care Support": 450,
            "Support with Memory and Cognition": 150,
        },
    }.items():
        for r, v in reasons.items():
            rows.append(
                {
                    **base,
                    "table_ref": "T37",
                    "measure": "clients_lts_year_end",
                    "age_band": age,
                    "primary_support_reason": r,
                    "value": v,
                }
            )
    for year, (a, b) in {2019: (90, 600), 2020: (95, 600), 2021: (100, 600)}.items():
        for age, v in (("18 to 64", a), ("65 and over", b)):
            rows.append(
                {
                    **base,
                    "table_ref": "T2",
                    "measure": "clients_lts_during_year",
                    "age_band": age,
                    "year": year,
                    "value": v,
                }
            )
    return pd.DataFrame(rows)


def _tables(projection=False):
    pop = pd.DataFrame(
        [
            dict(
                la_code=LA,
                area_type="council",
                year=2021,
                estimate="mid-year estimate",
                sex="Persons",
                age=30,
                value=10_000.0,
            ),
            dict(
                la_code=LA,
                area_type="council",
                year=2021,
                estimate="mid-year estimate",
                sex="Persons",
                age=70,
                value=5_000.0,
            ),
        ]
    )
    gce = []
    for ref, age, vals in (
        (
            "T43",
            "18 to 64",
            {
                "Nursing": 500,
                "Residential": 2000,
                "Community: Home Care": 1000,
                "Community: Direct Payments": 500,
            },
        ),
        (
            "T44",
            "65 and over",
            {"Nursing": 3000, "Residential": 4000, "Community: Home Care": 3000},
        ),
    ):
        for setting, v in vals.items():
            gce.append(
                dict(
                    la_code=LA,
                    area_type="council",
                    year=2021,
                    table_ref=ref,
                    age_band=age,
                    support_setting=setting,
                    primary_support_reason="Total",
                    value=float(v),
                )
            )
    frames = {"salt": _salt_rows(), "population": pop, "ascfr": pd.DataFrame(gce)}
    if projection:
        proj = []
        for year, f in ((2021, 1.0), (2022, 1.1), (2023, 1.2)):
            for sex in ("Males", "Females"):
                proj.append(
                    dict(
                        la_code=LA,
                        area_type="council",
                        year=year,
                        estimate="2021-based projection",
                        sex=sex,
                        age=30,
                        value=5000 * f,
                    )
                )
                proj.append(
                    dict(
                        la_code=LA,
                        area_type="council",
                        year=year,
                        estimate="2021-based projection",
                        sex=sex,
                        age=70,
                        value=2500.0,
                    )
                )
        frames["population_projections"] = pd.DataFrame(proj)
    return Tables(frames=frames, manifest={"files": [], "label": "fixture"})


def _scenario(tmp_path, name="s", population="flat", rate="none", inflation=0.0, extra=""):
    p = tmp_path / f"{name}.yml"
    p.write_text(f"""name: {name}
version: "1"
description: test
assumptions:
  population: {{value: {population}, source: test, rating: low}}
  rate_trend: {{value: {rate}, source: test, rating: low}}
  inflation_pct: {{value: {{default: {inflation}}}, source: test, rating: low}}
{extra}""")
    return p


SHIFT = """  shifts:
    value:
      - from: {{setting: Residential, client_group: Learning Disability Support, age_band: 18 to 64}}
        to: [{{setting: Supported living, share: 0.75, cost_ratio: 0.5}}, {{setting: Shared Lives, share: 0.25, cost_ratio: 0.2}}]
        share_of_new_demand: {share}
        phase_in_years: 1
    source: test
    rating: low
"""


def test_base_people_and_cost_by_hand():
    t = _tables()
    base = demand.base_demand(t, LA, 2021).set_index(["age_band", "setting", "client_group"])[
        "people"
    ]
    assert base[("18 to 64", "Residential", "Learning Disability Support")] == pytest.approx(24)
    assert base[("65 and over", "Community", "Support with Memory and Cognition")] == pytest.approx(
        75
    )
    assert base.sum() == pytest.approx(700)
    cost = spend.cost_per_person(t, LA, 2021, base.reset_index()).set_index(
        ["age_band", "setting", "client_group"]
    )["cost"]
    assert cost[("18 to 64", "Community", "Mental Health Support")] == pytest.approx(30_000)
    assert cost[("65 and over", "Residential", "Physical Support")] == pytest.approx(20_000)


def test_zero_growth_in_flat_out(tmp_path):
    res = run.run(_tables(), LA, [_scenario(tmp_path)], horizon=3)
    tot = (
        res["forecast"].query("setting == 'All' and measure == 'spend'").set_index("year")["value"]
    )
    assert tot.round(6).tolist() == [14_000_000.0] * 4
    people = res["forecast"].query("setting == 'All' and measure == 'people'")["value"]
    assert np.allclose(people, 700)
    assert res["decomposition"]["change_gbp"].abs().sum() == pytest.approx(0, abs=1e-6)


def test_inflation_compounds_and_is_the_whole_change(tmp_path):
    res = run.run(_tables(), LA, [_scenario(tmp_path, inflation=10.0)], horizon=2)
    tot = (
        res["forecast"].query("setting == 'All' and measure == 'spend'").set_index("year")["value"]
    )
    assert tot[2022] == pytest.approx(15_400_000) and tot[2023] == pytest.approx(16_940_000)
    d = res["decomposition"].groupby("driver")["change_gbp"].sum()
    assert d["inflation"] == pytest.approx(2_940_000) and d.drop(
        "inflation"
    ).abs().sum() == pytest.approx(0, abs=1e-6)
    assert res["decomposition"]["share_of_change"].sum() == pytest.approx(1.0)


def test_rate_model_by_hand(tmp_path):
    """18-64: own growth (ln100 - ln90)/2 shrunk half-way to a pooled 0 (too few changes to pool)."""
    res = run.run(_tables(), LA, [_scenario(tmp_path, rate="model")], horizon=2)
    f = res["forecast"].query("measure == 'people' and setting != 'All'")
    young = f[(f["age_band"] == "18 to 64") & (f["year"] == 2022)]["value"].sum()
    growth = 0.5 * (math.log(100) - math.log(90)) / 2
    assert young == pytest.approx(100 * math.exp(growth))
    old = f[(f["age_band"] == "65 and over") & (f["year"] == 2022)]["value"].sum()
    assert old == pytest.approx(600)
    assert (res["runs"]["history_years"] == 3).all()


def test_intervals_widen_with_horizon(tmp_path):
    res = run.run(_tables(), LA, [_scenario(tmp_path, rate="model")], horizon=4)
    tot = res["forecast"].query("setting == 'All' and measure == 'people'").sort_values("year")
    width80 = (tot["upper_80"] - tot["lower_80"]).to_numpy()
    width95 = (tot["upper_95"] - tot["lower_95"]).to_numpy()
    assert (
        width80[0] == 0 and (np.diff(width80) > 0).all()
    )  # base year is known; then wider every year
    assert (width95[1:] > width80[1:]).all()
    assert (
        (tot["lower_95"] <= tot["lower_80"]).all()
        and (tot["lower_80"] <= tot["value"]).all()
        and (tot["value"] <= tot["upper_80"]).all()
    )


def test_zero_shift_equals_baseline_and_shifts_conserve_people(tmp_path):
    t = _tables(projection=True)
    plain = run.run(t, LA, [_scenario(tmp_path, "plain", population="projection")], horizon=2)
    zero = run.run(
        t,
        LA,
        [_scenario(tmp_path, "zero", population="projection", extra=SHIFT.format(share=0.0))],
        horizon=2,
    )
    full = run.run(
        t,
        LA,
        [_scenario(tmp_path, "full", population="projection", extra=SHIFT.format(share=1.0))],
        horizon=2,
    )

    def totals(r, measure):
        return (
            r["forecast"]
            .query(f"setting == 'All' and measure == '{measure}'")
            .set_index("year")["value"]
        )

    pd.testing.assert_series_equal(totals(plain, "spend"), totals(zero, "spend"))
    pd.testing.assert_series_equal(
        totals(plain, "people"), totals(full, "people")
    )  # people conserved
    # 18-64 population grows 10% then 20%: new LD residential demand in 2022 is 24 x 0.1 = 2.4, all moved
    f = full["forecast"].query(
        "measure == 'people' and year == 2022 and age_band == '18 to 64' and client_group == 'Learning Disability Support'"
    )
    by = f.set_index("setting")["value"]
    assert (
        by["Residential"] == pytest.approx(24)
        and by["Supported living"] == pytest.approx(2.4 * 0.75)
        and by["Shared Lives"] == pytest.approx(0.6)
    )
    # moved people cost 50% / 20% of residential (£50,000): spend falls by 2.4 x 50,000 x (1 - 0.75 x 0.5 - 0.25 x 0.2)
    saving = totals(plain, "spend")[2022] - totals(full, "spend")[2022]
    assert saving == pytest.approx(2.4 * 50_000 * (1 - 0.375 - 0.05))
    shift = full["decomposition"].query("driver == 'shift'")["change_gbp"].sum()
    assert shift == pytest.approx(
        -4.8 * 50_000 * (1 - 0.375 - 0.05)
    )  # by 2023: 24 x 0.2 = 4.8 moved


def test_population_projection_drives_population_share(tmp_path):
    res = run.run(
        _tables(projection=True), LA, [_scenario(tmp_path, population="projection")], horizon=2
    )
    d = res["decomposition"].groupby("driver")["change_gbp"].sum()
    assert d["population"] == pytest.approx(
        0.2 * 4_000_000
    )  # 18-64 spend £4.0m x 20% more people by 2023
    assert "2021-based projection" in res["runs"]["population_source"].iloc[0]


def test_pooled_model_and_gaps():
    series = pd.DataFrame(
        {
            "la_code": ["a", "a", "b", "b", "c", "c"],
            "year": [2016, 2020, 2016, 2020, 2019, 2020],
            "value": [
                100.0,
                100 * math.exp(0.4),
                100.0,
                100 * math.exp(0.4),
                50.0,
                50 * math.exp(0.1),
            ],
        }
    )
    p = models.fit_pooled(series)
    assert p.mean == pytest.approx(0.1) and p.n == 3  # every change is 10% a year, whatever the gap
    f = models.forecast(pd.Series([100.0]), [2, 3], p)
    assert f["method"].iloc[0] == "pooled_growth" and f["value"].iloc[0] == pytest.approx(
        100 * math.exp(0.1 * 2)
    )


def test_ets_used_with_long_history():
    h = pd.Series(
        100 * np.exp(0.03 * np.arange(8)) * (1 + 0.01 * np.sin(np.arange(8))),
        index=range(2014, 2022),
    )
    f = models.forecast(h, [2022, 2023], models.PooledGrowth(0.0, 0.05, 100))
    assert (f["method"] == "ets_damped").all() and (f["history_years"] == 8).all()
    assert (f["upper_95"] > f["upper_80"]).all() and f["value"].iloc[0] > h.iloc[-1]


@pytest.mark.parametrize(
    "body,match",
    [
        ("name: x\nversion: 1\ndescription: d\nassumptions: {}\ncolour: red\n", "unknown key"),
        (
            "name: x\nversion: 1\ndescription: d\nassumptions:\n  population: {value: flat, source: s, rating: low}\n",
            "missing required",
        ),
        (
            "name: x\nversion: 1\ndescription: d\nassumptions:\n  population: {value: flat, rating: low}\n  rate_trend: {value: none, source: s, rating: low}\n  inflation_pct: {value: 2, source: s, rating: low}\n",
            "missing 'source'",
        ),
        (
            "name: x\nversion: 1\ndescription: d\nassumptions:\n  population: {value: flat, source: s, rating: great}\n  rate_trend: {value: none, source: s, rating: low}\n  inflation_pct: {value: 2, source: s, rating: low}\n",
            "rating",
        ),
        (
            "name: x\nversion: 1\ndescription: d\nassumptions:\n  population: {value: flat, source: s, rating: low}\n  rate_trend: {value: none, source: s, rating: low}\n  inflation_pct: {value: 2, source: s, rating: low}\n  weather: {value: 1, source: s, rating: low}\n",
            "unknown assumption",
        ),
        (
            "name: x\nversion: 1\ndescription: d\nassumptions:\n  population: {value: flat, source: s, rating: low}\n  rate_trend: {value: none, source: s, rating: low}\n  inflation_pct: {value: 2, source: s, rating: low}\n  shifts:\n    value: [{from: {setting: Residential}, to: [{setting: Shared Lives, share: 0.5}], share_of_new_demand: 0.7}]\n    source: s\n    rating: low\n",
            "sum to 1",
        ),
        ("name: x\nversion: 1\ndescription: d\nassumptions: [\n", "not valid YAML"),
    ],
)
def test_scenario_validation_names_file_and_key(tmp_path, body, match):
    p = tmp_path / "bad_scenario.yml"
    p.write_text(body)
    with pytest.raises(ScenarioError, match=match) as err:
        S.load(p)
    assert "bad_scenario.yml" in str(err.value)


def test_shipped_scenarios_load():
    names = {S.load(p).name for p in S.default_dir().glob("*.yml")}
    assert {
        "baseline",
        "market_unchanged",
        "ld_residential_to_supported_living",
        "home_care_growth",
        "workforce_shock",
    } <= names
    ld = S.load(S.default_dir() / "ld_residential_to_supported_living.yml")
    assert ld.value("shifts")[0]["share_of_new_demand"] == 0.74
