"""Provides the Engine: the pure core loaded once (knowledge, the compiled rule base, today's date)
and the calls every shell makes on it. The CLI, the TUI, records and the chat tools share it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from advisor.decision import Decision, Evaluation, RuleBase, decide, evaluate, load_rulebase
from advisor.inputs.knowledge import Knowledge, load_knowledge
from advisor.inputs.scenario import Scenario


@dataclass(frozen=True)
class Engine:
    k: Knowledge
    rules: RuleBase
    today: dt.date

    @classmethod
    def load(cls, rule_packs: Sequence[Path] = (), *, today: dt.date | None = None, k: Knowledge | None = None) -> Engine:
        """Knowledge from knowledge/, the bundled rules plus any packs, compiled once."""
        k = k or load_knowledge()
        return cls(k, load_rulebase(k, list(rule_packs)), today or dt.date.today())

    def evaluate(self, scenario: Scenario) -> Evaluation:
        return evaluate(scenario, self.k, self.rules, self.today)

    def decide(self, scenario: Scenario, *, samples: int = 0, seed: int = 7) -> Decision:
        """The Decision, with flip points and the Monte Carlo when `samples` is above 0."""
        decision = decide(scenario, self.k, self.rules, self.today)
        if not samples:
            return decision
        from advisor.decision.uncertainty import analyse  # loads numpy: only when sampling

        return analyse(decision, self.k, self.rules, samples=samples, seed=seed)
