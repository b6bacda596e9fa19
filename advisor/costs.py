"""Provides the cost engine: pure functions pricing every option of a Scenario over its horizon.

Money is carried as Python floats (IEEE doubles) and rounded to the cent only when shown. A double
holds 15-16 significant digits, so every sum here (at most about 10^10 USD with a few hundred
terms) stays exact to well under a tenth of a cent, and floats keep the Monte Carlo path fast.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field, replace
from typing import Any, cast

from advisor import arith
from advisor.capacity import Efficiencies, capacity
from advisor.knowledge import IN_HOUSE_HOSTING, GpuOffer, Knowledge, VendorOffer
from advisor.prices import TokenPrice, token_price
from advisor.scenario import Option, Scenario

DAYS_PER_MONTH = 365 / 12
HOURS_PER_MONTH = 24 * DAYS_PER_MONTH
SECONDS_PER_DAY = 86_400
BREAKDOWN_KEYS = ("inference", "review", "maintenance", "training", "training_one_time", "labeling", "build", "bridge")
ONE_TIME_KEYS = ("training_one_time", "labeling", "build", "bridge")
# Facts a rule may derive that the engine prices (see knowledge/economics.toml and rules/).
COST_DRIVERS = ("rapid_change", "compliance_review", "no_ml_owner")
FINETUNED: tuple[Option, ...] = ("vendor-finetune", "self-host", "hybrid")


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
    build_months: float = 0.0  # the option's own run cost starts at launch, after the build

    @property
    def run_months(self) -> float:
        return arith.maximum(0.0, self.horizon_months - self.build_months)

    @property
    def tco_usd(self) -> float:
        return self.one_time_usd + self.monthly_usd * self.run_months

    def cumulative(self, month: float) -> float:
        """One-time costs up front (the bridge included), then the run cost from launch."""
        return self.one_time_usd + self.monthly_usd * arith.maximum(0.0, month - self.build_months)

    @property
    def curve(self) -> tuple[float, ...]:
        """Cumulative cost at the end of month 1..horizon."""
        return tuple(self.cumulative(m) for m in range(1, self.horizon_months + 1))


@dataclass(frozen=True)
class CostReport:
    options: dict[Option, OptionCost]
    horizon_months: int
    sources: dict[str, str]  # figure name -> source, for every knowledge figure used
    used: frozenset[str]  # names of knowledge entries used (for staleness warnings)
    warnings: tuple[str, ...] = ()
    drivers: frozenset[str] = frozenset()  # cost drivers the rules derived, priced in

    def derivation(self, name: str) -> Derivation | None:
        """A derivation by `option.figure`, e.g. `api.inference_per_request`."""
        option, _, figure = name.partition(".")
        cost = self.options.get(option)  # type: ignore[call-overload]
        if cost is None:
            return None
        return next((d for d in cost.derivations if d.name == figure), None)

    def derivation_names(self) -> list[str]:
        return [f"{o}.{d.name}" for o, c in self.options.items() for d in c.derivations]


class _Sampled:
    """The answers, with some of them replaced by arrays of Monte Carlo samples."""

    def __init__(self, answers: Any, sampled: dict[str, Any]) -> None:
        self._answers, self._sampled = answers, sampled

    def __getattr__(self, name: str) -> Any:
        if name in self._sampled:
            return self._sampled[name]
        return getattr(self._answers, name)


class _Ctx:
    """Reads figures (with overrides) and records which ones a computation used."""

    def __init__(
        self, scenario: Scenario, k: Knowledge, drivers: frozenset[str] = frozenset(), sampled: dict[str, Any] | None = None
    ) -> None:
        self.s = scenario
        self.sampled = sampled or {}
        self.a: Any = _Sampled(scenario.answers, self.sampled) if self.sampled else scenario.answers
        self.k = k
        self.drivers = drivers
        self._values: dict[str, float] = {}
        self.used: set[str] = set()
        self.sources: dict[str, str] = {}

    def fig(self, name: str) -> float:
        known = self._values.get(name)
        if known is not None:  # read each figure once per pricing
            return known
        self.used.add(f"figure {name}")
        if name in self.sampled:
            self._values[name] = self.sampled[name]
            return self.sampled[name]
        if name in self.s.overrides:
            self.sources[name] = "override in the answers file"
            value = float(self.s.overrides[name])
        else:
            figure = self.k.figures[name]
            self.sources[name] = figure.source
            value = float(figure.value)  # type: ignore[arg-type]
        self._values[name] = value
        return value

    def text_fig(self, name: str) -> str:
        self.used.add(f"figure {name}")
        return str(self.s.overrides.get(name, self.k.figures[name].value))


def _round_up(hours: float, unit_hours: float) -> float:
    return arith.where(hours > 0, arith.ceil(hours / unit_hours) * unit_hours, 0.0)


def _offer(ctx: _Ctx) -> tuple[GpuOffer, str]:
    """The GPU offer the build path rents, and why: the one answered, unless the data must stay in
    house and it is a marketplace offer; then the cheapest offer that can hold such data."""
    chosen = ctx.k.offer(ctx.a.gpu, ctx.a.gpu_provider)
    assert chosen is not None, "validated in build_scenario"
    if not ctx.a.data_must_stay_in_house or chosen.hosting in IN_HOUSE_HOSTING:
        return chosen, f"{chosen.provider} {chosen.gpu} ({chosen.hosting}), as answered"
    same_gpu = [o for o in ctx.k.gpu_offers if o.gpu == chosen.gpu and o.hosting in IN_HOUSE_HOSTING]
    pool = same_gpu or [o for o in ctx.k.gpu_offers if o.hosting in IN_HOUSE_HOSTING]
    best = min(pool, key=lambda o: (o.usd_per_hour, o.provider))
    return best, (
        f"data must stay in house: {chosen.provider} is a {chosen.hosting} offer, so the cheapest "
        f"{best.hosting} offer, {best.provider} {best.gpu}, is used"
    )


def _gpu(ctx: _Ctx) -> tuple[GpuOffer, float]:
    offer, _ = _offer(ctx)
    ctx.used.add(f"gpu offer {offer.gpu} at {offer.provider}")
    factor = ctx.fig("gpu_price_factor")
    if "gpu_usd_per_hour" in ctx.s.overrides:
        ctx.sources["gpu_usd_per_hour"] = "override in the answers file"
        return offer, float(ctx.s.overrides["gpu_usd_per_hour"]) * factor
    ctx.sources["gpu_usd_per_hour"] = f"{offer.source} (as_of {offer.as_of})"
    return offer, offer.usd_per_hour * factor


def _tier(ctx: _Ctx, model: str) -> str:
    """The cheapest tier the work allows: batch when it can wait for a batch, flex (priced as
    batch) when nobody waits on it and the model has one, else standard."""
    if ctx.a.batch_ok:
        return "batch"
    flex = {m.strip() for m in ctx.text_fig("flex_models").split(",")}
    if not ctx.a.latency_sensitive and model in flex:
        return "flex"
    return "standard"


def _api_price(ctx: _Ctx) -> TokenPrice:
    tier = _tier(ctx, ctx.a.api_model)
    price = token_price(ctx.a.api_model, batch=tier != "standard")
    if tier == "flex" and price.batch:
        price = replace(price, source=price.source.replace("(batch processing)", "(flex processing, priced as batch)"))
    inp = ctx.s.overrides.get("api_input_usd_per_mtok")
    out = ctx.s.overrides.get("api_output_usd_per_mtok")
    factor = ctx.fig("api_price_factor")
    if inp is not None or out is not None or arith.is_array(factor) or factor != 1.0:
        cached = price.cached_input_usd_per_mtok
        price = replace(
            price,
            input_usd_per_mtok=(float(inp) if inp is not None else price.input_usd_per_mtok) * factor,
            output_usd_per_mtok=(float(out) if out is not None else price.output_usd_per_mtok) * factor,
            source=price.source if inp is None and out is None else "override in the answers file",
            cached_input_usd_per_mtok=cached * factor if cached is not None and inp is None else None,
        )
    ctx.sources["api_price"] = price.source
    return price


def _review(ctx: _Ctx, requests_per_day: float, rate_percent: float) -> float:
    return requests_per_day * rate_percent / 100 * ctx.a.cost_per_review * DAYS_PER_MONTH


def _maintenance(
    ctx: _Ctx, fte_figure: str, *, contracted: bool = False, own_gpus: float | None = None, on_call: bool = False
) -> tuple[float, Derivation]:
    """The model's own upkeep, plus operations that grow with the GPUs served in house and a 24/7
    on-call rota when people wait on an in-house service."""
    base = ctx.fig(fte_figure)
    per_gpu = ctx.fig("maintenance_fte_per_gpu") if own_gpus is not None else 0.0
    own_gpus = 0.0 if own_gpus is None else own_gpus
    oncall = arith.where(on_call, ctx.fig("oncall_fte"), 0.0)
    yearly = ctx.fig("ml_engineer_usd_per_year")
    premium = ctx.fig("contractor_premium") if contracted else 1.0
    fte = base + per_gpu * own_gpus + oncall
    value = fte * yearly / 12 * premium
    return value, Derivation(
        "maintenance",
        "(base_fte + fte_per_gpu x gpus + oncall_fte) x ml_engineer_usd_per_year / 12 x contractor_premium",
        {"base_fte": base, "fte_per_gpu": per_gpu, "gpus": own_gpus, "oncall_fte": oncall, "usd_per_year": yearly, "contractor_premium": premium},
        value,
    )


def _per_example(ctx: _Ctx) -> tuple[float, float]:
    """Labeling price per example for the answered task, and the QA overhead on top."""
    task = next(lc for lc in ctx.k.labeling if lc.task == ctx.a.labeling_task)
    ctx.used.add(f"labeling {task.task}")
    ctx.sources["labeling_usd_per_example"] = f"{task.source} (as_of {task.as_of})"
    if "labeling_usd_per_example" in ctx.s.overrides:
        ctx.sources["labeling_usd_per_example"] = "override in the answers file"
    per_example = float(ctx.s.overrides.get("labeling_usd_per_example", task.usd_per_example))
    return per_example, ctx.fig("labeling_qa_overhead")


@dataclass(frozen=True)
class _Data:
    """The training set of a fine-tuned option and what it costs to have it."""

    examples: float  # examples trained on, including any gap to the floor that was filled
    labeling: float  # one-time USD
    weeks: float  # calendar weeks to close the gap to the floor
    derivations: tuple[Derivation, ...]


def _data(ctx: _Ctx) -> _Data:
    """Label what is planned, and close any gap to the data floor: by labeling, or by distilling
    API logs (cheaper, but a distilled example counts for less) when there are logs."""
    a = ctx.a
    per_example, qa = _per_example(ctx)
    planned = a.examples_to_label * per_example * (1 + qa)
    derivations = [
        Derivation(
            "labeling_planned",
            "examples_to_label x usd_per_example x (1 + qa_overhead)",
            {"examples_to_label": a.examples_to_label, "usd_per_example": per_example, "qa_overhead": qa},
            planned,
        )
    ]
    floor = ctx.fig("data_floor_examples")
    on_hand = a.labeled_examples + a.examples_to_label
    gap = arith.maximum(0.0, floor - on_hand)
    # Written without a branch on the gap, so that arrays of sampled answers price the same way.
    if a.has_api_logs:
        quality, share = ctx.fig("distill_quality"), ctx.fig("distill_spot_label_share")
        distilled = gap / quality
        gap_cost = distilled * share * per_example * (1 + qa)
        weeks, examples = arith.where(gap > 0, ctx.fig("distill_weeks"), 0.0), on_hand + distilled
        derivations.append(
            Derivation(
                "data_gap",
                "(data_floor - examples_on_hand) / distill_quality x spot_label_share x usd_per_example x (1 + qa_overhead)",
                {"data_floor": floor, "examples_on_hand": on_hand, "distill_quality": quality,
                 "spot_label_share": share, "usd_per_example": per_example, "qa_overhead": qa},
                gap_cost,
            )
        )
    else:
        pace = ctx.fig("labeling_examples_per_week")
        gap_cost = gap * per_example * (1 + qa)
        weeks, examples = gap / pace, arith.maximum(on_hand, floor)
        derivations.append(
            Derivation(
                "data_gap",
                "(data_floor - examples_on_hand) x usd_per_example x (1 + qa_overhead)",
                {"data_floor": floor, "examples_on_hand": on_hand, "usd_per_example": per_example, "qa_overhead": qa},
                gap_cost,
            )
        )
    labeling = planned + gap_cost
    derivations.append(
        Derivation("labeling", "labeling_planned + data_gap", {"labeling_planned": planned, "data_gap": gap_cost}, labeling)
    )
    return _Data(examples, labeling, weeks, tuple(derivations))


def _training_tokens(ctx: _Ctx, examples: float) -> float:
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
            "inference / (daily_requests x 365/12)",
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


def _token_derivation(name: str, price: TokenPrice, in_tok: float, out_tok: float, cached_share: float, value: float) -> Derivation:
    cached_rate = price.cached_input_usd_per_mtok if price.cached_input_usd_per_mtok is not None else price.input_usd_per_mtok
    return Derivation(
        name,
        "(input_tokens x (1 - cached_share) x input_price + input_tokens x cached_share x cached_price + output_tokens x output_price) / 1e6",
        {
            "input_tokens": in_tok, "cached_share": cached_share, "input_price": price.input_usd_per_mtok,
            "cached_price": cached_rate, "output_tokens": out_tok, "output_price": price.output_usd_per_mtok,
        },
        value,
        "USD/request",
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


def _efficiencies(ctx: _Ctx) -> Efficiencies:
    return Efficiencies(
        prefill=ctx.fig("serving_prefill_efficiency"),
        bandwidth=ctx.fig("serving_bandwidth_efficiency"),
        decode_compute=ctx.fig("serving_decode_compute_efficiency"),
        max_batch=ctx.fig("serving_max_batch"),
        memory_fraction=ctx.fig("serving_memory_fraction"),
        kv_bytes=ctx.fig("kv_bytes_per_value"),
    )


def _gpu_seconds(ctx: _Ctx, gpu: str, in_tok: float, out_tok: float) -> tuple[float, Derivation, dict[str, float | str | bool]]:
    """GPU-seconds per request: a team's own measured rates when given (`buildbuy calibrate`),
    else the roofline model with the KV-cache limit for the chosen model size class."""
    size = ctx.text_fig("serving_model_size")
    if "prefill_tps" in ctx.s.overrides and "decode_tps" in ctx.s.overrides:
        prefill, decode = ctx.fig("prefill_tps"), ctx.fig("decode_tps")
        seconds = in_tok / prefill + out_tok / decode
        return seconds, Derivation(
            "gpu_seconds_per_request",
            "input_tokens / prefill_tps + output_tokens / decode_tps (measured rates)",
            {"input_tokens": in_tok, "prefill_tps": prefill, "output_tokens": out_tok, "decode_tps": decode},
            seconds,
            "GPU-s",
        ), {"model_size": size, "capacity_model": "measured rates"}
    model = ctx.k.model_class(size)
    compute = next(c for c in ctx.k.gpu_compute if c.gpu == gpu)
    assert model is not None, "validated in build_scenario"
    ctx.used |= {f"model class {model.name}", f"peak compute {gpu}"}
    cap = capacity(model, compute, _efficiencies(ctx), in_tok, out_tok)
    return cap.gpu_seconds, Derivation(
        "gpu_seconds_per_request",
        "replica_gpus x (input_tokens / prefill_tps + output_tokens / decode_tps), roofline with the KV-cache limit",
        {
            "replica_gpus": cap.replica_gpus, "input_tokens": in_tok, "prefill_tps": cap.prefill_tps,
            "output_tokens": out_tok, "decode_tps": cap.decode_tps, "batch": cap.batch, "kv_tokens": cap.kv_tokens,
        },
        cap.gpu_seconds,
        "GPU-s",
    ), {"model_size": size, "capacity_model": "roofline", "replica_gpus": cap.replica_gpus, "decode_batch": arith.rounded(cap.batch, 1)}


def _serving(
    ctx: _Ctx, daily: float, in_tok: float, out_tok: float, floor_gpus: int,
    gpu: str, usd_hour: float, billing_hours: float, where: str,
) -> tuple[float, list[Derivation], dict[str, float | str | bool]]:
    """Monthly GPU cost of serving `daily` requests on `gpu` at `usd_hour`; the cheaper of
    always-on and (if the work can wait) on-demand hours."""
    a = ctx.a
    gpu_s, d_seconds, model_detail = _gpu_seconds(ctx, gpu, in_tok, out_tok)
    util = ctx.fig("serving_utilization")
    peak_rps = daily / SECONDS_PER_DAY * a.peak_to_average
    capacity_rps = arith.divide(util, gpu_s, math.inf)
    replica = int(model_detail.get("replica_gpus", 1))
    needed = arith.ceil(arith.divide(peak_rps, capacity_rps, 0.0))  # peak / inf is 0: no GPU needed
    gpus = arith.maximum(floor_gpus * replica, arith.ceil(needed / replica) * replica)  # whole replicas
    always_on = gpus * usd_hour * HOURS_PER_MONTH
    derivations = [
        d_seconds,
        Derivation(
            "capacity_per_gpu",
            "serving_utilization / gpu_seconds_per_request",
            {"serving_utilization": util, "gpu_seconds_per_request": gpu_s},
            capacity_rps,
            "requests/s",
        ),
        Derivation(
            "gpus",
            "whole replicas of max(floor, ceil(daily_requests / 86400 x peak_to_average / capacity_per_gpu))",
            {"floor": floor_gpus, "replica_gpus": replica, "daily_requests": daily, "peak_to_average": a.peak_to_average, "capacity_per_gpu": capacity_rps},
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
        "gpu": where,
        "usd_per_gpu_hour": usd_hour,
        "gpus": gpus,
        "capacity_per_gpu_rps": capacity_rps,
        "serving": "always-on",
        **model_detail,
    }
    if a.batch_ok and not a.latency_sensitive:
        batch_util = ctx.fig("batch_utilization")
        startup = arith.where(daily > 0, ctx.fig("batch_startup_hours"), 0.0)
        hours = _round_up(daily * gpu_s / batch_util / 3600 + startup, billing_hours)
        on_demand = hours * usd_hour * DAYS_PER_MONTH
        derivations.append(
            Derivation(
                "on_demand_serving",
                "roundup(daily_requests x gpu_seconds_per_request / batch_utilization / 3600 + startup_hours, billing_hours) x usd_per_gpu_hour x 365/12",
                {"daily_requests": daily, "gpu_seconds_per_request": gpu_s, "batch_utilization": batch_util, "startup_hours": startup, "billing_hours": billing_hours, "usd_per_gpu_hour": usd_hour},
                on_demand,
            )
        )
        cheaper = on_demand < always_on
        detail.update(serving=arith.where(cheaper, "on-demand", "always-on"), gpu_hours_per_day=arith.where(cheaper, hours, 0.0))
        return arith.where(cheaper, on_demand, always_on), derivations, detail
    return always_on, derivations, detail


def _own_serving(
    ctx: _Ctx, daily: float, in_tok: float, out_tok: float, floor_gpus: int
) -> tuple[float, list[Derivation], dict[str, float | str | bool]]:
    """Serving on the GPU offer the build path rents, with its hosting class and why it was used."""
    offer, why = _offer(ctx)
    _, usd_hour = _gpu(ctx)
    serving, derivations, detail = _serving(
        ctx, daily, in_tok, out_tok, floor_gpus, offer.gpu, usd_hour, offer.billing_hours, f"{offer.gpu} at {offer.provider}"
    )
    detail.update(hosting=offer.hosting, hosting_reason=why)
    return serving, derivations, detail


def _params_billion(ctx: _Ctx) -> float:
    """The served model's size: the size class's own figure unless model_params_billion is set."""
    if "model_params_billion" in ctx.s.overrides:
        return ctx.fig("model_params_billion")
    model = ctx.k.model_class(ctx.text_fig("serving_model_size"))
    return model.params_billion if model is not None else ctx.fig("model_params_billion")


def _training_run_gpu(ctx: _Ctx, usd_hour: float, examples: float) -> tuple[float, Derivation]:
    offer, _ = _offer(ctx)
    peak = next(c.peak_tflops for c in ctx.k.gpu_compute if c.gpu == offer.gpu)
    ctx.used.add(f"peak compute {offer.gpu}")
    method_name = ctx.text_fig("finetune_method")
    method = next(m for m in ctx.k.methods if m.name == method_name)
    ctx.used.add(f"training method {method.name}")
    tokens = _training_tokens(ctx, examples)
    params = _params_billion(ctx)
    flops = tokens * ctx.fig("flops_per_param_token") * params * 1e9 * method.compute_factor
    compute_hours = flops / (peak * 1e12 * ctx.fig("training_efficiency")) / 3600
    hours = compute_hours + ctx.fig("run_overhead_hours")
    cost = hours * usd_hour
    return cost, Derivation(
        "training_run",
        "(tokens x flops_per_param_token x params x method_factor / (peak_flops x efficiency) / 3600 + overhead_hours) x usd_per_gpu_hour",
        {
            "tokens": tokens,
            "flops_per_param_token": ctx.fig("flops_per_param_token"),
            "params": params * 1e9,
            "method_factor": method.compute_factor,
            "peak_flops": peak * 1e12,
            "efficiency": ctx.fig("training_efficiency"),
            "overhead_hours": ctx.fig("run_overhead_hours"),
            "usd_per_gpu_hour": usd_hour,
        },
        cost,
    )


def _training(ctx: _Ctx, run_cost: float, data: _Data) -> tuple[float, float, list[Derivation]]:
    """Experiments before launch (with the failed-attempt budget), then retraining; rapid change
    retrains more often and relabels part of the set every month."""
    runs = ctx.fig("experiment_runs")
    failed = ctx.fig("failed_attempt_factor")
    retrain = ctx.fig("retrain_runs_per_month")
    rapid = "rapid_change" in ctx.drivers
    change_factor = ctx.fig("rapid_change_retrain_factor") if rapid else 1.0
    relabel_share = ctx.fig("rapid_change_relabel_share") if rapid else 0.0
    per_example, qa = _per_example(ctx) if rapid else (0.0, 0.0)
    relabel = relabel_share * data.examples * per_example * (1 + qa)
    one_time = runs * failed * run_cost
    monthly = retrain * change_factor * run_cost + relabel
    return one_time, monthly, [
        Derivation(
            "training_one_time",
            "experiment_runs x failed_attempt_factor x training_run",
            {"experiment_runs": runs, "failed_attempt_factor": failed, "training_run": run_cost},
            one_time,
        ),
        Derivation(
            "training",
            "retrain_runs_per_month x change_factor x training_run + relabel_share x examples x usd_per_example x (1 + qa_overhead)",
            {
                "retrain_runs_per_month": retrain, "change_factor": change_factor, "training_run": run_cost,
                "relabel_share": relabel_share, "examples": data.examples, "usd_per_example": per_example, "qa_overhead": qa,
            },
            monthly,
        ),
    ]


def _compliance(ctx: _Ctx, option: Option) -> float:
    """One-time reviews a regulated industry requires: the model's validation for an option that
    trains one, the vendor's security review for an option that sends data to a vendor."""
    if "compliance_review" not in ctx.drivers:
        return 0.0
    model = ctx.fig("compliance_review_usd") if option in FINETUNED else 0.0
    vendor = ctx.fig("vendor_review_usd") if option in ("api", "vendor-finetune", "hybrid") else 0.0
    return model + vendor


def _build(ctx: _Ctx, option: Option, data: _Data) -> tuple[float, float, list[Derivation]]:
    """Engineering build-out, evaluation set and compliance review; and the calendar weeks it
    takes, shortened by a larger team up to build_team_max, lengthened by closing a data gap."""
    a = ctx.a
    effort = ctx.fig(f"build_weeks_{option.replace('-', '_')}")
    yearly = ctx.fig("ml_engineer_usd_per_year")
    premium = ctx.fig("contractor_premium") if "no_ml_owner" in ctx.drivers else 1.0
    engineering = effort * yearly / 52 * premium
    per_example, qa = _per_example(ctx)
    eval_examples = ctx.fig("eval_set_examples")
    eval_set = eval_examples * per_example * (1 + qa)
    compliance = _compliance(ctx, option)
    build = engineering + eval_set + compliance
    team_max = ctx.fig("build_team_max")
    team = arith.minimum(arith.maximum(a.ml_engineers, 1.0), team_max)
    weeks = effort / team + data.weeks
    return build, weeks, [
        Derivation(
            "build_engineering",
            "build_weeks x ml_engineer_usd_per_year / 52 x contractor_premium",
            {"build_weeks": effort, "ml_engineer_usd_per_year": yearly, "contractor_premium": premium},
            engineering,
        ),
        Derivation(
            "eval_set",
            "eval_set_examples x usd_per_example x (1 + qa_overhead)",
            {"eval_set_examples": eval_examples, "usd_per_example": per_example, "qa_overhead": qa},
            eval_set,
        ),
        Derivation(
            "build",
            "build_engineering + eval_set + compliance_review",
            {"build_engineering": engineering, "eval_set": eval_set, "compliance_review": compliance},
            build,
        ),
        Derivation(
            "build_calendar_weeks",
            "build_weeks / min(max(ml_engineers, 1), build_team_max) + data_gap_weeks",
            {"build_weeks": effort, "ml_engineers": a.ml_engineers, "build_team_max": team_max, "data_gap_weeks": data.weeks},
            weeks,
            "weeks",
        ),
    ]


def _bridge(ctx: _Ctx, build_months: float, api_monthly: float, own_monthly: float) -> tuple[float, str, Derivation]:
    """What is paid to serve the workload while the option is built: the API bill, or, when no
    vendor may see the data, an open base model served in house at the option's own run cost."""
    months = arith.minimum(build_months, float(ctx.a.horizon_months))
    if ctx.a.data_must_stay_in_house:
        payer, monthly = "in-house base model", own_monthly
    else:
        payer, monthly = "api", api_monthly
    value = monthly * months
    return value, payer, Derivation(
        "bridge",
        "monthly_cost_while_building x min(build_months, horizon_months)",
        {"monthly_cost_while_building": monthly, "build_months": months, "paid_by": payer},
        value,
    )


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


def _review_derivation(ctx: _Ctx, daily: float, rate: float, value: float) -> Derivation:
    return Derivation(
        "review",
        "daily_requests x review_rate x cost_per_review x 365/12",
        {"daily_requests": daily, "review_rate": rate / 100, "cost_per_review": ctx.a.cost_per_review},
        value,
    )


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
        Derivation("inference", "serving cost (always-on or on-demand)", {"serving": detail["serving"]}, serving),
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
            "core serving (share of traffic on own GPUs) + (1 - share) x daily_requests x api_per_request x 365/12",
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
        derivations.append(Derivation("inference", "dedicated deployment serving cost", {"serving": serving["serving"]}, inference))
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


def platform_offer(scenario: Scenario, k: Knowledge, in_house: bool) -> tuple[GpuOffer, float, str]:
    """The GPU offer a shared platform rents for `scenario`'s answer, honouring in-house data for
    the whole platform: the offer, its price per GPU-hour and why it was chosen."""
    ctx = _Ctx(scenario.with_changes(data_must_stay_in_house=in_house), k)
    offer, why = _offer(ctx)
    _, usd_hour = _gpu(ctx)
    return offer, usd_hour, why


def serving_seconds(scenario: Scenario, k: Knowledge, gpu: str) -> float:
    """GPU-seconds one request of `scenario` takes on `gpu` (fine-tuned token counts)."""
    ctx = _Ctx(scenario, k)
    in_tok, out_tok, _ = _reduced_tokens(ctx)
    seconds, _, _ = _gpu_seconds(ctx, gpu, in_tok, out_tok)
    return float(seconds)


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
