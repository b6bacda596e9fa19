"""Provides the assumption rows every output lists: defaulted answers, overrides and figures used."""

from __future__ import annotations

from dataclasses import dataclass

from advisor.decide import Decision
from advisor.knowledge import Knowledge


@dataclass(frozen=True)
class Assumption:
    name: str
    value: float | int | str | bool
    source: str
    as_of: str
    kind: str  # "default answer", "override" or "figure"

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "value": self.value, "source": self.source, "as_of": self.as_of, "kind": self.kind}


def _entry_value(name: str, k: Knowledge) -> tuple[str, float | int | str] | None:
    items = k.sourced_items_dict()
    item = items.get(name)
    if item is None:
        return None
    kind, _, rest = name.partition(" ")
    if name.startswith("figure "):
        return rest, item.value  # type: ignore[attr-defined]
    if name.startswith("gpu offer "):
        return f"gpu_usd_per_hour ({rest.removeprefix('offer ')})", item.usd_per_hour  # type: ignore[attr-defined]
    if name.startswith("throughput "):
        return f"{name} (prefill / decode tok/s)", f"{item.prefill_tps:,.0f} / {item.decode_tps:,.0f}"  # type: ignore[attr-defined]
    if name.startswith("peak compute "):
        return f"{name} (TFLOPS)", item.peak_tflops  # type: ignore[attr-defined]
    if name.startswith("training method "):
        return f"{name} (compute factor)", item.compute_factor  # type: ignore[attr-defined]
    if name.startswith("vendor fine-tuning "):
        return f"{name} (training USD per 1M tokens)", item.training_usd_per_mtok  # type: ignore[attr-defined]
    if name.startswith("labeling "):
        return f"{name} (USD per example)", item.usd_per_example  # type: ignore[attr-defined]
    return name, str(kind)


def assumption_rows(decision: Decision, k: Knowledge) -> list[Assumption]:
    """What the decision took for granted: defaults, overrides, then every knowledge figure used."""
    s = decision.scenario
    rows = [
        Assumption(name, getattr(s.answers, name), k.answers[name].source, k.answers[name].as_of.isoformat(), "default answer")
        for name in s.defaulted
    ]
    today = decision.today.isoformat()
    rows += [
        Assumption(name, value, "override in the answers file", today, "override")
        for name, value in sorted(s.overrides.items())
    ]
    items = k.sourced_items_dict()
    for used in sorted(decision.report.used):
        if used.startswith("figure ") and used.removeprefix("figure ") in s.overrides:
            continue
        shown = _entry_value(used, k)
        if shown is None:
            continue
        name, value = shown
        item = items[used]
        rows.append(Assumption(name, value, item.source, item.as_of.isoformat(), "figure"))
    api = decision.report.options["api"].detail
    rows.append(
        Assumption(
            f"api price {api.get('model')}" + (" (batch)" if api.get("batch_pricing") else ""),
            _api_rate(decision),
            decision.report.sources.get("api_price", "genai-prices"),
            str(api.get("price_verified") or "unknown"),
            "figure",
        )
    )
    return rows


def _api_rate(decision: Decision) -> str:
    d = decision.report.derivation("api.inference_per_request")
    if d is None:
        return ""
    return f"${d.inputs['input_price']:g} in / ${d.inputs['output_price']:g} out per 1M tokens"
