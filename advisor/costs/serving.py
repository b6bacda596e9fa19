"""Provides what serving costs: GPU-seconds per request (roofline or measured rates), GPUs sized for
the peak, always-on or on-demand hours."""

from __future__ import annotations

import math

from advisor.costs import arith
from advisor.costs.capacity import Efficiencies, capacity
from advisor.costs.context import _Ctx, _gpu, _offer, _reduced_tokens, _round_up
from advisor.costs.model import DAYS_PER_MONTH, HOURS_PER_MONTH, SECONDS_PER_DAY, Derivation
from advisor.inputs.knowledge import GpuOffer, Knowledge
from advisor.inputs.scenario import Scenario


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
        "replica_gpus x (input_tokens / prefill_tps + output_tokens / decode_tps)",
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
            "max(floor x replica_gpus, ceil(ceil(daily_requests / 86400 x peak_to_average / capacity_per_gpu) / replica_gpus) x replica_gpus)",
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
