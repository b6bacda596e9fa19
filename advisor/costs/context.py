"""Provides the pricing context: figures read once (with overrides and sampled values), the GPU offer
that honours the data rules, API price tiers, and the small shared formulas (review, maintenance)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from advisor.costs import arith
from advisor.costs.model import DAYS_PER_MONTH, Derivation
from advisor.costs.prices import TokenPrice, token_price
from advisor.inputs.knowledge import IN_HOUSE_HOSTING, GpuOffer, Knowledge
from advisor.inputs.scenario import Scenario


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
        {"base_fte": base, "fte_per_gpu": per_gpu, "gpus": own_gpus, "oncall_fte": oncall, "ml_engineer_usd_per_year": yearly, "contractor_premium": premium},
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


def _reduced_tokens(ctx: _Ctx) -> tuple[float, float, float]:
    r = ctx.fig("token_reduction")
    return ctx.a.input_tokens * (1 - r), ctx.a.output_tokens * (1 - r), r


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


def _review_derivation(ctx: _Ctx, daily: float, rate: float, value: float) -> Derivation:
    return Derivation(
        "review",
        "daily_requests x review_rate x cost_per_review x 365/12",
        {"daily_requests": daily, "review_rate": rate / 100, "cost_per_review": ctx.a.cost_per_review},
        value,
    )
