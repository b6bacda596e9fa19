"""Shared fixtures: the bundled knowledge and rules, a fixed date, isolated user directories."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from advisor.decision import Decision, RuleBase, decide, load_rulebase
from advisor.inputs.knowledge import Knowledge, load_knowledge
from advisor.inputs.scenario import Scenario, build_scenario

TODAY = dt.date(2026, 11, 30)
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test reads or writes the real user state or config, or holds a real API key."""
    for var in ("XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)
    return tmp_path


@pytest.fixture(scope="session")
def k() -> Knowledge:
    return load_knowledge()


@pytest.fixture(scope="session")
def rules(k: Knowledge) -> RuleBase:
    return load_rulebase(k)


@pytest.fixture
def scenario(k: Knowledge):
    def make(**answers: Any) -> Scenario:
        overrides = answers.pop("assumptions", {})
        return build_scenario(answers, k, overrides)

    return make


@pytest.fixture
def decision(k: Knowledge, rules: RuleBase, scenario):
    def make(**answers: Any) -> Decision:
        return decide(scenario(**answers), k, rules, TODAY)

    return make
