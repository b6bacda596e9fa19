"""Provides the interview as plain logic: question order, skipping, parsing typed answers, going back.

No textual here: the TUI is a shell around this, and the tests drive it directly too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from advisor.errors import InputError
from advisor.knowledge import AnswerSpec, Knowledge
from advisor.scenario import Scenario, build_scenario

SECTIONS = ("workload", "data", "compliance", "change", "quality", "team", "costs")
_SUFFIX = {"k": 1e3, "m": 1e6, "b": 1e9}
_NUMBER = re.compile(r"^\s*\$?\s*([+-]?\d+(?:[.,_]\d+)*(?:\.\d+)?)\s*([kmb]?)\s*(%?)\s*$", re.I)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_TRUE = {"y", "yes", "true", "t", "1", "on"}
_FALSE = {"n", "no", "false", "f", "0", "off"}


def parse_number(text: str) -> float:
    """'150k' -> 150000, '1.5M' -> 1500000, '$2.50' -> 2.5, '10%' -> 10, '1,000' -> 1000."""
    match = _NUMBER.match(text)
    if not match:
        raise ValueError(f"{text.strip()!r} is not a number (try 150k, 1.5M, $2.50, 10%)")
    digits, suffix, _ = match.groups()
    if "," in digits and re.search(r",\d{1,2}$", digits):
        raise ValueError(f"{text.strip()!r}: use a dot for decimals")
    value = float(digits.replace(",", "").replace("_", ""))
    return value * _SUFFIX.get(suffix.lower(), 1.0)


def parse_answer(spec: AnswerSpec, text: str) -> Any:
    """Turn what a person typed into a typed value, or raise ValueError with a one-line reason."""
    raw = text.strip()
    if spec.type == "bool":
        low = raw.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise ValueError("answer yes or no")
    if spec.type == "choice":
        if raw.isdigit() and 1 <= int(raw) <= len(spec.choices):
            return spec.choices[int(raw) - 1]
        matches = [c for c in spec.choices if c.startswith(raw.lower())] if raw else []
        if raw.lower() in spec.choices:
            return raw.lower()
        if len(matches) == 1:
            return matches[0]
        listed = ", ".join(f"{i}. {c}" for i, c in enumerate(spec.choices, 1))
        raise ValueError(f"pick one of {listed}")
    if spec.type == "str":
        raw = _CONTROL.sub("", raw).strip()  # escape codes would reach the terminal and the record
        if not raw:
            raise ValueError("must not be empty")
        return raw
    value = parse_number(raw)
    if spec.type == "int":
        if value != int(value):
            raise ValueError(f"{raw!r} must be a whole number")
        return int(value)
    return float(value)


def label_of(k: Knowledge, name: str) -> str:
    """The name a person reads for an answer: its label, never the internal id."""
    spec = k.answers.get(name)
    return spec.label if spec is not None and spec.label else name.replace("_", " ").capitalize()


def show(spec: AnswerSpec, value: Any) -> str:
    """A value the way a person would type it back."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if spec.type == "int":
        return f"{int(value):,}"
    if isinstance(value, float):
        return f"{value:,.6g}" + (" %" if spec.unit == "%" else "")
    return str(value)


@dataclass
class Interview:
    """Answers so far, the path taken through the questions, and what comes next."""

    k: Knowledge
    answers: dict[str, Any] = field(default_factory=dict)
    history: list[str] = field(default_factory=list)
    current: str | None = None
    finished: bool = False
    accepted_defaults: set[str] = field(default_factory=set)  # answered with Enter: still assumptions
    dropped: list[str] = field(default_factory=list)  # saved answers that no longer validate (not saved)

    def __post_init__(self) -> None:
        if self.current is None and not self.finished:
            self.current = self._next_unanswered()

    # --- order and skipping ---------------------------------------------------------------
    def order(self) -> list[str]:
        names = list(self.k.answers)
        return sorted(names, key=lambda n: (SECTIONS.index(self.k.answers[n].section), names.index(n)))

    def effective(self) -> dict[str, Any]:
        values = {n: s.default for n, s in self.k.answers.items()}
        values.update(self.answers)
        return values

    def skipped(self, name: str) -> bool:
        """A question is moot when every condition of its skip_if holds for the answers so far."""
        conditions = self.k.answers[name].skip_if
        if not conditions:
            return False
        values = self.effective()
        return all(values.get(key) == want for key, want in conditions.items())

    def asked(self) -> list[str]:
        """The questions that apply, given the answers so far, in order."""
        return [n for n in self.order() if not self.skipped(n)]

    def _next_unanswered(self) -> str | None:
        """The first question that applies and has no answer yet: after an edit of an earlier
        answer the interview carries on where it was, not from the edited question."""
        return next((n for n in self.asked() if n not in self.answers), None)

    def remaining(self) -> list[str]:
        """Questions still to answer, the current one first."""
        if self.current is None:
            return []
        rest = [n for n in self.asked() if n not in self.answers and n != self.current]
        return [self.current, *rest]

    def progress(self) -> str:
        if self.current is None:
            return "All questions answered"
        asked = self.asked()
        spec = self.k.answers[self.current]
        position = asked.index(self.current) + 1 if self.current in asked else len(asked)
        left = len(self.remaining()) - 1
        return f"{spec.section.capitalize()}  ·  question {position} of {len(asked)}  ·  {left} left after this"

    # --- answering ------------------------------------------------------------------------
    def spec(self) -> AnswerSpec:
        assert self.current is not None
        return self.k.answers[self.current]

    def default_for_current(self) -> Any:
        assert self.current is not None
        return self.answers.get(self.current, self.k.answers[self.current].default)

    def answer(self, text: str) -> tuple[str, Any]:
        """Validate `text` for the current question (empty takes the default) and move on.
        Raises InputError with one line; nothing already answered is changed then."""
        assert self.current is not None
        name, spec = self.current, self.spec()
        took_default = not text.strip() and name not in self.answers
        if text.strip():
            try:
                value = parse_answer(spec, text)
            except ValueError as exc:
                raise InputError(f"{name}: {exc}") from None
        else:
            value = self.default_for_current()
        trial = {**self.answers, name: value}
        try:
            build_scenario(trial, self.k)
        except InputError as exc:
            mine = [p for p in exc.problems if f"answers.{name}" in p] or exc.problems
            raise InputError(mine[0].removeprefix("answers.")) from None
        self.answers[name] = value
        if took_default:
            self.accepted_defaults.add(name)
        elif text.strip():
            self.accepted_defaults.discard(name)
        if name in self.history:
            self.history.remove(name)
        self.history.append(name)
        self.current = self._next_unanswered()
        self.finished = self.current is None
        return name, value

    def back(self) -> str | None:
        """Return to the question before the current one; its answer stays as the default."""
        asked = self.asked()
        here = asked.index(self.current) if self.current in asked else len(asked)
        earlier = [n for n in asked[:here] if n in self.answers]
        if not earlier:
            return None
        self.current = earlier[-1]
        self.finished = False
        return self.current

    def jump_to(self, name: str) -> None:
        """Re-ask an earlier question (from the transcript or the summary list)."""
        self.current = name
        self.finished = False

    def given(self) -> dict[str, Any]:
        """Answers the person actually gave (Enter on a default leaves it an assumption)."""
        return {n: v for n, v in self.answers.items() if n not in self.accepted_defaults}

    def scenario(self) -> Scenario:
        return build_scenario(self.given(), self.k)

    # --- persistence ----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "answers": self.answers,
            "history": self.history,
            "current": self.current,
            "finished": self.finished,
            "accepted_defaults": sorted(self.accepted_defaults),
        }

    @classmethod
    def from_dict(cls, k: Knowledge, data: dict[str, Any]) -> Interview:
        """Rebuild from a saved session; answers that no longer validate are dropped, not fatal."""
        answers = {n: v for n, v in dict(data.get("answers", {})).items() if n in k.answers}
        good: dict[str, Any] = {}
        dropped: list[str] = []
        for name, value in answers.items():
            try:
                build_scenario({**good, name: value}, k)
            except InputError:
                dropped.append(name)
                continue
            good[name] = value
        history = [n for n in data.get("history", []) if n in good]
        current = data.get("current")
        if current is not None and current not in k.answers:
            current = None
        defaults = {n for n in data.get("accepted_defaults", []) if n in good}
        interview = cls(k, good, history, current, bool(data.get("finished")), defaults, dropped)
        if interview.current is None and not interview.finished:
            interview.current = interview._next_unanswered()
            interview.finished = interview.current is None
        return interview
