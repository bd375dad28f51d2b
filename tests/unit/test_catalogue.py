"""Indicators declared once: the catalogue, the functions that compute them, the market list."""

from __future__ import annotations

from typing import get_args

import pandas as pd
import pytest

from msp_analysis.indicators import catalogue, local, markets, risk
from msp_analysis.indicators.assess import MODULES
from msp_analysis.narrative import markets as narrative_markets

pytestmark = pytest.mark.unit


def test_every_declared_indicator_has_exactly_one_function():
    assert MODULES  # importing assess registers every indicator function
    computed = [s.name for _, specs in catalogue.COMPUTERS for s in specs]
    assert sorted(computed) == sorted(catalogue.CATALOGUE)  # none twice, none left out
    fn = catalogue.computer("care_home_beds_per_1000_65")
    assert fn is not None and fn.__name__ == "cqc_capacity"


def test_an_undeclared_name_fails_at_registration():
    with pytest.raises(KeyError):
        catalogue.computes("no_such_indicator")


def test_make_takes_the_declaration_and_joins_the_notes_it_is_given():
    area = pd.DataFrame({"la_code": ["E06000054"], "value": [1.0]})
    ind = catalogue.make("care_home_beds_per_1000_65", area, "population mid-2021", "", "thin")
    assert (ind.market, ind.unit) == ("care_home_65", "beds per 1,000 people aged 65+")
    assert ind.source == "CQC care directory (HSCA Active Locations); ONS"
    assert ind.note == "population mid-2021; thin"  # the empty note left out
    assert ind.year_label is None


def test_table_rows_follow_the_declarations_and_move_rows_to_their_market():
    home_care = catalogue.table_rows("home_care_18")
    assert home_care[0] == (
        "home_care_hourly_rate",
        "External",
        "ASC-FR unit cost of externally provided home care: spend per hour (not the fee paid)",
    )
    # a row of a council-wide indicator that describes one market is shown in that market
    assert (
        "gce_long_term_by_setting_share",
        "18 to 64: Community: Supported Living",
    ) in [(i, b) for i, b, _ in catalogue.table_rows("supported_living")]
    assert not [r for r in catalogue.table_rows("all") if r[1].endswith("Supported Living")]
    for spec in catalogue.SPECS:
        for row in spec.rows:
            assert (row.market or spec.market) in markets.MARKETS


def test_label_falls_back_to_the_definition():
    assert catalogue.label("unit_cost_weekly_65", "Nursing").startswith(
        "ASC-FR unit cost of nursing"
    )
    assert catalogue.label("unit_cost_weekly_18_64", "Residential") == (
        "Gross spend on long-term care for adults aged 18-64 in the setting divided by the weeks "
        "of care bought (Residential)"
    )


def test_the_market_list_is_declared_once():
    assert list(markets.MARKETS)[:2] == ["care_home_65", "home_care_18"]
    assert [m for m in markets.MARKETS if m != "all"] == markets.TESTED_MARKETS
    for literal in (narrative_markets.ActionMarket, local.MarketKey):
        assert literal is markets.Market
    assert set(get_args(risk.MarketKey)) == {*markets.MARKETS, "each"}
