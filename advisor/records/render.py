"""Provides the decision record: MADR 4 Markdown rendered from a Decision. Pure: text out; user text is
escaped so it cannot break a table or inject HTML."""

from __future__ import annotations

from typing import Any

import yaml

from advisor import __version__
from advisor.costs import COST_DRIVERS, ONE_TIME_KEYS
from advisor.costs.money import usd
from advisor.decision import Decision, Finding, cells
from advisor.inputs.knowledge import Knowledge
from advisor.inputs.scenario import OPTIONS, Option
from advisor.records.front_matter import front_matter, md
from advisor.views.assumptions import assumption_rows

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
    return f"- **{md(f.title or f.criterion)}**: {md(f.because)} *{effect}; rule `{f.rule}`; source: {md(f.source)}*"


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
        from advisor.llm.explain import record_lines  # heading, text, then any unverified-figures note

        out += record_lines(explanation, md)
    out += [
        "### Revisit",
        "",
        f"Recompute this record with today's knowledge and rules: `buildbuy revisit <this file>`. "
        f"Written by buildbuy {__version__}; knowledge as of {k.as_of.isoformat()}.",
        "",
    ]
    return "\n".join(out)
