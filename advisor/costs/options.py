"""Provides price_options: every option of a scenario priced over its horizon, with break-even months.
Pure: no I/O, the date is passed in."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, replace
from typing import Any, cast

from advisor.costs import arith
from advisor.costs.build import _bridge, _build, _compliance, _Data, _data, _training, _training_run_gpu, _training_tokens
from advisor.costs.context import (
    _api_price,
    _Ctx,
    _gpu,
    _maintenance,
    _reduced_tokens,
    _review,
    _review_derivation,
    _tier,
    _token_derivation,
)
from advisor.costs.model import BREAKDOWN_KEYS, DAYS_PER_MONTH, FINETUNED, CostReport, Derivation, OptionCost
from advisor.costs.prices import TokenPrice, token_price
from advisor.costs.serving import _own_serving, _serving
from advisor.inputs.knowledge import Knowledge, VendorOffer
from advisor.inputs.scenario import Option, Scenario


def _finish(
    option: Option,
    ctx: _Ctx,
    one_time: dict[str, float],
    monthly: dict[str, float],
    derivations: list[Derivation],
    detail: dict[str, float | str | bool],
    build_months: float = 0.0,
) -> OptionCost:
    one_time_usd = sum(one_time.values())
    monthly_usd = sum(monthly.values())
    requests = ctx.a.daily_requests * DAYS_PER_MONTH
    # The per-request figure is what serving a request costs (tokens or GPU time); review and
    # maintenance are shown in their own columns.
    per_request = arith.divide(monthly.get("inference", 0.0), requests, 0.0)
    breakdown = dict.fromkeys(BREAKDOWN_KEYS, 0.0)
    breakdown.update(monthly)
    breakdown.update(one_time)
    horizon = ctx.a.horizon_months
    run_months = arith.maximum(0.0, horizon - build_months)
    derivations += [
        Derivation("one_time", " + ".join(one_time) or "0", dict(one_time), one_time_usd),
        Derivation("monthly", " + ".join(monthly) or "0", dict(monthly), monthly_usd),
        Derivation(
            "per_request",
            "inference / requests_per_month",
            {"inference": monthly.get("inference", 0.0), "requests_per_month": requests},
            per_request,
            "USD/request",
        ),
        Derivation(
            "tco",
            "one_time + monthly x max(0, horizon_months - build_months)",
            {"one_time": one_time_usd, "monthly": monthly_usd, "horizon_months": horizon, "build_months": build_months},
            one_time_usd + monthly_usd * run_months,
        ),
    ]
    return OptionCost(
        option, one_time_usd, monthly_usd, per_request, breakdown, horizon, tuple(derivations), detail,
        build_months=build_months,
    )


def _api(ctx: _Ctx) -> OptionCost:
    a = ctx.a
    price = _api_price(ctx)
    per_req = price.per_request(a.input_tokens, a.output_tokens, a.cached_input_share)
    inference = a.daily_requests * per_req * DAYS_PER_MONTH
    review = _review(ctx, a.daily_requests, a.review_rate_api)
    maintenance, d_maint = _maintenance(ctx, "maintenance_fte_api")
    derivations = [
        _token_derivation("inference_per_request", price, a.input_tokens, a.output_tokens, a.cached_input_share, per_req),
        Derivation(
            "inference",
            "daily_requests x per_request x 365/12",
            {"daily_requests": a.daily_requests, "per_request": per_req},
            inference,
        ),
        Derivation(
            "review",
            "daily_requests x review_rate x cost_per_review x 365/12",
            {"daily_requests": a.daily_requests, "review_rate": a.review_rate_api / 100, "cost_per_review": a.cost_per_review},
            review,
        ),
        d_maint,
    ]
    detail: dict[str, float | str | bool] = {
        "model": price.model, "provider": price.provider, "batch_pricing": price.batch, "price_verified": price.verified,
        "tier": _tier(ctx, a.api_model),
    }
    compliance = _compliance(ctx, "api")
    regulated = "compliance_review" in ctx.drivers
    one_time = {"build": compliance} if regulated else {}
    if regulated:
        derivations.append(Derivation("build", "vendor_review_usd (regulated industry)", {"vendor_review_usd": compliance}, compliance))
    return _finish("api", ctx, one_time, {"inference": inference, "review": review, "maintenance": maintenance}, derivations, detail)


@dataclass(frozen=True)
class _Run:
    """How a fine-tuned option serves its traffic: what the shared builder adds build, data,
    training and people to."""

    inference: float
    review: float
    run_cost: float  # USD per training run
    derivations: tuple[Derivation, ...]
    detail: dict[str, float | str | bool]


def _finetuned(ctx: _Ctx, option: Option, run: _Run, data: _Data, api_monthly: float) -> OptionCost:
    contracted = "no_ml_owner" in ctx.drivers
    train_once, train_monthly, d_train = _training(ctx, run.run_cost, data)
    in_house = option in ("self-host", "hybrid")
    maintenance, d_maint = _maintenance(
        ctx, f"maintenance_fte_{option.replace('-', '_')}", contracted=contracted,
        own_gpus=cast(float, run.detail.get("gpus", 0)) if in_house else None,
        on_call=arith.where(in_house and ctx.a.latency_sensitive, run.detail.get("serving") == "always-on", False),
    )
    monthly = {"inference": run.inference, "review": run.review, "maintenance": maintenance, "training": train_monthly}
    build, weeks, d_build = _build(ctx, option, data)
    build_months = weeks * 7 / DAYS_PER_MONTH
    bridge, payer, d_bridge = _bridge(ctx, build_months, api_monthly, sum(monthly.values()))
    one_time = {"training_one_time": train_once, "labeling": data.labeling, "build": build, "bridge": bridge}
    detail = {**run.detail, "build_weeks": arith.rounded(weeks, 2), "bridge_paid_by": payer}
    derivations = [*run.derivations, *d_train, *data.derivations, *d_build, d_bridge, d_maint]
    return _finish(option, ctx, one_time, monthly, derivations, detail, build_months)


def _self_host(ctx: _Ctx, api_monthly: float) -> OptionCost:
    a = ctx.a
    data = _data(ctx)
    in_tok, out_tok, _ = _reduced_tokens(ctx)
    floor = int(ctx.fig("ha_gpus")) if a.latency_sensitive else 1
    serving, derivations, detail = _own_serving(ctx, a.daily_requests, in_tok, out_tok, floor)
    _, usd_hour = _gpu(ctx)
    run_cost, d_run = _training_run_gpu(ctx, usd_hour, data.examples)
    review = _review(ctx, a.daily_requests, a.review_rate_finetuned)
    derivations += [
        Derivation("inference", "serving_cost", {"serving_cost": serving, "serving": detail["serving"]}, serving),
        _review_derivation(ctx, a.daily_requests, a.review_rate_finetuned, review),
        d_run,
    ]
    return _finetuned(ctx, "self-host", _Run(serving, review, run_cost, tuple(derivations), detail), data, api_monthly)


def _hybrid(ctx: _Ctx, api_monthly: float) -> OptionCost:
    a = ctx.a
    data = _data(ctx)
    share = ctx.fig("hybrid_core_share")
    in_tok, out_tok, _ = _reduced_tokens(ctx)
    # The API is the fallback, so one GPU is enough even when people wait on answers.
    serving, derivations, detail = _own_serving(ctx, a.daily_requests * share, in_tok, out_tok, 1)
    price = _api_price(ctx)
    api_per_request = price.per_request(a.input_tokens, a.output_tokens, a.cached_input_share)
    api_part = a.daily_requests * (1 - share) * api_per_request * DAYS_PER_MONTH
    _, usd_hour = _gpu(ctx)
    run_cost, d_run = _training_run_gpu(ctx, usd_hour, data.examples)
    review = _review(ctx, a.daily_requests * share, a.review_rate_finetuned) + _review(
        ctx, a.daily_requests * (1 - share), a.review_rate_api
    )
    inference = serving + api_part
    derivations += [
        Derivation(
            "inference",
            "core_serving + (1 - share) x daily_requests x api_per_request x 365/12",
            {"core_serving": serving, "share": share, "daily_requests": a.daily_requests, "api_per_request": api_per_request},
            inference,
        ),
        Derivation(
            "review",
            "daily_requests x (share x review_rate_finetuned + (1 - share) x review_rate_api) x cost_per_review x 365/12",
            {"daily_requests": a.daily_requests, "share": share, "review_rate_finetuned": a.review_rate_finetuned / 100, "review_rate_api": a.review_rate_api / 100, "cost_per_review": a.cost_per_review},
            review,
        ),
        d_run,
    ]
    detail["core_share"] = share
    return _finetuned(ctx, "hybrid", _Run(inference, review, run_cost, tuple(derivations), detail), data, api_monthly)


def _vendor_inference_price(offer: VendorOffer) -> TokenPrice:
    if offer.inference_model is not None:
        return token_price(offer.inference_model, provider=offer.inference_provider)
    return TokenPrice(
        offer.base_model,
        offer.vendor,
        float(offer.inference_input_usd_per_mtok or 0),
        float(offer.inference_output_usd_per_mtok or 0),
        False,
        offer.source,
    )


def available_vendor_offers(k: Knowledge, scenario: Scenario, today: dt.date) -> list[VendorOffer]:
    customer = scenario.answers.vendor_finetune_customer
    return [o for o in k.vendor_offers if o.accepts_new_jobs(today, existing_customer=customer)]


def _vendor_option(ctx: _Ctx, offer: VendorOffer, available: bool, api_monthly: float) -> OptionCost:
    a = ctx.a
    ctx.used.add(f"vendor fine-tuning {offer.id}")
    data = _data(ctx)
    in_tok, out_tok, _ = _reduced_tokens(ctx)
    tokens = _training_tokens(ctx, data.examples)
    run_cost = tokens / 1e6 * offer.training_usd_per_mtok
    review = _review(ctx, a.daily_requests, a.review_rate_finetuned)
    detail: dict[str, float | str | bool] = {
        "offer": offer.id, "vendor": offer.vendor, "accepts_new_jobs": available, "hosting": offer.hosting,
    }
    derivations: list[Derivation]
    if offer.hosting == "dedicated":
        assert offer.dedicated_gpu is not None and offer.dedicated_usd_per_gpu_hour is not None
        usd_hour = offer.dedicated_usd_per_gpu_hour
        if "vendor_hosting_usd_per_gpu_hour" in ctx.s.overrides:
            usd_hour = ctx.fig("vendor_hosting_usd_per_gpu_hour")
        floor = int(ctx.fig("ha_gpus")) if a.latency_sensitive else 1
        inference, derivations, serving = _serving(
            ctx, a.daily_requests, in_tok, out_tok, floor, offer.dedicated_gpu, usd_hour, 1 / 3600,
            f"{offer.dedicated_gpu} dedicated at {offer.vendor}",
        )
        detail.update({f"serving_{k}": v for k, v in serving.items()}, billed="per GPU-hour on a dedicated deployment")
        derivations.append(
            Derivation("inference", "dedicated_serving_cost", {"dedicated_serving_cost": inference, "serving": serving["serving"]}, inference)
        )
    else:
        price = _vendor_inference_price(offer)
        per_req = price.per_request(in_tok, out_tok, a.cached_input_share)
        inference = a.daily_requests * per_req * DAYS_PER_MONTH
        detail["billed"] = "per token (serverless)"
        derivations = [
            _token_derivation("inference_per_request", price, in_tok, out_tok, a.cached_input_share, per_req),
            Derivation("inference", "daily_requests x per_request x 365/12", {"daily_requests": a.daily_requests, "per_request": per_req}, inference),
        ]
    derivations += [
        _review_derivation(ctx, a.daily_requests, a.review_rate_finetuned, review),
        Derivation(
            "training_run",
            "training_tokens / 1e6 x training_usd_per_mtok",
            {"training_tokens": tokens, "training_usd_per_mtok": offer.training_usd_per_mtok},
            run_cost,
        ),
    ]
    return _finetuned(ctx, "vendor-finetune", _Run(inference, review, run_cost, tuple(derivations), detail), data, api_monthly)


def _vendor_finetune(ctx: _Ctx, today: dt.date, api_monthly: float) -> OptionCost:
    """The cheapest vendor offer that accepts new jobs today; if none does, the cheapest of all.
    Each offer is priced in its own context, so only the chosen one's figures count as used."""
    available = available_vendor_offers(ctx.k, ctx.s, today)
    pool = available or list(ctx.k.vendor_offers)
    priced = []
    for offer in pool:
        sub = _Ctx(ctx.s, ctx.k, ctx.drivers, ctx.sampled)
        priced.append((_vendor_option(sub, offer, bool(available), api_monthly), sub))
    cost, chosen = min(priced, key=lambda pair: float(pair[0].tco_usd) if not arith.is_array(pair[0].tco_usd) else 0.0)
    if arith.is_array(cost.tco_usd) and len(priced) > 1:
        cost = _cheapest_per_sample([c for c, _ in priced])
    ctx.used |= chosen.used
    ctx.sources.update(chosen.sources)
    return cost


def _cheapest_per_sample(costs: list[OptionCost]) -> OptionCost:
    """With arrays of samples, the cheapest offer may differ from sample to sample: take each
    figure from the offer that is cheapest in that sample."""
    import numpy as np

    pick = np.argmin(np.stack([np.broadcast_to(c.tco_usd, np.shape(costs[0].tco_usd)) for c in costs]), axis=0)

    def choose(values: list[Any]) -> Any:
        return np.choose(pick, [np.broadcast_to(v, pick.shape) for v in values])

    first = costs[0]
    return replace(
        first,
        one_time_usd=choose([c.one_time_usd for c in costs]),
        monthly_usd=choose([c.monthly_usd for c in costs]),
        per_request_usd=choose([c.per_request_usd for c in costs]),
        build_months=choose([c.build_months for c in costs]),
        breakdown={key: choose([c.breakdown[key] for c in costs]) for key in first.breakdown},
    )


def _breakeven(api: OptionCost, other: OptionCost) -> Any:
    """First month m (1..horizon) where other's cumulative cost is at or below the API's, None if
    none. Until launch (m <= build_months) other pays only its one-time costs; after it, its run
    cost. With arrays of samples: an array of months, NaN where there is none."""
    if arith.is_array(other.one_time_usd, other.monthly_usd, other.build_months, api.monthly_usd, api.one_time_usd):
        return _breakeven_months(api, other)
    horizon = api.horizon_months
    b = other.build_months
    gap_once = other.one_time_usd - api.one_time_usd
    candidates = []
    if api.monthly_usd > 0:
        m = max(1, math.ceil(gap_once / api.monthly_usd - 1e-9))
        if m <= b:
            candidates.append(m)
    first = max(1, math.floor(b) + 1)  # the first whole month after launch
    if other.cumulative(first) <= api.cumulative(first) + 1e-6:
        candidates.append(first)
    else:
        saving = api.monthly_usd - other.monthly_usd
        if saving > 0:
            m = math.ceil((gap_once - other.monthly_usd * b) / saving - 1e-9)
            candidates.append(max(m, first))
    month = min(candidates) if candidates else None
    return month if month is not None and month <= horizon else None


def _breakeven_months(api: OptionCost, other: OptionCost) -> Any:
    """The same first month for arrays of samples, by walking the months (at most 120)."""
    import numpy as np

    shape = np.broadcast(other.one_time_usd, other.monthly_usd, other.build_months, api.monthly_usd, api.one_time_usd).shape
    found = np.full(shape, np.nan)
    for m in range(1, api.horizon_months + 1):
        hit = np.isnan(found) & (other.cumulative(m) <= api.cumulative(m) + 1e-6)
        found[hit] = m
    return found


def price_options(
    scenario: Scenario, k: Knowledge, today: dt.date, drivers: frozenset[str] = frozenset(),
    sampled: dict[str, Any] | None = None,
) -> CostReport:
    """Price every option of `scenario` with the cost drivers the rules derived. Pure: no I/O,
    the date is passed in. `sampled` replaces answers or figures by numpy arrays of samples:
    the same formulas then price every sample at once, and every figure is an array."""
    ctx = _Ctx(scenario, k, drivers, sampled)
    api = _api(ctx)
    costs: dict[Option, OptionCost] = {
        "api": api,
        "vendor-finetune": _vendor_finetune(ctx, today, api.monthly_usd),
        "self-host": _self_host(ctx, api.monthly_usd),
        "hybrid": _hybrid(ctx, api.monthly_usd),
    }
    for option in FINETUNED:
        c = costs[option]
        costs[option] = replace(c, breakeven_month=_breakeven(api, c))
    warnings = _plausibility(scenario)
    return CostReport(costs, scenario.answers.horizon_months, ctx.sources, frozenset(ctx.used), warnings, drivers)


def _plausibility(scenario: Scenario) -> tuple[str, ...]:
    a = scenario.answers
    notes = []
    review_day = a.daily_requests * a.review_rate_api / 100 * a.cost_per_review
    if review_day > 50_000:
        notes.append(
            f"Human review of API outputs comes to ${review_day:,.0f} a day "
            f"({a.review_rate_api:g} % of {a.daily_requests:,} requests at ${a.cost_per_review:,.2f}): "
            "check the review rate and cost per review, this dominates every option."
        )
    if a.finetuned_accuracy < a.api_accuracy and a.review_rate_finetuned < a.review_rate_api:
        notes.append(
            "finetuned_accuracy is below api_accuracy, yet review_rate_finetuned is lower than "
            "review_rate_api: check these two pairs."
        )
    return tuple(notes)
