"""Provides the analysis of a decision: flip points (through the one threshold search), a
sensitivity (tornado) table and a seeded Monte Carlo that re-ranks every sample money first.

Every sample re-runs the whole decision (costs, rules, ranking): the rule base caches its
findings by the truth values of its conditions, so a sample only reaches durable_rules when it
lands in a new combination of conditions. Pure: no I/O.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace

from advisor.cells import flip_value
from advisor.decide import Decision, RuleBase, chooser, evaluate, with_analysis
from advisor.knowledge import Knowledge
from advisor.scenario import OPTIONS, Answers, Option, Scenario
from advisor.search import FlipPoint, Searched, current, search_all

# Inputs sampled by the Monte Carlo and swung by the tornado. Examples on hand are a fact, not a
# forecast, so they are not sampled. The fine-tuned review rate and accuracy move with the API's
# (with_tied): the claimed gain is kept, the level is uncertain.
UNCERTAIN_ANSWERS = (
    "daily_requests", "input_tokens", "output_tokens", "peak_to_average", "examples_to_label",
    "api_accuracy", "review_rate_api", "cost_per_review",
)
UNCERTAIN_FIGURES = (
    "token_reduction", "serving_utilization", "training_efficiency", "tokens_per_example", "epochs",
    "run_overhead_hours", "experiment_runs", "retrain_runs_per_month", "labeling_qa_overhead",
    "ml_engineer_usd_per_year", "maintenance_fte_self_host", "maintenance_fte_hybrid",
    "maintenance_fte_vendor_finetune", "hybrid_core_share", "api_price_factor", "gpu_price_factor",
    "build_weeks_self_host", "build_weeks_hybrid", "build_weeks_vendor_finetune", "failed_attempt_factor",
    "eval_set_examples", "labeling_examples_per_week", "distill_quality", "contractor_premium",
    "rapid_change_retrain_factor", "rapid_change_relabel_share", "compliance_review_usd", "vendor_review_usd",
)
_INTS = {n for n, f in Answers.model_fields.items() if f.annotation is int}
_PERCENT = {"api_accuracy", "finetuned_accuracy", "review_rate_api", "review_rate_finetuned"}

Range = tuple[float, float, float]  # low, mode, high


def _current(scenario: Scenario, k: Knowledge, name: str) -> float:
    return float(current(scenario, k, name))


def _clip(name: str, value: float) -> float | int:
    if name in _PERCENT:
        value = min(max(value, 0.0), 100.0)
    value = max(value, 0.0)
    if name == "peak_to_average":
        value = max(value, 1.0)
    return int(round(value)) if name in _INTS else value


def plausible_ranges(scenario: Scenario, k: Knowledge) -> dict[str, Range]:
    """Triangular ranges: a defaulted answer spans its knowledge range; an answer you gave spans
    +-answer_spread around your figure; a knowledge figure spans its low..high."""
    spread = _current(scenario, k, "answer_spread")
    ranges: dict[str, Range] = {}
    for name in UNCERTAIN_ANSWERS:
        value = _current(scenario, k, name)
        spec = k.answers[name]
        if name in scenario.defaulted and not spec.forecast:
            ranges[name] = (value, value, value)  # a "no claim" default, not a forecast
        elif name in scenario.defaulted and spec.low is not None and spec.high is not None:
            ranges[name] = (min(float(spec.low), value), value, max(float(spec.high), value))
        else:
            low, high = _clip(name, value * (1 - spread)), _clip(name, value * (1 + spread))
            ranges[name] = (float(low), value, float(high))
    for name in UNCERTAIN_FIGURES:
        fig = k.figures[name]
        value = _current(scenario, k, name)
        if name in scenario.overrides or fig.low is None or fig.high is None:
            ranges[name] = (value, value, value)
        else:
            ranges[name] = (min(float(fig.low), value), value, max(float(fig.high), value))
    return ranges


def with_tied(scenario: Scenario, changes: dict[str, float | int]) -> dict[str, float | int]:
    """Add the fine-tuned counterpart of a changed API review rate or accuracy, keeping the gain:
    a review rate keeps its ratio, an accuracy its difference in points."""
    out = dict(changes)
    a = scenario.answers
    if "review_rate_api" in changes and "review_rate_finetuned" not in changes:
        ratio = a.review_rate_finetuned / a.review_rate_api if a.review_rate_api else 1.0
        out["review_rate_finetuned"] = _clip("review_rate_finetuned", float(changes["review_rate_api"]) * ratio)
    if "api_accuracy" in changes and "finetuned_accuracy" not in changes:
        gain = a.finetuned_accuracy - a.api_accuracy
        out["finetuned_accuracy"] = _clip("finetuned_accuracy", float(changes["api_accuracy"]) + gain)
    return out


def flip_points(decision: Decision, k: Knowledge, rules: RuleBase) -> tuple[list[FlipPoint], list[Searched]]:
    """Every answer (numeric ones over their plausible range, yes/no and choices at each value)
    and every sampled figure: the nearest value at which the recommendation changes."""
    choose = chooser(decision.scenario, k, rules, decision.today)
    return search_all(choose, decision.scenario, k, decision.option, UNCERTAIN_FIGURES)


@dataclass(frozen=True)
class TornadoRow:
    input: str
    low: float
    high: float
    gap_at_low: float
    gap_at_high: float

    @property
    def swing(self) -> float:
        return abs(self.gap_at_high - self.gap_at_low)


def tornado(decision: Decision, k: Knowledge, ranges: dict[str, Range]) -> list[TornadoRow]:
    """How far each input's low and high move the TCO gap between the recommendation and its
    closest eligible competitor (the runner-up); inputs that move neither are left out."""
    runner = decision.runner_up
    if runner is None:
        return []
    from advisor.costs import price_options

    def tcos(**changes: float | int) -> tuple[float, float]:
        variant = decision.scenario.with_changes(**with_tied(decision.scenario, changes))
        report = price_options(variant, k, decision.today, decision.report.drivers)
        return report.options[runner].tco_usd, report.options[decision.option].tco_usd

    base = tcos()
    rows = []
    for name, (low, _, high) in ranges.items():
        if low == high:
            continue
        lo, hi = _clip(name, low), _clip(name, high)
        at_low, at_high = tcos(**{name: lo}), tcos(**{name: hi})
        if all(abs(x - y) < 0.005 for pair in (at_low, at_high) for x, y in zip(pair, base, strict=True)):
            continue  # moves neither option's TCO
        rows.append(TornadoRow(name, float(lo), float(hi), at_low[0] - at_low[1], at_high[0] - at_high[1]))
    rows.sort(key=lambda r: -r.swing)
    return rows


def _percentiles(values: list[float], qs: tuple[float, ...] = (0.1, 0.5, 0.9)) -> list[float]:
    ordered = sorted(values)
    n = len(ordered)
    out = []
    for q in qs:
        pos = q * (n - 1)
        lo, hi = math.floor(pos), math.ceil(pos)
        if ordered[lo] == ordered[hi] or math.isinf(ordered[hi]):
            # inf - inf is NaN: a percentile that reaches 'never' is 'never', not NaN
            out.append(ordered[hi] if pos - lo > 0 else ordered[lo])
        else:
            out.append(ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo))
    return out


@dataclass(frozen=True)
class Uncertainty:
    samples: int
    seed: int
    distribution: str
    win_probability: dict[Option, float]  # share of samples in which each option is recommended
    cheapest_probability: dict[Option, float]  # share in which each option is the cheapest eligible
    tco_usd: dict[Option, list[float]]
    breakeven_month: dict[Option, list[float | None]]
    tornado: tuple[TornadoRow, ...] = ()
    headline: str = ""
    runner_up: Option | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "samples": self.samples,
            "seed": self.seed,
            "distribution": self.distribution,
            "win_probability": self.win_probability,
            "cheapest_probability": self.cheapest_probability,
            "tco_usd": {o: [round(v, 2) for v in vals] for o, vals in self.tco_usd.items()},
            "breakeven_month": self.breakeven_month,
            "sensitivity_against": self.runner_up,
            "sensitivity": [
                {
                    "input": r.input,
                    "low": r.low,
                    "high": r.high,
                    "gap_at_low_usd": round(r.gap_at_low, 2),
                    "gap_at_high_usd": round(r.gap_at_high, 2),
                    "swing_usd": round(r.swing, 2),
                }
                for r in self.tornado
            ],
        }

    @property
    def most_often_cheapest(self) -> Option | None:
        if not self.samples:
            return None
        return max(OPTIONS, key=lambda o: (self.cheapest_probability[o], -OPTIONS.index(o)))

    def summary_line(self) -> str:
        return self.headline


DISTRIBUTION = (
    "triangular(low, value, high) per input, independent (in log space where high/low >= 10); "
    "answers you gave vary by +-answer_spread, "
    "defaulted forecasts (volume, tokens, peak) and knowledge figures over their low..high range; "
    "fine-tuned review rate and accuracy keep their claimed gain over the API's"
)


def _draw(rng: random.Random, low: float, mode: float, high: float) -> float:
    """Triangular; over a range spanning ten times or more, triangular in log space, so that a
    1,000..1,000,000 range centred on 10,000 stays centred on it."""
    if low > 0 and mode > 0 and high / low >= 10:
        return math.exp(rng.triangular(math.log(low), math.log(high), math.log(mode)))
    return rng.triangular(low, high, mode)


def monte_carlo(
    decision: Decision, k: Knowledge, rules: RuleBase, *, samples: int, seed: int,
    ranges: dict[str, Range] | None = None,
) -> Uncertainty:
    """Sample the uncertain inputs and re-run the whole decision on each sample: how often each
    option is recommended (money first, as decide() ranks) and how often it is the cheapest."""
    ranges = ranges if ranges is not None else plausible_ranges(decision.scenario, k)
    rng = random.Random(seed)
    wins: dict[Option, int] = dict.fromkeys(OPTIONS, 0)
    cheapest: dict[Option, int] = dict.fromkeys(OPTIONS, 0)
    tcos: dict[Option, list[float]] = {o: [] for o in OPTIONS}
    breakevens: dict[Option, list[float]] = {o: [] for o in OPTIONS if o != "api"}
    varying = {n: r for n, r in ranges.items() if r[0] != r[2]}
    for _ in range(samples):
        changes = {n: _clip(n, _draw(rng, lo, mode, hi)) for n, (lo, mode, hi) in varying.items()}
        ev = evaluate(decision.scenario.with_changes(**with_tied(decision.scenario, changes)), k, rules, decision.today)
        wins[ev.option] += 1
        if ev.cheapest is not None:
            cheapest[ev.cheapest] += 1
        for option in OPTIONS:
            cost = ev.report.options[option]
            tcos[option].append(cost.tco_usd)
            if option != "api":
                breakevens[option].append(float(cost.breakeven_month) if cost.breakeven_month else math.inf)
    n = max(samples, 1)
    breakeven = {
        o: [None if math.isinf(v) else round(v, 1) for v in _percentiles(vals)] if vals else [None, None, None]
        for o, vals in breakevens.items()
    }
    return Uncertainty(
        samples, seed, DISTRIBUTION, {o: wins[o] / n for o in OPTIONS}, {o: cheapest[o] / n for o in OPTIONS},
        {o: _percentiles(v) if v else [0.0, 0.0, 0.0] for o, v in tcos.items()}, breakeven,
    )


def describe_flip(fp: FlipPoint) -> str:
    """One flip point in words, with its unit."""
    if fp.direction == "equals":
        return f"it flips to {fp.to} if {fp.input} is {flip_value(fp)}"
    if fp.input.endswith("_price_factor"):
        what = "API" if fp.input.startswith("api") else "GPU"
        return f"it flips to {fp.to} if the {what} price moves to {float(fp.value):,.3g}x today's"
    return f"it flips to {fp.to} {fp.direction} {flip_value(fp)} ({fp.input})"


def headline(decision: Decision, unc: Uncertainty, flips: list[FlipPoint]) -> str:
    share = unc.win_probability[decision.option] * 100
    cheap = unc.cheapest_probability[decision.option] * 100
    line = (
        f"Across {unc.samples:,} sampled futures {decision.option} is recommended in {share:.0f} % "
        f"and cheapest in {cheap:.0f} %"
    )
    other = unc.most_often_cheapest
    if other is not None and other != decision.option:
        line += f"; {other} is the cheapest most often ({unc.cheapest_probability[other] * 100:.0f} %)"
    preferred = [f for f in flips if f.input == "daily_requests"] or flips
    if preferred:
        line += "; " + describe_flip(preferred[0])
    return line + "."


def analyse(decision: Decision, k: Knowledge, rules: RuleBase, *, samples: int = 2000, seed: int = 7) -> Decision:
    """A new Decision with flip points, the Monte Carlo and the tornado, its confidence and
    summary recomputed from them. The decision given is not changed."""
    flips, searched = flip_points(decision, k, rules)
    unc = monte_carlo(decision, k, rules, samples=samples, seed=seed)
    rows = tornado(decision, k, plausible_ranges(decision.scenario, k))
    unc = replace(unc, tornado=tuple(rows), runner_up=decision.runner_up)
    unc = replace(unc, headline=headline(decision, unc, flips) if samples else "")
    return with_analysis(decision, flips, searched, unc)
