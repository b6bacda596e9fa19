"""Provides the decision, money first: rule findings and cost figures aggregated into one
recommendation.

Exclusions and requirements first. Among the eligible options the cheapest over the horizon wins,
unless the leanings (what the engine cannot price: strategy, lock-in, stage) favour another whose
TCO is within the strategic tolerance of the cheapest; then the summary says so in money. Rules
may derive cost drivers (rapid change, compliance review, no model owner) that the cost engine
prices. Pure: no I/O; the date and the rule base are passed in.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from advisor import arith
from advisor.costs import COST_DRIVERS, FINETUNED, CostReport, price_options
from advisor.errors import RulesError
from advisor.facts import answer_fact_names, answer_facts, cost_facts, fact_types
from advisor.knowledge import Knowledge, stale_warning
from advisor.money import usd0
from advisor.rulebase import LoadedRule, atoms_of, bundled_rule_files, check_rules, load_rule_files, parse_condition
from advisor.scenario import OPTIONS, Option, Scenario
from advisor.search import FlipPoint, Scanner, Searched, current, numeric_flip

if TYPE_CHECKING:
    from advisor.uncertainty import Uncertainty

__all__ = ["Decision", "Evaluation", "Finding", "FlipPoint", "Phase", "RuleBase", "decide", "evaluate", "load_rulebase", "rank"]

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


@dataclass(frozen=True)
class Finding:
    rule: str
    kind: str
    option: Option | None
    weight: int
    because: str
    source: str
    criterion: str
    fact: str | None = None  # what a derive rule derived


@dataclass(frozen=True)
class Phase:
    phase: int
    option: Option
    action: str
    until: str


@dataclass(frozen=True)
class Decision:
    """One decision, built complete: every view reads it, none recomputes it. The analysis
    (flip points, Monte Carlo) returns a new Decision rather than patching this one."""

    scenario: Scenario
    report: CostReport
    findings: tuple[Finding, ...]
    excluded_by: dict[Option, list[str]]
    scores: dict[Option, int]
    ranked: tuple[Option, ...]
    option: Option
    confidence: Confidence
    summary: str
    plan: tuple[Phase, ...]
    warnings: tuple[str, ...]
    today: dt.date
    tolerance_pct: float
    flip_points: tuple[FlipPoint, ...] = ()
    flip_search: tuple[Searched, ...] = ()
    uncertainty: Uncertainty | None = None

    def eligible(self, option: Option) -> bool:
        return not self.excluded_by[option]

    @property
    def runner_up(self) -> Option | None:
        """The closest eligible competitor: the next option by the same ranking."""
        others = [o for o in self.ranked if o != self.option]
        return others[0] if others else None

    @property
    def cheapest(self) -> Option:
        """The cheapest eligible option over the horizon (the cheapest of all if none is eligible)."""
        pool = [o for o in OPTIONS if self.eligible(o)] or list(OPTIONS)
        return min(pool, key=lambda o: (self.report.options[o].tco_usd, OPTIONS.index(o)))

    @property
    def strategic(self) -> bool:
        """True when leanings chose an option dearer than the cheapest eligible one."""
        return self.option != self.cheapest

    def advice(self) -> list[Finding]:
        """Advice that applies to the options in the plan."""
        planned = {p.option for p in self.plan}
        return [
            f
            for f in self.findings
            if f.kind == "advise" and (f.option is None or planned & set(BUILD_FAMILY[f.option]))
        ]


def _driver_rules(rules: list[LoadedRule]) -> list[LoadedRule]:
    """The rules that derive a cost driver, and the rules those join on, transitively."""
    producers = {r.rule.then.fact: r for r in rules if r.rule.then.kind == "derive"}
    pending = [r for r in rules if r.rule.then.kind == "derive" and r.rule.then.fact in COST_DRIVERS]
    found: dict[str, LoadedRule] = {}
    while pending:
        rule = pending.pop()
        if rule.id in found:
            continue
        found[rule.id] = rule
        for text in [*rule.rule.when.all, *rule.rule.when.any]:
            cond = parse_condition(text)
            if isinstance(cond, str) and cond in producers:
                pending.append(producers[cond])
    return list(found.values())


def _driver_atoms(rules: list[LoadedRule]) -> list[Any]:
    return atoms_of(_driver_rules(rules))


def _check_drivers_read_answers(rules: list[LoadedRule], k: Knowledge) -> None:
    """A rule that derives a cost driver runs before the costs exist: it may read answers only."""
    answers = answer_fact_names(k)
    producers = {r.rule.then.fact: r for r in rules if r.rule.then.kind == "derive"}
    problems = []
    for loaded in rules:
        if loaded.rule.then.kind != "derive" or loaded.rule.then.fact not in COST_DRIVERS:
            continue
        pending, seen = [loaded], set()
        while pending:
            rule = pending.pop()
            if rule.id in seen:
                continue
            seen.add(rule.id)
            for text in [*rule.rule.when.all, *rule.rule.when.any]:
                cond = parse_condition(text)
                if isinstance(cond, str):
                    if cond in producers:
                        pending.append(producers[cond])
                elif cond.fact not in answers:
                    problems.append(
                        f"{loaded.file}: rule {loaded.id}: derives the cost driver {loaded.rule.then.fact!r} "
                        f"from {cond.fact!r}, a cost figure; a cost driver may read answers only"
                    )
    if problems:
        raise RulesError(problems)


class RuleBase:
    """Rules loaded, checked and compiled once; evaluate() is the per-scenario call."""

    def __init__(self, rules: list[LoadedRule], k: Knowledge) -> None:
        from advisor.rules_engine import CompiledRules  # the only path into durable_rules

        check_rules(rules, fact_types(k))
        _check_drivers_read_answers(rules, k)
        self.rules = rules
        self.by_id = {r.id: r for r in rules}
        self._engine = CompiledRules(rules)
        self._atoms = atoms_of(rules)
        self._read = sorted({atom.fact for atom in self._atoms})  # durable encodes every fact it gets
        self._cache: dict[tuple[bool, ...], list[Finding]] = {}
        self._driver_atoms = _driver_atoms(rules)
        self._drivers: dict[tuple[bool, ...], frozenset[str]] = {}

    def known_drivers(self, facts: dict[str, float | bool | str]) -> tuple[tuple[bool, ...], frozenset[str] | None]:
        """The cost drivers for these answer facts, if an earlier evaluation found them: driver
        rules read answers only, so the truth of their conditions decides the drivers."""
        key = tuple(atom.holds(facts) for atom in self._driver_atoms)
        return key, self._drivers.get(key)

    def remember_drivers(self, key: tuple[bool, ...], drivers: frozenset[str]) -> None:
        if len(self._drivers) > 4096:
            self._drivers.clear()
        self._drivers[key] = drivers

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
            findings.append(
                Finding(rule.id, kind, option, weight, rule.because, rule.source, rule.criterion, rule.then.fact)
            )
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
            "cost engine: build_calendar_weeks", "economics",
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
        return min(pool, key=lambda o: (self.report.options[o].tco_usd, OPTIONS.index(o)))


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
    from advisor.scenario import Answers

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


def chooser(scenario: Scenario, k: Knowledge, rules: RuleBase, today: dt.date) -> Any:
    """The recommendation for a set of changed inputs: what every threshold search calls."""

    def choose(changes: dict[str, Any]) -> Option | None:
        variant = scenario.with_changes(**changes) if changes else scenario
        ev = evaluate(variant, k, rules, today)
        return ev.ranked[0] if ev.ranked else None

    return choose


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


def _nice_ceiling(x: float) -> int:
    """Round up to two significant digits, so a trigger reads 41,000 rather than 40,712."""
    if x <= 0:
        return 0
    step = 10 ** max(int(math.floor(math.log10(x))) - 1, 0)
    return int(math.ceil(x / step) * step)


def _floor(scenario: Scenario, k: Knowledge) -> int:
    return int(float(scenario.overrides.get("data_floor_examples", k.figure_value("data_floor_examples"))))


def _weeks(weeks: float) -> str:
    return f"about {max(1, round(weeks))} week{'s' if round(weeks) > 1 else ''}"


def _plan(ev: Evaluation, option: Option, scenario: Scenario, k: Knowledge, rules: RuleBase, today: dt.date) -> list[Phase]:
    a = scenario.answers
    horizon = f"end of the {a.horizon_months}-month horizon; revisit the record before then"
    floor = _floor(scenario, k)
    data_short = a.labeled_examples + a.examples_to_label < floor
    if option == "api":
        choose = chooser(scenario, k, rules, today)
        flip = numeric_flip(choose, scenario, k, "daily_requests", "above", "api")
        if flip is None:
            return [Phase(1, "api", "Call the vendor API with prompt engineering.", horizon)]
        volume = int(flip.value)
        nice = _nice_ceiling(volume)
        if nice != volume and choose({"daily_requests": nice}) == flip.to:
            volume = nice
        until = f"daily_requests >= {volume:,}"
        if flip.to in FINETUNED and a.labeled_examples < floor:
            until = f"labeled_examples >= {floor:,} and {until}"
        return [
            Phase(1, "api", "Call the vendor API with prompt engineering; log calls and label examples as you go.", until),
            Phase(2, flip.to, f"Build and move to {flip.to} once the triggers hold.", horizon),
        ]
    if option not in FINETUNED:
        return [Phase(1, option, f"Launch {option}.", horizon)]
    cost = ev.report.options[option]
    weeks = float(cost.detail.get("build_weeks", 0.0))
    until = f"{option} is built and evaluated ({_weeks(weeks)})"
    label = f" and label examples up to {floor:,}" if data_short and not a.has_api_logs else ""
    if data_short and a.has_api_logs:
        label = f" and distil API logs into {floor:,}+ training examples"
    if data_short:
        until = f"labeled_examples >= {floor:,} and {until}"
    if not ev.excluded["api"] and not a.data_must_stay_in_house:
        first = Phase(1, "api", f"Call the vendor API while {option} is built{label}.", until)
    else:
        first = Phase(1, "self-host", f"Serve an open 7B-class base model in house with prompting while the fine-tune is built{label}.", until)
    return [first, Phase(2, option, f"Launch the fine-tuned {option}; keep the evaluation set as the release gate.", horizon)]


def _pct(part: float, whole: float) -> str:
    return f"{part / whole * 100:.0f} %" if whole > 0 else "-"


def summarise(
    option: Option, confidence_: Confidence, ranked: list[Option] | tuple[Option, ...], findings: list[Finding] | tuple[Finding, ...],
    report: CostReport, excluded: dict[Option, list[str]], plan: list[Phase] | tuple[Phase, ...], tolerance: float,
    uncertainty: Uncertainty | None = None,
) -> str:
    """The recommendation in money: what it costs, against the closest eligible option and the
    API, why a dearer option was preferred (if it was), what is ruled out, the plan."""
    horizon = report.horizon_months
    c = report.options[option]
    eligible = [o for o in OPTIONS if not excluded[o]]
    cheapest = min(eligible or list(OPTIONS), key=lambda o: (report.options[o].tco_usd, OPTIONS.index(o)))
    runner = next((o for o in ranked if o != option), None)
    parts = [f"Recommend {option} ({confidence_} confidence): {usd0(c.tco_usd)} over {horizon} months"]
    if c.one_time_usd > 0:
        once = f"{usd0(c.one_time_usd)} one-time"
        bits = [f"build {usd0(c.breakdown['build'])}" if c.breakdown.get("build") else "",
                f"API bill while building {usd0(c.breakdown['bridge'])}" if c.breakdown.get("bridge") else ""]
        bits = [b for b in bits if b]
        parts[0] += f" ({once}{' incl. ' + ' and '.join(bits) if bits else ''}, then {usd0(c.monthly_usd)} a month)."
    else:
        parts[0] += f" ({usd0(c.monthly_usd)} a month)."
    if option != cheapest:
        gap = c.tco_usd - report.options[cheapest].tco_usd
        reasons = sorted((f for f in findings if f.kind == "lean" and f.option == option and f.weight > 0), key=lambda f: -f.weight)
        why = " ".join(f.because for f in reasons[:2]) or "the leanings favour it."
        parts.append(
            f"{cheapest} is {usd0(gap)} ({_pct(gap, c.tco_usd)}) cheaper; {option} is preferred within the "
            f"{tolerance:g} % strategic tolerance because: {why}"
        )
    elif runner is not None:
        gap = report.options[runner].tco_usd - c.tco_usd
        parts.append(f"It is the cheapest eligible option: {runner}, the closest, costs {usd0(gap)} ({_pct(gap, c.tco_usd)}) more.")
    else:
        parts.append("It is the only eligible option.")
    api = report.options["api"]
    if option != "api" and not excluded["api"]:
        delta = api.tco_usd - c.tco_usd
        be = f"break-even in month {c.breakeven_month}" if c.breakeven_month else "no break-even within the horizon"
        if delta >= 0:
            parts.append(f"Against the API it saves {usd0(delta)} over {horizon} months ({be}).")
        else:
            parts.append(f"Against the API it costs {usd0(-delta)} more over {horizon} months ({be}).")
    against = [f for f in findings if f.kind == "lean" and f.option == option and f.weight < 0]
    if against:
        parts.append("Against it: " + against[0].because)
    out = [o for o in OPTIONS if excluded[o]]
    if out:
        parts.append("Ruled out: " + ", ".join(f"{o} ({', '.join(excluded[o])})" for o in out) + ".")
    if len(plan) > 1:
        parts.append(f"Plan: {plan[0].option} now; move to {plan[1].option} when {plan[0].until}.")
    if uncertainty is not None:
        parts.append(uncertainty.headline)
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


def decide(scenario: Scenario, k: Knowledge, rules: RuleBase, today: dt.date) -> Decision:
    ev = evaluate(scenario, k, rules, today)
    report, findings, excluded, scores, ranked = ev.report, ev.findings, ev.excluded, ev.scores, list(ev.ranked)
    warnings = list(report.warnings)
    if not ranked:
        # Every option excluded (a policy pack can do that): fall back to the cheapest, loudly.
        ranked = sorted(OPTIONS, key=lambda o: (report.options[o].tco_usd, OPTIONS.index(o)))
        warnings.append("Every option is excluded by some rule; showing the cheapest. Check the rule packs.")
    option = ranked[0]
    runner = ranked[1] if len(ranked) > 1 else None
    defaults = sum(1 for name in KEY_INPUTS if name in scenario.defaulted)
    conf = confidence(margin_pct(option, runner, report), None, defaults)
    plan = _plan(ev, option, scenario, k, rules, today)
    stale = stale_warning(k, today, set(report.used))
    if stale:
        warnings.append(stale)
    warnings += _api_price_age(report, k, today)
    tolerance = tolerance_pct(scenario, k)
    summary = summarise(option, conf, ranked, findings, report, excluded, plan, tolerance)
    return Decision(
        scenario, report, tuple(findings), excluded, scores, tuple(ranked), option, conf, summary, tuple(plan),
        tuple(warnings), today, tolerance,
    )


def with_analysis(
    decision: Decision, flip_points: list[FlipPoint], searched: list[Searched], uncertainty: Uncertainty
) -> Decision:
    """A new Decision carrying the analysis, with confidence and summary recomputed from it."""
    defaults = sum(1 for name in KEY_INPUTS if name in decision.scenario.defaulted)
    share = uncertainty.win_probability.get(decision.option) if uncertainty.samples else None
    conf = confidence(margin_pct(decision.option, decision.runner_up, decision.report), share, defaults)
    summary = summarise(
        decision.option, conf, decision.ranked, decision.findings, decision.report, decision.excluded_by,
        decision.plan, decision.tolerance_pct, uncertainty,
    )
    return replace(
        decision, flip_points=tuple(flip_points), flip_search=tuple(searched), uncertainty=uncertainty,
        confidence=conf, summary=summary,
    )
