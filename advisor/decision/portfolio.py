"""Provides the portfolio: many use cases decided in one process, then a shared platform priced
for the ones that are cheaper on it. Pure: decisions in, a Portfolio out.

Fine-tuned use cases can run as LoRA adapters on one base model (multi-LoRA serving): they share
GPUs sized for their combined peak load, one build-out of the serving platform, one on-call rota
and a maintenance team that grows with the square root of the members. Each member still pays its
own data, training, evaluation set, compliance review and human review. A use case joins only when
that lowers the portfolio's total; the platform's cost is shared by each member's GPU load.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from advisor.costs import DAYS_PER_MONTH, HOURS_PER_MONTH, SECONDS_PER_DAY, platform_offer, serving_seconds
from advisor.decision import Decision
from advisor.inputs.knowledge import Knowledge
from advisor.inputs.scenario import Scenario

SCHEMA = "buildbuy.portfolio/1"


@dataclass(frozen=True)
class Member:
    """What one use case pays on the platform, apart from its share of the platform."""

    index: int
    own_one_time: float
    own_monthly: float
    load: float  # GPU-seconds per second at its peak, on the platform's GPU
    latency_sensitive: bool
    horizon: int
    adapter_weeks: float  # its own build: data pipeline, training and evaluation, no serving set-up


@dataclass(frozen=True)
class Platform:
    members: tuple[int, ...]  # indices into Portfolio.use_cases
    gpu: str
    gpus: int
    usd_per_gpu_hour: float
    hosting_reason: str
    one_time_usd: float
    monthly_usd: float
    build_months: float
    breakeven_month: int | None
    shares: tuple[float, ...]  # each member's TCO on the platform (its own costs and its share)


@dataclass(frozen=True)
class Placement:
    file: str
    decision: Decision
    on_platform: bool
    tco_usd: float  # standalone TCO, or the allocated TCO on the platform

    @property
    def option(self) -> str:
        return "self-host" if self.on_platform else self.decision.option


@dataclass(frozen=True)
class Portfolio:
    use_cases: tuple[Placement, ...]
    platform: Platform | None
    failures: tuple[tuple[str, str], ...]  # (file, message) of every file that could not be decided

    @property
    def standalone_tco_usd(self) -> float:
        return sum(p.decision.report.options[p.decision.option].tco_usd for p in self.use_cases)

    @property
    def portfolio_tco_usd(self) -> float:
        return sum(p.tco_usd for p in self.use_cases)

    @property
    def all_api_tco_usd(self) -> float:
        return sum(p.decision.report.options["api"].tco_usd for p in self.use_cases)


def _fig(scenario: Scenario, k: Knowledge, name: str) -> float:
    return float(scenario.overrides.get(name, k.figure_value(name)))


def _member(index: int, d: Decision, k: Knowledge, gpu: str) -> Member:
    """A use case's own costs on the platform, from its standalone self-host pricing: the serving,
    the serving build-out and the maintenance team move to the platform; the rest stays its own."""
    s, a = d.scenario, d.scenario.answers
    own = d.report.options["self-host"]
    parts = {x.name: x.value for x in own.derivations}
    premium = _fig(s, k, "contractor_premium") if "no_ml_owner" in d.report.drivers else 1.0
    weekly = _fig(s, k, "ml_engineer_usd_per_year") / 52 * premium
    adapter_weeks = _fig(s, k, "build_weeks_vendor_finetune")
    compliance = own.breakdown["build"] - parts["build_engineering"] - parts["eval_set"]
    one_time = own.breakdown["labeling"] + own.breakdown["training_one_time"] + parts["eval_set"] + compliance
    one_time += adapter_weeks * weekly
    monthly = own.breakdown["review"] + own.breakdown["training"]
    load = a.daily_requests / SECONDS_PER_DAY * a.peak_to_average * serving_seconds(s, k, gpu)
    return Member(index, one_time, monthly, load, a.latency_sensitive, a.horizon_months, adapter_weeks)


def _launch_months(d: Decision, k: Knowledge, member: Member, platform_months: float) -> float:
    """A member goes live when both its own build and the platform are ready."""
    s = d.scenario
    team = min(max(s.answers.ml_engineers, 1.0), _fig(s, k, "build_team_max"))
    gap = float(d.report.options["self-host"].detail.get("build_weeks", 0.0)) - _fig(s, k, "build_weeks_self_host") / team
    weeks = member.adapter_weeks / team + max(gap, 0.0)
    return max(weeks * 7 / DAYS_PER_MONTH, platform_months)


def price_platform(decisions: list[Decision], members: list[Member], k: Knowledge) -> Platform:
    first = decisions[members[0].index]
    in_house = any(decisions[m.index].scenario.answers.data_must_stay_in_house for m in members)
    offer, usd_hour, why = platform_offer(first.scenario, k, in_house)
    s = first.scenario
    util = _fig(s, k, "serving_utilization") / (1 + _fig(s, k, "multi_lora_overhead"))
    floor = int(_fig(s, k, "ha_gpus")) if any(m.latency_sensitive for m in members) else 1
    gpus = max(floor, math.ceil(sum(m.load for m in members) / util - 1e-9))
    yearly = _fig(s, k, "ml_engineer_usd_per_year")
    fte = _fig(s, k, "maintenance_fte_self_host") * math.sqrt(len(members)) + _fig(s, k, "maintenance_fte_per_gpu") * gpus
    fte += _fig(s, k, "oncall_fte") if any(m.latency_sensitive for m in members) else 0.0
    monthly = gpus * usd_hour * HOURS_PER_MONTH + fte * yearly / 12
    serving_weeks = _fig(s, k, "build_weeks_self_host") - _fig(s, k, "build_weeks_vendor_finetune")
    one_time = serving_weeks * yearly / 52
    team = min(max(s.answers.ml_engineers, 1.0), _fig(s, k, "build_team_max"))
    build_months = serving_weeks / team * 7 / DAYS_PER_MONTH
    total_load = sum(m.load for m in members) or 1.0
    shares, cumulative_own, cumulative_api = [], [], []
    for m in members:
        d = decisions[m.index]
        launch = _launch_months(d, k, m, build_months)
        api = d.report.options["api"]
        bridge = (api.monthly_usd if not d.scenario.answers.data_must_stay_in_house else m.own_monthly) * min(launch, m.horizon)
        share = m.load / total_load
        run = max(0.0, m.horizon - launch)
        platform_part = share * (one_time + monthly * max(0.0, m.horizon - build_months))
        shares.append(m.own_one_time + bridge + m.own_monthly * run + platform_part)
        cumulative_own.append((m.own_one_time + bridge + share * one_time, m.own_monthly, launch, share))
        cumulative_api.append(api)
    horizon = max(m.horizon for m in members)
    breakeven = None
    for month in range(1, horizon + 1):
        ours = sum(o + mo * max(0.0, month - launch) + share * monthly * max(0.0, month - build_months)
                   for o, mo, launch, share in cumulative_own)
        theirs = sum(api.cumulative(month) for api in cumulative_api)
        if ours <= theirs + 1e-6:
            breakeven = month
            break
    return Platform(
        tuple(m.index for m in members), offer.gpu, gpus, usd_hour, why, one_time, monthly, build_months, breakeven,
        tuple(shares),
    )


def build_portfolio(decisions: list[tuple[str, Decision]], k: Knowledge, failures: list[tuple[str, str]]) -> Portfolio:
    """Place every use case: on the shared platform when that lowers the total, else standalone."""
    ds = [d for _, d in decisions]
    candidates = [i for i, d in enumerate(ds) if d.eligible("self-host")]
    platform: Platform | None = None
    if len(candidates) >= 2:
        gpu = platform_offer(ds[candidates[0]].scenario, k, any(ds[i].scenario.answers.data_must_stay_in_house for i in candidates))[0].gpu
        members = {i: _member(i, ds[i], k, gpu) for i in candidates}
        chosen = list(candidates)

        def total(group: list[int]) -> float:
            if len(group) < 2:
                return sum(ds[i].report.options[ds[i].option].tco_usd for i in candidates)
            priced = price_platform(ds, [members[i] for i in group], k)
            outside = sum(ds[i].report.options[ds[i].option].tco_usd for i in candidates if i not in group)
            return sum(priced.shares) + outside

        best = total(chosen)
        while len(chosen) >= 2:  # drop, one at a time, the member whose leaving lowers the total most
            trials = [(total([j for j in chosen if j != i]), i) for i in chosen]
            lowest, leaver = min(trials)
            if lowest >= best - 1e-6:
                break
            best, chosen = lowest, [j for j in chosen if j != leaver]
        if len(chosen) >= 2:
            platform = price_platform(ds, [members[i] for i in chosen], k)
    placements = []
    for i, (file, d) in enumerate(decisions):
        if platform is not None and i in platform.members:
            share = platform.shares[platform.members.index(i)]
            placements.append(Placement(file, d, True, share))
        else:
            placements.append(Placement(file, d, False, d.report.options[d.option].tco_usd))
    return Portfolio(tuple(placements), platform, tuple(failures))


def portfolio_json(p: Portfolio) -> dict[str, object]:
    """The buildbuy.portfolio/1 contract (see DESIGN.md)."""
    platform = p.platform
    return {
        "schema": SCHEMA,
        "use_cases": [
            {
                "file": u.file,
                "use_case": u.decision.scenario.answers.use_case,
                "standalone": {"option": u.decision.option, "tco_usd": round(u.decision.report.options[u.decision.option].tco_usd, 2)},
                "portfolio": {"option": u.option, "tco_usd": round(u.tco_usd, 2), "shared_platform": u.on_platform},
            }
            for u in p.use_cases
        ],
        "platform": None if platform is None else {
            "members": [p.use_cases[i].file for i in platform.members],
            "gpus": platform.gpus,
            "gpu": platform.gpu,
            "usd_per_gpu_hour": platform.usd_per_gpu_hour,
            "hosting": platform.hosting_reason,
            "one_time_usd": round(platform.one_time_usd, 2),
            "monthly_usd": round(platform.monthly_usd, 2),
            "breakeven_month": platform.breakeven_month,
        },
        "totals": {
            "all_api_tco_usd": round(p.all_api_tco_usd, 2),
            "standalone_tco_usd": round(p.standalone_tco_usd, 2),
            "portfolio_tco_usd": round(p.portfolio_tco_usd, 2),
        },
        "errors": [{"file": f, "message": m} for f, m in p.failures],
    }
