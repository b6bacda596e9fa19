"""Provides `buildbuy example`: a complete answers file, every answer commented from knowledge/."""

from __future__ import annotations

import json
import textwrap

from advisor.inputs.knowledge import AnswerSpec, Knowledge

_SECTIONS = ("workload", "data", "compliance", "change", "quality", "team", "costs")


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        return f"{value:_}" if abs(value) >= 10_000 else str(value)
    raise TypeError(f"cannot write {value!r} as TOML")


def _describe(spec: AnswerSpec) -> str:
    parts = [spec.question]
    if spec.choices:
        parts.append("One of: " + ", ".join(spec.choices) + ".")
    if spec.unit:
        parts.append(f"Unit: {spec.unit}.")
    parts.append(f"Default: {toml_value(spec.default)}.")
    parts.append(spec.why)
    return " ".join(parts)


def example_answers(k: Knowledge) -> str:
    lines = [
        "# buildbuy answers file. Run: buildbuy decide THIS_FILE",
        "# Every answer is optional: a missing one takes its default and is listed as an assumption.",
        "",
        "[answers]",
    ]
    for section in _SECTIONS:
        specs = [(n, s) for n, s in k.answers.items() if s.section == section]
        if not specs:
            continue
        lines += ["", f"# --- {section} ---"]
        for name, spec in specs:
            for line in textwrap.wrap(_describe(spec), 96):
                lines.append(f"# {line}")
            lines.append(f"{name} = {toml_value(spec.default)}")
    lines += [
        "",
        "# Override any knowledge figure by name (`buildbuy knowledge` lists them), e.g.:",
        "[assumptions]",
        f"# token_reduction = {toml_value(k.figures['token_reduction'].value)}",
        "# gpu_usd_per_hour = 2.49",
        "",
    ]
    return "\n".join(lines)
