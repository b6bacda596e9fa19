"""Provides follow-up questions on a decision: engine tools (what_if, explain_rule, show_math,
compare), Claude calling them, and an offline parser that answers the same questions without a key.

Text the user types never changes a figure except through what_if, whose changes go through the
same validation as an answers file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from collections.abc import Callable
from typing import Any

from advisor.decide import Decision, RuleBase, decide
from advisor.errors import BuildBuyError
from advisor.interview import parse_answer
from advisor.knowledge import Knowledge
from advisor.money import usd0
from advisor.scenario import ANSWER_NAMES, OPTIONS, build_scenario, closest

MAX_TOOL_ROUNDS = 5

TOOLS: list[dict[str, Any]] = [
    {
        "name": "what_if",
        "description": "Recompute the decision with some answers or assumptions changed. Returns the new "
        "recommendation and every option's costs. Use it for any 'what if' question.",
        "input_schema": {
            "type": "object",
            "properties": {
                "changes": {
                    "type": "object",
                    "description": "answer or assumption names mapped to new values, e.g. {\"daily_requests\": 300000}",
                }
            },
            "required": ["changes"],
        },
    },
    {
        "name": "explain_rule",
        "description": "A rule of the rule base: its condition, effect, reason, source, and whether it fired.",
        "input_schema": {"type": "object", "properties": {"rule": {"type": "string"}}, "required": ["rule"]},
    },
    {
        "name": "show_math",
        "description": "How one figure was computed: formula, inputs and value. Figure names look like "
        "'self-host.gpus' or 'api.inference_per_request'.",
        "input_schema": {"type": "object", "properties": {"figure": {"type": "string"}}, "required": ["figure"]},
    },
    {
        "name": "compare",
        "description": "Two options side by side: costs, break-even, eligibility, score and the findings about each.",
        "input_schema": {
            "type": "object",
            "properties": {"a": {"type": "string", "enum": list(OPTIONS)}, "b": {"type": "string", "enum": list(OPTIONS)}},
            "required": ["a", "b"],
        },
    },
]


@dataclass
class Tools:
    """The engine behind the tools; every number in an answer comes from one of these."""

    decision: Decision
    k: Knowledge
    rules: RuleBase
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def run(self, name: str, args: dict[str, Any]) -> dict[str, Any]:
        self.calls.append((name, args))
        handlers: dict[str, Callable[..., dict[str, Any]]] = {
            "what_if": self.what_if,
            "explain_rule": self.explain_rule,
            "show_math": self.show_math,
            "compare": self.compare,
        }
        handler = handlers.get(name)
        if handler is None:
            return {"error": f"unknown tool {name!r}"}
        try:
            return handler(**args)
        except TypeError as exc:
            return {"error": f"bad arguments for {name}: {exc}"}

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

    def what_if(self, changes: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(changes, dict) or not changes:
            return {"error": "changes must be a non-empty object of names to values"}
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


# --- without a key: a small parser over the same tools ----------------------------------------

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


# --- with a key: Claude calls the tools -------------------------------------------------------

CHAT_SYSTEM = """You answer follow-up questions about a build-vs-buy decision made by the buildbuy
engine. The first user message holds the decision as JSON. Every number you state must come from
that JSON or from a tool result: call what_if to change answers, show_math for a derivation,
compare for two options, explain_rule for a rule. Never calculate numbers yourself. Be brief,
plain Markdown, no HTML."""


def ask_claude(question: str, tools: Tools, client: Any, history: list[dict[str, Any]] | None = None) -> tuple[str, list[dict[str, Any]]]:
    """One follow-up turn: Claude may call tools (up to MAX_TOOL_ROUNDS rounds). Returns the answer
    text and the conversation so far (to carry into the next question)."""
    from advisor.explain import decision_payload, model_name

    if not history:
        payload = json.dumps(decision_payload(tools.decision, tools.k), default=str)
        history = [
            {"role": "user", "content": f"The decision:\n```json\n{payload}\n```"},
            {"role": "assistant", "content": "I have the decision. What would you like to know?"},
        ]
    messages = [*history, {"role": "user", "content": question}]
    for _ in range(MAX_TOOL_ROUNDS):
        response = client.messages.create(
            model=model_name(), max_tokens=1000, system=CHAT_SYSTEM, tools=TOOLS, messages=messages
        )
        blocks = [block.model_dump(exclude_none=True) for block in response.content]
        messages.append({"role": "assistant", "content": blocks})
        uses = [b for b in response.content if getattr(b, "type", "") == "tool_use"]
        if response.stop_reason != "tool_use" or not uses:
            text = "".join(b.text for b in response.content if getattr(b, "type", "") == "text").strip()
            return text, messages
        results = [
            {"type": "tool_result", "tool_use_id": use.id, "content": json.dumps(tools.run(use.name, dict(use.input)), default=str)}
            for use in uses
        ]
        messages.append({"role": "user", "content": results})
    return "I needed too many steps for that question; please ask something narrower.", messages


def answer(question: str, tools: Tools, *, client: Any = None, history: list[dict[str, Any]] | None = None) -> tuple[str, str, list[dict[str, Any]]]:
    """(answer, note, history). Uses Claude with tools when a client or key exists, else the parser;
    an API failure falls back to the parser with a one-line note."""
    from advisor.explain import api_key, failure_reason, make_client

    if client is None:
        key = api_key()
        if key is None:
            return answer_offline(question, tools), "answered by the engine (no ANTHROPIC_API_KEY)", history or []
        client = make_client(key)
    import anthropic

    try:
        text, new_history = ask_claude(question, tools, client, history)
    except anthropic.APIError as exc:
        return answer_offline(question, tools), f"answered by the engine: {failure_reason(exc)}", history or []
    return text, "", new_history
