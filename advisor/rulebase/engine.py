"""Provides the durable_rules adapter: the only module that imports `durable`.

durable_rules 2.0.28 has fixed-size tables in C (see advisor.inputs.limits): more than 63 alpha nodes
that hold at once, or 256 rules on one condition, corrupt its heap or hang it. So the rule list
is split into several rulesets, each far below those limits, and evaluated stratum by stratum:
the rules deriving a fact run before the rules joining on it, and the derived facts found so far
are asserted into each later ruleset that reads them. Without negation of derived facts (the rule
schema has none) this gives exactly the findings of one big forward-chaining ruleset.

One host per process; rulesets compiled once per rule list. Each evaluation gets a fresh session
id, asserts the scenario fact, collects the rules that fired (actions run inline on the calling
thread) and deletes the session state in a `finally`, so memory stays flat.
"""

from __future__ import annotations

import copy
import itertools
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from advisor.errors import RulesError
from advisor.inputs.limits import RULESET_MAX_ALPHA_EDGES, RULESET_MAX_RULES
from advisor.rulebase import Condition, LoadedRule, canonical, compile_rule, joins_of, parse_condition, strata

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import durable.engine as _durable

_FactValue = float | bool | str


class _InlineHost(_durable.Host):
    """A Host without the timer threads: every action runs inside assert_fact, on our thread."""

    def _run(self) -> None:
        return None


_HOST: _InlineHost | None = None
_NAMES = itertools.count(1)
_SIDS = itertools.count(1)
_LOCK = threading.Lock()


def _host() -> _InlineHost:
    global _HOST
    if _HOST is None:
        _HOST = _InlineHost()
    return _HOST


def alpha_paths(loaded: LoadedRule) -> tuple[set[tuple[str, ...]], int]:
    """The alpha-network nodes a rule needs (as trie paths, shared between rules of one ruleset)
    and the edges of its `any` group, which are never shared (each group has its own join node).

    The engine walks every matching edge on a 64-entry stack, so a ruleset's nodes plus `any`
    edges bound its stack use."""
    rule = loaded.rule
    compiled = compile_rule(rule)
    scenario = compiled["all"][0]["s"]["$and"]
    paths: set[tuple[str, ...]] = set()
    path: tuple[str, ...] = ()
    any_edges = 0
    for pattern in scenario:
        if "$or" in pattern:
            any_edges = 2 * len(pattern["$or"]) + 1
            continue
        path = path + (canonical(pattern),)
        paths.add(path)
    for name in joins_of(rule):
        paths.add(("derived",))
        paths.add(("derived", name))
    return paths, any_edges


@dataclass
class _Chunk:
    rules: list[LoadedRule] = field(default_factory=list)
    paths: set[tuple[str, ...]] = field(default_factory=set)
    any_edges: int = 0

    def cost_with(self, paths: set[tuple[str, ...]], any_edges: int) -> int:
        return len(self.paths | paths) + self.any_edges + any_edges


def plan_rulesets(rules: list[LoadedRule]) -> list[list[list[LoadedRule]]]:
    """Strata of rulesets: each ruleset small enough for the engine's fixed tables.

    First fit: a rule joins the first ruleset of its stratum it fits in, so rules that share
    conditions tend to share a ruleset (and alpha nodes)."""
    planned = []
    for stratum in strata(rules):
        chunks: list[_Chunk] = []
        for loaded in stratum:
            paths, any_edges = alpha_paths(loaded)
            if len(paths) + any_edges > RULESET_MAX_ALPHA_EDGES:
                raise RulesError(f"{loaded.file}: rule {loaded.id}: too many conditions for the rule engine")
            target = next(
                (
                    c
                    for c in chunks
                    if len(c.rules) < RULESET_MAX_RULES and c.cost_with(paths, any_edges) <= RULESET_MAX_ALPHA_EDGES
                ),
                None,
            )
            if target is None:
                target = _Chunk()
                chunks.append(target)
            target.rules.append(loaded)
            target.paths |= paths
            target.any_edges += any_edges
        planned.append([c.rules for c in chunks])
    return planned


_SENTINEL = "buildbuy.sentinel"


def _ignore(c: Any) -> None:
    return None


class _Ruleset:
    """One durable_rules ruleset: a few rules, the facts they read, the derived facts they join."""

    def __init__(self, rules: list[LoadedRule], fired: dict[str, list[str]]) -> None:
        self.name = f"buildbuy{next(_NAMES)}"
        self._fired = fired
        reads: set[str] = set()
        self.joins: set[str] = set()
        for loaded in rules:
            for text in loaded.rule.when.all + loaded.rule.when.any:
                cond = parse_condition(text)
                if isinstance(cond, Condition):
                    reads.add(cond.fact)
            self.joins.update(joins_of(loaded.rule))
        self.reads = sorted(reads)
        self._needs = [frozenset(joins_of(r.rule)) for r in rules]
        definition = {r.id: {**compile_rule(r.rule), "run": self._action(r.id)} for r in rules}
        # Every scenario fact must be handled: after an unhandled fact (MessageNotHandled) the
        # engine's session state is half made, and deleting it later frees an invalid pointer.
        definition[_SENTINEL] = {"all": [{"s": {"t": "scenario"}}], "run": _ignore}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                # register_rulesets deletes the `run` keys of what it is given: hand it a copy.
                _host().register_rulesets({self.name: copy.copy(definition)})
        except Exception as exc:  # durable reports only an error code, never the rule
            ids = ", ".join(r.id for r in rules[:5]) + (", ..." if len(rules) > 5 else "")
            raise RulesError(f"the rule engine refused the rules {ids}: {exc}") from None

    def _action(self, rule_id: str) -> Callable[[Any], None]:
        def act(c: Any) -> None:  # exactly one parameter, or durable treats it as async
            self._fired.setdefault(c.s.sid, []).append(rule_id)

        return act

    def can_fire(self, derived: set[str]) -> bool:
        """Whether some rule here has every derived fact it joins on (else skip the engine call)."""
        return any(needs <= derived for needs in self._needs)

    def run(self, sid: str, facts: dict[str, _FactValue], derived: set[str]) -> None:
        try:
            self._assert({**{n: facts[n] for n in self.reads if n in facts}, "sid": sid, "t": "scenario"})
            for name in sorted(self.joins & derived):
                self._assert({"sid": sid, "id": f"{sid}-{name}", "t": "derived", "name": name})
        finally:
            try:
                _host().delete_state(self.name, sid)
            except Exception:  # noqa: BLE001 - a session that never started has no state
                pass

    def _assert(self, fact: dict[str, Any]) -> None:
        try:
            state = _host().assert_fact(self.name, fact)
        except _durable.MessageNotHandledException:  # cannot happen with the sentinel rule; harmless
            return
        except Exception as exc:  # noqa: BLE001 - durable raises its own untyped error with a code
            raise RulesError(f"the rule engine failed evaluating the rules: {exc}") from None
        if isinstance(state, dict) and "exception" in state:
            raise RulesError(f"a rule action failed: {state['exception']}")


class CompiledRules:
    """A rule list compiled into durable_rules rulesets, ready to evaluate many fact sets."""

    def __init__(self, rules: list[LoadedRule]) -> None:
        self.rules = rules
        self._order = {r.id: i for i, r in enumerate(rules)}
        self._derives = {r.id: r.rule.then.fact for r in rules if r.rule.then.kind == "derive"}
        self._fired: dict[str, list[str]] = {}
        self.strata = [[_Ruleset(chunk, self._fired) for chunk in stratum] for stratum in plan_rulesets(rules)]

    @property
    def ruleset_count(self) -> int:
        return sum(len(s) for s in self.strata)

    def evaluate(self, facts: dict[str, _FactValue]) -> list[str]:
        """Ids of the rules that fired for `facts`, in rule-file order."""
        with _LOCK, warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            sid = f"e{next(_SIDS)}"
            derived: set[str] = set()
            try:
                for stratum in self.strata:
                    for ruleset in stratum:
                        if ruleset.can_fire(derived):
                            ruleset.run(sid, facts, derived)
                    derived |= {str(self._derives[r]) for r in self._fired.get(sid, []) if r in self._derives}
                fired = self._fired.get(sid, [])
            finally:
                self._fired.pop(sid, None)
        return sorted(set(fired), key=self._order.__getitem__)
