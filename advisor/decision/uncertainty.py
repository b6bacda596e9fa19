"""Provides the analysis of a decision: flip points (through the one threshold search), a
sensitivity (tornado) table and a seeded Monte Carlo that re-ranks every sample money first.

Every sample re-runs the whole decision (costs, rules, ranking): the rule base caches its
findings by the truth values of its conditions, so a sample only reaches durable_rules when it
lands in a new combination of conditions. Pure: no I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, cast

from advisor.costs import arith
from advisor.decision import Decision, RuleBase, chooser, evaluate, evaluate_many, scanner, with_analysis
from advisor.decision.cells import flip_value
from advisor.decision.search import FlipPoint, Searched, current, search_all
from advisor.inputs.knowledge import Knowledge
from advisor.inputs.scenario import OPTIONS, Answers, Option, Scenario

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


def _clip(name: str, value: Any) -> Any:
    """Keep a sampled value inside what the answer allows (a scalar or an array of samples)."""
    if arith.is_array(value):
        import numpy as np

        value = np.clip(value, 0.0, 100.0) if name in _PERCENT else np.maximum(value, 0.0)
        if name == "peak_to_average":
            value = np.maximum(value, 1.0)
        return np.round(value) if name in _INTS else value
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


def with_tied(scenario: Scenario, changes: dict[str, Any]) -> dict[str, Any]:
    """Add the fine-tuned counterpart of a changed API review rate or accuracy, keeping the gain:
    a review rate keeps its ratio, an accuracy its difference in points."""
    out = dict(changes)
    a = scenario.answers
    if "review_rate_api" in changes and "review_rate_finetuned" not in changes:
        ratio = a.review_rate_finetuned / a.review_rate_api if a.review_rate_api else 1.0
        out["review_rate_finetuned"] = _clip("review_rate_finetuned", changes["review_rate_api"] * ratio)
    if "api_accuracy" in changes and "finetuned_accuracy" not in changes:
        gain = a.finetuned_accuracy - a.api_accuracy
        out["finetuned_accuracy"] = _clip("finetuned_accuracy", changes["api_accuracy"] + gain)
    return out


def flip_points(decision: Decision, k: Knowledge, rules: RuleBase) -> tuple[list[FlipPoint], list[Searched]]:
    """Every answer (numeric ones over their plausible range, yes/no and choices at each value)
    and every sampled figure: the nearest value at which the recommendation changes."""
    choose = chooser(decision.scenario, k, rules, decision.today)
    scan = scanner(decision.scenario, k, rules, decision.today)
    return search_all(choose, decision.scenario, k, decision.option, UNCERTAIN_FIGURES, scan)


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
    import numpy as np

    from advisor.costs import price_options

    swung = [(name, _clip(name, low), _clip(name, high)) for name, (low, _, high) in ranges.items() if low != high]
    # Column 0 is today; then each input at its low and at its high, the others at today's values.
    columns = [None] + [(name, value) for name, lo, hi in swung for value in (lo, hi)]
    names = sorted({name for name, _, _ in swung})
    scenario = decision.scenario
    sampled = {name: np.full(len(columns), float(_current(scenario, k, name))) for name in names}
    for i, column in enumerate(columns):
        if column is not None:
            sampled[column[0]][i] = column[1]
    # the fine-tuned review rate and accuracy follow the API's only in the columns that swing them
    tied = with_tied(scenario, {n: sampled[n] for n in ("review_rate_api", "api_accuracy") if n in sampled})
    for name, values in tied.items():
        if name not in sampled:
            base = float(_current(scenario, k, name))
            driver = "review_rate_api" if name == "review_rate_finetuned" else "api_accuracy"
            swings = np.array([c is not None and c[0] == driver for c in columns])
            sampled[name] = np.where(swings, values, base)
    report = price_options(scenario, k, decision.today, decision.report.drivers, sampled)
    theirs = np.broadcast_to(report.options[runner].tco_usd, (len(columns),))
    mine = np.broadcast_to(report.options[decision.option].tco_usd, (len(columns),))
    rows = []
    for j, (name, lo, hi) in enumerate(swung):
        low_i, high_i = 1 + 2 * j, 2 + 2 * j
        moved = max(abs(theirs[i] - theirs[0]) for i in (low_i, high_i)) + max(abs(mine[i] - mine[0]) for i in (low_i, high_i))
        if moved < 0.005:
            continue  # moves neither option's TCO
        rows.append(TornadoRow(name, float(lo), float(hi), float(theirs[low_i] - mine[low_i]), float(theirs[high_i] - mine[high_i])))
    rows.sort(key=lambda r: -r.swing)
    return rows


def _percentiles(ordered: Any, qs: tuple[float, ...] = (0.1, 0.5, 0.9)) -> list[float]:
    """Linear-interpolated percentiles of values already sorted ascending."""
    n = len(ordered)
    out = []
    for q in qs:
        pos = q * (n - 1)
        lo, hi = math.floor(pos), math.ceil(pos)
        if ordered[lo] == ordered[hi] or math.isinf(ordered[hi]):
            # inf - inf is NaN: a percentile that reaches 'never' is 'never', not NaN
            out.append(float(ordered[hi] if pos - lo > 0 else ordered[lo]))
        else:
            out.append(float(ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)))
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

        def by_share(option: Option) -> tuple[float, int]:
            return self.cheapest_probability[option], -OPTIONS.index(option)

        return max(OPTIONS, key=by_share)

    def summary_line(self) -> str:
        return self.headline


DISTRIBUTION = (
    "triangular(low, value, high) per input, independent (in log space where high/low >= 10); "
    "answers you gave vary by +-answer_spread, "
    "defaulted forecasts (volume, tokens, peak) and knowledge figures over their low..high range; "
    "fine-tuned review rate and accuracy keep their claimed gain over the API's"
)


def draw(rng: Any, low: float, mode: float, high: float, size: int) -> Any:
    """`size` triangular draws; over a range spanning ten times or more, triangular in log space,
    so that a 1,000..1,000,000 range centred on 10,000 stays centred on it."""
    import numpy as np

    if low > 0 and mode > 0 and high / low >= 10:
        return np.exp(rng.triangular(math.log(low), math.log(mode), math.log(high), size))
    return rng.triangular(low, mode, high, size)


def sample_inputs(decision: Decision, ranges: dict[str, Range], samples: int, seed: int) -> dict[str, Any]:
    """The sampled inputs, one array per varying input, drawn in a fixed order from a seeded
    generator; the fine-tuned review rate and accuracy follow the API's (with_tied)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    varying = {n: r for n, r in ranges.items() if r[0] != r[2]}
    changes = {n: _clip(n, draw(rng, lo, mode, hi, samples)) for n, (lo, mode, hi) in varying.items()}
    return with_tied(decision.scenario, changes)


def _percentile_triple(values: Any) -> list[float]:
    import numpy as np

    return [float(v) for v in _percentiles(np.sort(values))] if len(values) else [0.0, 0.0, 0.0]


def monte_carlo(
    decision: Decision, k: Knowledge, rules: RuleBase, *, samples: int, seed: int,
    ranges: dict[str, Range] | None = None, vectorised: bool = True,
) -> Uncertainty:
    """Sample the uncertain inputs and re-run the whole decision on each sample: how often each
    option is recommended (money first, as decide() ranks) and how often it is the cheapest.
    All samples are priced at once through the same cost formulas (numpy arrays); the scalar
    path, one evaluate() per sample, gives the same answer and serves as its reference."""
    import numpy as np

    ranges = ranges if ranges is not None else plausible_ranges(decision.scenario, k)
    n = max(samples, 1)
    sampled = sample_inputs(decision, ranges, samples, seed) if samples else {}
    batch = evaluate_many(decision.scenario, k, rules, decision.today, sampled) if sampled and vectorised else None
    if batch is not None:
        option, cheapest = batch.option, batch.cheapest
        tco = {o: np.broadcast_to(batch.report.options[o].tco_usd, (samples,)) for o in OPTIONS}
        breakeven = {o: np.broadcast_to(cast(Any, batch.report.options[o].breakeven_month), (samples,)) for o in OPTIONS if o != "api"}
    else:
        option, cheapest = np.zeros(samples, int), np.zeros(samples, int)
        tco = {o: np.zeros(samples) for o in OPTIONS}
        breakeven = {o: np.zeros(samples) for o in OPTIONS if o != "api"}
        for i in range(samples):
            one = {name: float(values[i]) for name, values in sampled.items()}
            ev = evaluate(decision.scenario.with_changes(**_as_answers(one)), k, rules, decision.today)
            option[i] = OPTIONS.index(ev.option)
            cheapest[i] = OPTIONS.index(ev.cheapest) if ev.cheapest is not None else -1
            for o in OPTIONS:
                cost = ev.report.options[o]
                tco[o][i] = cost.tco_usd
                if o != "api":
                    breakeven[o][i] = cost.breakeven_month if cost.breakeven_month else np.nan
    wins = np.bincount(option, minlength=len(OPTIONS))
    cheap = np.bincount(cheapest[cheapest >= 0], minlength=len(OPTIONS))
    months: dict[Option, list[float | None]] = {
        o: [None if math.isinf(v) else round(v, 1) for v in _percentile_triple(np.nan_to_num(vals, nan=np.inf))]
        for o, vals in breakeven.items()
    }
    return Uncertainty(
        samples, seed, DISTRIBUTION,
        {o: float(wins[i]) / n for i, o in enumerate(OPTIONS)},
        {o: float(cheap[i]) / n for i, o in enumerate(OPTIONS)},
        {o: _percentile_triple(v) for o, v in tco.items()}, months,
    )


def _as_answers(changes: dict[str, float]) -> dict[str, float | int]:
    return {n: int(round(v)) if n in _INTS else v for n, v in changes.items()}


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
