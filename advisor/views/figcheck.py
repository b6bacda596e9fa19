"""Provides the figure check: every dollar amount, percentage, month count and ratio in a text is
compared with the figures of a decision, at the precision the text shows.

The figures are read generically (every number reachable from the Decision, the answers, the
assumptions and any tool results), so new cost keys or uncertainty fields are covered without a
change here. Pure: no I/O.
"""

from __future__ import annotations

import dataclasses
import math
import re
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel

Kind = Literal["usd", "percent", "months", "ratio"]
NOTE_PREFIX = "! Unverified figures (not from the engine):"
ENGINE_LABEL = "every figure is the engine's"
DAYS_PER_MONTH = 365 / 12
_MAX_DEPTH = 12

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SUFFIX = r"k|K|thousand|M|MM|mn|m|million|B|bn|billion"
_MULT = {
    "k": 1e3, "thousand": 1e3, "m": 1e6, "mm": 1e6, "mn": 1e6, "million": 1e6, "b": 1e9, "bn": 1e9, "billion": 1e9,
}
_MONEY = re.compile(
    rf"(?:US\$|\$|\bUSD\s?)\s?(?P<num>{_NUM})(?:\s?(?P<suf>{_SUFFIX})\b)?"
    rf"|\b(?P<num2>{_NUM})(?:\s?(?P<suf2>{_SUFFIX}))?\s?(?:USD|dollars)\b"
)
# "$1.2-1.5M": the first number of a range takes the unit of the second
_RANGE_TAIL = re.compile(rf"\s?(?:-|–|to)\s?\$?\s?(?:{_NUM})\s?(?P<suf>{_SUFFIX})\b")
_PERCENT = re.compile(rf"(?<![\w.,])(?P<num>{_NUM})\s?(?:%|percent\b|per cent\b)")
_MONTHS = re.compile(rf"\bmonth\s(?P<num>\d+)\b|(?<![\w.,])(?P<num2>{_NUM})(?:\s|-)?months?\b", re.I)
_RATIO = re.compile(rf"(?<![\w.,$])(?P<num>{_NUM})\s?(?:x|×|times)(?![\w])", re.I)


@dataclass(frozen=True)
class Mention:
    """One figure as written in a text."""

    text: str
    kind: Kind
    value: float
    step: float  # the precision shown: "$22.2M" -> 100,000
    start: int


def _parse(num: str) -> tuple[float, float]:
    """Value and precision of a written number: '22.2' -> (22.2, 0.1); '200,000' -> (200000, 100000)."""
    plain = num.replace(",", "")
    if "." in plain:
        return float(plain), 10.0 ** -len(plain.split(".", 1)[1])
    digits = plain.lstrip("0") or "0"
    zeros = len(digits) - len(digits.rstrip("0")) if digits != "0" else 0
    return float(plain), 10.0**zeros


def mentions(text: str) -> list[Mention]:
    """Every dollar amount, percentage, month count and ratio in `text`, in order."""
    found: list[Mention] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= a or start >= b for a, b in taken)

    for m in _MONEY.finditer(text):
        num = m.group("num") or m.group("num2")
        suffix = m.group("suf") or m.group("suf2")
        if suffix is None:
            tail = _RANGE_TAIL.match(text, m.end())
            if tail:
                suffix = tail.group("suf")
        value, step = _parse(num)
        mult = _MULT.get((suffix or "").lower(), 1.0)
        if "." not in num and mult == 1.0:
            step = min(step, 10 ** max(len(num.replace(",", "")) - 2, 0))  # "$750" is not "about $1k"
        found.append(Mention(m.group(0).strip(), "usd", value * mult, step * mult, m.start()))
        taken.append(m.span())
    for pattern, kind in ((_PERCENT, "percent"), (_MONTHS, "months"), (_RATIO, "ratio")):
        for m in pattern.finditer(text):
            if not free(*m.span()):
                continue
            num = m.group("num") or m.groupdict().get("num2")
            if num is None:
                continue
            value, step = _parse(num)
            found.append(Mention(m.group(0).strip(), kind, value, min(step, 1.0), m.start()))  # type: ignore[arg-type]
            taken.append(m.span())
    return sorted(found, key=lambda x: x.start)


# --- the engine's figures -----------------------------------------------------------------------


def _walk(obj: Any, path: str, depth: int = 0, seen: set[int] | None = None) -> Iterator[tuple[str, Any]]:
    """(path, leaf) for every number and string reachable from obj."""
    seen = set() if seen is None else seen
    if depth > _MAX_DEPTH or obj is None or isinstance(obj, bool):
        return
    if isinstance(obj, (int, float, str)):
        yield path, obj
        return
    if id(obj) in seen:
        return
    seen.add(id(obj))
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield from _walk(value, f"{path}.{key}", depth + 1, seen)
    elif isinstance(obj, (list, tuple, set, frozenset)):
        for value in obj:
            yield from _walk(value, path, depth + 1, seen)
    elif isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            yield from _walk(getattr(obj, name), f"{path}.{name}", depth + 1, seen)
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            yield from _walk(getattr(obj, f.name), f"{path}.{f.name}", depth + 1, seen)
        for name, attr in vars(type(obj)).items():
            if isinstance(attr, property):  # tco_usd, curve, swing: figures computed on read
                try:
                    value = getattr(obj, name)
                except Exception:  # a property that cannot be read here is no figure
                    continue
                if isinstance(value, (int, float, tuple, list)):
                    yield from _walk(value, f"{path}.{name}", depth + 1, seen)


def _numbers(leaves: Iterable[tuple[str, Any]]) -> tuple[list[float], list[float], list[float]]:
    """All numbers (abs), month-like numbers and ratio-like numbers among the leaves."""
    numbers: list[float] = []
    months: list[float] = []
    ratios: list[float] = []
    for path, leaf in leaves:
        if isinstance(leaf, str):
            for m in mentions(leaf) + [_plain(x) for x in re.finditer(_NUM, leaf)]:
                numbers.append(m.value)
                if m.kind == "months":
                    months.append(m.value)
                elif m.kind == "ratio":
                    ratios.append(m.value)
            continue
        if not math.isfinite(leaf):
            continue
        value = abs(float(leaf))
        numbers.append(value)
        lowered = path.lower()
        if "month" in lowered or "flip" in lowered:  # a flip point or searched range may be a month count
            months.append(value)
        if "factor" in lowered or "flip" in lowered or "ratio" in lowered:
            ratios.append(value)
    return numbers, months, ratios


def _plain(m: re.Match[str]) -> Mention:
    value, step = _parse(m.group(0))
    return Mention(m.group(0), "usd", value, step, m.start())


def _option_figures(decision: Any) -> dict[str, list[float]]:
    """Per comparable key (tco_usd, monthly_usd, breakdown.review, ...), the value of every option."""
    by_key: dict[str, list[float]] = {}
    options = getattr(getattr(decision, "report", None), "options", {}) or {}
    for cost in options.values():
        for path, leaf in _walk(cost, ""):
            if isinstance(leaf, (int, float)) and math.isfinite(leaf) and ".curve" not in path and ".derivations" not in path:
                by_key.setdefault(path, []).append(float(leaf))
    return by_key


_SIDES = {"api", "finetuned", "input", "output", "labeled", "to", "label"}


def _related_answers(decision: Any) -> list[list[float]]:
    """Values of answers that measure the same thing on two sides (review_rate_api and
    review_rate_finetuned, input_tokens and output_tokens): their differences and ratios are
    figures people quote; ratios of unrelated answers are not."""
    answers = getattr(getattr(decision, "scenario", None), "answers", None)
    values = {
        path.lstrip("."): float(v) for path, v in _walk(answers, "") if isinstance(v, (int, float)) and math.isfinite(v)
    }
    groups: dict[str, list[float]] = {}
    for name, value in values.items():
        for word in set(name.split("_")) - _SIDES:
            groups.setdefault(word, []).append(value)
    return [v for v in groups.values() if len(v) > 1]


def _pairs(values: Sequence[float]) -> Iterator[tuple[float, float]]:
    for i, a in enumerate(values):
        for b in values[i + 1 :]:
            yield a, b


@dataclass(frozen=True)
class Figures:
    """The engine's figures, as sorted pools per kind of mention."""

    usd: tuple[float, ...]
    percent: tuple[float, ...]
    months: tuple[float, ...]
    ratio: tuple[float, ...]

    def pool(self, kind: Kind) -> tuple[float, ...]:
        return getattr(self, kind)


def engine_figures(decision: Any, k: Any = None, extra: Iterable[Any] = ()) -> Figures:
    """Every figure a text about `decision` may quote: the decision itself (options, breakdowns,
    details, uncertainty, plan, findings), the answers and overrides, the assumptions with their
    values (when the knowledge `k` is given), `extra` (tool results of the turn), and the figures
    derived from them that people write: differences and ratios between options, daily and
    yearly amounts of monthly costs, fractions as percentages."""
    leaves = list(_walk(decision, "decision"))
    if k is not None:
        from advisor.views.assumptions import assumption_rows  # the assumptions with their values

        leaves += list(_walk([a.as_dict() for a in assumption_rows(decision, k)], "assumptions"))
    leaves += list(_walk(list(extra), "tool"))
    numbers, months, ratios = _numbers(leaves)
    money = list(numbers)
    percent = list(numbers) + [x * 100 for x in numbers if x <= 1.5]
    daily = float(getattr(getattr(getattr(decision, "scenario", None), "answers", None), "daily_requests", 0) or 0)
    by_key = _option_figures(decision)
    for key, values in by_key.items():  # per-request costs read per 1,000 requests or per day
        if "per_request" in key:
            money += [abs(v) * n for v in values for n in (1000, daily)]
            money += [abs(a - b) * n for a, b in _pairs(values) for n in (1000, daily)]
    for values in [*by_key.values(), *_related_answers(decision)]:
        for a, b in _pairs(values):
            money.append(abs(a - b))
            percent.append(abs(a - b))
            if a and b:
                ratios += [a / b, b / a]
                percent += [abs(a - b) / abs(b) * 100, abs(a - b) / abs(a) * 100]
    for path, leaf in leaves:  # monthly figures read as a day's or a year's
        if isinstance(leaf, (int, float)) and not isinstance(leaf, bool) and math.isfinite(leaf) and "monthly" in path:
            money += [abs(leaf) / DAYS_PER_MONTH, abs(leaf) * 12]
    return Figures(tuple(sorted(money)), tuple(sorted(percent)), tuple(sorted(months)), tuple(sorted(ratios)))


def _matches(m: Mention, pool: Sequence[float]) -> bool:
    tolerance = m.step / 2 * (1 + 1e-9) + 1e-9
    i = bisect_left(pool, m.value - tolerance)
    return i < len(pool) and pool[i] <= m.value + tolerance


def unverified(text: str, figures: Figures) -> list[str]:
    """The figures in `text` that match none of the engine's, as written, without repeats."""
    out: list[str] = []
    for m in mentions(text):
        if not _matches(m, figures.pool(m.kind)) and m.text not in out:
            out.append(m.text)
    return out


def check(text: str, decision: Any, k: Any = None, extra: Iterable[Any] = ()) -> list[str]:
    """unverified() against the figures of `decision` (and of tool results in `extra`)."""
    return unverified(text, engine_figures(decision, k, extra))


def unverified_note(flagged: Sequence[str]) -> str:
    """The line shown after an explanation (CLI) and under it in a saved record; empty when the
    text holds no unverified figure."""
    if not flagged:
        return ""
    return f"{NOTE_PREFIX} {', '.join(flagged)}"
