"""Provides the `--json` view of a Decision (schema buildbuy.decision/1, see DESIGN.md)."""

from __future__ import annotations

import json
import math
from typing import Any

from advisor.decision import Decision
from advisor.inputs.knowledge import Knowledge
from advisor.inputs.scenario import OPTIONS
from advisor.views.assumptions import assumption_rows

SCHEMA = "buildbuy.decision/1"


def _cents(x: float) -> float:
    return round(x, 2)


def strict(value: Any) -> Any:
    """The same data with every NaN or infinity replaced by null: JSON has no such numbers, and
    strict parsers (Node's JSON.parse, Go's encoding/json) reject the bare tokens."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: strict(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict(v) for v in value]
    return value


def dumps(data: Any) -> str:
    """Strict JSON text: never NaN or Infinity."""
    return json.dumps(strict(data), indent=2, allow_nan=False)


def decision_json(decision: Decision, k: Knowledge) -> dict[str, Any]:
    report = decision.report
    options: dict[str, Any] = {}
    for option in OPTIONS:
        c = report.options[option]
        options[option] = {
            "eligible": decision.eligible(option),
            "excluded_by": decision.excluded_by[option],
            "score": decision.scores[option],
            "one_time_usd": _cents(c.one_time_usd),
            "monthly_usd": _cents(c.monthly_usd),
            "per_request_usd": round(c.per_request_usd, 6),
            "tco_usd": _cents(c.tco_usd),
            "breakdown": {key: _cents(v) for key, v in c.breakdown.items()},
            "breakeven_month": c.breakeven_month,
            "build_months": round(c.build_months, 4),
            "detail": c.detail,
        }
    out: dict[str, Any] = {
        "schema": SCHEMA,
        "recommendation": {
            "option": decision.option,
            "confidence": decision.confidence,
            "summary": decision.summary,
            "runner_up": decision.runner_up,
            "cheapest": decision.cheapest,
            "strategic_tolerance_pct": decision.tolerance_pct,
            "plan": [
                {"phase": p.phase, "option": p.option, "action": p.action, "until": p.until} for p in decision.plan
            ],
        },
        "options": options,
        "findings": [
            {
                "rule": f.rule,
                "kind": f.kind,
                "option": f.option,
                "weight": f.weight,
                "because": f.because,
                "source": f.source,
                "criterion": f.criterion,
            }
            for f in decision.findings
        ],
        "flip_points": [
            {"input": fp.input, "value": fp.value, "to": fp.to, "direction": fp.direction}
            for fp in decision.flip_points
        ],
        "flip_search": [
            {"input": i.input, "low": i.low, "high": i.high} if not i.values else {"input": i.input, "values": list(i.values)}
            for i in decision.flip_search
        ],
        "assumptions": [a.as_dict() for a in assumption_rows(decision, k)],
        "warnings": list(decision.warnings),
    }
    if decision.uncertainty is not None:
        out["uncertainty"] = decision.uncertainty.as_dict()
    return strict(out)
