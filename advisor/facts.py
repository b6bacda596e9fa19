"""Provides the flat fact dict the rule base reads: answers plus figures from the cost report."""

from __future__ import annotations

import datetime as dt
import math
from typing import Literal

from advisor.costs import CostReport, available_vendor_offers
from advisor.knowledge import Knowledge
from advisor.scenario import OPTIONS, Answers, Scenario

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


def _clean(value: float) -> float:
    # durable_rules fails on floats that JSON writes in exponent form, and never matches NaN.
    if not math.isfinite(value):
        raise ValueError("non-finite fact")
    rounded = round(value, 4)
    return 0.0 if abs(rounded) < 1e-4 else min(rounded, 1e15)


def answer_facts(scenario: Scenario, k: Knowledge, today: dt.date) -> dict[str, float | bool | str]:
    """The facts known before anything is priced: answers and what follows from them alone."""
    a: Answers = scenario.answers
    facts: dict[str, float | bool | str] = {}
    for name, (kind, _) in fact_types(k).items():
        if name in Answers.model_fields:
            value = getattr(a, name)
            facts[name] = _clean(float(value)) if kind == "number" else value
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
    ranked = sorted(OPTIONS, key=lambda o: (costs[o].tco_usd, OPTIONS.index(o)))
    facts["cheapest_option"] = ranked[0]
    best, second = costs[ranked[0]].tco_usd, costs[ranked[1]].tco_usd
    facts["cheapest_margin_pct"] = _clean((second - best) / second * 100 if second > 0 else 0.0)
    facts["self_host_gpus"] = float(costs["self-host"].detail.get("gpus", 0))
    facts["self_host_on_demand"] = costs["self-host"].detail.get("serving") == "on-demand"
    api_tco = costs["api"].tco_usd
    for option in OPTIONS:
        key, c = _key(option), costs[option]
        facts[f"{key}_tco"] = _clean(c.tco_usd)
        facts[f"{key}_monthly"] = _clean(c.monthly_usd)
        facts[f"{key}_one_time"] = _clean(c.one_time_usd)
        if option != "api":
            facts[f"{key}_saving_pct"] = _clean((api_tco - c.tco_usd) / api_tco * 100 if api_tco > 0 else 0.0)
            facts[f"{key}_breakeven_month"] = float(c.breakeven_month or 0)
    return facts


def build_facts(scenario: Scenario, report: CostReport, k: Knowledge, today: dt.date) -> dict[str, float | bool | str]:
    return {**answer_facts(scenario, k, today), **cost_facts(report)}
