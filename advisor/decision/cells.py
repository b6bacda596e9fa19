"""Provides the one formatter for each kind of cell that several views show: break-even months,
per-request money, flip-point values, searched ranges and rule effects. Text, record, written
explanation and TUI call these, so the same figure reads the same everywhere."""

from __future__ import annotations

from advisor.costs import OptionCost
from advisor.decision.search import INTS, PERCENT, FlipPoint, Searched

_UNITS = {
    "daily_requests": "requests/day", "labeled_examples": "labeled examples", "examples_to_label": "examples to label",
    "horizon_months": "months", "input_tokens": "input tokens", "output_tokens": "output tokens",
    "cost_per_review": "USD per review", "ml_engineers": "ML engineers", "peak_to_average": "x peak-to-average",
}


def breakeven(cost: OptionCost, is_api: bool) -> str:
    """'month 7', 'never' (within the horizon), or '-' for the API itself."""
    if is_api:
        return "-"
    return f"month {cost.breakeven_month}" if cost.breakeven_month else "never"


def breakeven_percentile(value: float | None) -> str:
    return "never" if value is None else f"{value:g}"


def per_request(usd_per_request: float) -> str:
    return f"${usd_per_request:,.5f}"


def number(name: str, value: float) -> str:
    """A numeric input with sensible rounding and its unit."""
    if name in INTS:
        text = f"{value:,.0f}"
    elif abs(value) >= 1000:
        text = f"{value:,.0f}"
    else:
        text = f"{value:,.3g}"
    if name in PERCENT:
        return f"{text} %"
    unit = _UNITS.get(name)
    if unit is None:
        return text
    if unit == "months" and value == 1:
        unit = "month"
    return f"{text}{unit}" if unit.startswith("x ") else f"{text} {unit}"


def flip_value(fp: FlipPoint) -> str:
    if isinstance(fp.value, bool):
        return "yes" if fp.value else "no"
    if isinstance(fp.value, str):
        return fp.value
    return number(fp.input, float(fp.value))


def flip(fp: FlipPoint) -> str:
    """'daily_requests below 1,044 requests/day -> api'."""
    if fp.direction == "equals":
        return f"{fp.input} = {flip_value(fp)} -> {fp.to}"
    return f"{fp.input} {fp.direction} {flip_value(fp)} -> {fp.to}"


def searched(item: Searched) -> str:
    if item.values:
        shown = ", ".join(("yes" if v else "no") if isinstance(v, bool) else str(v) for v in item.values)
        return f"{item.input} ({shown})"
    assert item.low is not None and item.high is not None
    return f"{item.input} {number(item.input, item.low)} to {number(item.input, item.high)}"


def no_flip_sentence(items: tuple[Searched, ...] | list[Searched]) -> str:
    """What every view says when no input changes the answer: what was searched, over what."""
    return (
        f"No single input changes the recommendation within its plausible range; searched {len(items)} inputs: "
        + "; ".join(searched(i) for i in items)
        + "."
    )


def effect(kind: str, option: str | None, weight: int) -> str:
    """A finding's effect in words: 'leans toward self-host (+2)', 'rules out api'."""
    if kind == "lean":
        return f"leans {'toward' if weight > 0 else 'away from'} {option} ({weight:+d})"
    if kind == "exclude":
        return f"rules out {option}"
    if kind == "require":
        return f"requires {option}"
    if kind == "advise":
        return "advice" + (f" for {option}" if option else "")
    return kind
