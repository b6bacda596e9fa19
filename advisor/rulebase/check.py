"""Provides the load-time checks pydantic cannot make: fact names and literal types, derived facts wired
up (no cycles, each consumed), and the strata in which derived facts chain."""

from __future__ import annotations

import json
import math

from advisor.costs import COST_DRIVERS
from advisor.errors import RulesError
from advisor.inputs.safe_text import shown
from advisor.inputs.scenario import closest
from advisor.rulebase.dsl import Condition, LoadedRule, Rule, parse_condition
from advisor.rulebase.facts import FactType


def _check_condition(cond: Condition, types: dict[str, tuple[FactType, tuple[str, ...]]]) -> str | None:
    if cond.fact not in types:
        return f"unknown fact {cond.fact!r}{closest(cond.fact, list(types))}"
    kind, choices = types[cond.fact]
    value = cond.value
    if kind == "number" and (isinstance(value, bool) or not isinstance(value, float)):
        return f"{cond.fact} is a number; {shown(value)} is not"
    if kind == "number":
        return _check_number(cond.fact, value)  # type: ignore[arg-type]
    if kind == "bool":
        if not isinstance(value, bool):
            return f"{cond.fact} is true or false; {value!r} is not"
        if cond.op not in {"==", "!="}:
            return f"{cond.fact} is true or false: compare it with == or !="
    if kind == "text":
        if not isinstance(value, str):
            return f"{cond.fact} is text; {value!r} is not"
        if cond.op not in {"==", "!="}:
            return f"{cond.fact} is text: compare it with == or !="
        if choices and value not in choices:
            return f"{cond.fact} is one of {', '.join(choices)}; {value!r} is not"
    return None


def _check_number(fact: str, value: float) -> str | None:
    # The engine reads numbers as JSON: NaN never matches anything, and a float JSON writes in
    # exponent form (1e20, 1e-05) fails with a bare "error code: 204". Facts are rounded to four
    # decimals and capped at 1e15 (advisor.rulebase.facts), so no literal outside that is meaningful.
    if math.isnan(value):
        return f"{fact} compared with nan: nothing is ever equal to, above or below nan, so the rule could never fire"
    if math.isinf(value) or abs(value) > 1e15:
        return f"{fact} compared with {value:g}: use a number between -1e15 and 1e15 (the engine cannot read larger ones)"
    if value != 0 and ("e" in json.dumps(value) or round(value, 4) != value):
        return f"{fact} compared with {value!r}: use at most 4 decimals (the engine cannot read smaller values)"
    return None


def check_rules(
    rules: list[LoadedRule], types: dict[str, tuple[FactType, tuple[str, ...]]], priced: tuple[str, ...] = COST_DRIVERS
) -> None:
    """Load-time checks pydantic cannot make: fact names, literal types, derived facts wired up.
    `priced` names derived facts that the cost engine consumes (cost drivers)."""
    problems: list[str] = []
    produced = {r.rule.then.fact for r in rules if r.rule.then.kind == "derive"}
    consumed: set[str] = set(priced)
    for loaded in rules:
        rule = loaded.rule
        for group in ("all", "any"):
            for text in getattr(rule.when, group):
                where = f"{loaded.file}: rule {rule.id}: when.{group} {shown(text, 80)}"
                try:
                    cond = parse_condition(text)
                except ValueError as exc:
                    problems.append(f"{where}: {exc}")
                    continue
                if isinstance(cond, str):
                    consumed.add(cond)
                    if cond not in produced:
                        problems.append(f"{where}: no rule derives {cond!r}")
                    continue
                problem = _check_condition(cond, types)
                if problem:
                    problems.append(f"{where}: {problem}")
        if rule.then.kind == "derive" and rule.then.fact in types:
            problems.append(f"{loaded.file}: rule {rule.id}: then.fact {rule.then.fact!r} clashes with an input fact")
    for loaded in rules:
        fact = loaded.rule.then.fact
        if loaded.rule.then.kind == "derive" and fact not in consumed:
            problems.append(f"{loaded.file}: rule {loaded.id}: derives {fact!r} but no rule uses it")
    if not problems:
        problems += derive_cycles(rules)
    if problems:
        raise RulesError(problems)


def joins_of(rule: Rule) -> list[str]:
    """The derived facts a rule joins on."""
    return [c for c in map(parse_condition, rule.when.all) if isinstance(c, str)]


def derive_cycles(rules: list[LoadedRule]) -> list[str]:
    """One problem line per cycle of derived facts (a fact that, through other rules, needs itself)."""
    producers: dict[str, list[LoadedRule]] = {}
    for loaded in rules:
        if loaded.rule.then.kind == "derive" and loaded.rule.then.fact:
            producers.setdefault(loaded.rule.then.fact, []).append(loaded)
    # fact -> facts its producers join on
    needs = {fact: {j for p in ps for j in joins_of(p.rule)} for fact, ps in producers.items()}
    problems: list[str] = []
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    for start in sorted(needs):
        if state.get(start):
            continue
        path: list[str] = []
        stack: list[tuple[str, list[str]]] = [(start, sorted(needs.get(start, ())))]
        state[start] = 1
        path.append(start)
        while stack:  # iterative: a long chain must not hit the recursion limit
            fact, todo = stack[-1]
            if not todo:
                stack.pop()
                path.pop()
                state[fact] = 2
                continue
            nxt = todo.pop()
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt):] + [nxt]
                ids = ", ".join(p.id for f in cycle[:-1] for p in producers[f])
                where = producers[nxt][0].file
                problems.append(
                    f"{where}: derived facts form a cycle {' -> '.join(cycle)} (rules {ids}): "
                    "none of them can ever be derived"
                )
            elif not state.get(nxt) and nxt in needs:
                state[nxt] = 1
                path.append(nxt)
                stack.append((nxt, sorted(needs[nxt])))
    return problems


def strata(rules: list[LoadedRule]) -> list[list[LoadedRule]]:
    """Rules grouped by derive depth: a rule comes after every rule deriving a fact it joins on.

    Evaluating the groups in order gives the same findings as forward chaining, because no rule
    negates a derived fact. Assumes no derive cycles (check_rules refuses them)."""
    producers: dict[str, list[LoadedRule]] = {}
    for loaded in rules:
        if loaded.rule.then.kind == "derive" and loaded.rule.then.fact:
            producers.setdefault(loaded.rule.then.fact, []).append(loaded)
    level: dict[str, int] = {}
    remaining = list(rules)
    while remaining:
        progressed = []
        for loaded in remaining:
            deps = [p for fact in joins_of(loaded.rule) for p in producers.get(fact, [])]
            if all(d.id in level for d in deps):
                level[loaded.id] = 1 + max((level[d.id] for d in deps), default=-1)
                progressed.append(loaded)
        if not progressed:
            raise RulesError(derive_cycles(remaining) or ["derived facts form a cycle"])
        remaining = [r for r in remaining if r.id not in level]
    depth = max(level.values(), default=-1) + 1
    return [[r for r in rules if level[r.id] == i] for i in range(depth)]
