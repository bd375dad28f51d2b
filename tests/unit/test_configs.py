"""Settings files declared as pydantic models: one-line errors naming file and key."""

from __future__ import annotations

from typing import get_args

import pytest

from msp_analysis import configs, resources
from msp_analysis.errors import SettingsError
from msp_analysis.indicators import risk
from msp_analysis.indicators.markets import MARKETS
from msp_analysis.narrative import markets

pytestmark = pytest.mark.unit

RULE = "{risk: workforce, market: all, indicator: i, breakdown: b, rule: above, threshold: 1, source: s}"


def _write(tmp_path, text, name="t.yml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_shipped_files_validate():
    doc = risk.load_thresholds()
    # risk_thresholds.yml holds 53 "- risk:" entries (46 on published data, 7 on local evidence)
    assert len(doc["rules"]) == 53
    assert doc["rules"][0]["indicator"] == "care_home_beds_per_1000_65"
    actions = markets.load_actions(resources.example_actions())
    assert [a["id"] for a in actions][:3] == ["CH1", "CH2", "HC1"]


def test_error_names_file_and_key_counting_from_one(tmp_path):
    bad = _write(
        tmp_path, f"name: x\nrules:\n  - {RULE}\n  - {RULE.replace('1, source', 'ten, source')}\n"
    )
    with pytest.raises(SettingsError) as err:
        risk.load_thresholds(bad)
    assert (
        str(err.value)
        == "t.yml, key 'rules[2].threshold': Input should be a valid integer (got 'ten') "
        "or Input should be a valid number (got 'ten')"
    )


def test_unknown_and_missing_keys(tmp_path):
    bad = _write(tmp_path, "name: x\nrules:\n  - {risk: workforce, colour: red}\n", "mine.yml")
    with pytest.raises(SettingsError) as err:
        risk.load_thresholds(bad)
    message = str(err.value)
    assert "mine.yml, key 'rules[1].colour': unknown key (not in the schema)" in message
    assert "mine.yml, key 'rules[1].indicator': required key is missing" in message
    assert "\n" not in message


def test_yaml_syntax_error_gives_the_line(tmp_path):
    bad = _write(tmp_path, "name: x\nrules:\n  - {risk: workforce\n")
    with pytest.raises(SettingsError, match=r"^t\.yml, line 4: not valid YAML"):
        risk.load_thresholds(bad)


def test_top_level_must_be_a_mapping(tmp_path):
    bad = _write(tmp_path, "- just\n- a list\n", "actions.yml")
    with pytest.raises(SettingsError, match=r"actions\.yml, key '\(top level\)'"):
        markets.load_actions(bad)


def test_declared_choices_match_the_code():
    assert set(get_args(risk.RiskKey)) == set(risk.RISKS)
    assert set(get_args(risk.RuleName)) == set(risk.RULES)
    assert set(get_args(risk.MarketKey)) == {*MARKETS, "each"}
    assert set(get_args(markets.ActionMarket)) == set(MARKETS)


def test_json_schema_documents_the_fields():
    schema = configs.json_schema(markets.ActionsFile)
    assert '"additionalProperties": false' in schema
    assert "the market the action belongs to" in schema
