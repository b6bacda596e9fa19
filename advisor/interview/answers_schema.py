"""Provides the answers contract as a JSON schema for tools: the same names, types, bounds and
choices as the pydantic `Answers` model, each described with its interview question and unit."""

from __future__ import annotations

from typing import Any

from advisor.inputs.knowledge import Knowledge
from advisor.inputs.scenario import Answers


def answer_properties(k: Knowledge, *, names: tuple[str, ...] | None = None) -> dict[str, Any]:
    """name -> JSON schema of one answer, described for a model that fills it in."""
    schema = Answers.model_json_schema()["properties"]
    out: dict[str, Any] = {}
    for name, prop in schema.items():
        if names is not None and name not in names:
            continue
        spec = k.answers.get(name)
        described = {key: value for key, value in prop.items() if key != "title"}
        if spec is not None:
            unit = f" ({spec.unit})" if spec.unit else ""
            described["description"] = f"{spec.question}{unit} Default when unknown: {spec.default!r}."
        out[name] = described
    return out


def answers_object(k: Knowledge, description: str) -> dict[str, Any]:
    """An object schema of any subset of the answers; nothing else is allowed in it."""
    return {
        "type": "object",
        "description": description,
        "properties": answer_properties(k),
        "additionalProperties": False,
    }
