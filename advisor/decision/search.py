"""Provides the one search for "when does the answer change?": the plan's triggers and the flip
points both call it, so they cannot disagree.

The search walks one input at a time from today's value toward the end of its plausible range,
and bisects the first step at which the recommendation changes. It knows nothing about rules or
costs: it calls a chooser that re-runs the whole decision for a set of changed inputs. Pure.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from advisor.inputs.knowledge import Knowledge
from advisor.inputs.scenario import Answers, Option, Scenario

# The recommendation for a set of changed inputs; None when no option is eligible there (a policy
# pack can exclude them all), which is not a change to act on, so it never counts as a flip.
Chooser = Callable[[dict[str, Any]], Option | None]


@dataclass(frozen=True)
class Scanner:
    """Prices many single-input changes in one batch: `grid` takes (input, value) pairs and gives
    the recommendation for each (None when none is eligible), or None when it cannot batch them;
    `batchable` says which inputs it can take."""

    grid: Callable[[list[tuple[str, float]]], list[Option | None] | None]
    batchable: Callable[[str], bool]
Direction = Literal["above", "below", "equals"]

FREE_TEXT = frozenset({"use_case", "api_model", "gpu", "gpu_provider"})
INTS = frozenset(n for n, f in Answers.model_fields.items() if f.annotation is int)
PERCENT = frozenset({"api_accuracy", "finetuned_accuracy", "review_rate_api", "review_rate_finetuned"})
STEPS = 8


@dataclass(frozen=True)
class FlipPoint:
    input: str
    value: float | int | str | bool
    to: Option
    direction: Direction


@dataclass(frozen=True)
class Searched:
    """One input the search walked, and over what: a numeric range or a list of values."""

    input: str
    low: float | None = None
    high: float | None = None
    values: tuple[str | bool, ...] = ()

    def describe(self) -> str:
        if self.values:
            return f"{self.input} in {{{', '.join(str(v).lower() if isinstance(v, bool) else str(v) for v in self.values)}}}"
        return f"{self.input} {self.low:,.6g}..{self.high:,.6g}"


def current(scenario: Scenario, k: Knowledge, name: str) -> Any:
    """Today's value of an answer or a knowledge figure (with its override)."""
    if name in Answers.model_fields:
        return getattr(scenario.answers, name)
    if name in scenario.overrides:
        return scenario.overrides[name]
    return k.figures[name].value


def numeric_range(scenario: Scenario, k: Knowledge, name: str) -> tuple[float, float]:
    """The plausible range of a numeric answer or figure, widened to include today's value."""
    value = float(current(scenario, k, name))
    if name in PERCENT:
        return 0.0, 100.0
    if name == "horizon_months":
        return 1.0, 120.0
    spec = k.answers.get(name) if name in Answers.model_fields else k.figures.get(name)
    low = float(spec.low) if spec is not None and spec.low is not None else value
    high = float(spec.high) if spec is not None and spec.high is not None else value
    if name == "daily_requests":
        high = max(high, value * 10)
    return min(low, value), max(high, value)


def choices(k: Knowledge, name: str) -> tuple[str | bool, ...]:
    spec = k.answers[name]
    if spec.type == "bool":
        return (False, True)
    return tuple(spec.choices)


def _grid(start: float, end: float, geometric: bool) -> list[float]:
    if geometric:
        ratio = (end / start) ** (1 / STEPS)
        return [start * ratio**i for i in range(STEPS + 1)]
    return [start + (end - start) * i / STEPS for i in range(STEPS + 1)]


def _bisect(choose: Chooser, name: str, same: float, other: float, base: Option) -> tuple[float, float]:
    """Narrow [same, other] to the boundary: the last value that keeps `base`, the first that does not."""
    is_int = name in INTS
    tolerance = 1 if is_int else max(abs(other - same) * 1e-6, 1e-9)
    while abs(other - same) > tolerance:
        mid = (same + other) / 2
        if is_int:
            mid = math.floor(mid) if other > same else math.ceil(mid)
            if mid in (same, other):
                break
        if choose({name: mid}) in (base, None):
            same = mid
        else:
            other = mid
    return same, other


def grid(scenario: Scenario, k: Knowledge, name: str, direction: Literal["above", "below"]) -> tuple[float, list[float]]:
    """Today's value and the values the search tries, nearest first (none when the range ends here)."""
    value = float(current(scenario, k, name))
    low, high = numeric_range(scenario, k, name)
    end = high if direction == "above" else low
    if (direction == "above" and end <= value) or (direction == "below" and end >= value):
        return value, []
    geometric = min(value, end) > 0 and max(value, end) / min(value, end) > 20
    points = _grid(value, end, geometric)
    if name in INTS:
        points = sorted({int(round(p)) for p in points}, reverse=(direction == "below"))
    return value, [p for p in points if p != value]


def numeric_flip(
    choose: Chooser, scenario: Scenario, k: Knowledge, name: str, direction: Literal["above", "below"], base: Option,
    shown: list[Option | None] | None = None,
) -> FlipPoint | None:
    """The nearest value of `name` above or below today's where the recommendation leaves `base`,
    verified by re-running the decision just inside and just past it. `shown` is the
    recommendation at each grid point when a batch already priced them."""
    value, ahead = grid(scenario, k, name, direction)
    previous = value
    if shown is not None:
        first = next((i for i, o in enumerate(shown) if o not in (base, None)), None)
        if first is None:
            return None
        previous = value if first == 0 else ahead[first - 1]
        ahead = ahead[first : first + 1]  # confirmed one at a time below, then bisected
    for point in ahead:
        if choose({name: point}) not in (base, None):
            same, other = _bisect(choose, name, previous, point, base)
            if name in INTS:
                same, other = int(same), int(other)
            to = choose({name: other})
            if to in (base, None) or (same != value and choose({name: same}) not in (base, None)):
                return None  # not a clean boundary (the answer comes back): report none rather than guess
            assert to is not None
            return FlipPoint(name, other, to, direction)
        previous = point
    return None


def choice_flips(choose: Chooser, scenario: Scenario, k: Knowledge, name: str, base: Option) -> list[FlipPoint]:
    """Each other value of a yes/no or choice answer that changes the recommendation."""
    today = current(scenario, k, name)
    found = []
    for value in choices(k, name):
        if value == today:
            continue
        to = choose({name: value})
        if to is not None and to != base:
            found.append(FlipPoint(name, value, to, "equals"))
    return found


def searchable_answers(k: Knowledge) -> list[str]:
    return [n for n in Answers.model_fields if n not in FREE_TEXT and n in k.answers]


def search_all(
    choose: Chooser, scenario: Scenario, k: Knowledge, base: Option, figures: tuple[str, ...], scan: Scanner | None = None
) -> tuple[list[FlipPoint], list[Searched]]:
    """Flip points of every answer and every given figure, and what was searched. With `scan`,
    every grid point of every numeric input it accepts is priced in one batch first."""
    found: list[FlipPoint] = []
    searched: list[Searched] = []
    numeric: list[str] = []
    for name in [*searchable_answers(k), *figures]:
        spec = k.answers.get(name) if name in Answers.model_fields else None
        if spec is not None and spec.type in {"bool", "choice"}:
            searched.append(Searched(name, values=choices(k, name)))
            found += choice_flips(choose, scenario, k, name, base)
            continue
        low, high = numeric_range(scenario, k, name)
        if low != high:
            searched.append(Searched(name, low, high))
            numeric.append(name)
    directions: tuple[Literal["above", "below"], ...] = ("above", "below")
    columns = [(n, d, p) for n in numeric if scan is not None and scan.batchable(n) for d in directions for p in grid(scenario, k, n, d)[1]]
    results = scan.grid([(n, p) for n, _, p in columns]) if scan is not None and columns else None
    shown: dict[tuple[str, str], list[Option | None]] = {}
    if results is not None:
        for (n, d, _), result in zip(columns, results, strict=True):
            shown.setdefault((n, d), []).append(result)
    for name in numeric:
        for direction in directions:
            in_batch = results is not None and scan is not None and scan.batchable(name)
            batched = shown.get((name, direction), []) if in_batch else None
            flip = numeric_flip(choose, scenario, k, name, direction, base, batched)
            if flip is not None:
                found.append(flip)
    return found, searched
