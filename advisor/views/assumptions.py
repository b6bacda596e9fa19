"""Provides the assumption rows every output lists: defaulted answers, overrides and figures used."""

from __future__ import annotations

from dataclasses import dataclass

from advisor.decision import Decision
from advisor.inputs.knowledge import Knowledge


@dataclass(frozen=True)
class Assumption:
    name: str
    value: float | int | str | bool
    source: str
    as_of: str
    kind: str  # "default answer", "override" or "figure"

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "value": self.value, "source": self.source, "as_of": self.as_of, "kind": self.kind}


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
        name = used.removeprefix("figure ")
        if name in s.overrides or used not in items:
            continue
        item = items[used]
        value = item.shown()
        rows.append(Assumption(name, "" if value is None else value, item.source, item.as_of.isoformat(), "figure"))
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
