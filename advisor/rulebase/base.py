"""Provides the rule base as the decision uses it: rules loaded, checked and compiled once, evaluated
per fact set into Findings (cached by the truth values of their conditions), and the cost drivers
that rules derive from the answers alone."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor.costs import COST_DRIVERS
from advisor.errors import RulesError
from advisor.inputs.knowledge import Knowledge
from advisor.inputs.scenario import Option
from advisor.rulebase import LoadedRule, atoms_of, bundled_rule_files, check_rules, load_rule_files, parse_condition
from advisor.rulebase.facts import answer_fact_names, fact_types

if TYPE_CHECKING:
    pass


@dataclass(frozen=True)
class Finding:
    rule: str
    kind: str
    option: Option | None
    weight: int
    because: str
    source: str
    criterion: str
    fact: str | None = None  # what a derive rule derived
    title: str = ""  # the rule's short name for people; empty in packs that give none

    @property
    def name(self) -> str:
        """What a person reads for the rule: its title, else its id."""
        return self.title or self.rule


def _driver_rules(rules: list[LoadedRule]) -> list[LoadedRule]:
    """The rules that derive a cost driver, and the rules those join on, transitively."""
    producers = {r.rule.then.fact: r for r in rules if r.rule.then.kind == "derive"}
    pending = [r for r in rules if r.rule.then.kind == "derive" and r.rule.then.fact in COST_DRIVERS]
    found: dict[str, LoadedRule] = {}
    while pending:
        rule = pending.pop()
        if rule.id in found:
            continue
        found[rule.id] = rule
        for text in [*rule.rule.when.all, *rule.rule.when.any]:
            cond = parse_condition(text)
            if isinstance(cond, str) and cond in producers:
                pending.append(producers[cond])
    return list(found.values())


def _driver_atoms(rules: list[LoadedRule]) -> list[Any]:
    return atoms_of(_driver_rules(rules))


def _check_drivers_read_answers(rules: list[LoadedRule], k: Knowledge) -> None:
    """A rule that derives a cost driver runs before the costs exist: it may read answers only."""
    answers = answer_fact_names(k)
    producers = {r.rule.then.fact: r for r in rules if r.rule.then.kind == "derive"}
    problems = []
    for loaded in rules:
        if loaded.rule.then.kind != "derive" or loaded.rule.then.fact not in COST_DRIVERS:
            continue
        pending, seen = [loaded], set()
        while pending:
            rule = pending.pop()
            if rule.id in seen:
                continue
            seen.add(rule.id)
            for text in [*rule.rule.when.all, *rule.rule.when.any]:
                cond = parse_condition(text)
                if isinstance(cond, str):
                    if cond in producers:
                        pending.append(producers[cond])
                elif cond.fact not in answers:
                    problems.append(
                        f"{loaded.file}: rule {loaded.id}: derives the cost driver {loaded.rule.then.fact!r} "
                        f"from {cond.fact!r}, a cost figure; a cost driver may read answers only"
                    )
    if problems:
        raise RulesError(problems)


class RuleBase:
    """Rules loaded, checked and compiled once; evaluate() is the per-scenario call."""

    def __init__(self, rules: list[LoadedRule], k: Knowledge) -> None:
        from advisor.rulebase.engine import CompiledRules  # the only path into durable_rules

        check_rules(rules, fact_types(k))
        _check_drivers_read_answers(rules, k)
        self.rules = rules
        self.by_id = {r.id: r for r in rules}
        self._engine = CompiledRules(rules)
        self._atoms = atoms_of(rules)
        self._read = sorted({atom.fact for atom in self._atoms})  # durable encodes every fact it gets
        self._cache: dict[tuple[bool, ...], list[Finding]] = {}
        self._driver_atoms = _driver_atoms(rules)
        self._drivers: dict[tuple[bool, ...], frozenset[str]] = {}

    def known_drivers(self, facts: dict[str, float | bool | str]) -> tuple[tuple[bool, ...], frozenset[str] | None]:
        """The cost drivers for these answer facts, if an earlier evaluation found them: driver
        rules read answers only, so the truth of their conditions decides the drivers."""
        key = tuple(atom.holds(facts) for atom in self._driver_atoms)
        return key, self._drivers.get(key)

    def remember_drivers(self, key: tuple[bool, ...], drivers: frozenset[str]) -> None:
        if len(self._drivers) > 4096:
            self._drivers.clear()
        self._drivers[key] = drivers

    def evaluate(self, facts: dict[str, float | bool | str]) -> list[Finding]:
        """Findings for `facts`. Rules read facts only through their conditions, so facts that
        give every condition the same truth value give the same findings: those are cached."""
        key = tuple(atom.holds(facts) for atom in self._atoms)
        cached = self._cache.get(key)
        if cached is None:
            if len(self._cache) > 4096:
                self._cache.clear()
            cached = self._cache[key] = self._evaluate(facts)
        return list(cached)

    def _evaluate(self, facts: dict[str, float | bool | str]) -> list[Finding]:
        findings = []
        for rule_id in self._engine.evaluate({name: facts[name] for name in self._read if name in facts}):
            rule = self.by_id[rule_id].rule
            if rule.then.kind == "derive":
                kind, option, weight = "derive", None, 0
            else:
                kind, option, weight = rule.then.kind, rule.then.option, rule.then.weight
            findings.append(
                Finding(rule.id, kind, option, weight, rule.because, rule.source, rule.criterion, rule.then.fact, rule.title)
            )
        return findings


_RULEBASES: dict[tuple[object, ...], tuple[Knowledge, RuleBase]] = {}


def load_rulebase(k: Knowledge, extra: list[Path] | None = None) -> RuleBase:
    """The bundled rules plus any packs (later files override rules by id), compiled once."""
    paths = tuple(bundled_rule_files() + [p.resolve() for p in (extra or [])])
    stamps = tuple(p.stat().st_mtime if p.exists() else 0.0 for p in paths)
    key = (paths, stamps, id(k))
    if key not in _RULEBASES:  # compiling registers a ruleset with durable: do it once per set
        _RULEBASES[key] = (k, RuleBase(load_rule_files(list(paths)), k))
    return _RULEBASES[key][1]
