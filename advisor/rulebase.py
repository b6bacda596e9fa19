"""Provides the rule base: rule files validated with pydantic and compiled to durable_rules JSON.

A condition is a short string a domain expert can read: `daily_requests >= 100000`,
`industry == healthcare`, `batch_ok == true`, `derived privacy_bound`. Rules never negate a
derived fact (durable_rules keeps no truth maintenance); they test the complementary input instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from advisor.costs import COST_DRIVERS
from advisor.datafiles import cached_parse, data_dir, describe_validation, read_toml
from advisor.errors import RulesError
from advisor.facts import FactType
from advisor.scenario import OPTIONS, closest

Kind = Literal["lean", "require", "exclude", "advise", "derive"]
_OPS = {"==": None, "!=": "$neq", ">": "$gt", ">=": "$gte", "<": "$lt", "<=": "$lte"}
_CONDITION = re.compile(r"^\s*([a-z_][a-z0-9_]*)\s*(==|!=|>=|<=|>|<)\s*(.+?)\s*$")
_DERIVED = re.compile(r"^\s*derived\s+([a-z_][a-z0-9_]*)\s*$")


class Then(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    kind: Kind
    option: Literal["api", "vendor-finetune", "self-host", "hybrid"] | None = None
    weight: Annotated[int, Field(ge=-10, le=10)] = 0
    fact: Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]*$")] | None = None

    @model_validator(mode="after")
    def _shape(self) -> Then:
        if self.kind in {"lean", "require", "exclude"} and self.option is None:
            raise ValueError(f"a {self.kind} rule needs an option: one of {', '.join(OPTIONS)}")
        if self.kind == "lean" and self.weight == 0:
            raise ValueError("a lean rule needs a non-zero weight between -10 and 10")
        if self.kind == "derive" and self.fact is None:
            raise ValueError("a derive rule needs the name of the fact it derives (fact = ...)")
        if self.kind != "derive" and self.fact is not None:
            raise ValueError("only a derive rule names a fact")
        return self


class When(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    all: list[str] = []
    any: list[str] = []

    @model_validator(mode="after")
    def _not_empty(self) -> When:
        if not self.all and not self.any:
            raise ValueError("needs at least one condition in all = [...] or any = [...]")
        if any(_DERIVED.match(c) for c in self.any):
            raise ValueError("a derived fact may only appear in all = [...]")
        return self


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    id: Annotated[str, Field(pattern=r"^[a-z0-9_.-]+$")]
    criterion: str = Field(min_length=1)
    when: When
    then: Then
    because: str = Field(min_length=10)
    source: str = Field(min_length=1)
    pri: int = 0


class _RuleFile(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    rule: list[Rule]


@dataclass(frozen=True)
class LoadedRule:
    rule: Rule
    file: str

    @property
    def id(self) -> str:
        return self.rule.id


@dataclass(frozen=True)
class Condition:
    fact: str
    op: str
    value: float | bool | str

    def holds(self, facts: dict[str, float | bool | str]) -> bool:
        """The condition's truth for `facts` (used as a cache key; durable_rules decides)."""
        actual = facts.get(self.fact)
        if actual is None:
            return False
        if self.op == "==":
            return actual == self.value
        if self.op == "!=":
            return actual != self.value
        try:
            return _COMPARE[self.op](actual, self.value)
        except TypeError:
            return False


_COMPARE = {
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
}


def atoms_of(rules: list[LoadedRule]) -> list[Condition]:
    """Every distinct comparison the rules make, in a stable order."""
    seen: dict[Condition, None] = {}
    for loaded in rules:
        for text in loaded.rule.when.all + loaded.rule.when.any:
            cond = parse_condition(text)
            if isinstance(cond, Condition):
                seen.setdefault(cond)
    return list(seen)


def _literal(text: str) -> float | bool | str:
    if text in {"true", "false"}:
        return text == "true"
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    try:
        return float(text.replace("_", ""))
    except ValueError:
        return text


def parse_condition(text: str) -> Condition | str:
    """A comparison, or the name of a derived fact the rule joins on."""
    derived = _DERIVED.match(text)
    if derived:
        return derived.group(1)
    match = _CONDITION.match(text)
    if not match:
        raise ValueError(
            f"cannot read condition {text!r}; write `fact op value` with op one of "
            f"{', '.join(_OPS)}, or `derived name`"
        )
    fact, op, raw = match.groups()
    return Condition(fact, op, _literal(raw))


def _check_condition(cond: Condition, types: dict[str, tuple[FactType, tuple[str, ...]]]) -> str | None:
    if cond.fact not in types:
        return f"unknown fact {cond.fact!r}{closest(cond.fact, list(types))}"
    kind, choices = types[cond.fact]
    value = cond.value
    if kind == "number" and (isinstance(value, bool) or not isinstance(value, float)):
        return f"{cond.fact} is a number; {value!r} is not"
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


def load_rule_files(paths: list[Path]) -> list[LoadedRule]:
    """Read rule files in order; a later rule with the same id replaces the earlier one."""
    if not all(p.is_file() for p in paths):
        return _load_rule_files(paths)
    return cached_parse("rules", [*paths, Path(__file__)], lambda: _load_rule_files(paths))


def _load_rule_files(paths: list[Path]) -> list[LoadedRule]:
    problems: list[str] = []
    rules: dict[str, LoadedRule] = {}
    for path in paths:
        try:
            parsed = _RuleFile.model_validate(read_toml(path, RulesError))
        except RulesError as exc:
            problems += exc.problems
            continue
        except ValidationError as exc:
            raw = read_toml(path, RulesError).get("rule", [])
            problems += [_name_rule(line, raw) for line in describe_validation(str(path), exc)]
            continue
        seen: set[str] = set()
        for rule in parsed.rule:
            if rule.id in seen:
                problems.append(f"{path}: rule {rule.id}: id used twice in one file")
            seen.add(rule.id)
            rules[rule.id] = LoadedRule(rule, str(path))
    if problems:
        raise RulesError(problems)
    return list(rules.values())


def _name_rule(line: str, raw: Any) -> str:
    # "file: rule.3.then.option: msg" -> "file: rule 3 (id volume.high): then.option: msg"
    match = re.match(r"^(.*?): rule\.(\d+)\.?(.*?): (.*)$", line)
    if not match or not isinstance(raw, list):
        return line
    file, index, field, msg = match.groups()
    i = int(index)
    rid = raw[i].get("id", "?") if i < len(raw) and isinstance(raw[i], dict) else "?"
    return f"{file}: rule {rid} (#{i + 1}): {field or '(rule)'}: {msg}"


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
                where = f"{loaded.file}: rule {rule.id}: when.{group} {text!r}"
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
    if problems:
        raise RulesError(problems)


def _pattern(cond: Condition) -> dict[str, Any]:
    op = _OPS[cond.op]
    return {cond.fact: cond.value} if op is None else {op: {cond.fact: cond.value}}


def compile_rule(rule: Rule) -> dict[str, Any]:
    """durable_rules JSON for one rule; always anchored on the scenario fact (see the notes)."""
    scenario: list[dict[str, Any]] = [{"t": "scenario"}]
    joins = []
    for text in rule.when.all:
        cond = parse_condition(text)
        if isinstance(cond, str):
            joins.append(cond)
        else:
            scenario.append(_pattern(cond))
    if rule.when.any:
        anys = [_pattern(c) for c in map(parse_condition, rule.when.any) if isinstance(c, Condition)]
        scenario.append({"$or": anys} if len(anys) > 1 else anys[0])
    patterns: list[dict[str, Any]] = [{"s": {"$and": scenario}}]
    patterns += [{f"d{i}": {"$and": [{"t": "derived"}, {"name": name}]}} for i, name in enumerate(joins)]
    return {"all": patterns, "pri": rule.pri}


def bundled_rule_files() -> list[Path]:
    return sorted(data_dir("rules").glob("*.toml"))
