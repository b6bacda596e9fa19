"""Provides the plain-text view of a Decision for `buildbuy decide` (no terminal library needed)."""

from __future__ import annotations

from advisor.costs.money import usd
from advisor.decision import Decision, cells
from advisor.inputs.scenario import OPTIONS


def options_table(decision: Decision) -> list[str]:
    head = ("option", "eligible", "one-time", "build + bridge", "monthly", "per request", "TCO", "break-even")
    rows = [head]
    for option in OPTIONS:
        c = decision.report.options[option]
        rows.append(
            (
                option + (" *" if option == decision.option else ""),
                "yes" if decision.eligible(option) else "no: " + ", ".join(decision.excluded_by[option]),
                usd(c.one_time_usd),
                usd(c.breakdown["build"] + c.breakdown["bridge"]),
                usd(c.monthly_usd),
                cells.per_request(c.per_request_usd),
                usd(c.tco_usd),
                cells.breakeven(c, option == "api"),
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    lines = []
    for n, row in enumerate(rows):
        padded = [row[0].ljust(widths[0]), row[1].ljust(widths[1])] + [
            cell.rjust(width) for cell, width in zip(row[2:], widths[2:], strict=True)
        ]
        lines.append("  ".join(padded).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines


def serving_notes(decision: Decision) -> list[str]:
    """Where the build path runs and how each fine-tune is billed, with the reason."""
    own = decision.report.options["self-host"].detail
    vendor = decision.report.options["vendor-finetune"].detail
    notes = [f"  self-host serves on {own.get('gpus')} x {own.get('gpu')}: {own.get('hosting_reason')}."]
    if vendor.get("offer"):
        notes.append(f"  vendor-finetune uses {vendor['offer']}, billed {vendor.get('billed')}.")
    return notes


def render_text(decision: Decision) -> str:
    a = decision.scenario.answers
    out = [
        f"buildbuy: {a.use_case}",
        "",
        f"Recommendation: {decision.option} ({decision.confidence} confidence)",
        "",
        decision.summary,
        "",
        "Plan:",
    ]
    out += [f"  {p.phase}. {p.option}: {p.action} Until: {p.until}." for p in decision.plan]
    out += ["", f"Options over {a.horizon_months} months (* recommended; TCO counts the run cost from launch, after the build):", *options_table(decision)]
    out += serving_notes(decision)
    leans = [f for f in decision.findings if f.kind in {"lean", "exclude", "require"}]
    if leans:
        out += ["", "Findings:"]
        for f in sorted(leans, key=lambda f: (f.kind != "exclude", -abs(f.weight))):
            out.append(f"  {f.name} [{f.rule}] {cells.effect(f.kind, f.option, f.weight)}: {f.because}")
    advice = decision.advice()
    if advice:
        out += ["", "Advice:"] + [f"  - {f.because} [{f.rule}]" for f in advice]
    if decision.flip_points:
        out += ["", "What would change the answer (each input alone, verified on both sides):"]
        out += [f"  - {cells.flip(fp)}" for fp in decision.flip_points]
    elif decision.flip_search:
        out += ["", "What would change the answer:", "  " + cells.no_flip_sentence(decision.flip_search)]
    defaulted = decision.scenario.defaulted
    if defaulted:
        out += ["", f"Defaults used for {len(defaulted)} answer(s): {', '.join(defaulted)}"]
    if decision.warnings:
        out += ["", "Warnings:"] + [f"  ! {w}" for w in decision.warnings]
    return "\n".join(out) + "\n"
