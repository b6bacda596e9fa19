"""Provides the ranking, money first, and evaluate(): costs, rule findings and ranking of one scenario.

Among eligible options the cheapest over the horizon wins, unless the leanings favour another whose
TCO is within the strategic tolerance of the cheapest. Pure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from advisor.costs import COST_DRIVERS, FINETUNED, CostReport, price_options
from advisor.inputs.knowledge import Knowledge
from advisor.inputs.scenario import OPTIONS, Option, Scenario
from advisor.rulebase.facts import answer_facts, cost_facts

if TYPE_CHECKING:
    pass
from advisor.decision.model import Confidence
from advisor.rulebase.base import Finding, RuleBase


def rank(tco: dict[Option, float], scores: dict[Option, int], eligible: list[Option], tolerance_pct: float) -> list[Option]:
    """Money first: the cheapest eligible option, unless leanings favour another within the
    tolerance of it (the highest score wins, the cheaper breaks ties). Applied again to what is
    left, this orders every eligible option, so the runner-up follows the same rule."""
    remaining = sorted(eligible, key=lambda o: (tco[o], OPTIONS.index(o)))
    ranked: list[Option] = []
    while remaining:
        ceiling = tco[remaining[0]] * (1 + tolerance_pct / 100) + 1e-6
        band = [o for o in remaining if tco[o] <= ceiling]
        pick = max(band, key=lambda o: (scores[o], -tco[o], -OPTIONS.index(o)))
        ranked.append(pick)
        remaining.remove(pick)
    return ranked


def _constraints(findings: list[Finding]) -> dict[Option, list[str]]:
    excluded: dict[Option, list[str]] = {o: [] for o in OPTIONS}
    for f in findings:
        if f.kind == "exclude" and f.option:
            excluded[f.option].append(f.rule)
    required = [f for f in findings if f.kind == "require" and f.option]
    if required:
        allowed = {f.option for f in required}
        for option in OPTIONS:
            if option not in allowed:
                excluded[option] += [f.rule for f in required]
    return excluded


def _no_launch(report: CostReport) -> list[Finding]:
    """An option still being built when the horizon ends never runs within it: not eligible."""
    return [
        Finding(
            "launch.after_horizon", "exclude", option, 0,
            f"Building {option} takes about {report.options[option].build_months:.1f} months, longer than the "
            f"{report.horizon_months}-month horizon, so it would never run within it.",
            "cost engine: build_calendar_weeks", "economics", title="Built after the horizon ends",
        )
        for option in FINETUNED
        if report.options[option].build_months >= report.horizon_months
    ]


def tolerance_pct(scenario: Scenario, k: Knowledge) -> float:
    value = scenario.overrides.get("strategic_tolerance_pct", k.figure_value("strategic_tolerance_pct"))
    return float(value if value is not None else 10.0)


@dataclass(frozen=True)
class Evaluation:
    """Costs, findings and ranking of one scenario: what decide() and every search share."""

    report: CostReport
    findings: list[Finding]
    excluded: dict[Option, list[str]]
    scores: dict[Option, int]
    ranked: list[Option]

    @property
    def option(self) -> Option:
        return self.ranked[0] if self.ranked else min(OPTIONS, key=lambda o: self.report.options[o].tco_usd)

    @property
    def cheapest(self) -> Option | None:
        """The cheapest eligible option, None when every option is excluded."""
        pool: list[Option] = [o for o in OPTIONS if not self.excluded[o]]
        if not pool:
            return None

        def by_cost(option: Option) -> tuple[float, int]:
            return self.report.options[option].tco_usd, OPTIONS.index(option)

        return min(pool, key=by_cost)


def evaluate(scenario: Scenario, k: Knowledge, rules: RuleBase, today: dt.date) -> Evaluation:
    """Find the cost drivers the rules derive, price with them, apply the rules, rank."""
    answers = answer_facts(scenario, k, today)
    key, drivers = rules.known_drivers(answers)
    report = price_options(scenario, k, today, drivers or frozenset())
    findings = rules.evaluate({**answers, **cost_facts(report)})
    if drivers is None:
        drivers = frozenset(f.fact for f in findings if f.kind == "derive" and f.fact in COST_DRIVERS)
        rules.remember_drivers(key, drivers)
        if drivers:
            # Driver rules read answers only (checked at load), so they fire the same again.
            report = price_options(scenario, k, today, drivers)
            findings = rules.evaluate({**answers, **cost_facts(report)})
    findings = findings + _no_launch(report)
    excluded = _constraints(findings)
    scores: dict[Option, int] = dict.fromkeys(OPTIONS, 0)
    for f in findings:
        if f.kind == "lean" and f.option:
            scores[f.option] += f.weight
    tco = {o: report.options[o].tco_usd for o in OPTIONS}
    eligible = [o for o in OPTIONS if not excluded[o]]
    return Evaluation(report, findings, excluded, scores, rank(tco, scores, eligible, tolerance_pct(scenario, k)))


def chooser(scenario: Scenario, k: Knowledge, rules: RuleBase, today: dt.date) -> Any:
    """The recommendation for a set of changed inputs: what every threshold search calls."""

    def choose(changes: dict[str, Any]) -> Option | None:
        variant = scenario.with_changes(**changes) if changes else scenario
        ev = evaluate(variant, k, rules, today)
        return ev.ranked[0] if ev.ranked else None

    return choose


def margin_pct(option: Option, runner: Option | None, report: CostReport) -> float | None:
    """How much dearer the runner-up is than the recommendation, in % (negative when it is cheaper)."""
    if runner is None:
        return None
    mine, theirs = report.options[option].tco_usd, report.options[runner].tco_usd
    return (theirs - mine) / mine * 100 if mine > 0 else 0.0


def confidence(margin: float | None, share: float | None, defaults: int) -> Confidence:
    """From the cost margin to the runner-up, the Monte Carlo share in which the recommendation
    holds (None before the analysis) and how many key answers were defaulted."""
    wide = margin is None or margin >= 10
    if (share is not None and share < 0.5) or defaults >= 8 or (margin is not None and margin < -5):
        return "low"
    if share is None and margin is not None and abs(margin) < 2:
        return "low"
    if wide and (share is None or share >= 0.8) and defaults <= 3:
        return "high"
    return "medium"
