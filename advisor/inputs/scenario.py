"""Provides the validated Scenario: answers (given or defaulted) plus assumption overrides."""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from advisor.errors import InputError
from advisor.inputs.datafiles import read_toml
from advisor.inputs.knowledge import Knowledge
from advisor.inputs.limits import MAX_ANSWERS_FILE_BYTES
from advisor.inputs.safe_text import clean, clip, one_line, shown

Option = Literal["api", "vendor-finetune", "self-host", "hybrid"]
OPTIONS: tuple[Option, ...] = ("api", "vendor-finetune", "self-host", "hybrid")
Percent = float


class Answers(BaseModel):
    """Every answer of the contract in DESIGN.md, fully filled in."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    use_case: str = Field(min_length=1, max_length=200)
    daily_requests: int = Field(ge=0, le=1_000_000_000)
    input_tokens: int = Field(ge=0, le=2_000_000)
    output_tokens: int = Field(ge=0, le=200_000)
    peak_to_average: float = Field(ge=1, le=1000)
    cached_input_share: float = Field(ge=0, le=1)
    batch_ok: bool
    latency_sensitive: bool
    labeled_examples: int = Field(ge=0, le=100_000_000)
    examples_to_label: int = Field(ge=0, le=100_000_000)
    labeling_task: Literal["simple", "entity", "judgment", "expert"]
    has_api_logs: bool
    data_must_stay_in_house: bool
    industry: Literal["general", "healthcare", "finance", "insurance", "legal", "government"]
    requirements_volatility: Literal["stable", "moderate", "rapid"]
    product_stage: Literal["exploring", "validated", "scaling"]
    api_accuracy: Percent = Field(ge=0, le=100)
    finetuned_accuracy: Percent = Field(ge=0, le=100)
    review_rate_api: Percent = Field(ge=0, le=100)
    review_rate_finetuned: Percent = Field(ge=0, le=100)
    cost_per_review: float = Field(ge=0, le=100_000)
    proprietary_data_advantage: bool
    ml_engineers: float = Field(ge=0, le=10_000)
    api_model: str = Field(min_length=1)
    vendor_finetune_customer: bool
    gpu: str = Field(min_length=1)
    gpu_provider: str = Field(min_length=1)
    horizon_months: int = Field(ge=1, le=120)


ANSWER_NAMES: tuple[str, ...] = tuple(Answers.model_fields)
_FLOAT_FIELDS = {n for n, f in Answers.model_fields.items() if f.annotation is float}


class Scenario(BaseModel):
    """Answers with every gap filled, the overrides of knowledge figures, and what was defaulted."""

    model_config = ConfigDict(frozen=True)

    answers: Answers
    overrides: dict[str, float | str] = {}
    defaulted: tuple[str, ...] = ()

    def with_changes(self, **changes: Any) -> Scenario:
        """A copy with some answers or overrides replaced (used by what-if and uncertainty)."""
        answer_changes = {k: v for k, v in changes.items() if k in ANSWER_NAMES}
        override_changes = {k: v for k, v in changes.items() if k not in ANSWER_NAMES}
        answers = self.answers.model_copy(update=answer_changes) if answer_changes else self.answers
        return Scenario(
            answers=answers,
            overrides={**self.overrides, **override_changes},
            defaulted=tuple(n for n in self.defaulted if n not in answer_changes),
        )


def closest(name: str, known: list[str] | tuple[str, ...]) -> str:
    """A ' (did you mean X?)' hint, or an empty string."""
    match = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


def _describe(name: str, raw: Any, err: Mapping[str, Any], k: Knowledge) -> str:
    spec = k.answers.get(name)
    kind = err["type"]
    value = _Shown(raw)
    if spec is not None and spec.type == "choice":
        return f"answers.{name} = {value!r}: not an allowed choice; allowed: {', '.join(spec.choices)}"
    if kind in {"int_type", "int_from_float"}:
        return f"answers.{name} = {value!r}: must be a whole number"
    if kind in {"float_type"}:
        return f"answers.{name} = {value!r}: must be a number"
    if kind == "bool_type":
        return f"answers.{name} = {value!r}: must be true or false"
    if kind == "string_type":
        return f"answers.{name} = {value!r}: must be text in quotes"
    ctx = {key: (f"{v:,g}" if isinstance(v, (int, float)) else v) for key, v in err.get("ctx", {}).items()}
    bounds = {
        "greater_than_equal": f"must be at least {ctx.get('ge')}",
        "less_than_equal": f"must be at most {ctx.get('le')}",
        "greater_than": f"must be above {ctx.get('gt')}",
        "string_too_short": "must not be empty",
        "string_too_long": f"must be at most {ctx.get('max_length')} characters",
    }
    return f"answers.{name} = {value!r}: {bounds.get(kind, err['msg'])}"


class _Shown:
    """A value as a message shows it: control characters stripped, huge text clipped."""

    def __init__(self, value: Any) -> None:
        self.text = shown(value)

    def __repr__(self) -> str:
        return self.text


def _sane_range(name: str, fig: Any) -> tuple[float, float, bool]:
    """(low, high, low_exclusive) an override of figure `name` must fall in.

    From the figure's own `min`/`max` in knowledge/ when given; otherwise fractions lie in 0..1,
    and other figures between 0 and 1,000 times their default (at least 1,000,000 for money),
    which keeps every product in the cost engine finite."""
    lo = 0.0 if fig.min is None else float(fig.min)
    exclusive = fig.min is None and name in _DIVISORS
    if fig.max is not None:
        return lo, float(fig.max), exclusive
    if fig.unit.startswith("fraction"):
        return lo, 1.0, exclusive
    default = abs(float(fig.value)) if isinstance(fig.value, (int, float)) else 0.0
    floor = 1_000_000.0 if "USD" in fig.unit else 1_000.0
    return lo, max(default * 1000, floor), exclusive


# figures the cost engine divides by: zero is never a usable override
_DIVISORS = {"serving_utilization", "batch_utilization", "training_efficiency", "flops_per_param_token",
             "model_params_billion", "tokens_per_example", "epochs", "api_price_factor", "gpu_price_factor",
             "gpu_usd_per_hour", "serving_prefill_efficiency", "serving_bandwidth_efficiency",
             "serving_decode_compute_efficiency", "serving_max_batch", "serving_memory_fraction", "kv_bytes_per_value",
             "labeling_examples_per_week", "distill_quality", "build_team_max", "prefill_tps", "decode_tps",
             "vendor_hosting_usd_per_gpu_hour"}


def _allowed_text(name: str, k: Knowledge) -> list[str] | None:
    if name == "serving_model_size":
        return sorted(m.name for m in k.model_classes)
    if name == "finetune_method":
        return [m.name for m in k.methods]
    return None


def _coerce(name: str, value: Any) -> Any:
    # TOML writes 10 for a float answer; accept whole numbers there, but never a bool.
    if name in _FLOAT_FIELDS and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _check_override(name: str, value: Any, k: Knowledge) -> str | None:
    fig = k.figures.get(name)
    name = clean(name, newlines=False)[:80]
    if fig is None:
        return f"assumptions.{name}: unknown assumption{closest(name, list(k.figures))}; `buildbuy knowledge` lists them"
    shown_value = shown(value)
    if isinstance(fig.value, str):
        if not isinstance(value, str):
            return f"assumptions.{name} = {shown_value}: must be text like {fig.value!r}"
        allowed = _allowed_text(name, k)
        if allowed is not None and value not in allowed:
            return f"assumptions.{name} = {shown_value}: not a known choice; allowed: {', '.join(allowed)}"
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"assumptions.{name} = {shown_value}: must be a number ({fig.unit})"
    lo, hi, exclusive = _sane_range(name, fig)
    if not math.isfinite(value) or value > hi or value < lo or (exclusive and value == lo):
        span = f"above {lo:,g} and at most {hi:,g}" if exclusive else f"between {lo:,g} and {hi:,g}"
        return f"assumptions.{name} = {shown_value}: must be {span} ({fig.unit})"
    return None


def build_scenario(
    answers: dict[str, Any], k: Knowledge, overrides: dict[str, Any] | None = None
) -> Scenario:
    """Validate raw answers and overrides; fill gaps from knowledge. All problems raise together."""
    problems: list[str] = []
    overrides = dict(overrides or {})
    for name in answers:
        if name not in ANSWER_NAMES:
            problems.append(f"answers.{clip(clean(str(name), newlines=False), 60)}: unknown answer{closest(str(name), ANSWER_NAMES)}")
            if len(problems) > 20:  # a file of a million unknown keys gets twenty lines, not a million
                raise InputError(problems + [f"... and {len(answers) - 20:,} more unknown answers"])
    if isinstance(answers.get("use_case"), str):  # echoed in every view: no escape sequences
        answers = {**answers, "use_case": one_line(answers["use_case"])}
    given = {n: _coerce(n, v) for n, v in answers.items() if n in ANSWER_NAMES}
    reported: set[str] = set()
    for name, value in given.items():
        if isinstance(value, float) and not math.isfinite(value):
            problems.append(f"answers.{name} = {shown(value)}: must be a finite number")
            reported.add(name)
    defaulted = [n for n in ANSWER_NAMES if n not in given]
    filled = {n: _coerce(n, k.answers[n].default) for n in defaulted}
    if "latency_sensitive" in defaulted and given.get("batch_ok") is True:
        filled["latency_sensitive"] = False  # batch work has nobody waiting on it
    merged = {**filled, **given}
    try:
        parsed = Answers.model_validate(merged)
    except ValidationError as exc:
        for err in exc.errors():
            name = str(err["loc"][0])
            if name not in reported:  # one line per answer, even when it breaks two rules
                reported.add(name)
                problems.append(_describe(name, answers.get(name, merged.get(name)), err, k))
        parsed = None
    if len(overrides) > len(k.figures):
        raise InputError(f"[assumptions] has {len(overrides):,} entries; there are only {len(k.figures)} figures")
    for name, value in overrides.items():
        problem = _check_override(str(name), value, k)
        if problem:
            problems.append(problem)
    if parsed is not None:
        if k.offer(parsed.gpu, parsed.gpu_provider) is None:
            offers = ", ".join(sorted({f"{o.gpu}@{o.provider}" for o in k.gpu_offers}))
            problems.append(
                f"answers.gpu / gpu_provider = {parsed.gpu!r} at {parsed.gpu_provider!r}: no such offer; "
                f"known offers: {offers}"
            )
        from advisor.costs.prices import check_model  # genai-prices is heavy; import only when needed

        model_problem = check_model(parsed.api_model)
        if model_problem:
            problems.append(f"answers.api_model = {parsed.api_model!r}: {model_problem}")
    if problems:
        raise InputError(problems)
    assert parsed is not None
    return Scenario(
        answers=parsed,
        overrides={n: (float(v) if isinstance(v, int) else v) for n, v in overrides.items()},
        defaulted=tuple(defaulted),
    )


def load_answers_file(path: Path, k: Knowledge) -> Scenario:
    """Read an answers TOML file: an [answers] table and an optional [assumptions] table."""
    data = read_toml(path, InputError, max_bytes=MAX_ANSWERS_FILE_BYTES)
    problems = []
    for key in data:
        if key not in {"answers", "assumptions"}:
            problems.append(f"{path}: [{key}]: unknown table; allowed: [answers], [assumptions]")
    answers = data.get("answers", {})
    overrides = data.get("assumptions", {})
    for table, value in (("answers", answers), ("assumptions", overrides)):
        if not isinstance(value, dict):
            problems.append(f"{path}: {table} must be a table ([{table}])")
    if problems:
        raise InputError(problems)
    try:
        return build_scenario(answers, k, overrides)
    except InputError as exc:
        raise InputError([f"{path}: {p}" for p in problems + exc.problems]) from None
check_override = _check_override  # the same check for an assumptions file of its own (buildbuy calibrate)
