"""Provides the Decision: one frozen object every view reads, and its plan phases."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from advisor.costs import CostReport
from advisor.decision.search import FlipPoint, Searched
from advisor.inputs.scenario import OPTIONS, Option, Scenario

if TYPE_CHECKING:
    from advisor.decision.uncertainty import Uncertainty
from advisor.rulebase.base import Finding

Confidence = Literal["high", "medium", "low"]


BUILD_FAMILY: dict[Option, tuple[Option, ...]] = {
    "api": ("api",),
    "vendor-finetune": ("vendor-finetune",),
    "self-host": ("self-host", "hybrid"),
    "hybrid": ("hybrid",),
}


KEY_INPUTS = (
    "daily_requests", "input_tokens", "output_tokens", "labeled_examples", "examples_to_label",
    "api_accuracy", "finetuned_accuracy", "review_rate_api", "review_rate_finetuned",
    "requirements_volatility", "product_stage", "data_must_stay_in_house", "peak_to_average",
)


@dataclass(frozen=True)
class Phase:
    phase: int
    option: Option
    action: str
    until: str


@dataclass(frozen=True)
class Decision:
    """One decision, built complete: every view reads it, none recomputes it. The analysis
    (flip points, Monte Carlo) returns a new Decision rather than patching this one."""

    scenario: Scenario
    report: CostReport
    findings: tuple[Finding, ...]
    excluded_by: dict[Option, list[str]]
    scores: dict[Option, int]
    ranked: tuple[Option, ...]
    option: Option
    confidence: Confidence
    summary: str
    plan: tuple[Phase, ...]
    warnings: tuple[str, ...]
    today: dt.date
    tolerance_pct: float
    flip_points: tuple[FlipPoint, ...] = ()
    flip_search: tuple[Searched, ...] = ()
    uncertainty: Uncertainty | None = None

    def eligible(self, option: Option) -> bool:
        return not self.excluded_by[option]

    @property
    def runner_up(self) -> Option | None:
        """The closest eligible competitor: the next option by the same ranking."""
        others = [o for o in self.ranked if o != self.option]
        return others[0] if others else None

    @property
    def cheapest(self) -> Option:
        """The cheapest eligible option over the horizon (the cheapest of all if none is eligible)."""
        pool = [o for o in OPTIONS if self.eligible(o)] or list(OPTIONS)
        return min(pool, key=lambda o: (self.report.options[o].tco_usd, OPTIONS.index(o)))

    @property
    def strategic(self) -> bool:
        """True when leanings chose an option dearer than the cheapest eligible one."""
        return self.option != self.cheapest

    def advice(self) -> list[Finding]:
        """Advice that applies to the options in the plan."""
        planned = {p.option for p in self.plan}
        return [
            f
            for f in self.findings
            if f.kind == "advise" and (f.option is None or planned & set(BUILD_FAMILY[f.option]))
        ]
