"""Provides evaluate_many(): the decision for arrays of sampled inputs at once (one pricing, rules once
per distinct truth vector), and the batched scanner the threshold search uses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from advisor.costs import FINETUNED, CostReport, arith, price_options
from advisor.decision.search import Scanner, current
from advisor.inputs.knowledge import Knowledge
from advisor.inputs.scenario import OPTIONS, Option, Scenario
from advisor.rulebase.facts import answer_facts, cost_facts

if TYPE_CHECKING:
    pass
from advisor.decision.evaluate import _constraints, evaluate, tolerance_pct
from advisor.rulebase.base import RuleBase


@dataclass(frozen=True)
class Batch:
    """The decision for many samples of one scenario at once: per sample, the recommended option
    and the cheapest eligible one (indices into OPTIONS; -1 when none is eligible)."""

    report: CostReport  # every figure an array over the samples
    option: Any
    cheapest: Any


# The horizon sets the length of every cost curve: it is not priced as an array of samples.
_SCALAR_ONLY = frozenset({"horizon_months"})


def evaluate_many(scenario: Scenario, k: Knowledge, rules: RuleBase, today: dt.date, sampled: dict[str, Any]) -> Batch | None:
    """evaluate() for arrays of sampled answers and figures, pricing every sample at once. Rules
    run once per distinct truth vector of their conditions. None when the samples would need
    different cost drivers (then the caller evaluates them one by one)."""
    import numpy as np

    if set(sampled) & _SCALAR_ONLY:
        return None
    n = len(next(iter(sampled.values())))
    answers = answer_facts(scenario, k, today, sampled)
    driver_truth = np.array([np.broadcast_to(atom.holds(answers), (n,)) for atom in rules._driver_atoms]).reshape(-1, n)
    if driver_truth.size and not (driver_truth == driver_truth[:, :1]).all():
        return None
    first = {name: arith.at(value, 0) for name, value in answers.items()}
    _, drivers = rules.known_drivers(first)
    if drivers is None:  # learn them from the first sample, the way evaluate() does
        one = {name: arith.at(value, 0) for name, value in sampled.items()}
        drivers = evaluate(scenario.with_changes(**_typed(one)), k, rules, today).report.drivers
    report = price_options(scenario, k, today, drivers, sampled)
    facts = {**answers, **cost_facts(report)}
    truth = np.array([np.broadcast_to(atom.holds(facts), (n,)) for atom in rules._atoms]).reshape(-1, n)
    # One key per sample: its truth vector packed into bytes (np.unique over rows is far slower).
    packed = np.ascontiguousarray(np.packbits(truth, axis=0).T)
    keys = packed.view(np.dtype((np.void, packed.shape[1]))).reshape(-1) if packed.size else np.zeros(n, "V1")
    groups, inverse = np.unique(keys, return_inverse=True)
    inverse = inverse.reshape(-1)
    tco = np.stack([np.broadcast_to(report.options[o].tco_usd, (n,)) for o in OPTIONS])
    launched = np.stack([
        np.broadcast_to(report.options[o].build_months < report.horizon_months, (n,)) if o in FINETUNED else np.ones(n, bool)
        for o in OPTIONS
    ])
    tolerance = tolerance_pct(scenario, k)
    option = np.empty(n, dtype=int)
    cheapest = np.empty(n, dtype=int)
    for g in range(len(groups)):
        members = np.nonzero(inverse == g)[0]
        sample = {name: arith.at(value, int(members[0])) for name, value in facts.items()}
        found = rules.evaluate(sample)
        excluded = _constraints(found)
        scores = np.array([sum(f.weight for f in found if f.kind == "lean" and f.option == o) for o in OPTIONS], float)
        allowed = np.array([not excluded[o] for o in OPTIONS])[:, None] & launched[:, members]
        option[members], cheapest[members] = _rank_many(tco[:, members], scores, allowed, tolerance)
    return Batch(report, option, cheapest)


def _typed(changes: dict[str, Any]) -> dict[str, Any]:
    """Sampled values as the answers expect them: whole numbers for integer answers."""
    from advisor.inputs.scenario import Answers

    ints = {n for n, f in Answers.model_fields.items() if f.annotation is int}
    return {n: int(round(v)) if n in ints else float(v) for n, v in changes.items()}


def _rank_many(tco: Any, scores: Any, allowed: Any, tolerance: float) -> tuple[Any, Any]:
    """rank()'s first pick and the cheapest eligible option, for every sample (column) at once."""
    import numpy as np

    inf = np.inf
    priced = np.where(allowed, tco, inf)
    cheapest = np.argmin(priced, axis=0)  # ties: the first in OPTIONS order, as rank() sorts
    best = np.take_along_axis(priced, cheapest[None, :], axis=0)[0]
    band = allowed & (tco <= best * (1 + tolerance / 100) + 1e-6)
    score = np.where(band, scores[:, None], -inf)
    top = score.max(axis=0)
    pick = np.argmin(np.where(band & (score == top), tco, inf), axis=0)
    none = ~allowed.any(axis=0)
    pick = np.where(none, np.argmin(tco, axis=0), pick)  # nothing eligible: the cheapest of all, as decide()
    return pick, np.where(none, -1, cheapest)


def scanner(scenario: Scenario, k: Knowledge, rules: RuleBase, today: dt.date) -> Scanner:
    """Many single-input changes priced in one batch (evaluate_many): each column of the batch
    changes one input and keeps the others at today's values. Inputs that cost-driver rules read
    are left to the one-at-a-time search, since their columns could need other drivers."""
    driver_facts = {atom.fact for atom in rules._driver_atoms}

    def batchable(name: str) -> bool:
        return name not in _SCALAR_ONLY and name not in driver_facts

    def grid(columns: list[tuple[str, float]]) -> list[Option | None] | None:
        import numpy as np

        names = sorted({name for name, _ in columns})
        sampled = {name: np.full(len(columns), float(current(scenario, k, name))) for name in names}
        for i, (name, value) in enumerate(columns):
            sampled[name][i] = value
        batch = evaluate_many(scenario, k, rules, today, sampled)
        if batch is None:
            return None
        return [None if c < 0 else OPTIONS[o] for o, c in zip(batch.option.tolist(), batch.cheapest.tolist(), strict=True)]

    return Scanner(grid, batchable)
