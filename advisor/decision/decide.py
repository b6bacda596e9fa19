"""Provides decide(): the Decision built complete, with its plan and its summary in money, and
with_analysis() that returns a new Decision carrying the uncertainty analysis."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import replace
from typing import TYPE_CHECKING

from advisor.costs import FINETUNED, CostReport
from advisor.costs.money import usd0
from advisor.decision.search import FlipPoint, Searched, numeric_flip
from advisor.inputs.knowledge import Knowledge, stale_warning
from advisor.inputs.scenario import OPTIONS, Option, Scenario

if TYPE_CHECKING:
    from advisor.decision.uncertainty import Uncertainty
from advisor.decision.evaluate import Evaluation, chooser, confidence, evaluate, margin_pct, tolerance_pct
from advisor.decision.model import KEY_INPUTS, Confidence, Decision, Phase
from advisor.rulebase.base import Finding, RuleBase


def _nice_ceiling(x: float) -> int:
    """Round up to two significant digits, so a trigger reads 41,000 rather than 40,712."""
    if x <= 0:
        return 0
    step = 10 ** max(int(math.floor(math.log10(x))) - 1, 0)
    return int(math.ceil(x / step) * step)


def _floor(scenario: Scenario, k: Knowledge) -> int:
    return int(float(scenario.overrides.get("data_floor_examples", k.figure_value("data_floor_examples"))))


def _weeks(weeks: float) -> str:
    return f"about {max(1, round(weeks))} week{'s' if round(weeks) > 1 else ''}"


def _plan(ev: Evaluation, option: Option, scenario: Scenario, k: Knowledge, rules: RuleBase, today: dt.date) -> list[Phase]:
    a = scenario.answers
    horizon = f"end of the {a.horizon_months}-month horizon; revisit the record before then"
    floor = _floor(scenario, k)
    data_short = a.labeled_examples + a.examples_to_label < floor
    if option == "api":
        choose = chooser(scenario, k, rules, today)
        flip = numeric_flip(choose, scenario, k, "daily_requests", "above", "api")
        if flip is None:
            return [Phase(1, "api", "Call the vendor API with prompt engineering.", horizon)]
        volume = int(flip.value)
        nice = _nice_ceiling(volume)
        if nice != volume and choose({"daily_requests": nice}) == flip.to:
            volume = nice
        until = f"daily_requests >= {volume:,}"
        if flip.to in FINETUNED and a.labeled_examples < floor:
            until = f"labeled_examples >= {floor:,} and {until}"
        return [
            Phase(1, "api", "Call the vendor API with prompt engineering; log calls and label examples as you go.", until),
            Phase(2, flip.to, f"Build and move to {flip.to} once the triggers hold.", horizon),
        ]
    if option not in FINETUNED:
        return [Phase(1, option, f"Launch {option}.", horizon)]
    cost = ev.report.options[option]
    weeks = float(cost.detail.get("build_weeks", 0.0))
    until = f"{option} is built and evaluated ({_weeks(weeks)})"
    label = f" and label examples up to {floor:,}" if data_short and not a.has_api_logs else ""
    if data_short and a.has_api_logs:
        label = f" and distil API logs into {floor:,}+ training examples"
    if data_short:
        until = f"labeled_examples >= {floor:,} and {until}"
    if not ev.excluded["api"] and not a.data_must_stay_in_house:
        first = Phase(1, "api", f"Call the vendor API while {option} is built{label}.", until)
    else:
        first = Phase(1, "self-host", f"Serve an open 7B-class base model in house with prompting while the fine-tune is built{label}.", until)
    return [first, Phase(2, option, f"Launch the fine-tuned {option}; keep the evaluation set as the release gate.", horizon)]


def _pct(part: float, whole: float) -> str:
    return f"{part / whole * 100:.0f} %" if whole > 0 else "-"


def summarise(
    option: Option, confidence_: Confidence, ranked: list[Option] | tuple[Option, ...], findings: list[Finding] | tuple[Finding, ...],
    report: CostReport, excluded: dict[Option, list[str]], plan: list[Phase] | tuple[Phase, ...], tolerance: float,
    uncertainty: Uncertainty | None = None,
) -> str:
    """The recommendation in money: what it costs, against the closest eligible option and the
    API, why a dearer option was preferred (if it was), what is ruled out, the plan."""
    horizon = report.horizon_months
    c = report.options[option]
    eligible = [o for o in OPTIONS if not excluded[o]]
    cheapest = min(eligible or list(OPTIONS), key=lambda o: (report.options[o].tco_usd, OPTIONS.index(o)))
    runner = next((o for o in ranked if o != option), None)
    parts = [f"Recommend {option} ({confidence_} confidence): {usd0(c.tco_usd)} over {horizon} months"]
    if c.one_time_usd > 0:
        once = f"{usd0(c.one_time_usd)} one-time"
        bits = [f"build {usd0(c.breakdown['build'])}" if c.breakdown.get("build") else "",
                f"API bill while building {usd0(c.breakdown['bridge'])}" if c.breakdown.get("bridge") else ""]
        bits = [b for b in bits if b]
        parts[0] += f" ({once}{' incl. ' + ' and '.join(bits) if bits else ''}, then {usd0(c.monthly_usd)} a month)."
    else:
        parts[0] += f" ({usd0(c.monthly_usd)} a month)."
    if option != cheapest:
        gap = c.tco_usd - report.options[cheapest].tco_usd
        reasons = sorted((f for f in findings if f.kind == "lean" and f.option == option and f.weight > 0), key=lambda f: -f.weight)
        why = " ".join(f.because for f in reasons[:2]) or "the leanings favour it."
        parts.append(
            f"{cheapest} is {usd0(gap)} ({_pct(gap, c.tco_usd)}) cheaper; {option} is preferred within the "
            f"{tolerance:g} % strategic tolerance because: {why}"
        )
    elif runner is not None:
        gap = report.options[runner].tco_usd - c.tco_usd
        parts.append(f"It is the cheapest eligible option: {runner}, the closest, costs {usd0(gap)} ({_pct(gap, c.tco_usd)}) more.")
    else:
        parts.append("It is the only eligible option.")
    api = report.options["api"]
    if option != "api" and not excluded["api"]:
        delta = api.tco_usd - c.tco_usd
        be = f"break-even in month {c.breakeven_month}" if c.breakeven_month else "no break-even within the horizon"
        if delta >= 0:
            parts.append(f"Against the API it saves {usd0(delta)} over {horizon} months ({be}).")
        else:
            parts.append(f"Against the API it costs {usd0(-delta)} more over {horizon} months ({be}).")
    against = [f for f in findings if f.kind == "lean" and f.option == option and f.weight < 0]
    if against:
        parts.append("Against it: " + against[0].because)
    out = [o for o in OPTIONS if excluded[o]]
    if out:
        parts.append("Ruled out: " + ", ".join(f"{o} ({', '.join(excluded[o])})" for o in out) + ".")
    if len(plan) > 1:
        parts.append(f"Plan: {plan[0].option} now; move to {plan[1].option} when {plan[0].until}.")
    if uncertainty is not None:
        parts.append(uncertainty.headline)
    return " ".join(parts)


def _api_price_age(report: CostReport, k: Knowledge, today: dt.date) -> list[str]:
    detail = report.options["api"].detail
    model, checked = str(detail.get("model")), str(detail.get("price_verified") or "")
    if not checked:
        return []
    limit = int(k.figure_value("stale_after_days") or 180)
    if (today - dt.date.fromisoformat(checked)).days <= limit:
        return []
    return [
        f"The {model} price in genai-prices was last verified on {checked}, over {limit} days ago: "
        "upgrade genai-prices or set api_input_usd_per_mtok / api_output_usd_per_mtok in [assumptions]."
    ]


def decide(scenario: Scenario, k: Knowledge, rules: RuleBase, today: dt.date) -> Decision:
    ev = evaluate(scenario, k, rules, today)
    report, findings, excluded, scores, ranked = ev.report, ev.findings, ev.excluded, ev.scores, list(ev.ranked)
    warnings = list(report.warnings)
    if not ranked:
        # Every option excluded (a policy pack can do that): fall back to the cheapest, loudly.
        ranked = sorted(OPTIONS, key=lambda o: (report.options[o].tco_usd, OPTIONS.index(o)))
        warnings.append("Every option is excluded by some rule; showing the cheapest. Check the rule packs.")
    option = ranked[0]
    runner = ranked[1] if len(ranked) > 1 else None
    defaults = sum(1 for name in KEY_INPUTS if name in scenario.defaulted)
    conf = confidence(margin_pct(option, runner, report), None, defaults)
    plan = _plan(ev, option, scenario, k, rules, today)
    stale = stale_warning(k, today, set(report.used))
    if stale:
        warnings.append(stale)
    warnings += _api_price_age(report, k, today)
    tolerance = tolerance_pct(scenario, k)
    summary = summarise(option, conf, ranked, findings, report, excluded, plan, tolerance)
    return Decision(
        scenario, report, tuple(findings), excluded, scores, tuple(ranked), option, conf, summary, tuple(plan),
        tuple(warnings), today, tolerance,
    )


def with_analysis(
    decision: Decision, flip_points: list[FlipPoint], searched: list[Searched], uncertainty: Uncertainty
) -> Decision:
    """A new Decision carrying the analysis, with confidence and summary recomputed from it."""
    defaults = sum(1 for name in KEY_INPUTS if name in decision.scenario.defaulted)
    share = uncertainty.win_probability.get(decision.option) if uncertainty.samples else None
    conf = confidence(margin_pct(decision.option, decision.runner_up, decision.report), share, defaults)
    summary = summarise(
        decision.option, conf, decision.ranked, decision.findings, decision.report, decision.excluded_by,
        decision.plan, decision.tolerance_pct, uncertainty,
    )
    return replace(
        decision, flip_points=tuple(flip_points), flip_search=tuple(searched), uncertainty=uncertainty,
        confidence=conf, summary=summary,
    )
