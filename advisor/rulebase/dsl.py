"""Provides the rule language: rules as TOML data (id, criterion, when, then, because, source), validated
with pydantic, conditions parsed in linear time into comparisons or joins on derived facts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from advisor.errors import RulesError
from advisor.inputs.datafiles import cached_parse, data_dir, describe_validation, read_toml
from advisor.inputs.limits import (
    MAX_CONDITION_CHARS,
    MAX_CONDITIONS_PER_RULE,
    MAX_RULE_FILE_BYTES,
    MAX_RULE_ID_CHARS,
    MAX_RULE_TEXT_CHARS,
    MAX_RULES_PER_FILE,
    MAX_RULES_TOTAL,
)
from advisor.inputs.safe_text import clip, one_line, shown
from advisor.inputs.scenario import OPTIONS

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
    title: Annotated[str, Field(max_length=80)] = ""  # a short name people read instead of the id
    when: When
    then: Then
    because: Annotated[str, Field(min_length=10, max_length=MAX_RULE_TEXT_CHARS)]
    source: RuleText
    pri: int = Field(default=0, ge=-1000, le=1000)

    @field_validator("criterion", "title", "because", "source", mode="before")
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


def bundled_rule_files() -> list[Path]:
    return sorted(data_dir("rules").glob("*.toml"))
