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

from msp_analysis.errors import ScenarioError
from msp_analysis.forecast import costs, drivers, ipf, models, run, stockflow
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
        (GOOD + "colour: red\n", "top level: unknown key"),
        (
            "name: x\nversion: 1\ndescription: d\nassumptions:\n  population: {value: flat, source: s, rating: low}\n",
            "missing required",
        ),
        (
            GOOD.replace("{value: flat, source: s, rating: low}", "{value: flat, rating: low}"),
            "assumptions.population: missing 'source'",
        ),
        (GOOD.replace("rating: low}", "rating: great}", 1), "assumptions.population.rating"),
        (GOOD + "  weather: {value: 1, source: s, rating: low}\n", "unknown assumption"),
        (GOOD.replace("default: 0.6", "default: 1.6"), "price_path.value.pay_share.default"),
        (
            GOOD.replace("pay_uplift_pct: {default: 4}", "pay_uplift_pct: {2030: 4}"),
            "price_path.value.pay_uplift_pct: needs a 'default'",
        ),
        (
            GOOD.replace("pay_share: {default: 0.6}", "pay_share: {Homes: 0.6}"),
            "pay_share.Homes: 'Homes' matches nothing; known values: Nursing",
        ),
        (
            _shift(to="{setting: Shared Lives, share: 0.5}"),
            "shifts.value[0].to: shares must sum to 1",
        ),
        (_shift(share=1.5), "shifts.value[0].share_of_new_placements: must be in [0, 1]"),
        (_shift(extra=", phase_in_years: -1"), "shifts.value[0].phase_in_years: must be 0 or more"),
        (
            _shift(frm=", client_group: Dragons"),
            "from.client_group: 'Dragons' matches nothing; known values: Physical Support",
        ),
        (_shift(frm=", age_band: 16 to 17"), "from.age_band: '16 to 17' matches nothing"),
        (_shift(to="{setting: Castle, share: 1}"), "to[0].setting: 'Castle' matches nothing"),
        (
            _shift(to="{setting: Shared Lives, share: -0.2}, {setting: Community, share: 1.2}"),
            "to[0].share: must be in [0, 1]",
        ),
        (
            GOOD
            + "  setting_costs: {value: {weekly_cost_gbp: {Supported living: -5}}, source: s, rating: low}\n",
            "setting_costs.value.weekly_cost_gbp.Supported living",
        ),
        (
            GOOD
            + "  need_weights: {value: {65 to 74: 1, 75 to 84: 0, 85 and over: 9}, source: s, rating: low}\n",
            "need_weights.value.75 to 84: must be positive",
        ),
        (
            GOOD + "  workforce: {value: {settings: [Attic]}, source: s, rating: low}\n",
            "workforce.value.settings[0]: 'Attic' matches nothing",
        ),
        (
            GOOD + "  workforce: {value: {capacity_loss_pct: 120}, source: s, rating: low}\n",
            "workforce.value.capacity_loss_pct: must be between 0 and 100",
        ),
        ("name: x\nversion: 1\ndescription: d\nassumptions: [\n", "not valid YAML"),
    ],
)
def test_every_bad_scenario_is_rejected_naming_file_and_key(tmp_path, body, match):
    p = tmp_path / "bad_scenario.yml"
    p.write_text(body)
    with pytest.raises(ScenarioError) as err:
        S.load(p)
    assert "bad_scenario.yml" in str(err.value)
    assert match in str(err.value)


def test_good_scenario_loads_and_horizon_guard(tmp_path):
    p = tmp_path / "good.yml"
    p.write_text(GOOD)
    assert S.load(p).value("price_path")["pay_share"] == {"default": 0.6}
    assert S.check_horizon(10) == 10
    with pytest.raises(ScenarioError, match="horizon 11 refused: at most 10 years"):
        S.check_horizon(11)
    with pytest.raises(ScenarioError, match="horizon"):
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
