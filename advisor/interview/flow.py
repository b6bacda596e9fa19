"""Provides the interview as plain logic: question order, skipping, parsing typed answers, going back.

No textual here: the TUI is a shell around this, and the tests drive it directly too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from advisor.errors import InputError
from advisor.inputs.knowledge import AnswerSpec, Knowledge
from advisor.inputs.scenario import Scenario, build_scenario

SECTIONS = ("workload", "data", "compliance", "change", "quality", "team", "costs")
# Asked right after the name: whether data may leave the house decides which later questions matter.
EARLY = ("use_case", "data_must_stay_in_house")
_SUFFIX = {"k": 1e3, "m": 1e6, "b": 1e9}
# Single optional spaces only, on whitespace-collapsed text of bounded length: linear time whatever
# is pasted (adjacent `\s*` runs backtracked for minutes on 2,500 spaces).
_NUMBER = re.compile(r"^\$? ?([+-]?(?:\d[\d,_]*(?:\.\d+)?|\.\d+))(?: ?([kmb])(?![a-z]))? ?(.*)$", re.I)
_MAX_NUMBER_TEXT = 60
MAX_TEXT = 200  # the answers model's limit for a name (Answers.use_case)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_TRUE = {"y", "yes", "true", "t", "1", "on"}
_FALSE = {"n", "no", "false", "f", "0", "off"}
# Units a person may type after a number, per unit the app shows, with the factor to apply.
_UNITS: dict[str, dict[str, float]] = {
    "requests/day": {"requests": 1, "request": 1, "requests/day": 1, "requests a day": 1, "a day": 1, "/day": 1,
                     "per day": 1, "req/day": 1, "requests per day": 1, "rpd": 1},
    "tokens/request": {"tokens": 1, "token": 1, "tokens/request": 1, "tok": 1, "tokens per request": 1},
    "x": {"x": 1, "times": 1, "×": 1},
    "%": {"%": 1, "percent": 1, "pct": 1},
    "USD": {"usd": 1, "dollars": 1, "dollar": 1, "$": 1},
    "FTE": {"fte": 1, "ftes": 1, "engineers": 1, "engineer": 1, "people": 1, "person": 1},
    "examples": {"examples": 1, "example": 1},
    "months": {"months": 1, "month": 1, "mo": 1, "years": 12, "year": 12, "yr": 12, "yrs": 12, "y": 12},
}


class DidYouMean(ValueError):
    """A value that is valid but probably not what was meant (0.9 for a percentage)."""

    def __init__(self, message: str, suggestion: str) -> None:
        super().__init__(message)
        self.suggestion = suggestion


def _quantity(text: str) -> tuple[float, str]:
    """A number and the words after it: '1.5M' -> (1500000, ''), '800 tokens' -> (800, 'tokens')."""
    collapsed = " ".join(text.split())
    shown = collapsed if len(collapsed) <= 30 else collapsed[:29] + "…"
    if len(collapsed) > _MAX_NUMBER_TEXT:
        raise ValueError(f"{shown!r} is too long to be a number")
    match = _NUMBER.match(collapsed)
    if not match:
        raise ValueError(f"{shown!r} is not a number (try 150k, 1.5M, $2.50, 10%)")
    digits, suffix, rest = match.groups()
    if "," in digits and re.search(r",\d{1,2}$", digits):
        raise ValueError(f"{shown!r}: use a dot for decimals")
    value = float(digits.replace(",", "").replace("_", ""))
    return value * _SUFFIX.get((suffix or "").lower(), 1.0), rest.strip().lower()


def parse_number(text: str) -> float:
    """'150k' -> 150000, '1.5M' -> 1500000, '$2.50' -> 2.5, '10%' -> 10, '1,000' -> 1000."""
    value, rest = _quantity(text)
    if rest not in {"", "%"}:
        raise ValueError(f"{' '.join(text.split())[:30]!r} is not a number (try 150k, 1.5M, $2.50, 10%)")
    return value


def _with_unit(spec: AnswerSpec, text: str) -> float:
    """A number with the unit the question shows (or a known variant), converted to that unit."""
    value, rest = _quantity(text)
    if not rest:
        if spec.unit == "%" and 0 < value < 1:
            raise DidYouMean(f"did you mean {value * 100:g} %? Type {value:g}% to keep {value:g} %", f"{value * 100:g}")
        return value
    known = _UNITS.get(spec.unit, {})
    if rest in known:
        return value * known[rest]
    allowed = spec.unit if spec.unit else "a plain number"
    raise ValueError(f"{rest!r} is not a unit here; answer in {allowed}")


def _pick(raw: str, choices: list[str], preferred: object = None) -> str:
    """A choice by number, name or unambiguous start, ignoring case, spaces and dashes."""
    def squash(x: str) -> str:
        return re.sub(r"[\s_-]", "", x.lower())

    if raw.isdigit() and 1 <= int(raw) <= len(choices):
        return choices[int(raw) - 1]
    typed = squash(raw)
    exact = [c for c in choices if squash(c) == typed]
    if exact:
        return exact[0]
    matches = [c for c in choices if squash(c).startswith(typed)] if typed else []
    if len(matches) == 1:
        return matches[0]
    if preferred in matches:  # 'H100' means the H100 already proposed, not 'which H100?'
        return str(preferred)
    listed = ", ".join(f"{i}. {c}" for i, c in enumerate(choices, 1))
    raise ValueError(f"pick one of {listed}")


def parse_answer(spec: AnswerSpec, text: str, choices: list[str] | None = None, preferred: object = None) -> Any:
    """Turn what a person typed into a typed value, or raise ValueError with a one-line reason.
    `choices` lists the allowed values of a text answer that has a fixed set (GPUs, providers)."""
    raw = text.strip()
    if spec.type == "bool":
        low = " ".join(raw.lower().split())
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise ValueError("answer yes or no")
    if spec.type == "choice" or choices:
        return _pick(" ".join(raw.split())[:100], list(spec.choices or choices or []), preferred)
    if spec.type == "str":
        raw = _CONTROL.sub("", raw).strip()  # escape codes would reach the terminal and the record
        if not raw:
            raise ValueError("must not be empty")
        if len(raw) > MAX_TEXT:
            raise ValueError(f"at most {MAX_TEXT} characters, please; that was {len(raw):,}")
        return raw
    value = _with_unit(spec, raw)
    if spec.type == "int":
        if value != int(value):
            raise ValueError(f"{' '.join(raw.split())[:30]!r} must be a whole number")
        return int(value)
    return float(value)


def label_of(k: Knowledge, name: str) -> str:
    """The name a person reads for an answer: its label, never the internal id."""
    spec = k.answers.get(name)
    return spec.label if spec is not None and spec.label else name.replace("_", " ").capitalize()


def number(value: float) -> str:
    """1000000000 -> '1,000,000,000'; 2.5 -> '2.5'; never '1e+09'."""
    if float(value).is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.4f}".rstrip("0").rstrip(".")


def show(spec: AnswerSpec, value: Any, *, unit: bool = False) -> str:
    """A value the way a person would type it back; with `unit`, as they would say it."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        text = number(value)
        if spec.unit == "%":
            return f"{text} %"
        if not unit or not spec.unit:
            return text
        if spec.unit == "USD":
            return f"${text}"
        if spec.unit == "x":
            return f"{text}x"
        return f"{text} {spec.unit}"
    return str(value)


class Unclear(InputError):
    """An answer that needs a yes before it is taken; `suggestion` is what yes means."""

    def __init__(self, problem: str, suggestion: str) -> None:
        super().__init__(problem)
        self.suggestion = suggestion


def _reason(problem: str, name: str, shown: str) -> str:
    """'answers.daily_requests = -5: must be at least 0' -> '-5 is not allowed: must be at least 0'."""
    _, _, reason = problem.partition(": ")
    reason = reason or problem
    if f"answers.{name}" not in problem:  # a problem of a combination (GPU at provider): keep it whole
        return problem.removeprefix("answers.")
    return f"{shown} is not allowed: {reason}"


@dataclass
class Interview:
    """Answers so far, the path taken through the questions, and what comes next."""

    k: Knowledge
    answers: dict[str, Any] = field(default_factory=dict)
    history: list[str] = field(default_factory=list)
    current: str | None = None
    finished: bool = False
    accepted_defaults: set[str] = field(default_factory=set)  # answered with Enter: still assumptions
    prefilled: dict[str, Any] = field(default_factory=dict)  # from a description, until confirmed
    dropped: list[str] = field(default_factory=list)  # saved answers that no longer validate (not saved)

    def __post_init__(self) -> None:
        if self.current is None and not self.finished:
            self.current = self._next_unanswered()

    # --- order and skipping ---------------------------------------------------------------
    def order(self) -> list[str]:
        names = list(self.k.answers)
        early = [n for n in EARLY if n in names]
        rest = sorted(
            (n for n in names if n not in early),
            key=lambda n: (SECTIONS.index(self.k.answers[n].section), names.index(n)),
        )
        return early + rest

    def choices(self, name: str) -> list[str]:
        """The allowed values of a question: its choices, or the GPUs and providers on offer."""
        spec = self.k.answers[name]
        if spec.choices:
            return list(spec.choices)
        if name == "gpu":
            return sorted({o.gpu for o in self.k.gpu_offers})
        if name == "gpu_provider":
            return self.choices_for_gpu(str(self.effective().get("gpu")))
        return []

    def choices_for_gpu(self, gpu: str) -> list[str]:
        return sorted({o.provider for o in self.k.gpu_offers if o.gpu == gpu})

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
        return self.answers.get(self.current, self.prefilled.get(self.current, self.k.answers[self.current].default))

    def prefill(self, values: dict[str, Any]) -> None:
        """Values read from a description: each question shows its value to confirm or change."""
        self.prefilled.update({n: v for n, v in values.items() if n in self.k.answers and n not in self.answers})

    def answer(self, text: str) -> tuple[str, Any]:
        """Validate `text` for the current question (empty takes the default) and move on.
        Raises InputError with one line; nothing already answered is changed then."""
        assert self.current is not None
        name, spec = self.current, self.spec()
        took_default = not text.strip() and name not in self.answers and name not in self.prefilled
        label = label_of(self.k, name)
        if text.strip():
            choices = self.choices(name) if spec.type == "str" else None
            try:
                value = parse_answer(spec, text, choices, self.default_for_current())
            except DidYouMean as exc:
                raise Unclear(f"{label}: {exc}", exc.suggestion) from None
            except ValueError as exc:
                raise InputError(f"{label}: {self._explain(name, text, str(exc))}") from None
            if name == "api_model" and isinstance(value, str):
                value = value.lower()  # model ids are lower case: 'GPT-4o' means gpt-4o
        else:
            value = self.default_for_current()
        trial = {**self.answers, name: value}
        # A GPU the chosen provider does not rent: keep the GPU and ask for the provider again.
        reask_provider = name == "gpu" and self.k.offer(str(value), str(self.effective()["gpu_provider"])) is None
        if reask_provider:
            trial["gpu_provider"] = next(iter(self.choices_for_gpu(str(value))), trial.get("gpu_provider"))
        try:
            build_scenario(trial, self.k)
        except InputError as exc:
            mine = [p for p in exc.problems if f"answers.{name}" in p] or exc.problems
            raise InputError(f"{label}: {_reason(mine[0], name, show(spec, value, unit=True))}") from None
        if reask_provider:
            self.answers.pop("gpu_provider", None)
            self.accepted_defaults.discard("gpu_provider")
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

    def _explain(self, name: str, text: str, reason: str) -> str:
        """A provider that does not rent the chosen GPU says which GPUs it does rent."""
        if name != "gpu_provider":
            return reason
        typed = " ".join(text.lower().split())
        elsewhere = sorted({o.gpu for o in self.k.gpu_offers if o.provider == typed})
        if elsewhere:
            return f"{typed} does not rent the {self.effective().get('gpu')}; it rents {', '.join(elsewhere)}. {reason}"
        return reason

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
            "prefilled": self.prefilled,
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
        raw = data.get("prefilled")
        prefilled = {n: v for n, v in raw.items() if n in k.answers and _valid(k, n, v)} if isinstance(raw, dict) else {}
        interview = cls(k, good, history, current, bool(data.get("finished")), defaults, prefilled, dropped)
        if interview.current is None and not interview.finished:
            interview.current = interview._next_unanswered()
            interview.finished = interview.current is None
        return interview


def _valid(k: Knowledge, name: str, value: Any) -> bool:
    try:
        build_scenario({name: value}, k)
    except InputError:
        return False
    return True
