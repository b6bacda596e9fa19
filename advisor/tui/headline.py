"""Provides the result's first screen for a finance reader: what the recommendation costs, against
which option, and why, in money and plain words. Plain functions over a Decision, no textual."""

from __future__ import annotations

import re
from typing import Any

from advisor.costs.money import usd0
from advisor.inputs.knowledge import Knowledge
from advisor.interview.flow import label_of, number, show

TITLES = {
    "api": "the vendor API",
    "vendor-finetune": "a vendor-hosted fine-tune",
    "self-host": "a self-hosted fine-tuned model",
    "hybrid": "hybrid (self-hosted model plus the API)",
}
REVIEW_SHARE = 0.5  # above this share of every option's monthly cost, review is the story


def signed_usd(x: float) -> str:
    """-67120 -> '-$67,120' (never '$-67,120')."""
    return ("-" if x < 0 else "") + usd0(abs(x))


def title(option: str) -> str:
    return TITLES.get(option, option)


def closest_option(d: Any) -> str | None:
    """The eligible competitor to compare with: the decision's runner-up when it is eligible,
    else the eligible option whose total cost is nearest the recommendation's."""
    runner = getattr(d, "runner_up", None)
    if runner and runner != d.option and d.eligible(runner):
        return str(runner)
    mine = d.report.options[d.option].tco_usd
    others = [o for o in d.report.options if o != d.option and d.eligible(o)]
    return min(others, key=lambda o: abs(d.report.options[o].tco_usd - mine)) if others else None


def cost_line(d: Any) -> str:
    """'$12,300 a month; $295,000 over 24 months, $40,000 of it one-time.'"""
    c = d.report.options[d.option]
    months = d.report.horizon_months
    return f"{usd0(c.monthly_usd)} a month; {usd0(c.tco_usd)} over {months} months, {usd0(c.one_time_usd)} of it one-time."


def money_line(d: Any) -> str:
    """The recommendation against the closest eligible option, in money."""
    other = closest_option(d)
    if other is None:
        return _against_ruled_out(d)
    mine, theirs = d.report.options[d.option], d.report.options[other]
    months = d.report.horizon_months
    gap = mine.tco_usd - theirs.tco_usd
    monthly = theirs.monthly_usd - mine.monthly_usd
    if abs(gap) < 0.5:
        line = f"Costs the same as {title(other)} over {months} months"
    elif gap > 0:
        line = f"{usd0(gap)} more than {title(other)} over {months} months"
    else:
        line = f"Saves {usd0(-gap)} against {title(other)} over {months} months"
    if monthly >= 0.5 and gap > 0:
        line += f", though it saves {usd0(monthly)} a month once running"
    elif monthly <= -0.5 and gap < 0:
        line += f", though it costs {usd0(-monthly)} a month more once running"
    elif abs(monthly) >= 0.5:
        line += f" ({usd0(abs(monthly))} a month {'less' if monthly > 0 else 'more'})"
    return line + "."


def _against_ruled_out(d: Any) -> str:
    """With nothing else eligible, what the rules cost: the gap to the cheapest ruled-out option."""
    others = [o for o in d.report.options if o != d.option]
    if not others:
        return "There is no other option to compare it with."
    cheapest = min(others, key=lambda o: d.report.options[o].tco_usd)
    gap = d.report.options[d.option].tco_usd - d.report.options[cheapest].tco_usd
    months = d.report.horizon_months
    if gap > 0:
        return (
            f"The only eligible option: {usd0(gap)} more over {months} months than {title(cheapest)}, "
            "which is ruled out."
        )
    return f"The only eligible option, and no dearer than {title(cheapest)} (ruled out) over {months} months."


def effect(f: Any, short: bool = False) -> str:
    """A finding's effect in words: 'favours the vendor API (+2)', 'rules out hybrid'."""
    target = (f.option if short else title(f.option)) if f.option else "every option"
    if f.kind == "lean":
        verb = "favours" if f.weight >= 0 else "counts against"
        return f"{verb} {target} ({f.weight:+d})"
    if f.kind == "exclude":
        return f"rules out {target}"
    if f.kind == "require":
        return f"requires {target}"
    if f.kind == "advise":
        return "advice" + (f" for {target}" if f.option else "")
    return f.kind


def review_warning(d: Any) -> str | None:
    """Expert review dominating every eligible option's monthly cost: then the review rate, not
    the option, decides the bill."""
    shares = []
    for option, c in d.report.options.items():
        if d.eligible(option) and c.monthly_usd > 0:
            shares.append(c.breakdown.get("review", 0.0) / c.monthly_usd)
    if shares and min(shares) > REVIEW_SHARE:
        return (
            f"Expert review is {min(shares) * 100:.0f} % or more of the monthly cost of every option: "
            "the review rate moves the bill more than the choice of option."
        )
    return None


def biggest_warning(d: Any) -> str | None:
    return review_warning(d) or (d.warnings[0] if d.warnings else None)


_ID = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
_RULE_IDS = re.compile(r" ?\((?:[a-z0-9_-]+\.[a-z0-9_.-]+(?:, )?)+\)")


def humanize(text: str, k: Knowledge) -> str:
    """Answer ids in engine text become their labels: 'labeled_examples >= 1,000' reads
    'labeled examples on hand ≥ 1,000'."""
    def label(match: re.Match[str]) -> str:
        name = match.group(0)
        return label_of(k, name).lower() if name in k.answers else name

    text = _RULE_IDS.sub("", text)
    text = re.sub(r" \(([a-z_]+)\)", lambda m: "" if m.group(1) in k.answers else m.group(0), text)  # '(daily_requests)'
    text = _ID.sub(label, text)
    return text.replace(">=", "≥").replace("<=", "≤")


def ids_for_labels(question: str, k: Knowledge) -> str:
    """'what if requests a day = 300k' -> 'what if daily_requests = 300k': people type the labels
    they read; the follow-up tools know answers by id."""
    for name, spec in sorted(k.answers.items(), key=lambda item: -len(item[1].label)):
        if spec.label:
            question = re.sub(rf"\b{re.escape(spec.label)}\b", name, question, flags=re.I)
    return question


def assumption_name(name: str, k: Knowledge) -> str:
    return label_of(k, name) if name in k.answers else name.replace("_", " ")


def assumption_value(name: str, value: Any, k: Knowledge) -> str:
    spec = k.answers.get(name)
    if spec is not None:
        return show(spec, value, unit=True)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        figure = k.figures.get(name)
        unit = f" {figure.unit}" if figure is not None and figure.unit else ""
        return f"{number(value)}{unit}"
    return str(value)


GLOSSARY = {
    "lora": "LoRA: fine-tuning that trains a small add-on instead of the whole model, which is much cheaper.",
    "fte": "FTE: full-time equivalent; half a person's time is 0.5 FTE.",
    "token": "Token: the unit vendors bill by, about three quarters of a word.",
    "peak": "Peak-to-average: how much busier the busiest hour is than an average hour.",
}


def glossary(*texts: object) -> list[str]:
    """One-line explanations of the jargon in `texts`, each once."""
    joined = " ".join(str(t) for t in texts).lower()
    return [line for word, line in GLOSSARY.items() if re.search(rf"\b{word}", joined)]


def flip_lines(d: Any, k: Knowledge) -> list[str]:
    """What would change the answer, one line per flip point, with units."""
    lines = []
    for fp in d.flip_points:
        spec = k.answers.get(fp.input)
        if spec is not None:
            value = show(spec, int(fp.value) if spec.type == "int" else fp.value, unit=True)
            name = label_of(k, fp.input)
        else:
            figure = k.figures.get(fp.input)
            unit = f" {figure.unit}" if figure is not None and figure.unit else ""
            value, name = f"{number(fp.value)}{unit}", fp.input.replace("_", " ")
        how = "is" if fp.direction == "equals" else fp.direction
        lines.append(f"{name} {how} {value}: {title(fp.to)} instead")
    return lines
