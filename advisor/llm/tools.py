"""Provides the chat tools (what_if, why, show the math, compare) with their JSON schemas from the
answers contract, and the offline answers to the same questions."""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from advisor.costs.money import usd0
from advisor.decision import Decision, RuleBase, decide
from advisor.engine import Engine
from advisor.errors import BuildBuyError
from advisor.inputs.knowledge import Knowledge
from advisor.inputs.scenario import ANSWER_NAMES, OPTIONS, build_scenario, closest
from advisor.interview.flow import parse_answer

_OPTION = {"type": "string", "enum": list(OPTIONS), "description": "an option id: " + ", ".join(OPTIONS)}


def tool_definitions(k: Knowledge) -> list[dict[str, Any]]:
    """The engine tools as closed, typed and described JSON schemas; the last one carries the
    cache mark, so the tool definitions are part of the cached prefix of every chat request."""
    from advisor.interview.answers_schema import answers_object

    figures = ", ".join(sorted(k.figures))
    tools: list[dict[str, Any]] = [
        {
            "name": "what_if",
            "description": "Recompute the whole decision with some answers and/or knowledge assumptions changed. "
            "Returns the recommendation and every option's costs before and after. Use it for any 'what if' "
            "question; never estimate the effect of a change yourself.",
            "input_schema": {
                "type": "object",
                "properties": {
                    "changes": answers_object(k, "Answers to change, by name, with their new values (only these change)."),
                    "assumptions": {
                        "type": "object",
                        "description": f"Knowledge figures to override, by name, with a number or text. Names: {figures}.",
                        "additionalProperties": {"type": ["number", "string"]},
                    },
                },
                "additionalProperties": False,
            },
        },
        {
            "name": "explain_rule",
            "description": "One rule of the rule base: its condition, effect, reason, source, and whether it fired "
            "for this decision. Rule ids appear in the decision's findings.",
            "input_schema": {
                "type": "object",
                "properties": {"rule": {"type": "string", "description": "a rule id, e.g. from findings[].rule"}},
                "required": ["rule"],
                "additionalProperties": False,
            },
        },
        {
            "name": "show_math",
            "description": "How one figure was computed: its formula, inputs and value.",
            "input_schema": {
                "type": "object",
                "properties": {
                    "figure": {
                        "type": "string",
                        "description": "'<option>.<figure>', e.g. 'self-host.gpus' or 'api.inference_per_request'",
                    }
                },
                "required": ["figure"],
                "additionalProperties": False,
            },
        },
        {
            "name": "compare",
            "description": "Two options side by side: costs, break-even, eligibility, score and the findings about each.",
            "input_schema": {
                "type": "object",
                "properties": {"a": _OPTION, "b": _OPTION},
                "required": ["a", "b"],
                "additionalProperties": False,
            },
        },
    ]
    tools[-1] = {**tools[-1], "cache_control": {"type": "ephemeral"}}
    return tools


@dataclass
class Tools:
    """The engine behind the tools; every number in an answer comes from one of these."""

    decision: Decision
    k: Knowledge
    rules: RuleBase
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    @classmethod
    def of(cls, decision: Decision, engine: Engine) -> Tools:
        """The tools over a decision, with the engine that made it."""
        return cls(decision, engine.k, engine.rules)

    def run(self, name: str, args: Any) -> dict[str, Any]:
        """The tool's result, or {"error": ...} for an unknown tool or bad arguments (sent back to
        the model as an is_error tool result, so it can correct itself)."""
        self.calls.append((name, args))
        handlers: dict[str, Callable[..., dict[str, Any]]] = {
            "what_if": self.what_if,
            "explain_rule": self.explain_rule,
            "show_math": self.show_math,
            "compare": self.compare,
        }
        handler = handlers.get(name)
        if handler is None:
            return {"error": f"unknown tool {name!r}; tools are {', '.join(handlers)}"}
        if not isinstance(args, dict):
            return {"error": f"the input of {name} must be an object"}
        try:
            return handler(**args)
        except TypeError:
            params = ", ".join(inspect.signature(handler).parameters)
            return {"error": f"bad arguments for {name}: expected {params}, got {', '.join(map(str, args)) or 'none'}"}
        except (BuildBuyError, ValueError) as exc:
            return {"error": f"{name} failed: {exc}"}

    def _summary(self, d: Decision) -> dict[str, Any]:
        return {
            "recommendation": d.option,
            "confidence": d.confidence,
            "options": {
                o: {
                    "eligible": d.eligible(o),
                    "one_time_usd": round(c.one_time_usd, 2),
                    "monthly_usd": round(c.monthly_usd, 2),
                    "tco_usd": round(c.tco_usd, 2),
                    "breakeven_month": c.breakeven_month,
                }
                for o, c in d.report.options.items()
            },
        }

    def what_if(self, changes: dict[str, Any] | None = None, assumptions: dict[str, Any] | None = None) -> dict[str, Any]:
        if not isinstance(changes or {}, dict) or not isinstance(assumptions or {}, dict):
            return {"error": "changes and assumptions must be objects of names to values"}
        changes = {**(changes or {}), **(assumptions or {})}
        if not changes:
            return {"error": "changes must be a non-empty object of answer names to values"}
        s = self.decision.scenario
        given = {n: getattr(s.answers, n) for n in ANSWER_NAMES if n not in s.defaulted}
        answers = {**given, **{n: v for n, v in changes.items() if n in ANSWER_NAMES}}
        overrides = {**s.overrides, **{n: v for n, v in changes.items() if n not in ANSWER_NAMES}}
        try:
            scenario = build_scenario(answers, self.k, overrides)
        except BuildBuyError as exc:
            return {"error": "; ".join(exc.problems)}
        new = decide(scenario, self.k, self.rules, self.decision.today)
        return {"changes": changes, "before": self._summary(self.decision), "after": self._summary(new), "summary": new.summary}

    def explain_rule(self, rule: str) -> dict[str, Any]:
        loaded = self.rules.by_id.get(rule)
        if loaded is None:
            return {"error": f"no rule {rule!r}{closest(rule, list(self.rules.by_id))}"}
        r = loaded.rule
        return {
            "rule": r.id, "criterion": r.criterion, "when": {"all": r.when.all, "any": r.when.any},
            "then": r.then.model_dump(exclude_none=True), "because": r.because, "source": r.source,
            "fired": any(f.rule == r.id for f in self.decision.findings),
        }

    def show_math(self, figure: str) -> dict[str, Any]:
        d = self.decision.report.derivation(figure)
        if d is None:
            names = self.decision.report.derivation_names()
            return {"error": f"no figure {figure!r}{closest(figure, names)}", "figures": names}
        return {"figure": figure, "formula": d.formula, "inputs": d.inputs, "value": d.value, "unit": d.unit}

    def compare(self, a: str, b: str) -> dict[str, Any]:
        if a not in OPTIONS or b not in OPTIONS:
            return {"error": f"options are {', '.join(OPTIONS)}"}
        d = self.decision
        summary = self._summary(d)["options"]

        def about(option: str) -> dict[str, Any]:
            return {
                **summary[option],
                "score": d.scores[option],  # type: ignore[index]
                "excluded_by": d.excluded_by[option],  # type: ignore[index]
                "findings": [{"rule": f.rule, "weight": f.weight, "because": f.because} for f in d.findings if f.option == option],
            }

        return {a: about(a), b: about(b)}


_WHAT_IF = re.compile(r"^\s*what\s+if\s+([a-z_]+)\s*(?:=|is|to|becomes)\s*(.+?)\s*\??\s*$", re.I)


_WHY = re.compile(r"^\s*why\s+(?:not\s+)?([a-z-]+)\s*\??\s*$", re.I)


_MATH = re.compile(r"^\s*(?:math|show\s+the\s+math\s+(?:of|for))\s+([a-z_.-]+)\s*\??\s*$", re.I)


_COMPARE = re.compile(r"^\s*compare\s+([a-z-]+)\s+(?:and|with|vs\.?|to)?\s*([a-z-]+)\s*\??\s*$", re.I)


OFFLINE_HELP = (
    "Without an API key I understand: `what if <answer> = <value>`, `why <option>`, `math <figure>` "
    "(for example `math self-host.gpus`) and `compare <option> <option>`."
)


def answer_offline(question: str, tools: Tools) -> str:
    """Answer the four question forms straight from the engine."""
    k = tools.k
    if m := _WHAT_IF.match(question):
        name, raw = m.group(1).lower(), m.group(2)
        if name in k.answers:
            try:
                value: Any = parse_answer(k.answers[name], raw)
            except ValueError as exc:
                return f"{name}: {exc}."
        elif name in k.figures:
            try:
                value = float(raw.replace(",", ""))
            except ValueError:
                return f"{name} needs a number."
        else:
            return f"I do not know {name!r}{closest(name, list(k.answers) + list(k.figures))}."
        result = tools.what_if({name: value})
        if "error" in result:
            return f"That change is not valid: {result['error']}"
        before, after = result["before"], result["after"]
        lines = [
            f"With {name} = {value:,}" if isinstance(value, (int, float)) and not isinstance(value, bool) else f"With {name} = {value}",
            f"the recommendation is **{after['recommendation']}** ({after['confidence']} confidence)"
            + ("" if after["recommendation"] == before["recommendation"] else f", instead of {before['recommendation']}")
            + ".",
            "",
        ]
        for option in OPTIONS:
            b, a = before["options"][option], after["options"][option]
            lines.append(f"- {option}: TCO {usd0(b['tco_usd'])} -> {usd0(a['tco_usd'])}")
        return "\n".join(lines)
    if m := _WHY.match(question):
        asked = m.group(1).lower()
        if asked not in OPTIONS:
            return f"Options are {', '.join(OPTIONS)}."
        data = tools.compare(asked, tools.decision.option)[asked]
        lines = [f"**{asked}**: score {data['score']:+d}, TCO {usd0(data['tco_usd'])}."]
        if data["excluded_by"]:
            lines.append("Ruled out by " + ", ".join(data["excluded_by"]) + ".")
        lines += [f"- ({f['weight']:+d}) {f['because']}" for f in data["findings"] if f["weight"]]
        if not data["findings"]:
            lines.append("No rule leaned on it; only its cost counted.")
        return "\n".join(lines)
    if m := _MATH.match(question):
        result = tools.show_math(m.group(1))
        if "error" in result:
            return result["error"] + "."
        inputs = ", ".join(f"{key} = {v:,.6g}" if isinstance(v, (int, float)) else f"{key} = {v}" for key, v in result["inputs"].items())
        shown = f"${result['value']:,.2f}" if result["unit"] == "USD" else f"{result['value']:,.6g} {result['unit']}"
        return f"`{result['figure']}` = {result['formula']}\n\nwith {inputs}\n\n= **{shown}**"
    if m := _COMPARE.match(question):
        a, b = m.group(1).lower(), m.group(2).lower()
        result = tools.compare(a, b)
        if "error" in result:
            return result["error"] + "."
        return "\n".join(
            f"- **{o}**: {usd0(result[o]['one_time_usd'])} one-time, {usd0(result[o]['monthly_usd'])}/month, "
            f"TCO {usd0(result[o]['tco_usd'])}, score {result[o]['score']:+d}"
            + (", ruled out" if result[o]["excluded_by"] else "")
            for o in (a, b)
        )
    return OFFLINE_HELP
