"""Provides the decision record: MADR-style Markdown with YAML front matter, and its parser.

Pure: text in, text out. The front matter holds every answer and override, so `revisit` can
recompute the decision exactly; user text is escaped so it cannot break a table or inject HTML.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from advisor import __version__, cells
from advisor.assumptions import assumption_rows
from advisor.costs import COST_DRIVERS, ONE_TIME_KEYS
from advisor.decide import Decision, Finding
from advisor.errors import RecordError
from advisor.knowledge import Knowledge
from advisor.limits import MAX_FRONT_MATTER_BYTES, MAX_FRONT_MATTER_DEPTH
from advisor.money import usd
from advisor.safe_text import clean, clip, one_line
from advisor.scenario import OPTIONS, Option

OPTION_TITLES: dict[Option, str] = {
    "api": "Buy: a general vendor model through its API, with prompt engineering",
    "vendor-finetune": "Buy: a vendor-hosted fine-tuned model",
    "self-host": "Build: fine-tune an open 7B-class model and serve it on rented GPUs",
    "hybrid": "Build: an own fine-tuned model for the core domain, the vendor API for the rest and as fallback",
}
SHOWN_DERIVATIONS = (
    "api.inference_per_request", "api.inference", "api.review", "self-host.gpu_seconds_per_request",
    "self-host.capacity_per_gpu", "self-host.gpus", "self-host.always_on_serving", "self-host.on_demand_serving",
    "self-host.training_run", "self-host.training_one_time", "self-host.labeling", "self-host.review",
    "self-host.maintenance", "self-host.build_engineering", "self-host.eval_set", "self-host.build",
    "self-host.build_calendar_weeks", "self-host.bridge", "self-host.tco", "vendor-finetune.inference_per_request",
    "vendor-finetune.build", "vendor-finetune.bridge", "hybrid.inference",
)


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


def _table(head: list[str], rows: list[list[str]], align: str | None = None) -> list[str]:
    align = align or "l" + "r" * (len(head) - 1)
    sep = ["---" if a == "l" else "---:" for a in align]
    out = ["| " + " | ".join(head) + " |", "| " + " | ".join(sep) + " |"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def _chart_months(horizon: int) -> list[int]:
    step = 1 if horizon <= 24 else max(1, horizon // 24)
    months = list(range(step, horizon + 1, step))
    return months if months[-1] == horizon else months + [horizon]


def _chart(decision: Decision) -> list[str]:
    report = decision.report
    months = _chart_months(report.horizon_months)
    top = max(report.options[o].curve[-1] for o in OPTIONS)
    lines = [
        "```mermaid",
        "xychart-beta",
        '    title "Cumulative cost in USD (lines in order: ' + ", ".join(OPTIONS) + ')"',
        f"    x-axis \"month\" [{', '.join(str(m) for m in months)}]",
        f'    y-axis "USD" 0 --> {int(top * 1.05) + 1}',
    ]
    for option in OPTIONS:
        curve = report.options[option].curve
        lines.append(f"    line [{', '.join(str(round(curve[m - 1])) for m in months)}]")
    lines.append("```")
    table_months = sorted({m for m in (1, 3, 6, 12, 18, 24, 36, 48, 60, 120) if m <= report.horizon_months} | {report.horizon_months})
    rows = [[str(m)] + [usd(report.options[o].curve[m - 1]) for o in OPTIONS] for m in table_months]
    return lines + ["", *_table(["month", *OPTIONS], rows)]


def _finding_line(f: Finding) -> str:
    effect = "priced into the costs" if f.kind == "derive" else cells.effect(f.kind, f.option, f.weight)
    return f"- **{md(f.criterion)}**: {md(f.because)} *{effect}; rule `{f.rule}`; source: {md(f.source)}*"


def _lower_first(text: str) -> str:
    """'Staying on ...' -> 'staying on ...', but leave 'API ...' or 'OpenAI ...' alone."""
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return md(value)


def _pros_cons(decision: Decision, option: Option) -> list[str]:
    c = decision.report.options[option]
    lines = [f"### {option}", "", md(OPTION_TITLES[option]), ""]
    be = "" if option == "api" else (f", break-even in month {c.breakeven_month}" if c.breakeven_month else ", no break-even within the horizon")
    lines.append(f"- Cost: {usd(c.one_time_usd)} one-time, {usd(c.monthly_usd)} a month, {usd(c.tco_usd)} over {decision.report.horizon_months} months{be}")
    cheapest = decision.cheapest
    if decision.eligible(option) and option != cheapest:
        gap = c.tco_usd - decision.report.options[cheapest].tco_usd
        lines.append(f"- Bad: it costs {usd(gap)} more than {cheapest}, the cheapest eligible option")
    elif decision.eligible(option) and option == cheapest:
        lines.append("- Good: the cheapest eligible option over the horizon")
    for f in decision.findings:
        if f.kind == "lean" and f.option == option:
            lines.append(f"- {'Good' if f.weight > 0 else 'Bad'}, because {_lower_first(md(f.because))} (`{f.rule}`)")
    for rule in decision.excluded_by[option]:
        because = next((f.because for f in decision.findings if f.rule == rule), "")
        lines.append(f"- Ruled out: {md(because)} (`{rule}`)")
    return lines + [""]


def _uncertainty(decision: Decision) -> list[str]:
    unc = decision.uncertainty
    if unc is None:
        return []
    lines = ["### How sure, and what would change the answer", "", md(unc.summary_line()), ""]
    rows = []
    for o in OPTIONS:
        p10, p50, p90 = unc.tco_usd[o]
        be = unc.breakeven_month.get(o) if o != "api" else None
        be_text = "-" if be is None else " / ".join(cells.breakeven_percentile(v) for v in be)
        rows.append([
            o, f"{unc.win_probability[o] * 100:.1f} %", f"{unc.cheapest_probability[o] * 100:.1f} %",
            usd(p10), usd(p50), usd(p90), be_text,
        ])
    lines += _table(["option", "recommended", "cheapest", "TCO p10", "TCO p50", "TCO p90", "break-even month p10 / p50 / p90"], rows)
    lines += ["", f"Monte Carlo: {unc.samples:,} samples, seed {unc.seed}; {md(unc.distribution)}.", ""]
    if decision.flip_points:
        lines += ["Flip points (each input alone; the value past which the recommendation changes, checked on both sides):", ""]
        lines += _table(
            ["input", "direction", "value", "recommendation becomes"],
            [[f"`{fp.input}`", fp.direction, md(cells.flip_value(fp)), fp.to] for fp in decision.flip_points],
            "llrl",
        )
        lines.append("")
    elif decision.flip_search:
        lines += [md(cells.no_flip_sentence(decision.flip_search)), ""]
    if unc.tornado and unc.runner_up:
        lines += [
            f"Sensitivity of the TCO gap between {decision.option} and its closest eligible competitor, "
            f"{unc.runner_up} ({unc.runner_up} minus {decision.option}), to each input that moves either, largest first:",
            "",
        ]
        lines += _table(
            ["input", "low", "high", "gap at low", "gap at high"],
            [[f"`{r.input}`", f"{r.low:,.6g}", f"{r.high:,.6g}", usd(r.gap_at_low), usd(r.gap_at_high)] for r in unc.tornado[:10]],
        )
        lines.append("")
    return lines


def _math(decision: Decision) -> list[str]:
    lines = ["### Show the math", ""]
    for name in SHOWN_DERIVATIONS:
        d = decision.report.derivation(name)
        if d is None:
            continue
        inputs = ", ".join(f"{k} = {v:,.6g}" if isinstance(v, (int, float)) else f"{k} = {v}" for k, v in d.inputs.items())
        value = usd(d.value) if d.unit == "USD" else f"{d.value:,.6g} {d.unit}"
        lines.append(f"- `{name}` = {md(d.formula)} with {md(inputs)} = **{value}**")
    return lines + [""]


def render_record(
    decision: Decision, k: Knowledge, *, status: str = "proposed", deciders: list[str] | None = None,
    rule_packs: list[str] | None = None, supersedes: str | None = None, explanation: Any = None,
) -> str:
    a, report = decision.scenario.answers, decision.report
    fm = front_matter(decision, k, status=status, deciders=deciders or [], rule_packs=rule_packs or [], supersedes=supersedes)
    out = ["---", yaml.safe_dump(fm, sort_keys=False, allow_unicode=True).rstrip(), "---", ""]
    out += [f"# Build or buy: {md(a.use_case)}", ""]
    out += [f"- Status: {md(status)}", f"- Date: {decision.today.isoformat()}"]
    if deciders:
        out.append(f"- Deciders: {md(', '.join(deciders))}")
    out += [f"- Recommendation: **{decision.option}** ({decision.confidence} confidence)", ""]

    out += ["## Context and Problem Statement", ""]
    volume = f"{a.daily_requests:,} requests a day ({a.input_tokens:,} input / {a.output_tokens:,} output tokens each)"
    data = f"{a.labeled_examples:,} labeled examples on hand and {a.examples_to_label:,} still to label"
    out += [
        f"The use case *{md(a.use_case)}* ({md(a.industry)}, {md(a.product_stage)} stage) handles {volume}, with {data}. "
        f"Should we build (fine-tune an open model and serve it on rented GPUs) or buy (a vendor API or a vendor-hosted "
        f"fine-tune)? Costs are compared over {a.horizon_months} months.",
        "",
    ]

    out += ["## Decision Drivers", ""]
    drivers = [f for f in decision.findings if f.kind in {"lean", "exclude", "require"} or f.fact in COST_DRIVERS]
    drivers.sort(key=lambda f: (f.kind != "exclude", f.kind != "derive", -abs(f.weight)))
    out += ["- **Cost**: money first; the cheapest eligible option over the horizon is recommended unless the leanings "
            f"below favour another within {decision.tolerance_pct:g} % of it."]
    out += [_finding_line(f) for f in drivers]
    out.append("")

    out += ["## Considered Options", ""]
    out += [f"- **{o}**: {md(OPTION_TITLES[o])}" + ("" if decision.eligible(o) else " (ruled out)") for o in OPTIONS]
    out.append("")

    out += ["## Decision Outcome", ""]
    out += [f'Chosen option: **"{decision.option}"**, {decision.confidence} confidence. {md(decision.summary)}', ""]
    out += _table(
        ["phase", "option", "what", "until"],
        [[str(p.phase), p.option, md(p.action), md(p.until)] for p in decision.plan],
        "llll",
    )
    out += ["", "### Consequences", ""]
    chosen = report.options[decision.option]
    for other in OPTIONS:
        if other == decision.option or not decision.eligible(other):
            continue  # savings count only against options that could be chosen
        delta = report.options[other].tco_usd - chosen.tco_usd
        if delta >= 0:
            out.append(f"- Good: over {a.horizon_months} months it saves {usd(delta)} against {other} ({usd(chosen.tco_usd)} against {usd(report.options[other].tco_usd)}).")
        else:
            out.append(f"- Bad: over {a.horizon_months} months it costs {usd(-delta)} more than {other} ({usd(chosen.tco_usd)} against {usd(report.options[other].tco_usd)}).")
    for f in decision.findings:
        if f.kind == "lean" and f.option == decision.option:
            out.append(f"- {'Good' if f.weight > 0 else 'Bad'}: {md(f.because)}")
    if chosen.one_time_usd > 0:
        parts = ", ".join(name.replace("_", " ") for name in ONE_TIME_KEYS if chosen.breakdown.get(name))
        out.append(f"- Bad: {usd(chosen.one_time_usd)} is spent up front ({parts}) before any saving.")
    out.append("")
    advice = decision.advice()
    if advice:
        out += ["### Advice for carrying it out", ""]
        out += [f"- {md(f.because)} (`{f.rule}`)" for f in advice]
        out.append("")

    out += ["## Pros and Cons of the Options", ""]
    for option in OPTIONS:
        out += _pros_cons(decision, option)

    out += ["## More Information", "", "### Costs", ""]
    rows = []
    for o in OPTIONS:
        c = report.options[o]
        rows.append([
            o + (" (chosen)" if o == decision.option else "") + ("" if decision.eligible(o) else " (ruled out)"),
            usd(c.one_time_usd), usd(c.breakdown["build"]), usd(c.breakdown["bridge"]), usd(c.monthly_usd),
            cells.per_request(c.per_request_usd), usd(c.tco_usd), cells.breakeven(c, o == "api"),
        ])
    out += _table(["option", "one-time", "of it build", "of it bridge", "monthly", "per request", f"TCO ({a.horizon_months} months)", "break-even"], rows)
    out += ["", "TCO is the one-time costs plus the monthly run cost from launch; until launch the bridge pays for the workload.", ""]
    out += ["", "Cumulative cost by month:", ""] + _chart(decision) + [""]
    out += _uncertainty(decision)
    out += _math(decision)
    out += ["### Assumptions", "", "Answers left at their defaults, overrides, and every knowledge figure used:", ""]
    out += _table(
        ["name", "value", "kind", "source", "as of"],
        [[md(r.name), _cell(r.value), r.kind, md(r.source), r.as_of] for r in assumption_rows(decision, k)],
        "lllll",
    )
    out.append("")
    if decision.warnings:
        out += ["### Warnings", ""] + [f"- {md(w)}" for w in decision.warnings] + [""]
    if explanation is not None:
        from advisor.explain import record_lines  # heading, text, then any unverified-figures note

        out += record_lines(explanation, md)
    out += [
        "### Revisit",
        "",
        f"Recompute this record with today's knowledge and rules: `buildbuy revisit <this file>`. "
        f"Written by buildbuy {__version__}; knowledge as of {k.as_of.isoformat()}.",
        "",
    ]
    return "\n".join(out)


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
    from advisor.datafiles import describe_validation, too_deep

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
