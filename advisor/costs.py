"""Provides the cost engine: pure functions pricing every option of a Scenario over its horizon.

Money is carried as Python floats (IEEE doubles) and rounded to the cent only when shown. A double
holds 15-16 significant digits, so every sum here (at most about 10^10 USD with a few hundred
terms) stays exact to well under a tenth of a cent, and floats keep the Monte Carlo path fast.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field, replace

from advisor.knowledge import GpuOffer, Knowledge, VendorOffer
from advisor.prices import TokenPrice, token_price
from advisor.scenario import OPTIONS, Option, Scenario

DAYS_PER_MONTH = 365 / 12
HOURS_PER_MONTH = 24 * DAYS_PER_MONTH
SECONDS_PER_DAY = 86_400
BREAKDOWN_KEYS = ("inference", "review", "maintenance", "training", "training_one_time", "labeling")


@dataclass(frozen=True)
class Derivation:
    """How one figure was computed, so that a reader can redo the arithmetic."""

    name: str
    formula: str
    inputs: dict[str, float | str]
    value: float
    unit: str = "USD"


@dataclass(frozen=True)
class OptionCost:
    option: Option
    one_time_usd: float
    monthly_usd: float
    per_request_usd: float
    breakdown: dict[str, float]
    horizon_months: int
    derivations: tuple[Derivation, ...]
    detail: dict[str, float | str | bool] = field(default_factory=dict)
    breakeven_month: int | None = None

    @property
    def tco_usd(self) -> float:
        return self.one_time_usd + self.monthly_usd * self.horizon_months

    @property
    def curve(self) -> tuple[float, ...]:
        """Cumulative cost at the end of month 1..horizon."""
        return tuple(self.one_time_usd + self.monthly_usd * m for m in range(1, self.horizon_months + 1))


@dataclass(frozen=True)
class CostReport:
    options: dict[Option, OptionCost]
    horizon_months: int
    sources: dict[str, str]  # figure name -> source, for every knowledge figure used
    used: frozenset[str]  # names of knowledge entries used (for staleness warnings)
    warnings: tuple[str, ...] = ()

    def derivation(self, name: str) -> Derivation | None:
        """A derivation by `option.figure`, e.g. `api.inference_per_request`."""
        option, _, figure = name.partition(".")
        cost = self.options.get(option)  # type: ignore[call-overload]
        if cost is None:
            return None
        return next((d for d in cost.derivations if d.name == figure), None)

    def derivation_names(self) -> list[str]:
        return [f"{o}.{d.name}" for o, c in self.options.items() for d in c.derivations]


class _Ctx:
    """Reads figures (with overrides) and records which ones a computation used."""

    def __init__(self, scenario: Scenario, k: Knowledge) -> None:
        self.s = scenario
        self.a = scenario.answers
        self.k = k
        self.used: set[str] = set()
        self.sources: dict[str, str] = {}

    def fig(self, name: str) -> float:
        self.used.add(f"figure {name}")
        if name in self.s.overrides:
            self.sources[name] = "override in the answers file"
            return float(self.s.overrides[name])
        figure = self.k.figures[name]
        self.sources[name] = figure.source
        return float(figure.value)  # type: ignore[arg-type]

    def text_fig(self, name: str) -> str:
        self.used.add(f"figure {name}")
        return str(self.s.overrides.get(name, self.k.figures[name].value))


def _ceil(x: float) -> int:
    # Guards against 2.0000000000000004 turning into three GPUs.
    return math.ceil(x - 1e-9)


def _round_up(hours: float, unit_hours: float) -> float:
    return _ceil(hours / unit_hours) * unit_hours if hours > 0 else 0.0


def _gpu(ctx: _Ctx) -> tuple[GpuOffer, float]:
    offer = ctx.k.offer(ctx.a.gpu, ctx.a.gpu_provider)
    assert offer is not None, "validated in build_scenario"
    ctx.used.add(f"gpu offer {offer.gpu} at {offer.provider}")
    factor = ctx.fig("gpu_price_factor")
    if "gpu_usd_per_hour" in ctx.s.overrides:
        ctx.sources["gpu_usd_per_hour"] = "override in the answers file"
        return offer, float(ctx.s.overrides["gpu_usd_per_hour"]) * factor
    ctx.sources["gpu_usd_per_hour"] = f"{offer.source} (as_of {offer.as_of})"
    return offer, offer.usd_per_hour * factor


def _api_price(ctx: _Ctx) -> TokenPrice:
    price = token_price(ctx.a.api_model, batch=ctx.a.batch_ok)
    inp = ctx.s.overrides.get("api_input_usd_per_mtok")
    out = ctx.s.overrides.get("api_output_usd_per_mtok")
    factor = ctx.fig("api_price_factor")
    if inp is not None or out is not None or factor != 1.0:
        price = TokenPrice(
            price.model,
            price.provider,
            (float(inp) if inp is not None else price.input_usd_per_mtok) * factor,
            (float(out) if out is not None else price.output_usd_per_mtok) * factor,
            price.batch,
            price.source if inp is None and out is None else "override in the answers file",
            price.verified,
        )
    ctx.sources["api_price"] = price.source
    return price


def _review(ctx: _Ctx, requests_per_day: float, rate_percent: float) -> float:
    return requests_per_day * rate_percent / 100 * ctx.a.cost_per_review * DAYS_PER_MONTH


def _maintenance(ctx: _Ctx, fte_figure: str) -> tuple[float, Derivation]:
    fte = ctx.fig(fte_figure)
    yearly = ctx.fig("ml_engineer_usd_per_year")
    value = fte * yearly / 12
    return value, Derivation(
        "maintenance", "fte x ml_engineer_usd_per_year / 12", {"fte": fte, "usd_per_year": yearly}, value
    )


def _labeling(ctx: _Ctx) -> tuple[float, Derivation]:
    task = next(lc for lc in ctx.k.labeling if lc.task == ctx.a.labeling_task)
    ctx.used.add(f"labeling {task.task}")
    per_example = float(ctx.s.overrides.get("labeling_usd_per_example", task.usd_per_example))
    qa = ctx.fig("labeling_qa_overhead")
    value = ctx.a.examples_to_label * per_example * (1 + qa)
    return value, Derivation(
        "labeling",
        "examples_to_label x usd_per_example x (1 + qa_overhead)",
        {"examples_to_label": ctx.a.examples_to_label, "usd_per_example": per_example, "qa_overhead": qa},
        value,
    )


def _training_tokens(ctx: _Ctx) -> float:
    examples = ctx.a.labeled_examples + ctx.a.examples_to_label
    return examples * ctx.fig("tokens_per_example") * ctx.fig("epochs")


def _reduced_tokens(ctx: _Ctx) -> tuple[float, float, float]:
    r = ctx.fig("token_reduction")
    return ctx.a.input_tokens * (1 - r), ctx.a.output_tokens * (1 - r), r


def _finish(
    option: Option,
    ctx: _Ctx,
    one_time: dict[str, float],
    monthly: dict[str, float],
    derivations: list[Derivation],
    detail: dict[str, float | str | bool],
) -> OptionCost:
    one_time_usd = sum(one_time.values())
    monthly_usd = sum(monthly.values())
    requests = ctx.a.daily_requests * DAYS_PER_MONTH
    per_request = monthly_usd / requests if requests else 0.0
    breakdown = dict.fromkeys(BREAKDOWN_KEYS, 0.0)
    breakdown.update(monthly)
    breakdown.update(one_time)
    horizon = ctx.a.horizon_months
    derivations += [
        Derivation("one_time", " + ".join(one_time) or "0", dict(one_time), one_time_usd),
        Derivation("monthly", " + ".join(monthly) or "0", dict(monthly), monthly_usd),
        Derivation(
            "per_request",
            "monthly / (daily_requests x 365/12)",
            {"monthly": monthly_usd, "requests_per_month": requests},
            per_request,
            "USD/request",
        ),
        Derivation(
            "tco",
            "one_time + monthly x horizon_months",
            {"one_time": one_time_usd, "monthly": monthly_usd, "horizon_months": horizon},
            one_time_usd + monthly_usd * horizon,
        ),
    ]
    return OptionCost(option, one_time_usd, monthly_usd, per_request, breakdown, horizon, tuple(derivations), detail)


def _api(ctx: _Ctx) -> OptionCost:
    a = ctx.a
    price = _api_price(ctx)
    per_req = price.per_request(a.input_tokens, a.output_tokens)
    inference = a.daily_requests * per_req * DAYS_PER_MONTH
    review = _review(ctx, a.daily_requests, a.review_rate_api)
    maintenance, d_maint = _maintenance(ctx, "maintenance_fte_api")
    derivations = [
        Derivation(
            "inference_per_request",
            "(input_tokens x input_price + output_tokens x output_price) / 1e6",
            {
                "input_tokens": a.input_tokens,
                "input_price": price.input_usd_per_mtok,
                "output_tokens": a.output_tokens,
                "output_price": price.output_usd_per_mtok,
            },
            per_req,
            "USD/request",
        ),
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
    }
    return _finish("api", ctx, {}, {"inference": inference, "review": review, "maintenance": maintenance}, derivations, detail)


def _serving(
    ctx: _Ctx, daily: float, in_tok: float, out_tok: float, floor_gpus: int
) -> tuple[float, list[Derivation], dict[str, float | str | bool]]:
    """Monthly GPU cost of serving `daily` requests; the cheaper of always-on and (if batch_ok) on-demand."""
    a = ctx.a
    offer, usd_hour = _gpu(ctx)
    size = ctx.text_fig("serving_model_size")
    tp = next(t for t in ctx.k.throughput if t.gpu == offer.gpu and t.model_size == size)
    ctx.used.add(f"throughput {tp.model_size} on {tp.gpu}")
    ctx.sources[f"throughput_{tp.gpu}"] = tp.source
    gpu_s = in_tok / tp.prefill_tps + out_tok / tp.decode_tps
    util = ctx.fig("serving_utilization")
    peak_rps = daily / SECONDS_PER_DAY * a.peak_to_average
    capacity_rps = util / gpu_s if gpu_s > 0 else math.inf
    gpus = max(floor_gpus, _ceil(peak_rps / capacity_rps) if capacity_rps != math.inf else 0)
    always_on = gpus * usd_hour * HOURS_PER_MONTH
    derivations = [
        Derivation(
            "gpu_seconds_per_request",
            "input_tokens / prefill_tps + output_tokens / decode_tps",
            {"input_tokens": in_tok, "prefill_tps": tp.prefill_tps, "output_tokens": out_tok, "decode_tps": tp.decode_tps},
            gpu_s,
            "GPU-s",
        ),
        Derivation(
            "capacity_per_gpu",
            "serving_utilization / gpu_seconds_per_request",
            {"serving_utilization": util, "gpu_seconds_per_request": gpu_s},
            capacity_rps,
            "requests/s",
        ),
        Derivation(
            "gpus",
            "max(floor, ceil(daily_requests / 86400 x peak_to_average / capacity_per_gpu))",
            {"floor": floor_gpus, "daily_requests": daily, "peak_to_average": a.peak_to_average, "capacity_per_gpu": capacity_rps},
            gpus,
            "GPUs",
        ),
        Derivation(
            "always_on_serving",
            "gpus x usd_per_gpu_hour x 24 x 365/12",
            {"gpus": gpus, "usd_per_gpu_hour": usd_hour},
            always_on,
        ),
    ]
    detail: dict[str, float | str | bool] = {
        "gpu": f"{offer.gpu} at {offer.provider}",
        "usd_per_gpu_hour": usd_hour,
        "gpus": gpus,
        "capacity_per_gpu_rps": capacity_rps,
        "serving": "always-on",
    }
    if a.batch_ok and not a.latency_sensitive:
        batch_util = ctx.fig("batch_utilization")
        startup = ctx.fig("batch_startup_hours") if daily > 0 else 0.0
        hours = _round_up(daily * gpu_s / batch_util / 3600 + startup, offer.billing_hours)
        on_demand = hours * usd_hour * DAYS_PER_MONTH
        derivations.append(
            Derivation(
                "on_demand_serving",
                "roundup(daily_requests x gpu_seconds_per_request / batch_utilization / 3600 + startup_hours, billing) x usd_per_gpu_hour x 365/12",
                {"daily_requests": daily, "gpu_seconds_per_request": gpu_s, "batch_utilization": batch_util, "startup_hours": startup, "billing": offer.billing, "usd_per_gpu_hour": usd_hour},
                on_demand,
            )
        )
        if on_demand < always_on:
            detail.update(serving="on-demand", gpu_hours_per_day=hours)
            return on_demand, derivations, detail
    return always_on, derivations, detail


def _training_run_gpu(ctx: _Ctx, usd_hour: float) -> tuple[float, Derivation]:
    offer = ctx.k.offer(ctx.a.gpu, ctx.a.gpu_provider)
    assert offer is not None
    peak = next(c.peak_tflops for c in ctx.k.gpu_compute if c.gpu == offer.gpu)
    ctx.used.add(f"peak compute {offer.gpu}")
    method_name = ctx.text_fig("finetune_method")
    method = next(m for m in ctx.k.methods if m.name == method_name)
    ctx.used.add(f"training method {method.name}")
    tokens = _training_tokens(ctx)
    flops = tokens * ctx.fig("flops_per_param_token") * ctx.fig("model_params_billion") * 1e9 * method.compute_factor
    compute_hours = flops / (peak * 1e12 * ctx.fig("training_efficiency")) / 3600
    hours = compute_hours + ctx.fig("run_overhead_hours")
    cost = hours * usd_hour
    return cost, Derivation(
        "training_run",
        "(tokens x flops_per_param_token x params x method_factor / (peak_flops x efficiency) / 3600 + overhead_hours) x usd_per_gpu_hour",
        {
            "tokens": tokens,
            "flops_per_param_token": ctx.fig("flops_per_param_token"),
            "params": ctx.fig("model_params_billion") * 1e9,
            "method_factor": method.compute_factor,
            "peak_flops": peak * 1e12,
            "efficiency": ctx.fig("training_efficiency"),
            "overhead_hours": ctx.fig("run_overhead_hours"),
            "usd_per_gpu_hour": usd_hour,
        },
        cost,
    )


def _training(ctx: _Ctx, run_cost: float, d_run: Derivation) -> tuple[float, float, list[Derivation]]:
    runs = ctx.fig("experiment_runs") * ctx.fig("failed_attempt_factor")
    retrain = ctx.fig("retrain_runs_per_month")
    one_time = runs * run_cost
    monthly = retrain * run_cost
    return one_time, monthly, [
        d_run,
        Derivation("training_one_time", "experiment_runs x failed_attempt_factor x training_run", {"runs": runs, "training_run": run_cost}, one_time),
        Derivation("training", "retrain_runs_per_month x training_run", {"retrain_runs_per_month": retrain, "training_run": run_cost}, monthly),
    ]


def _self_host(ctx: _Ctx) -> OptionCost:
    a = ctx.a
    in_tok, out_tok, _ = _reduced_tokens(ctx)
    floor = int(ctx.fig("ha_gpus")) if a.latency_sensitive else 1
    serving, derivations, detail = _serving(ctx, a.daily_requests, in_tok, out_tok, floor)
    _, usd_hour = _gpu(ctx)
    run_cost, d_run = _training_run_gpu(ctx, usd_hour)
    train_once, train_monthly, d_train = _training(ctx, run_cost, d_run)
    labeling, d_label = _labeling(ctx)
    review = _review(ctx, a.daily_requests, a.review_rate_finetuned)
    maintenance, d_maint = _maintenance(ctx, "maintenance_fte_self_host")
    derivations += d_train + [
        d_label,
        Derivation("inference", "serving cost (always-on or on-demand)", {"serving": detail["serving"]}, serving),
        Derivation(
            "review",
            "daily_requests x review_rate x cost_per_review x 365/12",
            {"daily_requests": a.daily_requests, "review_rate": a.review_rate_finetuned / 100, "cost_per_review": a.cost_per_review},
            review,
        ),
        d_maint,
    ]
    return _finish(
        "self-host",
        ctx,
        {"training_one_time": train_once, "labeling": labeling},
        {"inference": serving, "review": review, "maintenance": maintenance, "training": train_monthly},
        derivations,
        detail,
    )


def _hybrid(ctx: _Ctx) -> OptionCost:
    a = ctx.a
    share = ctx.fig("hybrid_core_share")
    in_tok, out_tok, _ = _reduced_tokens(ctx)
    # The API is the fallback, so one GPU is enough even when people wait on answers.
    serving, derivations, detail = _serving(ctx, a.daily_requests * share, in_tok, out_tok, 1)
    price = _api_price(ctx)
    api_part = a.daily_requests * (1 - share) * price.per_request(a.input_tokens, a.output_tokens) * DAYS_PER_MONTH
    _, usd_hour = _gpu(ctx)
    run_cost, d_run = _training_run_gpu(ctx, usd_hour)
    train_once, train_monthly, d_train = _training(ctx, run_cost, d_run)
    labeling, d_label = _labeling(ctx)
    review = _review(ctx, a.daily_requests * share, a.review_rate_finetuned) + _review(
        ctx, a.daily_requests * (1 - share), a.review_rate_api
    )
    maintenance, d_maint = _maintenance(ctx, "maintenance_fte_hybrid")
    inference = serving + api_part
    derivations += d_train + [
        d_label,
        Derivation(
            "inference",
            "core serving (share of traffic on own GPUs) + (1 - share) x daily_requests x api_per_request x 365/12",
            {"core_serving": serving, "share": share, "daily_requests": a.daily_requests, "api_per_request": price.per_request(a.input_tokens, a.output_tokens)},
            inference,
        ),
        Derivation(
            "review",
            "daily_requests x (share x review_rate_finetuned + (1 - share) x review_rate_api) x cost_per_review x 365/12",
            {"daily_requests": a.daily_requests, "share": share, "review_rate_finetuned": a.review_rate_finetuned / 100, "review_rate_api": a.review_rate_api / 100, "cost_per_review": a.cost_per_review},
            review,
        ),
        d_maint,
    ]
    detail["core_share"] = share
    return _finish(
        "hybrid",
        ctx,
        {"training_one_time": train_once, "labeling": labeling},
        {"inference": inference, "review": review, "maintenance": maintenance, "training": train_monthly},
        derivations,
        detail,
    )


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


def _vendor_option(ctx: _Ctx, offer: VendorOffer, available: bool) -> OptionCost:
    a = ctx.a
    ctx.used.add(f"vendor fine-tuning {offer.id}")
    in_tok, out_tok, _ = _reduced_tokens(ctx)
    price = _vendor_inference_price(offer)
    per_req = price.per_request(in_tok, out_tok)
    inference = a.daily_requests * per_req * DAYS_PER_MONTH
    tokens = _training_tokens(ctx)
    run_cost = tokens / 1e6 * offer.training_usd_per_mtok
    d_run = Derivation(
        "training_run",
        "training_tokens / 1e6 x training_usd_per_mtok",
        {"training_tokens": tokens, "training_usd_per_mtok": offer.training_usd_per_mtok},
        run_cost,
    )
    train_once, train_monthly, d_train = _training(ctx, run_cost, d_run)
    labeling, d_label = _labeling(ctx)
    review = _review(ctx, a.daily_requests, a.review_rate_finetuned)
    maintenance, d_maint = _maintenance(ctx, "maintenance_fte_vendor_finetune")
    derivations = [
        Derivation(
            "inference_per_request",
            "(input_tokens x (1 - token_reduction) x input_price + output_tokens x (1 - token_reduction) x output_price) / 1e6",
            {"input_tokens": in_tok, "input_price": price.input_usd_per_mtok, "output_tokens": out_tok, "output_price": price.output_usd_per_mtok},
            per_req,
            "USD/request",
        ),
        Derivation("inference", "daily_requests x per_request x 365/12", {"daily_requests": a.daily_requests, "per_request": per_req}, inference),
        *d_train,
        d_label,
        Derivation(
            "review",
            "daily_requests x review_rate x cost_per_review x 365/12",
            {"daily_requests": a.daily_requests, "review_rate": a.review_rate_finetuned / 100, "cost_per_review": a.cost_per_review},
            review,
        ),
        d_maint,
    ]
    detail: dict[str, float | str | bool] = {"offer": offer.id, "vendor": offer.vendor, "accepts_new_jobs": available}
    return _finish(
        "vendor-finetune",
        ctx,
        {"training_one_time": train_once, "labeling": labeling},
        {"inference": inference, "review": review, "maintenance": maintenance, "training": train_monthly},
        derivations,
        detail,
    )


def _vendor_finetune(ctx: _Ctx, today: dt.date) -> OptionCost:
    """The cheapest vendor offer that accepts new jobs today; if none does, the cheapest of all."""
    available = available_vendor_offers(ctx.k, ctx.s, today)
    pool = available or list(ctx.k.vendor_offers)
    priced = [_vendor_option(ctx, offer, bool(available)) for offer in pool]
    return min(priced, key=lambda c: c.tco_usd)


def _breakeven(api: OptionCost, other: OptionCost) -> int | None:
    """First month m (1..horizon) where other's one_time + monthly x m <= the API's."""
    gap_once = other.one_time_usd - api.one_time_usd
    saving = api.monthly_usd - other.monthly_usd
    if gap_once <= saving + 1e-9:  # already at or below the API after month 1
        month = 1
    elif saving <= 0:
        month = None
    else:
        month = max(1, math.ceil(gap_once / saving - 1e-9))
    return month if month is not None and month <= api.horizon_months else None


def price_options(scenario: Scenario, k: Knowledge, today: dt.date) -> CostReport:
    """Price every option of `scenario`. Pure: no I/O, the date is passed in."""
    ctx = _Ctx(scenario, k)
    costs: dict[Option, OptionCost] = {
        "api": _api(ctx),
        "vendor-finetune": _vendor_finetune(ctx, today),
        "self-host": _self_host(ctx),
        "hybrid": _hybrid(ctx),
    }
    api = costs["api"]
    for option in OPTIONS:
        if option != "api":
            c = costs[option]
            costs[option] = replace(c, breakeven_month=_breakeven(api, c))
    warnings = _plausibility(scenario)
    return CostReport(costs, scenario.answers.horizon_months, ctx.sources, frozenset(ctx.used), warnings)


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
