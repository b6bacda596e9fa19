"""Provides flip points, a sensitivity (tornado) table and a seeded Monte Carlo over the decision.

Every search re-runs the whole decision (costs and rules): the rule base caches its findings by
the truth values of its conditions, so a sample only reaches durable_rules when it lands in a
new combination of conditions. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field

from advisor.decide import Decision, FlipPoint, RuleBase, evaluate
from advisor.knowledge import Knowledge
from advisor.scenario import OPTIONS, Answers, Option, Scenario

# Inputs whose flip points are searched: numeric answers plus price scales.
FLIP_INPUTS = (
    "daily_requests", "labeled_examples", "api_accuracy", "finetuned_accuracy", "review_rate_api",
    "review_rate_finetuned", "cost_per_review", "input_tokens", "output_tokens", "horizon_months",
    "gpu_price_factor", "api_price_factor",
)
# Inputs sampled by the Monte Carlo and swung by the tornado. Examples on hand are a fact, not a
# forecast, so they are not sampled. The fine-tuned review rate and accuracy move with the API's
# (TIED): the claimed gain is kept, the level is uncertain.
UNCERTAIN_ANSWERS = (
    "daily_requests", "input_tokens", "output_tokens", "peak_to_average", "examples_to_label",
    "api_accuracy", "review_rate_api", "cost_per_review",
)
TIED = {"review_rate_api": "review_rate_finetuned", "api_accuracy": "finetuned_accuracy"}
UNCERTAIN_FIGURES = (
    "token_reduction", "serving_utilization", "training_efficiency", "tokens_per_example", "epochs",
    "run_overhead_hours", "experiment_runs", "retrain_runs_per_month", "labeling_qa_overhead",
    "ml_engineer_usd_per_year", "maintenance_fte_self_host", "maintenance_fte_hybrid",
    "maintenance_fte_vendor_finetune", "hybrid_core_share", "api_price_factor", "gpu_price_factor",
)
_INTS = {n for n, f in Answers.model_fields.items() if f.annotation is int}
_PERCENT = {"api_accuracy", "finetuned_accuracy", "review_rate_api", "review_rate_finetuned"}

Range = tuple[float, float, float]  # low, mode, high


def _current(scenario: Scenario, k: Knowledge, name: str) -> float:
    if name in Answers.model_fields:
        return float(getattr(scenario.answers, name))
    if name in scenario.overrides:
        return float(scenario.overrides[name])
    return float(k.figures[name].value)  # type: ignore[arg-type]


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


def _search_range(scenario: Scenario, k: Knowledge, name: str) -> tuple[float, float]:
    value = _current(scenario, k, name)
    if name in _PERCENT:
        return 0.0, 100.0
    if name in {"gpu_price_factor", "api_price_factor"}:
        return 0.1, 4.0
    if name == "horizon_months":
        return 1.0, 120.0
    spec = k.answers[name]
    low = min(float(spec.low or 0), value)
    high = max(float(spec.high or value), value)
    if name == "daily_requests":
        high = max(high, value * 10)
    return low, high


class _Chooser:
    """Re-decides variants of one scenario, the option only (no plan, no summary)."""

    def __init__(self, scenario: Scenario, k: Knowledge, rules: RuleBase, today: dt.date) -> None:
        self.scenario, self.k, self.rules, self.today = scenario, k, rules, today
        self.calls = 0

    def option(self, **changes: float | int) -> Option:
        self.calls += 1
        variant = self.scenario.with_changes(**changes) if changes else self.scenario
        return evaluate(variant, self.k, self.rules, self.today).option


def _grid(low: float, high: float, steps: int, geometric: bool) -> list[float]:
    if geometric:
        ratio = (high / low) ** (1 / steps)
        return [low * ratio**i for i in range(steps + 1)]
    return [low + (high - low) * i / steps for i in range(steps + 1)]


def _bisect(chooser: _Chooser, name: str, same: float, other: float, base: Option) -> tuple[float, Option]:
    """Narrow [same, other] to the boundary; returns the first value past it and the option there."""
    is_int = name in _INTS
    tolerance = 1 if is_int else max(abs(other - same) * 1e-6, 1e-9)
    while abs(other - same) > tolerance:
        mid = (same + other) / 2
        if is_int:
            mid = math.floor(mid) if other > same else math.ceil(mid)
            if mid in (same, other):
                break
        if chooser.option(**{name: mid}) == base:
            same = mid
        else:
            other = mid
    return other, chooser.option(**{name: int(other) if is_int else other})


def flip_points(decision: Decision, k: Knowledge, rules: RuleBase, steps: int = 12) -> list[FlipPoint]:
    """For each input, the nearest value above and below today's where the recommendation changes."""
    chooser = _Chooser(decision.scenario, k, rules, decision.today)
    base = decision.option
    found: list[FlipPoint] = []
    for name in FLIP_INPUTS:
        value = _current(decision.scenario, k, name)
        low, high = _search_range(decision.scenario, k, name)
        for direction, end in (("above", high), ("below", low)):
            if (direction == "above" and end <= value) or (direction == "below" and end >= value):
                continue
            geometric = name == "daily_requests" and min(value, end) > 0 and max(value, end) / min(value, end) > 20
            points = _grid(value, end, steps, geometric) if geometric else _grid(value, end, steps, False)
            if name in _INTS:
                points = sorted({int(round(p)) for p in points}, reverse=(direction == "below"))
            previous = value
            for point in points[1:]:
                if chooser.option(**{name: point}) != base:
                    boundary, to = _bisect(chooser, name, previous, point, base)
                    found.append(FlipPoint(name, boundary, to, direction))  # type: ignore[arg-type]
                    break
                previous = point
    return found


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
    """How far each input's low and high move the TCO gap (runner-up minus recommended)."""
    runner = decision.runner_up
    if runner is None:
        return []
    from advisor.costs import price_options

    def gap(**changes: float | int) -> float:
        report = price_options(decision.scenario.with_changes(**with_tied(decision.scenario, changes)), k, decision.today)
        return report.options[runner].tco_usd - report.options[decision.option].tco_usd

    rows = []
    for name, (low, _, high) in ranges.items():
        if low == high:
            continue
        lo, hi = _clip(name, low), _clip(name, high)
        rows.append(TornadoRow(name, float(lo), float(hi), gap(**{name: lo}), gap(**{name: hi})))
    rows.sort(key=lambda r: -r.swing)
    return rows


def _percentiles(values: list[float], qs: tuple[float, ...] = (0.1, 0.5, 0.9)) -> list[float]:
    ordered = sorted(values)
    n = len(ordered)
    out = []
    for q in qs:
        pos = q * (n - 1)
        lo, hi = math.floor(pos), math.ceil(pos)
        out.append(ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo))
    return out


@dataclass
class Uncertainty:
    samples: int
    seed: int
    distribution: str
    win_probability: dict[Option, float]
    tco_usd: dict[Option, list[float]]
    breakeven_month: dict[Option, list[float | None]]
    tornado: list[TornadoRow] = field(default_factory=list)
    headline: str = ""
    runner_up: Option | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "samples": self.samples,
            "seed": self.seed,
            "distribution": self.distribution,
            "win_probability": self.win_probability,
            "tco_usd": {o: [round(v, 2) for v in vals] for o, vals in self.tco_usd.items()},
            "breakeven_month": self.breakeven_month,
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
    ranges = ranges if ranges is not None else plausible_ranges(decision.scenario, k)
    rng = random.Random(seed)
    wins: dict[Option, int] = dict.fromkeys(OPTIONS, 0)
    tcos: dict[Option, list[float]] = {o: [] for o in OPTIONS}
    breakevens: dict[Option, list[float]] = {o: [] for o in OPTIONS if o != "api"}
    varying = {n: r for n, r in ranges.items() if r[0] != r[2]}
    for _ in range(samples):
        changes = {n: _clip(n, _draw(rng, lo, mode, hi)) for n, (lo, mode, hi) in varying.items()}
        ev = evaluate(decision.scenario.with_changes(**with_tied(decision.scenario, changes)), k, rules, decision.today)
        wins[ev.option] += 1
        for option in OPTIONS:
            cost = ev.report.options[option]
            tcos[option].append(cost.tco_usd)
            if option != "api":
                breakevens[option].append(float(cost.breakeven_month) if cost.breakeven_month else math.inf)
    probability = {o: wins[o] / samples for o in OPTIONS}
    breakeven = {
        o: [None if math.isinf(v) else round(v, 1) for v in _percentiles(vals)] for o, vals in breakevens.items()
    }
    return Uncertainty(
        samples, seed, DISTRIBUTION, probability, {o: _percentiles(v) for o, v in tcos.items()}, breakeven
    )


_UNITS = {"daily_requests": " requests/day", "labeled_examples": " labeled examples", "horizon_months": " months"}


def _describe_flip(fp: FlipPoint) -> str:
    value = f"{fp.value:,.0f}" if fp.input in _INTS else f"{fp.value:,.3g}"
    unit = _UNITS.get(fp.input, "")
    if fp.input in _PERCENT:
        unit = " %"
    if fp.input.endswith("_price_factor"):
        what = fp.input.replace("_price_factor", "").upper() if fp.input.startswith("api") else "GPU"
        return f"it flips to {fp.to} if the {what} price moves to {value}x today's"
    return f"it flips to {fp.to} {fp.direction} {value}{unit} ({fp.input})"


def headline(decision: Decision, unc: Uncertainty) -> str:
    share = unc.win_probability[decision.option] * 100
    line = f"{decision.option} wins in {share:.0f} % of plausible futures ({unc.samples:,} samples)"
    flips = decision.flip_points
    preferred = [f for f in flips if f.input == "daily_requests"] or flips
    if preferred:
        line += "; " + _describe_flip(preferred[0])
    return line + "."


def analyse(decision: Decision, k: Knowledge, rules: RuleBase, *, samples: int = 2000, seed: int = 7) -> Decision:
    """Fill the decision's flip points and uncertainty in place (and return it)."""
    decision.flip_points = flip_points(decision, k, rules)
    unc = monte_carlo(decision, k, rules, samples=samples, seed=seed)
    unc.tornado = tornado(decision, k, plausible_ranges(decision.scenario, k))
    unc.runner_up = decision.runner_up
    unc.headline = headline(decision, unc)
    decision.uncertainty = unc
    decision.summary = f"{decision.summary} {unc.headline[0].upper()}{unc.headline[1:]}"
    return decision

