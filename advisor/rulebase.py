"""Provides the rule base: rule files validated with pydantic and compiled to durable_rules JSON.

A condition is a short string a domain expert can read: `daily_requests >= 100000`,
`industry == healthcare`, `batch_ok == true`, `derived privacy_bound`. Rules never negate a
derived fact (durable_rules keeps no truth maintenance); they test the complementary input instead.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from advisor.costs import COST_DRIVERS
from advisor.datafiles import cached_parse, data_dir, describe_validation, read_toml
from advisor.errors import RulesError
from advisor.facts import FactType
from advisor.limits import (
    MAX_CONDITION_CHARS,
    MAX_CONDITIONS_PER_RULE,
    MAX_RULE_FILE_BYTES,
    MAX_RULE_ID_CHARS,
    MAX_RULE_TEXT_CHARS,
    MAX_RULES_PER_FILE,
    MAX_RULES_TOTAL,
)
from advisor.safe_text import clip, one_line, shown
from advisor.scenario import OPTIONS, closest

Kind = Literal["lean", "require", "exclude", "advise", "derive"]
_OPS = {"==": None, "!=": "$neq", ">": "$gt", ">=": "$gte", "<": "$lt", "<=": "$lte"}
# Matched against stripped text with no trailing `\s*`: a lazy `(.+?)\s*$` backtracks over
# trailing blanks and took minutes on a condition ending in 200,000 spaces.
_CONDITION = re.compile(r"([a-z_][a-z0-9_]*)[ \t]*(==|!=|>=|<=|>|<)[ \t]*(\S.*)", re.S)
_DERIVED = re.compile(r"derived[ \t]+([a-z_][a-z0-9_]*)")
ConditionText = Annotated[str, Field(max_length=MAX_CONDITION_CHARS)]
RuleText = Annotated[str, Field(min_length=1, max_length=MAX_RULE_TEXT_CHARS)]


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

    all: list[ConditionText] = []
    any: list[ConditionText] = []

    @model_validator(mode="after")
    def _not_empty(self) -> When:
        if not self.all and not self.any:
            raise ValueError("needs at least one condition in all = [...] or any = [...]")
        if len(self.all) + len(self.any) > MAX_CONDITIONS_PER_RULE:
            raise ValueError(
                f"has {len(self.all) + len(self.any)} conditions; at most {MAX_CONDITIONS_PER_RULE} "
                "per rule (split it into several rules, or derive a fact)"
            )
        if any(_DERIVED.fullmatch(c.strip()) for c in self.any):
            raise ValueError("a derived fact may only appear in all = [...]")
        return self


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    id: Annotated[str, Field(pattern=r"^[a-z0-9_.-]+$", max_length=MAX_RULE_ID_CHARS)]
    criterion: RuleText
    when: When
    then: Then
    because: Annotated[str, Field(min_length=10, max_length=MAX_RULE_TEXT_CHARS)]
    source: RuleText
    pri: int = Field(default=0, ge=-1000, le=1000)

    @field_validator("criterion", "because", "source", mode="before")
    @classmethod
    def _no_control_characters(cls, value: object) -> object:
        # shown in every view and written to records: a pack from a pull request must not be
        # able to retitle or clear the reader's terminal
        return one_line(value) if isinstance(value, str) else value


class _RuleFile(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    rule: Annotated[list[Rule], Field(max_length=MAX_RULES_PER_FILE)]


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
    text = text.strip()
    derived = _DERIVED.fullmatch(text)
    if derived:
        return derived.group(1)
    match = _CONDITION.fullmatch(text)
    if not match:
        raise ValueError(
            f"cannot read condition {clip(text, 80)!r}; write `fact op value` with op one of "
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
    # decimals and capped at 1e15 (advisor.facts), so no literal outside that is meaningful.
    if math.isnan(value):
        return f"{fact} compared with nan: nothing is ever equal to, above or below nan, so the rule could never fire"
    if math.isinf(value) or abs(value) > 1e15:
        return f"{fact} compared with {value:g}: use a number between -1e15 and 1e15 (the engine cannot read larger ones)"
    if value != 0 and ("e" in json.dumps(value) or round(value, 4) != value):
        return f"{fact} compared with {value!r}: use at most 4 decimals (the engine cannot read smaller values)"
    return None


def load_rule_files(paths: list[Path]) -> list[LoadedRule]:
    """Read rule files in order; a later rule with the same id replaces the earlier one."""
    if not all(p.is_file() for p in paths):
        return _load_rule_files(paths)
    return cached_parse(
        "rules", [*paths, Path(__file__)], lambda: _load_rule_files(paths), dump=_dump_rules, load=_load_rules
    )


def _dump_rules(rules: list[LoadedRule]) -> list[dict[str, Any]]:
    return [{"file": r.file, "rule": r.rule.model_dump(mode="json")} for r in rules]


def _load_rules(data: list[dict[str, Any]]) -> list[LoadedRule]:
    return [LoadedRule(Rule.model_validate(d["rule"]), str(d["file"])) for d in data]


def _load_rule_files(paths: list[Path]) -> list[LoadedRule]:
    problems: list[str] = []
    rules: dict[str, LoadedRule] = {}
    for path in paths:
        try:
            data = read_toml(path, RulesError, max_bytes=MAX_RULE_FILE_BYTES)
            parsed = _RuleFile.model_validate(data)
        except RulesError as exc:
            problems += exc.problems
            continue
        except ValidationError as exc:
            raw = data.get("rule", [])
            problems += [_name_rule(line, raw) for line in describe_validation(str(path), exc)[:20]]
            continue
        seen: set[str] = set()
        for rule in parsed.rule:
            if rule.id in seen:
                problems.append(f"{path}: rule {rule.id}: id used twice in one file")
            seen.add(rule.id)
            rules[rule.id] = LoadedRule(rule, str(path))
    if not problems and len(rules) > MAX_RULES_TOTAL:
        problems.append(f"{len(rules)} rules in all; at most {MAX_RULES_TOTAL} (bundled rules and packs together)")
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
    rid = shown(rid, 60).strip("'") if isinstance(rid, str) else shown(rid, 60)
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


def bundled_rule_files() -> list[Path]:
    return sorted(data_dir("rules").glob("*.toml"))
