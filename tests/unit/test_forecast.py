"""Forecast invariants and hand-computed expectations on a tiny fixture council.

The fixture (Wiltshire's code, invented numbers), worked by hand:
  people during 2021-22 (T34): 18-64 Nursing 10, Residential 40, Community 50;
                               65+   Nursing 100, Residential 200, Community 300   (700 in all)
  reasons at year end (T37):   18-64 LD 60%, MH 40%;  65+ Physical 75%, Memory 25%
  spend (T43/T44, £k):         18-64 Nursing 500, Residential 2,000, Community 1,000 + 500
                               65+   Nursing 3,000, Residential 4,000, Community 3,000   (£14.0m)
  so cost per person (£):      18-64 50,000 / 50,000 / 30,000;  65+ 30,000 / 20,000 / 10,000
  people at year end (T38):    18-64 Nursing 8, Residential 36, Community 40;
                               65+   Nursing 70, Residential 150, Community 210
  so exit rates:               18-64 20% / 10% / 20%;  65+ 30% / 25% / 30%
  T2 history 18-64: 90, 95, 100 (2019-2021); 65+: 600 each year; population flat.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from msp_analysis.errors import SettingsError
from msp_analysis.forecast import costs, drivers, ipf, models, run, stockflow
from msp_analysis.forecast import scenarios as S
from msp_analysis.tables import Tables
from msp_analysis.years import financial_year

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
    for age, vals in {"18 to 64": (8, 36, 40), "65 and over": (70, 150, 210)}.items():
        for setting, v in zip(
            ["Nursing", "Residential", "Community: CASSR Managed Personal Budget"], vals
        ):
            rows.append(
                {
                    **base,
                    "table_ref": "T38",
                    "measure": "clients_lts_year_end",
                    "age_band": age,
                    "support_setting": setting,
                    "value": v,
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


def _pop_rows(year, estimate, sex, f18=1.0, f65=1.0):
    """Adults: 10,000 aged 30; 65+: 3,000 aged 70, 1,500 aged 80 and 500 aged 90."""
    ages = {30: 10_000 * f18, 70: 3_000 * f65, 80: 1_500 * f65, 90: 500 * f65}
    return [
        dict(la_code=LA, area_type="council", year=year, estimate=estimate, sex=sex, age=a, value=v)
        for a, v in ages.items()
    ]


def _tables(projection=False):
    pop = pd.DataFrame(_pop_rows(2021, "mid-year estimate", "Persons"))
    gce = []
    for ref, age, vals in (
        ("T43", "18 to 64", {"Nursing": 500, "Residential": 2000, "Community: Home Care": 1500}),
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
                proj += _pop_rows(year, "2018-based projection", sex, f18=f / 2, f65=0.5)
        frames["population_projections"] = pd.DataFrame(proj)
    return Tables(frames=frames, manifest={"files": [], "label": "fixture"})


PRICE = """  price_path:
    value:
      pay_uplift_pct: {{default: {pay}}}
      cpi_pct: {{default: {cpi}}}
      pay_share: {{default: 0.6}}
      fee_uplift_pct: {{{fees}}}
    source: test
    rating: low
"""


def _scenario(
    tmp_path, name="s", population="flat", extra="", pay=0.0, cpi=0.0, fees=None, trend="none"
):
    fees = fees if fees is not None else ", ".join(f"{y}: 0" for y in range(2022, 2032))
    p = tmp_path / f"{name}.yml"
    p.write_text(
        f"""name: {name}
version: "1"
description: test
assumptions:
  population: {{value: {population}, source: test, rating: low}}
  rate_trend: {{value: {trend}, source: test, rating: low}}
  unit_cost_real_growth_pct: {{value: 0, source: test, rating: low}}
"""
        + PRICE.format(pay=pay, cpi=cpi, fees=fees).replace("{trend}", trend)
        + extra
    )
    return p


SHIFT = """  shifts:
    value:
      - from: {{setting: Residential, client_group: Learning Disability Support, age_band: 18 to 64}}
        to: [{{setting: Supported living, share: 0.75}}, {{setting: Shared Lives, share: 0.25}}]
        share_of_new_placements: {share}
        phase_in_years: 2
    source: test
    rating: low
"""


def _people(result, scenario, **where):
    f = result.forecast
    f = f[(f["measure"] == "people") & (f["scenario"] == scenario)]
    for k, v in where.items():
        f = f[f[k] == v]
    return f


def test_stock_and_flow_worked_by_hand():
    """The example in stockflow's docstring, number for number."""
    cells = ["Residential", "Supported living", "Community"]
    start = pd.DataFrame(
        {"age_band": "a", "client_group": "g", "setting": cells, "people": [100.0, 0.0, 200.0]}
    )
    exits = pd.DataFrame({"age_band": "a", "setting": cells, "exit_rate": [0.2, 0.1, 0.3]})
    mix = start[stockflow.CELL].assign(mix=[0.25, 0.0, 0.75])
    demand = pd.DataFrame(
        {"year": [1, 2, 3], "age_band": "a", "client_group": "g", "demand": 300.0}
    )
    shift = {
        "from": {"setting": "Residential"},
        "to": [{"setting": "Supported living", "share": 1.0}],
        "share_of_new_placements": 0.5,
        "phase_in_years": 0,
    }
    out = stockflow.project_stock(start, exits, mix, demand, [shift], 0)
    got = out.set_index(["year", "setting"])["people"]
    assert got[(1, "Residential")] == pytest.approx(90)
    assert got[(1, "Supported living")] == pytest.approx(10)
    assert got[(2, "Residential")] == pytest.approx(81.875)
    assert got[(2, "Community")] == pytest.approx(199.25)
    assert got[(3, "Residential")] == pytest.approx(75.2546875)
    assert got[(3, "Supported living")] == pytest.approx(26.7421875)
    assert got[(3, "Community")] == pytest.approx(198.003125)
    assert out.groupby("year")["people"].sum().tolist() == pytest.approx([300, 300, 300])
    # without the shift, leavers are replaced in the same settings: flat
    assert (out["people_noshift"] == np.tile([100.0, 0.0, 200.0], 3)).all()


def test_entries_equal_exits_flat_population_and_prices_give_a_flat_stock(tmp_path):
    r = run.run(_tables(), LA, [_scenario(tmp_path)], horizon=3)
    cells = _people(r, "s").query("setting != 'All'")
    wide = cells.pivot_table(
        index=["age_band", "client_group", "setting"], columns="year", values="value"
    )
    for y in (2022, 2023, 2024):
        assert wide[y].to_numpy() == pytest.approx(wide[2021].to_numpy())
    spend_ = r.forecast.query("measure == 'spend' and setting == 'All'").set_index("year")["value"]
    assert spend_[2024] == pytest.approx(spend_[2021])
    # base spend reproduces the published ASC-FR spend: £14.0m
    assert spend_[2021] == pytest.approx(14_000_000)


def test_base_people_by_hand():
    t = _tables()
    s = S.load(_scenario_path := _write_min_scenario())
    r = run.project_council(t, LA, s, 1)[1]["base"].set_index(stockflow.CELL)["people"]
    # 18-64 residential 40 people, LD 60% of 18-64 reasons: 24 (independence fit)
    assert r[("18 to 64", "Learning Disability Support", "Residential")] == pytest.approx(24)
    # 65+ community 300 people, memory and cognition 25%: 75
    assert r[("65 and over", "Support with Memory and Cognition", "Community")] == pytest.approx(75)
    assert r.sum() == pytest.approx(700)


def _write_min_scenario():
    import tempfile
    from pathlib import Path

    d = Path(tempfile.mkdtemp(prefix="forecast-test-"))
    return _scenario(d)


def test_zero_shift_equals_baseline_and_shift_conserves_people(tmp_path):
    t = _tables(projection=True)
    files = [
        _scenario(tmp_path, "plain", population="projection"),
        _scenario(tmp_path, "zero", population="projection", extra=SHIFT.format(share=0.0)),
        _scenario(tmp_path, "shift", population="projection", extra=SHIFT.format(share=0.8)),
    ]
    r = run.run(t, LA, files, horizon=3)
    plain = _people(r, "plain").set_index(["year", "age_band", "client_group", "setting"])["value"]
    zero = _people(r, "zero").set_index(["year", "age_band", "client_group", "setting"])["value"]
    assert zero.sort_index().to_numpy() == pytest.approx(plain.sort_index().to_numpy())
    shifted = _people(r, "shift")
    tot = shifted.query("setting == 'All'").set_index("year")["value"]
    assert tot.to_numpy() == pytest.approx(
        plain.xs("All", level="setting").groupby("year").sum().to_numpy()
    )
    ld_res = shifted.query(
        "setting == 'Residential' and client_group == 'Learning Disability Support' and age_band == '18 to 64'"
    ).set_index("year")["value"]
    base_ld = plain.xs(("18 to 64", "Learning Disability Support", "Residential"), level=[1, 2, 3])
    assert (ld_res.loc[2022:] < base_ld.loc[2022:]).all()
    moved = (
        shifted.query("setting in ['Supported living', 'Shared Lives']")
        .groupby("year")["value"]
        .sum()
    )
    assert (moved.loc[2022:] > 0).all()


def test_population_growth_alone_raises_demand_by_projected_growth(tmp_path):
    """Projection: 18-64 +10% in 2022 and +20% in 2023; 65+ flat. Rates held."""
    r = run.run(
        _tables(projection=True), LA, [_scenario(tmp_path, population="projection")], horizon=2
    )
    p = _people(r, "s").query("setting != 'All'").groupby(["year", "age_band"])["value"].sum()
    assert p[(2022, "18 to 64")] == pytest.approx(100 * 1.1)
    assert p[(2023, "18 to 64")] == pytest.approx(100 * 1.2)
    assert p[(2023, "65 and over")] == pytest.approx(600)
    assert "rebased" in r.runs["population_source"].iloc[0]


def test_population_held_flat_says_so(tmp_path):
    r = run.run(_tables(), LA, [_scenario(tmp_path, population="projection")], horizon=1)
    assert "held flat" in r.runs["population_source"].iloc[0]


def test_a_newer_estimate_makes_no_step_in_one_year():
    """Estimates for 2021 (18-64: 10,000) and 2024 (11,330); the projection grows 1% a year
    from 2021. The gap years move evenly in logs between the estimates: 2022 = 10,000 x
    1.133^(1/3) = 10,425.0, 2023 = 10,000 x 1.133^(2/3) = 10,868.1 (4.25% a year); 2025
    follows the projection from the 2024 estimate (x 1.04 / 1.03). Before, 2022 and 2023 took
    the 2021 estimate and 2024 stepped 13.3% in one year."""
    from msp_analysis.forecast import population as P

    t = _tables()
    t.frames["population"] = pd.DataFrame(
        _pop_rows(2021, "mid-year estimate", "Persons")
        + _pop_rows(2024, "mid-year estimate", "Persons", f18=1.133)
    )
    proj = []
    for year, f in ((2021, 1.0), (2022, 1.01), (2023, 1.02), (2024, 1.03), (2025, 1.04)):
        for sex in ("Males", "Females"):
            proj += _pop_rows(year, "2018-based projection", sex, f18=f / 2, f65=0.5)
    t.frames["population_projections"] = pd.DataFrame(proj)
    path = P.population_path(t, LA)
    adults = path.frame[path.frame["band"] == "18 to 64"].set_index("year")
    assert adults.loc[2022, "population"] == pytest.approx(10_000 * 1.133 ** (1 / 3))
    assert adults.loc[2023, "population"] == pytest.approx(10_000 * 1.133 ** (2 / 3))
    assert adults.loc[2024, "population"] == pytest.approx(11_330)
    assert adults.loc[2025, "population"] == pytest.approx(11_330 * 1.04 / 1.03)
    assert list(adults.loc[2021:2025, "basis"]) == [
        "estimate",
        "interpolated",
        "interpolated",
        "estimate",
        "projection",
    ]
    assert "years 2022 and 2023, between the 2021 and 2024 estimates, move evenly" in path.note
    growth = adults["population"].pct_change().loc[2022:2025]
    assert growth.max() == pytest.approx(1.133 ** (1 / 3) - 1)  # no year takes the 13.3% step
    # the forecast's first year from a 2023 base grows like the years before it
    fac = P.demand_factor(path, 2023, 2024, S.DEFAULTS["need_weights"])
    assert fac["18 to 64"] == pytest.approx(1.133 ** (1 / 3))


def test_rates_follow_their_evidence_and_ranges_hold_the_projection(tmp_path):
    """T2: 18-64 90, 95, 100 (2019-2021), 65+ 600 each year; population flat. With
    ``rate_trend: trend`` the 65+ rate has no trend, so its people match the held rate; the
    18-64 rate rises, so 18-64 people rise above it. Every range holds its central figure
    and no spend range narrows from one year to the next."""
    t = _tables()
    held = run.run(t, LA, [_scenario(tmp_path, "held")], horizon=3)
    trend = run.run(t, LA, [_scenario(tmp_path, "trended", trend="trend")], horizon=3)

    def by_band(r, name):
        p = _people(r, name).query("setting != 'All'")
        return p.groupby(["year", "age_band"])["value"].sum()

    a, b = by_band(held, "held"), by_band(trend, "trended")
    assert b[(2024, "65 and over")] == pytest.approx(a[(2024, "65 and over")])
    assert b[(2024, "18 to 64")] > a[(2024, "18 to 64")]
    assert "Adults aged 18 to 64: +" in " ".join(trend.rate_notes)
    f = trend.forecast[trend.forecast["setting"] == "All"]
    f = f.astype({c: float for c in ("value", "lower_80", "upper_80", "lower_95", "upper_95")})
    assert ((f["lower_80"] <= f["value"] + 1e-9) & (f["value"] <= f["upper_80"] + 1e-9)).all()
    assert ((f["lower_95"] <= f["lower_80"] + 1e-9) & (f["upper_80"] <= f["upper_95"] + 1e-9)).all()
    spend = f[f["measure"] == "spend"].sort_values("year")
    width = np.log(spend["upper_80"] / spend["lower_80"])
    assert (np.diff(width.to_numpy()) >= -1e-12).all()


def test_decomposition_sums_exactly_to_the_change(tmp_path):
    t = _tables(projection=True)
    f = _scenario(
        tmp_path, "d", population="projection", extra=SHIFT.format(share=0.5), pay=8, cpi=3, fees=""
    )
    r = run.run(t, LA, [f], horizon=3)
    total = r.runs["horizon_spend_gbp"].iloc[0] - r.runs["base_spend_gbp"].iloc[0]
    assert r.decomposition["change_gbp"].sum() == pytest.approx(total, rel=1e-9)
    by = r.decomposition.groupby("driver")["change_gbp"].sum()
    assert by["population"] > 0 and by["prices"] > 0 and by["shift"] != 0
    assert set(by.index) == set(drivers.DRIVERS)


def test_price_path_by_hand(tmp_path):
    """Pay share 60%: pay 10% and CPI 5% give 0.6 x 10 + 0.4 x 5 = 8%; a fee uplift overrides."""
    s = S.load(_scenario(tmp_path, pay=10, cpi=5, fees="2031: 2"))
    assert costs.yearly_growth(s, "Residential", 2030) == pytest.approx(0.08)
    assert costs.yearly_growth(s, "Residential", 2031) == pytest.approx(0.02)
    # published years: April 2023 National Living Wage 9.7%, CPI September 2022 10.1%
    assert costs.yearly_growth(s, "Residential", 2023) == pytest.approx(0.6 * 0.097 + 0.4 * 0.101)
    assert costs.price_index(s, "Residential", 2029, 2031) == pytest.approx(1.08 * 1.02)


def test_workforce_shock_costs_more_and_reports_unmet_need(tmp_path):
    wf = """  workforce:
    value: {settings: [Community], capacity_loss_pct: 10, pay_uplift_pct: 10}
    source: test
    rating: low
"""
    r = run.run(
        _tables(), LA, [_scenario(tmp_path, "a"), _scenario(tmp_path, "b", extra=wf)], horizon=2
    )
    runs = r.runs.set_index("scenario")
    assert runs.loc["b", "horizon_spend_gbp"] > runs.loc["a", "horizon_spend_gbp"]
    # community people: 50 (18-64) + 300 (65+) = 350, 10% unmet
    assert runs.loc["b", "unserved_people_horizon"] == pytest.approx(35)
    assert runs.loc["a", "unserved_people_horizon"] == 0
    d = r.decomposition.query("scenario == 'b'").groupby("driver")["change_gbp"].sum()
    # community spend £1.5m + £3.0m, pay share 60%: +6% = £270k
    assert d["workforce_pay"] == pytest.approx(270_000)


def test_rake_matches_margins_and_independence_by_hand():
    fit = ipf.rake(np.ones((2, 2)), np.array([30.0, 70.0]), np.array([40.0, 60.0]))
    assert fit == pytest.approx(np.array([[12, 18], [28, 42]]))
    seed = np.array([[4.0, 1.0], [1.0, 4.0]])
    fit = ipf.rake(seed, np.array([50.0, 50.0]), np.array([20.0, 80.0]))
    assert fit.sum(axis=1) == pytest.approx([50, 50])
    assert fit.sum(axis=0) == pytest.approx([20, 80])
    assert fit[0, 0] / fit[0, 1] > fit[1, 0] / fit[1, 1]  # the seed's association is kept


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


GOOD = """name: x
version: 1
description: d
assumptions:
  population: {value: flat, source: s, rating: low}
  rate_trend: {value: none, source: s, rating: low}
  price_path:
    value: {pay_uplift_pct: {default: 4}, cpi_pct: {default: 2}, pay_share: {default: 0.6}}
    source: s
    rating: low
"""
SHIFT_BAD = """  shifts:
    value: [{{from: {{setting: Residential{frm}}}, to: [{to}], share_of_new_placements: {share}{extra}}}]
    source: s
    rating: low
"""


def _shift(frm="", to="{setting: Shared Lives, share: 1}", share=0.5, extra=""):
    return GOOD + SHIFT_BAD.format(frm=frm, to=to, share=share, extra=extra)


@pytest.mark.parametrize(
    "body,match",
    [
        (GOOD + "colour: red\n", "key 'colour': unknown key (not in the schema)"),
        (
            "name: x\nversion: 1\ndescription: d\nassumptions:\n  population: {value: flat, source: s, rating: low}\n",
            "key 'assumptions.price_path': required key is missing",
        ),
        (
            GOOD.replace("{value: flat, source: s, rating: low}", "{value: flat, rating: low}"),
            "key 'assumptions.population.source': required key is missing",
        ),
        (
            GOOD.replace("rating: low}", "rating: great}", 1),
            "key 'assumptions.population.rating': Input should be 'high', 'medium' or 'low'",
        ),
        (
            GOOD + "  weather: {value: 1, source: s, rating: low}\n",
            "key 'assumptions.weather': unknown",
        ),
        (
            GOOD.replace("default: 0.6", "default: 1.6"),
            "key 'assumptions.price_path.value.pay_share.default': Input should be less than",
        ),
        (
            GOOD.replace("pay_uplift_pct: {default: 4}", "pay_uplift_pct: {2030: 4}"),
            "key 'assumptions.price_path.value.pay_uplift_pct': needs a 'default'",
        ),
        (
            GOOD.replace("pay_share: {default: 0.6}", "pay_share: {Homes: 0.6}"),
            "key 'assumptions.price_path.value.pay_share.Homes': Input should be 'Nursing', ",
        ),
        (
            _shift(to="{setting: Shared Lives, share: 0.5}"),
            "key 'assumptions.shifts.value[1]': the shares in 'to' must sum to 1 (they sum to 0.5)",
        ),
        (
            _shift(share=1.5),
            "key 'assumptions.shifts.value[1].share_of_new_placements': Input should be less than",
        ),
        (
            _shift(extra=", phase_in_years: -1"),
            "key 'assumptions.shifts.value[1].phase_in_years': Input should be greater than",
        ),
        (
            _shift(frm=", client_group: Dragons"),
            "shifts.value[1].from.client_group': Input should be 'Physical Support', ",
        ),
        (
            _shift(frm=", age_band: 16 to 17"),
            "from.age_band': Input should be '18 to 64' or '65 and over' (got '16 to 17')",
        ),
        (
            _shift(to="{setting: Castle, share: 1}"),
            "shifts.value[1].to[1].setting': Input should be 'Nursing', ",
        ),
        (
            _shift(to="{setting: Shared Lives, share: -0.2}, {setting: Community, share: 1.2}"),
            "shifts.value[1].to[1].share': Input should be greater than or equal to 0 (got -0.2)",
        ),
        (
            GOOD
            + "  setting_costs: {value: {weekly_cost_gbp: {Supported living: -5}}, source: s, rating: low}\n",
            "setting_costs.value.weekly_cost_gbp.Supported living': Input should be greater than 0",
        ),
        (
            GOOD
            + "  need_weights: {value: {65 to 74: 1, 75 to 84: 0, 85 and over: 9}, source: s, rating: low}\n",
            "need_weights.value.75 to 84': Input should be greater than 0 (got 0)",
        ),
        (
            GOOD + "  workforce: {value: {settings: [Attic]}, source: s, rating: low}\n",
            "workforce.value.settings[1]': Input should be 'Nursing', ",
        ),
        (
            GOOD + "  workforce: {value: {capacity_loss_pct: 120}, source: s, rating: low}\n",
            "workforce.value.capacity_loss_pct': Input should be less than or equal to 100",
        ),
        ("name: x\nversion: 1\ndescription: d\nassumptions: [\n", "line 5: not valid YAML"),
    ],
)
def test_every_bad_scenario_is_rejected_naming_file_and_key(tmp_path, body, match):
    p = tmp_path / "bad_scenario.yml"
    p.write_text(body)
    with pytest.raises(SettingsError) as err:
        S.load(p)
    assert "bad_scenario.yml" in str(err.value)
    assert match in str(err.value)


def test_good_scenario_loads_and_horizon_guard(tmp_path):
    p = tmp_path / "good.yml"
    p.write_text(GOOD)
    assert S.load(p).value("price_path")["pay_share"] == {"default": 0.6}
    assert S.check_horizon(10) == 10
    with pytest.raises(SettingsError, match="horizon 11 refused: at most 10 years"):
        S.check_horizon(11)
    with pytest.raises(SettingsError, match="horizon"):
        S.check_horizon(0)


def test_shipped_scenarios_load():
    files = sorted(S.default_dir().glob("*.yml"))
    assert {f.stem for f in files} >= {"market_unchanged", "ld_residential_to_supported_living"}
    for f in files:
        s = S.load(f)
        assert s.name == f.stem and len(s.sha256) == 64


@pytest.mark.unit
def test_fee_uplifts_in_words_say_one_rate_once():
    from msp_analysis.forecast.scenarios import fee_uplift_text

    assert fee_uplift_text({2025: 0.0, 2024: 0.0, 2026: 0.0}) == (
        "council fee uplifts of 0% a year, 2024 to 2026"
    )
    assert fee_uplift_text({2025: 3.5, 2024: 5.0}) == "council fee uplifts 2024: 5%, 2025: 3.5%"


@pytest.mark.unit
def test_a_coded_choice_is_said_in_words():
    """'population: projection; trend in rates of support: trend' in the plan's assumptions."""
    assert S.value_text("rate_trend", "trend") == (
        "each rate follows its own evidence, fading as tested on the past"
    )
    assert S.value_text("rate_trend", "none").startswith("none, each rate held")
    assert S.value_text("population", "projection").startswith("as ONS projects it")
    assert S.value_text("population", "flat") == "held at the latest estimate"
    assert S.value_text("rate_trend", "something new") == "something new"  # never lost


@pytest.mark.unit
def test_assumption_names_carry_no_bracket_and_values_carry_their_unit():
    # the plan adds '(rating; scenarios)' after a name: a name with its own bracket read
    # 'Real growth in unit costs (% a year) (low; Baseline)'
    assert all("(" not in words for words in S.ASSUMPTION_WORDS.values())
    assert S.assumption_words("unit_cost_real_growth_pct") == "real growth in unit costs"
    # the unit moved to the value: 'real growth in unit costs: 0.5% a year'
    assert S.value_text("unit_cost_real_growth_pct", {"default": 0.5}) == "0.5% a year"
    assert (
        S.value_text("unit_cost_real_growth_pct", {"Nursing": 1.0, "default": 0.5})
        == "1% a year in nursing care and 0.5% a year elsewhere"
    )
    # no default given: the other settings take 0 (spend.cost_path)
    assert (
        S.value_text("unit_cost_real_growth_pct", {"Community": 2.0})
        == "2% a year in community support and 0% a year elsewhere"
    )


@pytest.mark.unit
def test_settings_and_support_reasons_read_as_english_in_assumptions(tmp_path):
    s = S.load(_scenario(tmp_path, extra=SHIFT.format(share=0.74)))
    text = S.value_text("shifts", s.value("shifts"))
    assert text == (
        "74% of new residential care placements for adults aged 18 to 64 with a learning "
        "disability go to supported living (75%) and Shared Lives (25%), phased in over 2 years"
    )
    one = [
        {
            "from": {"setting": "Nursing", "age_band": "65 and over"},
            "to": [{"setting": "Community", "share": 1.0}],
            "share_of_new_placements": 0.33,
            "phase_in_years": 0,
        }
    ]
    assert S.value_text("shifts", one) == (
        "33% of new nursing care placements for older people go to community support"
    )
    wf = {"capacity_loss_pct": 8, "pay_uplift_pct": 10, "settings": ["Community", "Nursing"]}
    assert S.value_text("workforce", wf) == (
        "8% of capacity lost and a 10% pay uplift in community support and nursing care"
    )
    # one share for every setting is said once
    assert "; staff pay as a share of costs: 60%;" in S.value_text(
        "price_path", s.value("price_path")
    )
    shipped = S.load(S.default_dir() / "market_unchanged.yml")  # pay_share, one per setting
    assert (
        "staff pay as a share of costs: nursing care 55%, residential care 60%, community "
        "support 70%, supported living 75% and Shared Lives 50%"
    ) in S.value_text("price_path", shipped.value("price_path"))


def _headline(cells: list[tuple[str, str]], share_pct: float) -> dict:
    """A headline's facts: spend up 10% over 5 years, ``share_pct`` of it from ``cells``."""
    return {
        "scenario": "baseline",
        "spend_change_pct": 10.0,
        "years": 5,
        "base_spend_gbp": 100e6,
        "horizon_spend_gbp": 110e6,
        "base_year": 2023,
        "horizon_year": 2028,
        "material": True,
        "top_groups_share_pct": share_pct,
        "top_cells": cells,
        "top_groups": [f"{w} for {p}" for w, p in cells],
    }


@pytest.mark.unit
def test_headline_names_settings_and_people_in_english():
    older = "older people who need physical support"
    cells = [("community support", older), ("residential care", older), ("nursing care", older)]
    h = _headline(cells, 60.0)
    text = run.headline_sentence(h, "Testshire")
    # was '... comes from community for older people needing physical support, residential
    # for older people needing physical support and nursing for older people ...'
    assert text.endswith(
        "60% of the increase comes from community support, residential care and nursing care "
        "for older people who need physical support."
    )
    ld = "adults aged 18 to 64 with a learning disability"
    h = _headline([("community support", older), ("community support", ld)], 60.0)
    assert run.headline_sentence(h, "Testshire").endswith(
        "comes from community support for older people who need physical support and for "
        "adults aged 18 to 64 with a learning disability."
    )
    assert S.people_words("65 and over", "Learning Disability Support") == (
        "older people with a learning disability"
    )
    assert S.people_words("18 to 64", "Support with Memory and Cognition") == (
        "adults aged 18 to 64 who need support with memory and cognition"
    )
    assert S.setting_words("Shared Lives") == "Shared Lives"


@pytest.mark.unit
def test_headline_marks_where_a_joined_item_ends():
    older = "older people who need physical support"
    ld = "adults aged 18 to 64 with a learning disability"
    cells = [("community support", older), ("supported living", ld), ("residential care", ld)]
    h = _headline(cells, 51.0)
    assert run.headline_sentence(h, "Testshire").endswith(
        "51% of the increase comes from community support for older people who need physical "
        "support, and supported living and residential care for adults aged 18 to 64 with a "
        "learning disability."
    )


@pytest.mark.unit
def test_description_is_said_from_the_values_so_it_cannot_drift(tmp_path):
    shipped = S.default_dir() / "ld_residential_to_supported_living.yml"
    s = S.load(shipped)
    assert (
        "74% of new residential care placements for adults aged 18 to 64 with a learning "
        "disability go to supported living (80%) and Shared Lives (20%), phased in over 3 years"
    ) in s.description
    # the file says its numbers once, in its assumptions: the purpose has none
    assert not any(ch.isdigit() for ch in s.purpose)
    edited = tmp_path / "ld.yml"
    edited.write_text(
        shipped.read_text()
        .replace("share_of_new_placements: 0.74", "share_of_new_placements: 0.5")
        .replace("phase_in_years: 3", "phase_in_years: 2")
    )
    text = S.load(edited).description
    assert "50% of new residential care placements" in text and "over 2 years" in text
    assert "74%" not in text
    baseline = S.load(S.default_dir() / "baseline.yml").description
    assert baseline.startswith(
        "Population as ONS projects; rates of long-term support held at the base year; prices"
        " held at the base year."
    )


@pytest.mark.unit
def test_an_earlier_file_with_a_description_still_loads_as_its_purpose(tmp_path):
    p = tmp_path / "old.yml"
    p.write_text(GOOD.replace("description: d", "description: Why we run it"))
    s = S.load(p)
    assert s.purpose == "Why we run it" and s.description.endswith("Why we run it.")


@pytest.mark.unit
def test_one_settings_error_for_every_settings_file():
    from msp_analysis import errors

    assert errors.ScenarioError is errors.SettingsError
    assert issubclass(errors.SettingsError, errors.ConfigError)


@pytest.mark.unit
def test_schema_command_writes_a_schema_per_settings_file_that_editors_can_check(tmp_path):
    import json

    import jsonschema
    import yaml

    from msp_analysis import cli, resources

    assert cli.main(["schema", "--out", str(tmp_path)]) == 0
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == [
        "actions.schema.json",
        "local_evidence.schema.json",
        "risk_thresholds.schema.json",
        "scenario.schema.json",
    ]
    schema = json.loads((tmp_path / "scenario.schema.json").read_text())
    for f in sorted(S.default_dir().glob("*.yml")):
        doc = json.loads(json.dumps(yaml.safe_load(f.read_text())))  # keys as an editor has them
        jsonschema.validate(doc, schema)
    doc["assumptions"]["population"]["value"] = "moon"
    with pytest.raises(jsonschema.ValidationError, match="'moon' is not one of"):
        jsonschema.validate(doc, schema)
    evidence = json.loads((tmp_path / "local_evidence.schema.json").read_text())
    example = resources.packaged("templates", "local_evidence_example.yml")
    jsonschema.validate(
        json.loads(json.dumps(yaml.safe_load(example.read_text()), default=str)), evidence
    )


# ---- the base on the ledger, costs from the returns and the council, uplifts, shifts -------
#
# Worked by hand on the fixture above plus (£ thousands, 2021-22):
#   ASC-FR T43 18-64 also supported living 520 (so long-term care 18-64 4,520, 65+ 10,000);
#   T17 short-term care 1,000; T46 social care activities 2,000, commissioning 1,000,
#   information 500, carers 300, substance misuse 100, social isolation 100: 5,000 outside;
#   T15 total 19,520.
#   RSX 2022-23: total expenditure (C3) 24,400; C4 3,000; C5 5,400; net (C7) 16,000.
# Prices and population flat (fee uplifts 0%), so the returns brought forward to 2022-23 are
# the returns: 19,520; the scaling factor is 24,400 / 19,520 = 1.25 exactly.

T46 = {
    "Social Care Activities": 2000,
    "Commissioning and Service Delivery": 1000,
    "Information and Early Intervention": 500,
    "Social Support: Support to Carer": 300,
    "Social Support: Substance Misuse Support": 100,
    "Social Support: Support for Social Isolation/Other": 100,
}


def _asc(ref, value, row, col, **dims):
    base = dict(
        la_code=LA,
        area_type="council",
        year=2021,
        table_ref=ref,
        age_band="Total",
        support_setting="Total",
        primary_support_reason="Total",
        care_type="Total",
        provision="Total",
        value=float(value),
        source_file="tables.xlsx",
        source_sheet=ref,
        source_row=row,
        source_column=col,
    )
    return {**base, **dims}


def _outturn(c3=24400, c4=3000, c5=5400, c7=16000, year=2022):
    rows = []
    for i, (m, v) in enumerate(
        {
            "total_expenditure": c3,
            "sales_fees_and_charges": c4,
            "other_income": c5,
            "net_current_expenditure": c7,
        }.items()
    ):
        rows.append(
            dict(
                la_code=LA,
                area_type="council",
                la_name="Wiltshire",
                ecode="E3928",
                year=year,
                year_label=financial_year(year),
                form="RSX",
                service="Adult Social Care",
                line="190",
                age_band="Total",
                measure=m,
                value=float(v) if v is not None else np.nan,
                unit="£ thousands",
                suppressed=v is None,
                marker="[x]" if v is None else pd.NA,
                source="MHCLG revenue outturn",
                source_file="rsx.ods",
                source_sheet="RSX_LA_Data",
                source_row=408,
                source_column=31 + i,
            )
        )
    return pd.DataFrame(rows)


def _ledger_tables(outturn=True, **kw):
    t = _tables()
    a = t.frames["ascfr"].assign(
        care_type="Long Term Care", provision="Total", source_file="tables.xlsx"
    )
    a["source_sheet"] = a["table_ref"]
    a["source_row"], a["source_column"] = 160, 6
    extra = [
        _asc(
            "T43", 520, 160, 11, age_band="18 to 64", support_setting="Community: Supported Living"
        ),
        _asc("T43", 4520, 160, 13, age_band="18 to 64", care_type="Long Term Care"),
        _asc("T44", 10000, 160, 13, age_band="65 and over", care_type="Long Term Care"),
        _asc("T17", 1000, 163, 17, care_type="Short Term Care"),
        _asc("T15", 19520, 162, 13, care_type="Total Gross Current Expenditure (GCE)"),
    ]
    extra += [
        _asc("T46", v, 160, 6 + i, care_type="Other", primary_support_reason=k)
        for i, (k, v) in enumerate(T46.items())
    ]
    frames = dict(t.frames)
    frames["ascfr"] = pd.concat([a, pd.DataFrame(extra)], ignore_index=True)
    if outturn:
        frames["outturn"] = _outturn(**kw)
    return Tables(frames=frames, manifest={"files": [], "label": "fixture"})


def _evidence(*figures):
    from msp_analysis.indicators import local

    return local.LocalEvidence.model_validate(
        {
            "name": "test",
            "la_code": LA,
            "figures": [
                {"period": "2023-24", "source": "test file", "date": "2024-04-01", **f}
                for f in figures
            ],
        }
    )


def test_base_equals_the_outturn_line_and_the_parts_add_up(tmp_path):
    r = run.run(_ledger_tables(), LA, [_scenario(tmp_path)], horizon=2)
    runs = r.runs.iloc[0]
    assert runs["base_year"] == 2022 and runs["base_spend_gbp"] == pytest.approx(24_400_000, abs=1)
    rec = r.reconciliation.set_index("line")
    parts = r.reconciliation.iloc[:8]
    assert parts["returns_year_gbp"].sum() == pytest.approx(19_520_000)
    # flat population and prices: the returns brought forward move only with the people the
    # rates' evidence adds between the returns' year and the base year (18-64 here)
    brought = parts["brought_forward_gbp"].sum()
    assert 19_520_000 < brought < 19_520_000 * 1.01
    assert runs["ledger_scale"] == pytest.approx(24_400_000 / brought)
    assert parts["base_gbp"].sum() == pytest.approx(24_400_000)
    older = rec.loc["Long-term care, older people"]
    assert older["brought_forward_gbp"] == pytest.approx(10_000_000)
    assert older["base_gbp"] == pytest.approx(10_000_000 * runs["ledger_scale"])
    assessment = rec.loc["Assessment, care management and safeguarding"]
    assert assessment["base_gbp"] == pytest.approx(
        assessment["brought_forward_gbp"] * runs["ledger_scale"]
    )
    assert (
        "sheet T46, cell F160" in rec.loc["Assessment, care management and safeguarding", "source"]
    )
    c7 = r.reconciliation[r.reconciliation["line"].str.startswith("Net current")]
    assert c7["base_gbp"].iloc[0] == pytest.approx(16_000_000)
    assert c7["source"].iloc[0] == "rsx.ods, sheet RSX_LA_Data, cell AH408"
    # flat population and prices: spend stays at the line, outside long-term care included
    spend = r.forecast.query("measure == 'spend' and setting == 'All'").set_index("year")["value"]
    assert spend.to_numpy() == pytest.approx([24_400_000] * 3)
    outside = r.forecast.query("measure == 'spend' and setting == 'Outside long-term care'")
    # the six lines after long-term care (the seventh, equipment, is 0)
    assert outside["value"].to_numpy() == pytest.approx([parts["base_gbp"].iloc[2:].sum()] * 3)
    # every part outside long-term care is brought forward by the same growth in people
    grown = parts.iloc[2:].query("returns_year_gbp > 0")
    growth = grown["brought_forward_gbp"] / grown["returns_year_gbp"]
    assert growth.to_numpy() == pytest.approx([growth.iloc[0]] * len(growth))


def test_reconciliation_shows_the_published_lines_the_year_before(tmp_path):
    from msp_analysis.narrative.section2_costs import base_facts

    t = _ledger_tables()
    frames = dict(t.frames)
    frames["outturn"] = pd.concat(
        [frames["outturn"], _outturn(c3=20000, c4=2500, c5=4000, c7=13500, year=2021)]
    )
    r = run.run(Tables(frames=frames, manifest=t.manifest), LA, [_scenario(tmp_path)], horizon=1)
    rec = r.reconciliation.set_index("measure")
    # the base year's lines unchanged; the year before beside them, income as deductions
    assert rec.loc["total_expenditure", "base_gbp"] == pytest.approx(24_400_000)
    assert rec.loc["total_expenditure", "year_before_gbp"] == pytest.approx(20_000_000)
    assert rec.loc["other_income", "year_before_gbp"] == pytest.approx(-4_000_000)
    assert rec.loc["net_current_expenditure", "year_before_gbp"] == pytest.approx(13_500_000)
    assert (
        rec.loc["total_expenditure", "year_before_source"]
        == "rsx.ods, sheet RSX_LA_Data, cell AE408"
    )
    assert rec.loc["", "year_before_gbp"].isna().all()  # the returns' parts have no year before
    y = base_facts(r)["year_before"]
    assert y["year_label"] == "2021-22" and y["source"] == "rsx.ods"
    assert y["line"]["moved"] == "rose 22.0%"
    assert y["other_income"]["moved"] == "rose 35.0%" and y["other_income"]["before_gbp"] == 4e6
    assert y["net"]["moved"] == "rose 18.5%"
    # the plan says it in a paragraph of its own, after why the line is total expenditure
    from msp_analysis.narrative import render

    facts = {
        "title": "Section 2",
        "demo": False,
        "unavailable": None,
        "council": "Testshire",
        "base_year_label": "2022-23",
        "horizon_year_label": "2023-24",
        "salt_year_label": "2021-22",
        "notes": [],
        "population_source": "ONS",
        "rate_method": "held",
        "assumption_count": 1,
        "inputs": [],
        "ledger": base_facts(r),
        "scenarios": [],
        "assumption_sources": [],
        "outlook": [],
        "interval": "80%",
        "accuracy": {"record": None, "longer": None},
    }
    text = render.render("section2.md.j2", facts)
    assert (
        "does not project.\n\nIn 2021-22 the line was £20.0m (rsx.ods), so it rose 22.0% into"
        " 2022-23, while other income rose 35.0% (£4.0m to £5.4m) and net current expenditure"
        " rose 18.5% (£13.5m to £16.0m).\n\nThe returns of 2021-22" in text
    )
    # with no outturn the year before, nothing is said
    assert (
        base_facts(run.run(_ledger_tables(), LA, [_scenario(tmp_path)], horizon=1))["year_before"]
        is None
    )


def test_no_outturn_line_leaves_the_returns_unscaled_and_says_so(tmp_path):
    r = run.run(_ledger_tables(c3=None), LA, [_scenario(tmp_path)], horizon=1)
    assert r.runs["ledger_scale"].iloc[0] == 1.0
    parts = r.reconciliation.iloc[:8]
    assert parts["returns_year_gbp"].sum() == pytest.approx(19_520_000)
    # unscaled: the returns brought forward (people moved by the rates' evidence, flat prices)
    brought = parts["brought_forward_gbp"].sum()
    assert r.runs["base_spend_gbp"].iloc[0] == pytest.approx(brought)
    assert parts["base_gbp"].sum() == pytest.approx(brought)
    assert any("not tied to a published outturn line" in n for n in r.notes)
    assert any("not received in time" in n for n in r.notes)


def test_decomposition_includes_spend_outside_long_term_care_exactly(tmp_path):
    f = _scenario(tmp_path, "d", extra=SHIFT.format(share=0.5), pay=8, cpi=3, fees="")
    r = run.run(_ledger_tables(), LA, [f], horizon=3)
    total = r.runs["horizon_spend_gbp"].iloc[0] - r.runs["base_spend_gbp"].iloc[0]
    assert r.decomposition["change_gbp"].sum() == pytest.approx(total, rel=1e-9)
    out = r.decomposition[r.decomposition["setting"] == "Outside long-term care"]
    assert out.groupby("driver")["change_gbp"].sum()["prices"] > 0


def test_supported_living_weekly_cost_in_order_of_precedence(tmp_path):
    t = _ledger_tables()
    s = S.load(_scenario(tmp_path))
    # default: the council's community support for 18-64 a client, supported living included:
    # (1,500 + 520) thousand over 50 SALT clients, a year each = £776.92 a week
    d = costs.supported_living_weekly(t, LA, 2021, s)
    assert d["basis"] == "default" and d["weekly_gbp"] == pytest.approx(2_020_000 / 50 / 52)
    # the council's count: 520 thousand over 20 people = £500 a week
    count = costs.CouncilFigures.from_evidence(
        _evidence({"market": "supported_living", "measure": "people_supported", "value": 20}), LA
    )
    c = costs.supported_living_weekly(t, LA, 2021, s, count)
    assert c["basis"] == "council" and c["weekly_gbp"] == pytest.approx(500)
    assert "20 people in supported living (test file" in c["source"]
    # the council's fee, £ a week: 2023-24 back to 2021-22 on the national path (pay share 60%:
    # 2022-23 0.6 x 6.6 + 0.4 x 3.1 = 5.2%, 2023-24 0.6 x 9.7 + 0.4 x 10.1 = 9.86%)
    fee = costs.CouncilFigures.from_evidence(
        _evidence(
            {
                "market": "supported_living",
                "measure": "fee_rate",
                "value": 900,
                "unit": "£ per week",
            }
        ),
        LA,
    )
    f = costs.supported_living_weekly(t, LA, 2021, s, fee)
    assert f["weekly_gbp"] == pytest.approx(900 / (1.052 * 1.0986))
    # a scenario's own stated cost wins
    stated = S.load(
        _scenario(
            tmp_path,
            "stated",
            extra="  setting_costs: {value: {weekly_cost_gbp: {Supported living: 300}, price_year: 2021}, source: s, rating: low}\n",
        )
    )
    assert costs.supported_living_weekly(t, LA, 2021, stated, fee)["weekly_gbp"] == pytest.approx(
        300
    )


def test_supported_living_people_follow_the_weekly_cost(tmp_path):
    count = _evidence({"market": "supported_living", "measure": "people_supported", "value": 20})
    r = run.run(_ledger_tables(), LA, [_scenario(tmp_path)], horizon=1, evidence=count)
    assert r.runs["supported_living_people_base"].iloc[0] == pytest.approx(20)
    w = r.weekly_costs.query("setting == 'Supported living'")
    assert w["weekly_returns_year_gbp"].tolist() == pytest.approx([500] * len(w))
    scale = r.runs["ledger_scale"].iloc[0]
    assert 1.2 < scale < 1.25  # the line over the returns brought forward
    assert w["weekly_base_gbp"].tolist() == pytest.approx(
        [500 * scale] * len(w)
    )  # flat prices, scaled


def test_council_uplifts_set_the_first_projected_year_for_their_markets(tmp_path):
    ev = _evidence(
        {"market": "care_home_65", "measure": "fee_uplift_pct", "value": 5.0},
        {"market": "home_care_18", "measure": "fee_uplift_pct", "value": 7.0},
    )
    # base 2022-23; the evidence's period 2023-24 is the first projected year
    s = _scenario(tmp_path, "p", pay=10, cpi=5, fees="")
    r = run.run(_ledger_tables(), LA, [s], horizon=2, evidence=ev)
    u = r.uplifts.set_index(["age_band", "setting"])
    assert u.loc[("65 and over", "Residential"), "growth_pct"] == pytest.approx(5.0)
    assert u.loc[("65 and over", "Nursing"), "growth_pct"] == pytest.approx(5.0)
    assert u.loc[("65 and over", "Residential"), "basis"] == "council"
    assert u.loc[("18 to 64", "Community"), "growth_pct"] == pytest.approx(7.0)
    # residential care for adults 18-64 is not the care-home-for-older-people market: national
    assert u.loc[("18 to 64", "Residential"), "basis"] == "national"
    # published 2023-24 path, pay share 60%: 0.6 x 9.7 + 0.4 x 10.1 = 9.86%
    assert u.loc[("18 to 64", "Residential"), "growth_pct"] == pytest.approx(9.86)
    # a scenario that holds prices (fee uplifts 0% every year) keeps them held
    held = run.run(_ledger_tables(), LA, [_scenario(tmp_path)], horizon=1, evidence=ev)
    assert (held.uplifts["growth_pct"] == 0).all() and (held.uplifts["basis"] == "scenario").all()


def test_shift_effect_moves_people_and_says_each_driver(tmp_path):
    from msp_analysis.narrative import section2_costs

    f = _scenario(tmp_path, "ld", extra=SHIFT.format(share=0.8), fees="")
    r = run.run(_ledger_tables(), LA, [f], horizon=3)
    se = r.shift_effects
    assert se["people_change"].sum() == pytest.approx(0, abs=1e-9)  # people move, never appear
    res = se.query("setting == 'Residential'")["people_change"].sum()
    assert res < 0 and se.query("setting == 'Supported living'")["people_change"].sum() > 0
    lines = section2_costs.shift_sentences(r, "ld", "Wiltshire")
    assert any(line.startswith(f"{round(-res)} fewer adults aged 18 to 64") for line in lines)
    assert lines[-1].startswith("Altogether Wiltshire's spend in 2025-26 is")
