"""Forecasts and the backtest on the real files (runs in CI)."""

from __future__ import annotations

import pandas as pd
import pytest

from msp_analysis import cli
from msp_analysis.forecast import backtest, run
from msp_analysis.forecast.scenarios import default_dir
from msp_analysis.tables import Tables

pytestmark = pytest.mark.integration
WILTS = "E06000054"


@pytest.fixture(scope="module")
def tables(real_processed):
    return Tables.load(real_processed)


def test_base_spend_reproduces_published_gce(tables, shared_data):
    res = run.run(tables, WILTS, [default_dir() / "market_unchanged.yml"], horizon=5)
    r = res["runs"].iloc[0]
    wb = pd.read_excel(
        shared_data / "ASCFR_and_SALT_Data_Tables_2021-22.xlsx",
        sheet_name=["T43", "T44"],
        header=None,
        engine="calamine",
    )
    published = (
        sum(float(wb[t][wb[t][0] == WILTS].iloc[0, 5:12].sum()) for t in ("T43", "T44")) * 1000
    )  # settings, not Total
    assert r["base_spend_gbp"] == pytest.approx(published)
    assert r["base_year"] == 2021 and r["horizon_year"] == 2026 and r["history_years"] == 3
    assert "2018-based projection" in r["population_source"]  # the SNPP is in the shared data
    assert len(r["scenario_sha256"]) == 64 and len(r["data_manifest_sha256"]) == 64
    f = res["forecast"]
    assert {
        "la_code",
        "year",
        "scenario",
        "setting",
        "client_group",
        "age_band",
        "measure",
        "value",
        "lower_80",
        "upper_80",
        "lower_95",
        "upper_95",
    } <= set(f.columns)
    tot = f.query("setting == 'All' and measure == 'spend'").sort_values("year")
    assert ((tot["upper_95"] - tot["lower_95"]).diff().dropna() > 0).all()
    h = run.headline(res, "market_unchanged")
    assert h["years"] == 5 and abs(sum(h["driver_share_pct"].values()) - 100) < 1e-6


def test_backtest_every_council_across_boundary_changes(tables):
    hist = backtest.history(tables)
    gce = hist[hist["target"] == "gce"]
    # BCP's 2016-17 history is Bournemouth + Poole; North and West Northamptonshire get shares of the county
    assert set(gce.loc[gce["la_code"] == "E06000058", "year"]) == {2016, 2020, 2021}
    assert {2016, 2020} <= set(gce.loc[gce["la_code"] == "E06000061", "year"])
    assert not hist["la_code"].isin(["E06000028", "E06000029", "E10000021"]).any()
    bt = backtest.backtest(tables)
    assert bt["la_code"].nunique() >= 145
    assert set(bt["model"]) == {"naive", "linear_trend", "model"} and set(bt["horizon"]) == {1, 2}
    assert list(bt.columns[:10]) == [
        "la_code",
        "target",
        "origin",
        "horizon",
        "model",
        "actual",
        "forecast",
        "ape",
        "lower_80",
        "upper_80",
    ]
    s = backtest.summary(bt)
    assert (s["councils"] >= 145).all() and s["median_ape"].between(0, 50).all()


def test_cli_forecast_and_backtest(shared_data, tmp_path, capsys):
    assert (
        cli.main(
            [
                "forecast",
                "--la",
                WILTS,
                "--raw",
                str(shared_data),
                "--out",
                str(tmp_path / "f"),
                "--scenario",
                str(default_dir() / "ld_residential_to_supported_living.yml"),
            ]
        )
        == 0
    )
    assert "ld_residential_to_supported_living" in capsys.readouterr().out
    assert (tmp_path / "f" / "decomposition.csv").exists() and len(
        pd.read_csv(tmp_path / "f" / "forecast.csv")
    ) > 0
    bad = tmp_path / "bad.yml"
    bad.write_text("name: x\n")
    assert (
        cli.main(
            [
                "forecast",
                "--la",
                WILTS,
                "--raw",
                str(shared_data),
                "--out",
                str(tmp_path / "g"),
                "--scenario",
                str(bad),
            ]
        )
        == 2
    )
    assert cli.main(["backtest", "--raw", str(shared_data), "--out", str(tmp_path / "b")]) == 0
    assert len(pd.read_csv(tmp_path / "b" / "backtest.csv")) > 1000
