"""Provides rule semantics in plain Python: a reference evaluator, and satisfiability of conditions.

The reference evaluator pins the durable_rules adapter (a differential test runs both). The
solver finds facts that make a set of conditions true: `rules --check` uses it to name rules that
can never fire or that conflict, and to build the fact sets that prove a pack runs in the engine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from advisor.rulebase import Condition, LoadedRule, Rule, joins_of, parse_condition, strata
from advisor.rulebase.facts import FactType

FactValue = float | bool | str
Types = dict[str, tuple[FactType, tuple[str, ...]]]


def comparisons(rule: Rule) -> tuple[list[Condition], list[Condition]]:
    """A rule's `all` comparisons (derived joins left out) and its `any` comparisons."""
    alls = [c for c in map(parse_condition, rule.when.all) if isinstance(c, Condition)]
    anys = [c for c in map(parse_condition, rule.when.any) if isinstance(c, Condition)]
    return alls, anys


def reference_fired(rules: list[LoadedRule], facts: dict[str, FactValue]) -> list[str]:
    """Ids of the rules whose conditions hold for `facts`, with derived facts chained, in rule order."""
    derived: set[str] = set()
    fired: set[str] = set()
    for stratum in strata(rules):
        new: set[str] = set()
        for loaded in stratum:
            alls, anys = comparisons(loaded.rule)
            if not all(c.holds(facts) for c in alls):
                continue
            if anys and not any(c.holds(facts) for c in anys):
                continue
            if not all(name in derived for name in joins_of(loaded.rule)):
                continue
            fired.add(loaded.id)
            if loaded.rule.then.kind == "derive" and loaded.rule.then.fact:
                new.add(loaded.rule.then.fact)
        derived |= new
    return [r.id for r in rules if r.id in fired]


def default_facts(types: Types) -> dict[str, FactValue]:
    """A value for every fact: 0, false, or the first choice."""
    out: dict[str, FactValue] = {}
    for name, (kind, choices) in types.items():
        out[name] = 0.0 if kind == "number" else False if kind == "bool" else (choices[0] if choices else "")
    return out


def _number_candidates(conds: list[Condition]) -> list[float]:
    """A few values worth trying for one numeric fact, from its bounds (one pass over `conds`)."""
    lo: float | None = None
    hi: float | None = None
    equal: list[float] = []
    for c in conds:
        v = float(c.value)
        if math.isnan(v):
            return []
        if c.op == "==":
            equal.append(v)
        elif c.op in {">", ">="}:
            lo = v if lo is None else max(lo, v)
        elif c.op in {"<", "<="}:
            hi = v if hi is None else min(hi, v)
    if equal:
        return equal[:1]
    if lo is None and hi is None:
        base = [0.0]
    elif lo is None:
        assert hi is not None
        base = [hi - 1.0, hi]
    elif hi is None:
        base = [lo + 1.0, lo]
    else:
        base = [lo, hi, round((lo + hi) / 2, 4), lo + 0.0001, hi - 0.0001]
    # step away from values a `!=` forbids; stay on 4 decimals, as facts are (advisor.rulebase.facts)
    return [round(b + step, 4) for b in base for step in (0.0, 0.5, -0.5, 2.0, -2.0, 0.0001, -0.0001)]


def _solve_fact(conds: list[Condition], kind: FactType, choices: tuple[str, ...]) -> FactValue | None:
    if kind == "bool":
        options: list[FactValue] = [True, False]
    elif kind == "text":
        texts = list(choices) if choices else sorted({str(c.value) for c in conds}) + ["\x00other"]
        options = list[FactValue](texts)
    else:
        options = list(_number_candidates(conds))
    for value in options:
        if all(c.holds({c.fact: value}) for c in conds):
            return value
    return None


@dataclass(frozen=True)
class Goal:
    """Conditions that must hold together: one rule's `all`, one `any` branch, and its producers'."""

    conditions: tuple[Condition, ...]
    rules: tuple[str, ...]


def solve(conds: list[Condition], types: Types) -> dict[str, FactValue] | None:
    """Values for the facts `conds` read that make every one of them true, or None if impossible."""
    by_fact: dict[str, list[Condition]] = {}
    for c in conds:
        by_fact.setdefault(c.fact, []).append(c)
    out: dict[str, FactValue] = {}
    for fact, group in by_fact.items():
        kind, choices = types.get(fact, ("number", ()))
        value = _solve_fact(group, kind, choices)
        if value is None:
            return None
        out[fact] = value
    return out


def all_goals(rules: list[LoadedRule], types: Types, limit: int = 8) -> dict[str, list[Goal]]:
    """For every rule, up to `limit` satisfiable ways for it to fire, each with the conditions of
    the producers it needs. Computed stratum by stratum (no recursion: a derive chain of any
    length is fine), keeping only satisfiable partial combinations as it goes."""
    producers: dict[str, list[LoadedRule]] = {}
    for r in rules:
        if r.rule.then.kind == "derive" and r.rule.then.fact:
            producers.setdefault(r.rule.then.fact, []).append(r)
    found: dict[str, list[Goal]] = {}
    for stratum in strata(rules):
        for loaded in stratum:
            alls, anys = comparisons(loaded.rule)
            partial = [Goal(tuple(alls), (loaded.id,))]
            if anys:
                partial = [Goal(g.conditions + (a,), g.rules) for g in partial for a in anys]
            for name in joins_of(loaded.rule):
                options = [sub for p in producers.get(name, []) for sub in found.get(p.id, [])]
                partial = _satisfiable(
                    (Goal(g.conditions + o.conditions, g.rules + o.rules) for g in partial for o in options),
                    types, limit * 4,
                )
            found[loaded.id] = _satisfiable(iter(partial), types, limit)
    return found


def _satisfiable(candidates: Any, types: Types, limit: int, budget: int = 5000) -> list[Goal]:
    kept: list[Goal] = []
    for tried, goal in enumerate(candidates):
        if len(kept) >= limit or tried >= budget:
            break
        if solve(list(goal.conditions), types) is not None:
            kept.append(goal)
    return kept


def semantic_problems(rules: list[LoadedRule], types: Types, only: set[str] | None = None) -> list[str]:
    """Rules that can never fire, and `require` rules that can fire together for different options.

    `only`: the ids to report on (a pack's own rules); None reports on all."""
    problems: list[str] = []
    ways = all_goals(rules, types)
    for loaded in rules:
        if not ways[loaded.id] and (only is None or loaded.id in only):
            problems.append(
                f"{loaded.file}: rule {loaded.id}: can never fire: its conditions contradict each other "
                "(or every rule deriving a fact it needs can never fire)"
            )
    requires = [r for r in rules if r.rule.then.kind == "require" and ways[r.id]]
    for i, a in enumerate(requires):
        for b in requires[i + 1:]:
            if a.rule.then.option == b.rule.then.option:
                continue
            if only is not None and a.id not in only and b.id not in only:
                continue
            together = any(
                solve(list(ga.conditions + gb.conditions), types) is not None
                for ga in ways[a.id] for gb in ways[b.id]
            )
            if together:
                problems.append(
                    f"{b.file}: rule {b.id}: requires {b.rule.then.option}, but rule {a.id} ({a.file}) "
                    f"requires {a.rule.then.option} for the same scenario; they conflict"
                )
    return problems


def witnesses(rules: list[LoadedRule], types: Types, ids: list[str]) -> list[tuple[dict[str, FactValue], list[str]]]:
    """Fact sets that make the rules `ids` fire, as many at once as can be true together.

    Each entry: the full facts and the ids meant to fire there (the reference evaluator decides
    what fires in fact). Greedy: each rule joins the first fact set it is consistent with; only
    the facts the rule reads are re-solved, so a pack of 1,000 rules takes about a second."""
    base = default_facts(types)
    ways = all_goals(rules, types, limit=4)
    groups: list[tuple[dict[str, list[Condition]], list[str]]] = []
    for rid in ids:
        options = ways[rid]
        placed = False
        for by_fact, members in groups[-8:]:  # bounded: a pack of contradictory rules stays linear
            for g in options:
                extra: dict[str, list[Condition]] = {}
                for c in g.conditions:
                    extra.setdefault(c.fact, []).append(c)
                if all(
                    _solve_fact(by_fact.get(f, []) + cs, *types.get(f, ("number", ()))) is not None
                    for f, cs in extra.items()
                ):
                    for f, cs in extra.items():
                        by_fact.setdefault(f, []).extend(cs)
                    members.append(rid)
                    placed = True
                    break
            if placed:
                break
        if not placed and options:
            fresh: dict[str, list[Condition]] = {}
            for c in options[0].conditions:
                fresh.setdefault(c.fact, []).append(c)
            groups.append((fresh, [rid]))
    out = []
    for by_fact, members in groups:
        values = solve([c for cs in by_fact.values() for c in cs], types)
        assert values is not None
        out.append(({**base, **values}, members))
    return out
