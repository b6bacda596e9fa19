"""`buildbuy decide --json` fills the buildbuy.decision/1 contract; example and knowledge commands."""

from __future__ import annotations

import json
import tomllib

import pytest

from advisor.cli import main
from advisor.inputs.scenario import ANSWER_NAMES, OPTIONS
from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "claims-triage.toml"


@pytest.fixture(scope="module")
def contract():
    import io
    from contextlib import redirect_stdout

    buf = io.StringIO()
    with redirect_stdout(buf):
        assert main(["decide", str(EXAMPLE), "--json", "--samples", "300"]) == 0
    return json.loads(buf.getvalue())


def test_top_level_keys(contract):
    assert contract["schema"] == "buildbuy.decision/1"
    assert set(contract) >= {"recommendation", "options", "findings", "flip_points", "assumptions", "warnings", "uncertainty"}


def test_recommendation_shape(contract):
    rec = contract["recommendation"]
    assert rec["option"] in OPTIONS and rec["confidence"] in {"high", "medium", "low"}
    assert rec["summary"].startswith(f"Recommend {rec['option']}")
    assert [p["phase"] for p in rec["plan"]] == list(range(1, len(rec["plan"]) + 1))
    assert all(p["option"] in OPTIONS and isinstance(p["until"], str) for p in rec["plan"])


def test_options_shape_and_arithmetic(contract):
    assert set(contract["options"]) == set(OPTIONS)
    for option, o in contract["options"].items():
        assert set(o["breakdown"]) >= {"inference", "review", "maintenance", "training", "labeling"}
        monthly = sum(o["breakdown"][key] for key in ("inference", "review", "maintenance", "training"))
        assert monthly == pytest.approx(o["monthly_usd"], abs=0.05)
        one_time = sum(o["breakdown"][key] for key in ("labeling", "training_one_time", "build", "bridge"))
        assert one_time == pytest.approx(o["one_time_usd"], abs=0.05)
        run_months = max(0.0, 24 - o["build_months"])
        assert o["tco_usd"] == pytest.approx(o["one_time_usd"] + run_months * o["monthly_usd"], rel=1e-4)
        assert o["eligible"] == (o["excluded_by"] == [])
        assert option != "api" or o["breakeven_month"] is None


def test_findings_and_flip_points_shape(contract):
    for f in contract["findings"]:
        assert f["kind"] in {"lean", "require", "exclude", "advise", "derive"}
        assert f["rule"] and f["because"] and f["source"]
    for fp in contract["flip_points"]:
        assert fp["input"] and fp["to"] in OPTIONS and fp["direction"] in {"above", "below", "equals"}
        if fp["direction"] == "equals":
            assert isinstance(fp["value"], (bool, str))
        else:
            assert isinstance(fp["value"], (int, float)) and not isinstance(fp["value"], bool)
    searched = {s["input"] for s in contract["flip_search"]}
    assert {"daily_requests", "data_must_stay_in_house", "industry", "token_reduction"} <= searched


def test_assumptions_carry_source_and_date(contract):
    names = {a["name"] for a in contract["assumptions"]}
    assert "gpu" in names  # a defaulted answer
    assert "token_reduction" in names  # an override
    for a in contract["assumptions"]:
        assert a["source"] and len(a["as_of"]) == 10 and a["as_of"][4] == "-"


def test_uncertainty_block(contract):
    unc = contract["uncertainty"]
    assert unc["samples"] == 300 and unc["seed"] == 7
    assert sum(unc["win_probability"].values()) == pytest.approx(1.0)
    assert sum(unc["cheapest_probability"].values()) == pytest.approx(1.0)
    assert set(unc["tco_usd"]) == set(OPTIONS)
    assert unc["sensitivity_against"] == contract["recommendation"]["runner_up"]


def test_example_command_prints_a_complete_valid_answers_file(capsys, tmp_path):
    assert main(["example"]) == 0
    text = capsys.readouterr().out
    data = tomllib.loads(text)
    assert set(data["answers"]) == set(ANSWER_NAMES)
    assert "# How many requests a day, on average?" in text
    path = tmp_path / "a.toml"
    path.write_text(text)
    assert main(["decide", str(path), "--samples", "0"]) == 0
    assert "Defaults used" not in capsys.readouterr().out  # every answer was given


def test_knowledge_command_lists_sources_and_dates(capsys):
    assert main(["knowledge"]) == 0
    out = capsys.readouterr().out
    assert "figure token_reduction = 0.25" in out
    assert "source: Build vs Buy: Fine-Tuned LLM Economics (article), Token Efficiency Gains (20-30 %); as_of 2026-11-30" in out
    assert "gpu offer h100-pcie at runpod = $1.99 per GPU-hour" in out
    assert "answer default batch_ok = false" in out
