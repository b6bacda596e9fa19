"""Provides the record front matter: what it holds (every answer and override, so revisit can
recompute), its strict model, and the parser that reads it back with the field named on any error."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from advisor import __version__
from advisor.decision import Decision
from advisor.errors import RecordError
from advisor.inputs.knowledge import Knowledge
from advisor.inputs.limits import MAX_FRONT_MATTER_BYTES, MAX_FRONT_MATTER_DEPTH
from advisor.inputs.safe_text import clean, clip, one_line
from advisor.inputs.scenario import Option


def md(text: object) -> str:
    """Escape user or data text for a Markdown paragraph or table cell (no HTML, no layout)."""
    s = html.escape(str(text), quote=False)
    s = re.sub(r"\s*[\r\n]+\s*", " ", s)
    return re.sub(r"([\\`*_\[\]|#~>])", r"\\\1", s).strip()


def slug(text: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return s[:60].strip("-") or "decision"


_Name = Annotated[str, Field(max_length=200, pattern=r"^[^\x00-\x1f\x7f-\x9f]*$")]


_Money = Annotated[float, Field(ge=-1e30, le=1e30, allow_inf_nan=False)]



class RecordFigures(BaseModel):
    """One option's figures as the record wrote them."""

    model_config = ConfigDict(extra="forbid", strict=False)

    one_time_usd: _Money
    monthly_usd: _Money
    tco_usd: _Money
    breakeven_month: Annotated[int, Field(ge=0, le=10_000)] | None = None

    def __getitem__(self, key: str) -> float | int | None:
        return getattr(self, key)


class FrontMatter(BaseModel):
    """What a record keeps to be recomputed later (MADR 4 names; `deciders` read from older records)."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    title: Annotated[str, Field(max_length=1000)]
    status: _Name
    date: dt.date
    decision_makers: list[_Name] = Field(default=[], alias="decision-makers", max_length=100)
    consulted: list[_Name] = Field(default=[], max_length=100)
    informed: list[_Name] = Field(default=[], max_length=100)
    deciders: list[_Name] = Field(default=[], max_length=100, exclude=True)  # before MADR 4 names
    tool: _Name
    knowledge_as_of: dt.date
    recommendation: Option
    confidence: Literal["high", "medium", "low"]
    answers: dict[Annotated[str, Field(max_length=100)], Any] = Field(max_length=100)
    assumptions: dict[Annotated[str, Field(max_length=100)], Any] = Field(default={}, max_length=100)
    defaulted: list[Annotated[str, Field(max_length=100)]] = Field(default=[], max_length=100)
    rule_packs: list[Annotated[str, Field(max_length=4096)]] = Field(default=[], max_length=100)
    figures: dict[Option, RecordFigures]
    findings: list[Annotated[str, Field(pattern=r"^[a-z0-9_.-]+$", max_length=100)]] = Field(max_length=5000)
    supersedes: _Name | None = None

    @model_validator(mode="after")
    def _legacy_deciders(self) -> FrontMatter:
        if self.deciders and not self.decision_makers:
            object.__setattr__(self, "decision_makers", list(self.deciders))
        return self


def front_matter(decision: Decision, k: Knowledge, *, status: str, deciders: list[str], rule_packs: list[str], supersedes: str | None) -> dict[str, Any]:
    s = decision.scenario
    given = {n: v for n, v in s.answers.model_dump().items()}
    return {
        "title": f"Build or buy: {s.answers.use_case}",
        "status": status,
        "date": decision.today,
        "decision-makers": deciders,
        "consulted": [],
        "informed": [],
        "tool": f"buildbuy {__version__}",
        "knowledge_as_of": k.as_of,
        "recommendation": decision.option,
        "confidence": decision.confidence,
        "answers": given,
        "assumptions": dict(s.overrides),
        "defaulted": list(s.defaulted),
        "rule_packs": rule_packs,
        "figures": {
            o: {
                "one_time_usd": round(c.one_time_usd, 2),
                "monthly_usd": round(c.monthly_usd, 2),
                "tco_usd": round(c.tco_usd, 2),
                "breakeven_month": c.breakeven_month,
            }
            for o, c in decision.report.options.items()
        },
        "findings": [f.rule for f in decision.findings],
        **({"supersedes": supersedes} if supersedes else {}),
    }


_FENCE = re.compile(r"\A---\r?\n(.*?)\r?\n---\r?\n", re.S)


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors and aliases: a record never needs them, and an alias bomb
    (billion laughs) expands to gigabytes from a few hundred bytes."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            raise yaml.YAMLError("the front matter uses a YAML alias (*name); records never do")
        event = self.peek_event()
        if getattr(event, "anchor", None):
            raise yaml.YAMLError("the front matter uses a YAML anchor (&name); records never do")
        return super().compose_node(parent, index)


def parse_record(text: str, where: str = "record") -> FrontMatter:
    """Read a record's front matter; a missing or corrupt one raises RecordError saying what is wrong."""
    match = _FENCE.match(text[: MAX_FRONT_MATTER_BYTES + 16])
    if not match:
        if text.startswith("---") and len(text) > MAX_FRONT_MATTER_BYTES:
            raise RecordError(f"{where}: the front matter is longer than {MAX_FRONT_MATTER_BYTES:,} characters")
        raise RecordError(f"{where}: no YAML front matter (the file must start with a '---' block)")
    block = match.group(1)
    try:
        data = yaml.load(block, Loader=_NoAliasLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise RecordError(one_line(f"{where}: the front matter is not valid YAML: {exc}")) from None
    except RecursionError:
        raise RecordError(f"{where}: the front matter is nested too deeply") from None
    if not isinstance(data, dict):
        raise RecordError(f"{where}: the front matter is not a mapping of keys to values")
    from advisor.inputs.datafiles import describe_validation, too_deep

    deep = too_deep(data, MAX_FRONT_MATTER_DEPTH)
    if deep is not None:
        raise RecordError(f"{where}: front matter: {clip(clean(deep, newlines=False), 80)}: nested too deeply")
    try:
        return FrontMatter.model_validate(data)
    except ValidationError as exc:
        lines, seen = [], set()
        for err, line in zip(exc.errors(), describe_validation(f"{where}: front matter", exc), strict=True):
            key = err["loc"][0] if err["loc"] else ""
            if key not in seen:  # one line per front matter key, not one per list element
                seen.add(key)
                lines.append(line)
        raise RecordError(lines[:10]) from None


def set_status(text: str, status: str) -> str:
    """The record with a new status in its front matter and its Status line.

    Only the `status:` line changes: the rest of the front matter (comments included) stays as it
    was written."""
    match = _FENCE.match(text)
    if not match:
        raise RecordError("record has no front matter")
    line = "status: " + yaml.safe_dump(status, default_style='"').strip().removesuffix("\n...")
    block, count = re.subn(r"^status:.*$", lambda _: line, match.group(1), count=1, flags=re.M)
    if not count:
        block = block + "\n" + line
    head = "---\n" + block + "\n---\n"
    body = re.sub(r"^- Status: .*$", lambda _: f"- Status: {md(status)}", text[match.end():], count=1, flags=re.M)
    return head + body
