"""Provides the written explanation: plain language built only from the engine's findings and
figures, for a named audience. It is what users see without an API key, or when the API fails."""

from __future__ import annotations

from advisor.costs.money import usd0
from advisor.decision import Decision, cells
from advisor.inputs.scenario import OPTIONS

AUDIENCES = ("engineering lead", "finance partner", "executive")


def _costs(decision: Decision) -> list[str]:
    """The same money story as the summary: the cost, the cheapest eligible option if it was
    passed over, the closest competitor, and the API only when it could be chosen."""
    r = decision.report
    chosen, api = r.options[decision.option], r.options["api"]
    lines = [
        f"- **{decision.option}**: {usd0(chosen.one_time_usd)} one-time (build {usd0(chosen.breakdown['build'])}, "
        f"bridge {usd0(chosen.breakdown['bridge'])}), then {usd0(chosen.monthly_usd)} a month, "
        f"{usd0(chosen.tco_usd)} over {r.horizon_months} months."
    ]
    cheapest = decision.cheapest
    if decision.option != cheapest:
        gap = chosen.tco_usd - r.options[cheapest].tco_usd
        lines.append(
            f"- {cheapest} is cheaper by {usd0(gap)}; {decision.option} is preferred within the "
            f"{decision.tolerance_pct:g} % strategic tolerance."
        )
    if decision.option != "api" and decision.eligible("api"):
        delta = api.tco_usd - chosen.tco_usd
        be = f"it breaks even in month {chosen.breakeven_month}" if chosen.breakeven_month else "it does not break even within the horizon"
        lines.append(
            f"- Against the API ({usd0(api.tco_usd)}) it {'saves' if delta >= 0 else 'costs an extra'} {usd0(abs(delta))}; {be}."
        )
    runner = decision.runner_up
    if runner and not (decision.strategic and runner == cheapest):  # already named above
        lines.append(f"- The closest eligible competitor, {runner}, would cost {usd0(r.options[runner].tco_usd)}.")
    return lines


def written_explanation(decision: Decision, audience: str = "engineering lead") -> str:
    leaning = sorted(
        (f for f in decision.findings if f.kind == "lean" and f.option == decision.option and f.weight > 0),
        key=lambda f: -f.weight,
    )
    against = [f for f in decision.findings if f.kind == "lean" and f.option == decision.option and f.weight < 0]
    excluded = [o for o in OPTIONS if decision.excluded_by[o]]
    unc = decision.uncertainty
    out = [f"**Recommendation: {decision.option}** ({decision.confidence} confidence)."]
    if audience == "executive":
        reason = (leaning[0].because if leaning else "it is the cheapest eligible option") if decision.strategic else (
            "it is the cheapest eligible option over the horizon"
        )
        out.append(f"The main reason: {reason}")
        out += _costs(decision)[:2]
        if unc is not None:
            out.append(unc.summary_line())
        return "\n\n".join(out[:2]) + "\n\n" + "\n".join(out[2:]) + "\n"
    out.append("")
    if audience == "finance partner":
        out.append("**What it costs**")
        out += _costs(decision)
        out.append("")
        if unc is not None:
            p10, p50, p90 = unc.tco_usd[decision.option]
            out.append(
                f"Across plausible futures its {decision.report.horizon_months}-month cost ranges from {usd0(p10)} (p10) "
                f"to {usd0(p90)} (p90), median {usd0(p50)}. {unc.summary_line()}"
            )
            out.append("")
    out.append("**Why**")
    if not decision.strategic:
        out.append("- It is the cheapest eligible option over the horizon.")
    out += [f"- {f.because}" for f in leaning[:4]]
    if against:
        out += ["", "**What speaks against it**"] + [f"- {f.because}" for f in against[:3]]
    if excluded:
        out += ["", "**Ruled out**"]
        for option in excluded:
            rule = decision.excluded_by[option][0]
            because = next((f.because for f in decision.findings if f.rule == rule), rule)
            out.append(f"- {option}: {because}")
    out += ["", "**Plan**"] + [f"{p.phase}. {p.option}: {p.action} Until {p.until}." for p in decision.plan]
    if audience == "engineering lead":
        out += ["", "**Costs**"] + _costs(decision)
        advice = decision.advice()[:4]
        if advice:
            out += ["", "**Watch out for**"] + [f"- {f.because}" for f in advice]
        if decision.flip_points:
            fp = decision.flip_points[0]
            out += ["", f"The answer changes when {cells.flip(fp)}."]
        elif decision.flip_search:
            out += ["", cells.no_flip_sentence(decision.flip_search)]
    return "\n".join(out) + "\n"
