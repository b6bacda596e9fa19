"""Provides vendor API token prices from genai-prices, offline (its updater is never called)."""

from __future__ import annotations

import difflib
import hashlib
import math
import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

from genai_prices import Usage, calc_price
from genai_prices import __version__ as _GENAI_PRICES_VERSION
from genai_prices.data_snapshot import get_snapshot

from advisor.errors import UnknownModelError
from advisor.inputs.datafiles import disk_memo

_PROBE_TOKENS = 1000  # small enough to stay in every model's first price tier


@dataclass(frozen=True)
class TokenPrice:
    """USD per 1M tokens for one model, and where the figure came from."""

    model: str
    provider: str
    input_usd_per_mtok: float
    output_usd_per_mtok: float
    batch: bool
    source: str
    verified: str = ""  # when genai-prices last verified this price (ISO date)
    cached_input_usd_per_mtok: float | None = None  # prompt-cache reads, where the vendor bills them lower

    def per_request(self, input_tokens: float, output_tokens: float, cached_share: float = 0.0) -> float:
        """Token price of one request; `cached_share` of the input is billed at the cached rate."""
        cached_rate = self.input_usd_per_mtok if self.cached_input_usd_per_mtok is None else self.cached_input_usd_per_mtok
        cached = input_tokens * cached_share
        return ((input_tokens - cached) * self.input_usd_per_mtok + cached * cached_rate + output_tokens * self.output_usd_per_mtok) / 1e6


@lru_cache(maxsize=1)
def known_models() -> tuple[str, ...]:
    """Model ids and the exact names their match clauses accept."""
    names: set[str] = set()
    for provider in get_snapshot().providers:
        for model in provider.models:
            names.add(model.id)
            names.update(_equals(model.match))
    return tuple(sorted(names))


def _equals(clause: object) -> list[str]:
    if hasattr(clause, "equals"):
        return [clause.equals]
    return [name for sub in getattr(clause, "or_", []) for name in _equals(sub)]


def _rate(model: str, provider: str | None, *, inp: int, out: int, batch: bool) -> tuple[float, str, str]:
    context = {"processing": "batch"} if batch else None
    result = calc_price(
        Usage(input_tokens=inp, output_tokens=out), model, provider_id=provider, price_context=context
    )
    scale = 1e6 / (inp or out)
    return float(result.total_price) * scale, result.provider.id, result.model.id


@lru_cache(maxsize=256)
def token_price(model: str, *, batch: bool = False, provider: str | None = None) -> TokenPrice:
    """List prices of `model`; with batch=True the batch price where the vendor offers one.

    Loading genai-prices' data takes tens of milliseconds, so a price once looked up is kept in
    the user cache, keyed by the genai-prices version (an upgrade brings new prices)."""
    found = disk_memo(
        "price", [_GENAI_PRICES_VERSION, _code_digest(), model, batch, provider],
        lambda: _lookup(model, batch, provider), dump=_dump_price, load=_load_price,
    )
    if isinstance(found, str):
        raise UnknownModelError(found)
    return found


def _cached_rate(model: str, provider: str | None, batch: bool) -> float | None:
    """USD per 1M input tokens read from the prompt cache, None when the vendor has no such rate."""
    context = {"processing": "batch"} if batch else None
    usage = Usage(input_tokens=_PROBE_TOKENS, cache_read_tokens=_PROBE_TOKENS)
    try:
        result = calc_price(usage, model, provider_id=provider, price_context=context)
    except LookupError:
        return None
    if getattr(result.model_price, "cache_read_mtok", None) is None:
        return None
    return float(result.total_price) * 1e6 / _PROBE_TOKENS


@lru_cache(maxsize=1)
def _code_digest() -> str:
    """This module's content hash: a changed TokenPrice must not meet data cached for the old one."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


def _dump_price(found: TokenPrice | str) -> dict[str, object]:
    return {"unknown": found} if isinstance(found, str) else {"price": asdict(found)}


def _load_price(data: dict[str, object]) -> TokenPrice | str:
    if "unknown" in data:
        return str(data["unknown"])
    fields = data["price"]
    assert isinstance(fields, dict)
    price = TokenPrice(**fields)
    for rate in (price.input_usd_per_mtok, price.output_usd_per_mtok):
        if not isinstance(rate, (int, float)) or not math.isfinite(rate) or rate < 0:
            raise ValueError("a cached price is not a finite number >= 0")
    return price


def _lookup(model: str, batch: bool, provider: str | None) -> TokenPrice | str:
    try:
        inp, prov, model_id = _rate(model, provider, inp=_PROBE_TOKENS, out=0, batch=False)
        outp, _, _ = _rate(model, provider, inp=0, out=_PROBE_TOKENS, batch=False)
    except LookupError:
        return f"unknown model {model!r}{_suggest(model)}"
    source = f"genai-prices {_GENAI_PRICES_VERSION}: {prov} {model_id}"
    if batch:
        b_in, _, _ = _rate(model, provider, inp=_PROBE_TOKENS, out=0, batch=True)
        b_out, _, _ = _rate(model, provider, inp=0, out=_PROBE_TOKENS, batch=True)
        if b_in < inp or b_out < outp:
            return TokenPrice(
                model, prov, b_in, b_out, True, source + " (batch processing)", price_data_date(model, prov),
                _cached_rate(model, provider, True),
            )
    return TokenPrice(model, prov, inp, outp, False, source, price_data_date(model, prov), _cached_rate(model, provider, False))


def _suggest(model: str) -> str:
    near = [
        name
        for name in difflib.get_close_matches(model, known_models(), n=8, cutoff=0.5)
        if _prices(name)
    ][:3]
    return f"; did you mean {', '.join(near)}?" if near else "; see the model ids genai-prices knows"


def _prices(name: str) -> bool:
    try:
        calc_price(Usage(input_tokens=1, output_tokens=1), name)
    except LookupError:
        return False
    return True


def check_model(model: str) -> str | None:
    """None when genai-prices prices `model`, else a one-line reason with suggestions."""
    try:
        token_price(model)
    except UnknownModelError as exc:
        return str(exc)
    return None


_DATE = re.compile(r"\b(20\d\d-\d\d-\d\d)\b")


def _dates(text: str | None) -> list[str]:
    return _DATE.findall(text or "")


@lru_cache(maxsize=1)
def _newest_verification() -> str:
    found = [d for p in get_snapshot().providers for m in p.models for d in _dates(m.price_comments)]
    return max(found) if found else "1970-01-01"


@lru_cache(maxsize=64)
def price_data_date(model: str, provider: str | None = None) -> str:
    """When genai-prices last verified `model`'s price (from its price comments), as an ISO date.

    The snapshot's own timestamp is the import time, so the verification notes are the honest
    date; a model without one gets the newest verification date in the whole data set.
    """
    try:
        _, found = get_snapshot().find_provider_model(model, None, provider, None)
    except LookupError:
        return _newest_verification()
    dates = _dates(found.price_comments)
    return max(dates) if dates else _newest_verification()
