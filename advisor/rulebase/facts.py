"""Provides the flat fact dict the rule base reads: answers plus figures from the cost report."""

from __future__ import annotations

import datetime as dt
import math
from types import SimpleNamespace
from typing import Any, Literal

from advisor.costs import CostReport, arith, available_vendor_offers
from advisor.inputs.knowledge import Knowledge
from advisor.inputs.scenario import OPTIONS, Answers, Scenario

FactType = Literal["number", "bool", "text"]
REGULATED = ("healthcare", "finance", "insurance", "legal", "government")


def _key(option: str) -> str:
    return option.replace("-", "_")


_TYPES: dict[int, tuple[Knowledge, dict[str, tuple[FactType, tuple[str, ...]]]]] = {}


def fact_types(k: Knowledge) -> dict[str, tuple[FactType, tuple[str, ...]]]:
    """Every fact name a rule may read, its type and (for text) the allowed values."""
    cached = _TYPES.get(id(k))
    if cached is None or cached[0] is not k:
        cached = _TYPES[id(k)] = (k, _fact_types(k))
    return cached[1]


def _fact_types(k: Knowledge) -> dict[str, tuple[FactType, tuple[str, ...]]]:
    types: dict[str, tuple[FactType, tuple[str, ...]]] = {}
    for name, spec in k.answers.items():
        if name in {"use_case", "api_model", "gpu", "gpu_provider"}:
            continue  # free text: not something rules should branch on
        kind: FactType = {"int": "number", "float": "number", "bool": "bool"}.get(spec.type, "text")  # type: ignore[assignment]
        types[name] = (kind, tuple(spec.choices))
    options = tuple(OPTIONS)
    types.update(
        {
            "accuracy_gain": ("number", ()),
            "total_examples": ("number", ()),
            "regulated_industry": ("bool", ()),
            "vendor_finetune_available": ("bool", ()),
            "review_saving_monthly": ("number", ()),
            "cheapest_option": ("text", options),
            "cheapest_margin_pct": ("number", ()),
            "self_host_gpus": ("number", ()),
            "self_host_on_demand": ("bool", ()),
        }
    )
    for option in OPTIONS:
        key = _key(option)
        types[f"{key}_tco"] = ("number", ())
        types[f"{key}_monthly"] = ("number", ())
        types[f"{key}_one_time"] = ("number", ())
        if option != "api":
            types[f"{key}_saving_pct"] = ("number", ())
            types[f"{key}_breakeven_month"] = ("number", ())
    return types


# Facts computed from the answers alone (the rest come from the cost report).
_ANSWER_DERIVED = ("accuracy_gain", "total_examples", "regulated_industry", "vendor_finetune_available")


def answer_fact_names(k: Knowledge) -> frozenset[str]:
    """Facts known before anything is priced: what a rule deriving a cost driver may read."""
    return frozenset(n for n in fact_types(k) if n in Answers.model_fields or n in _ANSWER_DERIVED)


def _clean(value: Any) -> Any:
    # durable_rules fails on floats that JSON writes in exponent form, and never matches NaN.
    if arith.is_array(value):
        import numpy as np

        if not np.all(np.isfinite(value)):
            raise ValueError("non-finite fact")
        rounded = np.round(value, 4)
        return np.where(np.abs(rounded) < 1e-4, 0.0, np.minimum(rounded, 1e15))
    if not math.isfinite(value):
        raise ValueError("non-finite fact")
    rounded = round(value, 4)
    return 0.0 if abs(rounded) < 1e-4 else min(rounded, 1e15)


def _two_cheapest(costs: dict[Any, Any]) -> tuple[Any, Any, Any]:
    """The cheapest option's id and the two lowest TCOs (per sample when the TCOs are arrays)."""
    tcos = [costs[o].tco_usd for o in OPTIONS]
    if arith.is_array(*tcos):
        import numpy as np

        stacked = np.stack(np.broadcast_arrays(*tcos))
        order = np.argsort(stacked, axis=0, kind="stable")  # ties keep the OPTIONS order
        best = np.take_along_axis(stacked, order[:1], axis=0)[0]
        second = np.take_along_axis(stacked, order[1:2], axis=0)[0]
        return np.array(OPTIONS)[order[0]], best, second
    ranked = sorted(OPTIONS, key=lambda o: (costs[o].tco_usd, OPTIONS.index(o)))
    return ranked[0], costs[ranked[0]].tco_usd, costs[ranked[1]].tco_usd


def answer_facts(
    scenario: Scenario, k: Knowledge, today: dt.date, sampled: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The facts known before anything is priced: answers and what follows from them alone.
    `sampled` answers are arrays of Monte Carlo samples, and so are the facts made from them."""
    a: Any = scenario.answers
    if sampled:
        values = {n: sampled.get(n, getattr(scenario.answers, n)) for n in Answers.model_fields}
        a = SimpleNamespace(**values)
    facts: dict[str, Any] = {}
    for name, (kind, _) in fact_types(k).items():
        if name in Answers.model_fields:
            value = getattr(a, name)
            facts[name] = _clean(value if arith.is_array(value) else float(value)) if kind == "number" else value
    facts["accuracy_gain"] = _clean(a.finetuned_accuracy - a.api_accuracy)
    facts["total_examples"] = a.labeled_examples + a.examples_to_label
    facts["regulated_industry"] = a.industry in REGULATED
    facts["vendor_finetune_available"] = bool(available_vendor_offers(k, scenario, today))
    return facts


def cost_facts(report: CostReport) -> dict[str, float | bool | str]:
    """The facts the cost report adds: TCOs, margins, break-even months, GPUs."""
    costs = report.options
    facts: dict[str, float | bool | str] = {}
    facts["review_saving_monthly"] = _clean(costs["api"].breakdown["review"] - costs["self-host"].breakdown["review"])
    cheapest, best, second = _two_cheapest(costs)
    facts["cheapest_option"] = cheapest
    facts["cheapest_margin_pct"] = _clean(arith.divide((second - best) * 100, second, 0.0))
    facts["self_host_gpus"] = arith.maximum(0.0, costs["self-host"].detail.get("gpus", 0)) * 1.0
    facts["self_host_on_demand"] = costs["self-host"].detail.get("serving") == "on-demand"
    api_tco = costs["api"].tco_usd
    for option in OPTIONS:
        key, c = _key(option), costs[option]
        facts[f"{key}_tco"] = _clean(c.tco_usd)
        facts[f"{key}_monthly"] = _clean(c.monthly_usd)
        facts[f"{key}_one_time"] = _clean(c.one_time_usd)
        if option != "api":
            facts[f"{key}_saving_pct"] = _clean(arith.divide((api_tco - c.tco_usd) * 100, api_tco, 0.0))
            facts[f"{key}_breakeven_month"] = _month_fact(c.breakeven_month)
    return facts


def _month_fact(month: Any) -> Any:
    """A break-even month as a fact: 0 when there is none (None, or NaN in an array of samples)."""
    if arith.is_array(month):
        import numpy as np

        return np.nan_to_num(month, nan=0.0)
    return float(month or 0)


def build_facts(scenario: Scenario, report: CostReport, k: Knowledge, today: dt.date) -> dict[str, float | bool | str]:
    return {**answer_facts(scenario, k, today), **cost_facts(report)}
