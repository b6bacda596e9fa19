"""Provides the translation of a rule into durable_rules JSON (always anchored on the scenario fact)."""

from __future__ import annotations

import json
from typing import Any

from advisor.rulebase.dsl import _OPS, Condition, Rule, parse_condition


def _pattern(cond: Condition) -> dict[str, Any]:
    op = _OPS[cond.op]
    return {cond.fact: cond.value} if op is None else {op: {cond.fact: cond.value}}


def canonical(pattern: dict[str, Any]) -> str:
    return json.dumps(pattern, sort_keys=True)


def compile_rule(rule: Rule) -> dict[str, Any]:
    """durable_rules JSON for one rule; always anchored on the scenario fact (see the notes).

    The comparisons are sorted so that rules sharing conditions share alpha nodes in the engine
    (a conjunction does not depend on order); the `any` group comes last."""
    scenario: list[dict[str, Any]] = [{"t": "scenario"}]
    joins = []
    comparisons = []
    for text in rule.when.all:
        cond = parse_condition(text)
        if isinstance(cond, str):
            joins.append(cond)
        else:
            comparisons.append(_pattern(cond))
    scenario += sorted({canonical(p): p for p in comparisons}.values(), key=canonical)
    if rule.when.any:
        anys = [_pattern(c) for c in map(parse_condition, rule.when.any) if isinstance(c, Condition)]
        scenario.append({"$or": anys} if len(anys) > 1 else anys[0])
    patterns: list[dict[str, Any]] = [{"s": {"$and": scenario}}]
    patterns += [{f"d{i}": {"$and": [{"t": "derived"}, {"name": name}]}} for i, name in enumerate(joins)]
    return {"all": patterns, "pri": rule.pri}
