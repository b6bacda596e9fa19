"""Provides the decision: rule findings and cost figures aggregated into one recommendation.

Hard constraints first (exclude / require), then the weighted leanings (economics included, as
rules), the cheaper TCO breaking ties. Pure: no I/O; the date and the rule base are passed in.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from advisor.costs import CostReport, price_options
from advisor.facts import build_facts, fact_types
from advisor.knowledge import Knowledge, stale_warning
from advisor.money import usd0
from advisor.rulebase import LoadedRule, atoms_of, bundled_rule_files, check_rules, load_rule_files
from advisor.scenario import OPTIONS, Option, Scenario

if TYPE_CHECKING:
    from advisor.uncertainty import Uncertainty

Confidence = Literal["high", "medium", "low"]
BUILD_FAMILY: dict[Option, tuple[Option, ...]] = {
    "api": ("api",),
    "vendor-finetune": ("vendor-finetune",),
    "self-host": ("self-host", "hybrid"),
    "hybrid": ("hybrid",),
}
KEY_INPUTS = (
    "daily_requests", "input_tokens", "output_tokens", "labeled_examples", "examples_to_label",
    "api_accuracy", "finetuned_accuracy", "review_rate_api", "review_rate_finetuned",
    "requirements_volatility", "product_stage", "data_must_stay_in_house", "peak_to_average",
)
DATA_FLOOR = 1000


@dataclass(frozen=True)
class Finding:
    rule: str
    kind: str
    option: Option | None
    weight: int
    because: str
    source: str
    criterion: str


@dataclass(frozen=True)
class Phase:
    phase: int
    option: Option
    action: str
    until: str


@dataclass(frozen=True)
class FlipPoint:
    input: str
    value: float
    to: Option
    direction: Literal["above", "below"]


@dataclass
class Decision:
    scenario: Scenario
    report: CostReport
    findings: list[Finding]
    excluded_by: dict[Option, list[str]]
    scores: dict[Option, int]
    option: Option
    confidence: Confidence
    summary: str
    plan: list[Phase]
    warnings: list[str]
    today: dt.date
    flip_points: list[FlipPoint] = field(default_factory=list)
    uncertainty: Uncertainty | None = None

    def eligible(self, option: Option) -> bool:
        return not self.excluded_by[option]

    @property
    def runner_up(self) -> Option | None:
        others = [o for o in _ranked(self.scores, self.report, self.excluded_by) if o != self.option]
        return others[0] if others else None

    def advice(self) -> list[Finding]:
        """Advice that applies to the options in the plan."""
        planned = {p.option for p in self.plan}
        return [
            f
            for f in self.findings
            if f.kind == "advise" and (f.option is None or planned & set(BUILD_FAMILY[f.option]))
        ]


class RuleBase:
    """Rules loaded, checked and compiled once; evaluate() is the per-scenario call."""

    def __init__(self, rules: list[LoadedRule], k: Knowledge) -> None:
        from advisor.rules_engine import CompiledRules  # the only path into durable_rules

        check_rules(rules, fact_types(k))
        self.rules = rules
        self.by_id = {r.id: r for r in rules}
        self._engine = CompiledRules(rules)
        self._atoms = atoms_of(rules)
        self._read = sorted({atom.fact for atom in self._atoms})  # durable encodes every fact it gets
        self._cache: dict[tuple[bool, ...], list[Finding]] = {}

    def evaluate(self, facts: dict[str, float | bool | str]) -> list[Finding]:
        """Findings for `facts`. Rules read facts only through their conditions, so facts that
        give every condition the same truth value give the same findings: those are cached."""
        key = tuple(atom.holds(facts) for atom in self._atoms)
        cached = self._cache.get(key)
        if cached is None:
            if len(self._cache) > 4096:
                self._cache.clear()
            cached = self._cache[key] = self._evaluate(facts)
        return list(cached)

    def _evaluate(self, facts: dict[str, float | bool | str]) -> list[Finding]:
        findings = []
        for rule_id in self._engine.evaluate({name: facts[name] for name in self._read if name in facts}):
            rule = self.by_id[rule_id].rule
            if rule.then.kind == "derive":
                kind, option, weight = "derive", None, 0
            else:
                kind, option, weight = rule.then.kind, rule.then.option, rule.then.weight
            findings.append(Finding(rule.id, kind, option, weight, rule.because, rule.source, rule.criterion))
        return findings


_RULEBASES: dict[tuple[object, ...], tuple[Knowledge, RuleBase]] = {}


def load_rulebase(k: Knowledge, extra: list[Path] | None = None) -> RuleBase:
    """The bundled rules plus any packs (later files override rules by id), compiled once."""
    paths = tuple(bundled_rule_files() + [p.resolve() for p in (extra or [])])
    stamps = tuple(p.stat().st_mtime if p.exists() else 0.0 for p in paths)
    key = (paths, stamps, id(k))
    if key not in _RULEBASES:  # compiling registers a ruleset with durable: do it once per set
        _RULEBASES[key] = (k, RuleBase(load_rule_files(list(paths)), k))
    return _RULEBASES[key][1]


def _ranked(scores: dict[Option, int], report: CostReport, excluded: dict[Option, list[str]]) -> list[Option]:
    eligible = [o for o in OPTIONS if not excluded[o]]
    return sorted(eligible, key=lambda o: (-scores[o], report.options[o].tco_usd, OPTIONS.index(o)))


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


def _confidence(scores: dict[Option, int], ranked: list[Option], scenario: Scenario) -> Confidence:
    margin = scores[ranked[0]] - scores[ranked[1]] if len(ranked) > 1 else 99
    defaults = sum(1 for name in KEY_INPUTS if name in scenario.defaulted)
    if margin >= 4 and defaults <= 3:
        return "high"
    if margin < 2 or defaults >= 8:
        return "low"
    return "medium"


def _nice_ceiling(x: float) -> int:
    """Round up to two significant digits, so a trigger reads 41,000 rather than 40,712."""
    if x <= 0:
        return 0
    step = 10 ** max(int(math.floor(math.log10(x))) - 1, 0)
    return int(math.ceil(x / step) * step)


def volume_threshold(scenario: Scenario, k: Knowledge, today: dt.date, option: Option) -> int | None:
    """Smallest daily volume (two significant digits) at which `option` costs no more than the API."""

    def beats(volume: int) -> bool:
        report = price_options(scenario.with_changes(daily_requests=volume), k, today)
        return report.options[option].tco_usd <= report.options["api"].tco_usd

    low, high = scenario.answers.daily_requests, 10_000_000
    if beats(low):
        return low
    if not beats(high):
        return None
    while high - low > max(1, low // 200):
        mid = (low + high) // 2
        low, high = (low, mid) if beats(mid) else (mid, high)
    nice = _nice_ceiling(high)
    return nice if beats(nice) else high


def _plan(
    option: Option, scenario: Scenario, k: Knowledge, today: dt.date,
    excluded: dict[Option, list[str]], scores: dict[Option, int],
) -> list[Phase]:
    a = scenario.answers
    horizon = f"end of the {a.horizon_months}-month horizon; revisit the record before then"
    if option == "api":
        builds: list[Option] = [o for o in ("self-host", "hybrid", "vendor-finetune") if not excluded[o]]
        builds.sort(key=lambda o: -scores[o])
        for target in builds:
            volume = volume_threshold(scenario, k, today, target)
            if volume is None or volume <= a.daily_requests:
                continue
            until = f"labeled_examples >= {max(DATA_FLOOR, a.labeled_examples):,} and daily_requests >= {volume:,}"
            return [
                Phase(1, "api", "Call the vendor API with prompt engineering; log calls and label examples as you go.", until),
                Phase(2, target, f"Move to {target} once both triggers hold.", horizon),
            ]
        return [Phase(1, "api", "Call the vendor API with prompt engineering.", horizon)]
    if option in ("self-host", "hybrid", "vendor-finetune") and a.labeled_examples < DATA_FLOOR:
        until = f"labeled_examples >= {DATA_FLOOR:,}"
        if not excluded["api"]:
            first = Phase(1, "api", "Call the vendor API now; log calls and label examples for fine-tuning.", until)
        else:
            first = Phase(1, "self-host", "Serve an open 7B-class base model in house with prompting; label examples for fine-tuning.", until)
        return [first, Phase(2, option, f"Fine-tune and move to {option}.", horizon)]
    return [Phase(1, option, f"Fine-tune and launch {option}.", horizon)]


def _summary(
    option: Option, confidence: Confidence, findings: list[Finding], report: CostReport,
    excluded: dict[Option, list[str]], plan: list[Phase], runner: Option | None,
) -> str:
    leaning = [f for f in findings if f.kind == "lean" and f.option == option and f.weight > 0]
    leaning.sort(key=lambda f: -f.weight)
    against = [f for f in findings if f.kind == "lean" and f.option == option and f.weight < 0]
    cost = report.options[option]
    parts = [f"Recommend {option} ({confidence} confidence)."]
    if leaning:
        parts.append("For it: " + " ".join(f.because for f in leaning[:3]))
    if against:
        parts.append("Against it: " + against[0].because)
    api = report.options["api"]
    if option == "api":
        parts.append(
            f"Over {report.horizon_months} months the API costs {usd0(cost.tco_usd)} "
            f"({usd0(cost.monthly_usd)} a month)."
        )
    else:
        be = f"break-even in month {cost.breakeven_month}" if cost.breakeven_month else "no break-even within the horizon"
        parts.append(
            f"Over {report.horizon_months} months it costs {usd0(cost.tco_usd)} against "
            f"{usd0(api.tco_usd)} for the API ({be})."
        )
    if runner:
        parts.append(f"Runner-up: {runner} at {usd0(report.options[runner].tco_usd)}.")
    out = [o for o in OPTIONS if excluded[o]]
    if out:
        parts.append("Ruled out: " + ", ".join(f"{o} ({', '.join(excluded[o])})" for o in out) + ".")
    if len(plan) > 1:
        parts.append(f"Plan: {plan[0].option} now; move to {plan[1].option} when {plan[0].until}.")
    return " ".join(parts)


def _api_price_age(report: CostReport, k: Knowledge, today: dt.date) -> list[str]:
    detail = report.options["api"].detail
    model, checked = str(detail.get("model")), str(detail.get("price_verified") or "")
    if not checked:
        return []
    limit = int(k.figure_value("stale_after_days") or 180)
    if (today - dt.date.fromisoformat(checked)).days <= limit:
        return []
    return [
        f"The {model} price in genai-prices was last verified on {checked}, over {limit} days ago: "
        "upgrade genai-prices or set api_input_usd_per_mtok / api_output_usd_per_mtok in [assumptions]."
    ]


@dataclass(frozen=True)
class Evaluation:
    """Costs, findings and ranking of one scenario: what decide() and the what-if paths share."""

    report: CostReport
    findings: list[Finding]
    excluded: dict[Option, list[str]]
    scores: dict[Option, int]
    ranked: list[Option]

    @property
    def option(self) -> Option:
        return self.ranked[0] if self.ranked else min(OPTIONS, key=lambda o: self.report.options[o].tco_usd)


def evaluate(scenario: Scenario, k: Knowledge, rules: RuleBase, today: dt.date) -> Evaluation:
    report = price_options(scenario, k, today)
    findings = rules.evaluate(build_facts(scenario, report, k, today))
    excluded = _constraints(findings)
    scores: dict[Option, int] = dict.fromkeys(OPTIONS, 0)
    for f in findings:
        if f.kind == "lean" and f.option:
            scores[f.option] += f.weight
    return Evaluation(report, findings, excluded, scores, _ranked(scores, report, excluded))


def decide(scenario: Scenario, k: Knowledge, rules: RuleBase, today: dt.date) -> Decision:
    ev = evaluate(scenario, k, rules, today)
    report, findings, excluded, scores, ranked = ev.report, ev.findings, ev.excluded, ev.scores, list(ev.ranked)
    warnings = list(report.warnings)
    if not ranked:
        # Every option excluded (a policy pack can do that): fall back to the cheapest, loudly.
        ranked = sorted(OPTIONS, key=lambda o: report.options[o].tco_usd)
        warnings.append("Every option is excluded by some rule; showing the cheapest. Check the rule packs.")
    option = ranked[0]
    runner = ranked[1] if len(ranked) > 1 else None
    confidence = _confidence(scores, ranked, scenario)
    plan = _plan(option, scenario, k, today, excluded, scores)
    stale = stale_warning(k, today, set(report.used))
    if stale:
        warnings.append(stale)
    warnings += _api_price_age(report, k, today)
    summary = _summary(option, confidence, findings, report, excluded, plan, runner)
    return Decision(scenario, report, findings, excluded, scores, option, confidence, summary, plan, warnings, today)
