"""Provides `buildbuy calibrate`: a team's own `vllm bench serve` result turned into serving rates
(prefill and decode tokens per second per GPU) that `decide --assumptions FILE` uses instead of
the default capacity model, and the reader for such assumptions files.

The benchmark gives one throughput at one request shape: GPU-seconds per request. That time is
split between prefill and decode in the proportion the roofline model gives for the same shape,
GPU and model size, so the rates reproduce the measurement exactly at that shape.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from advisor.costs.capacity import Efficiencies, capacity
from advisor.errors import InputError
from advisor.inputs.datafiles import read_text, read_toml
from advisor.inputs.knowledge import Knowledge

_REQUIRED = ("completed", "total_input_tokens", "total_output_tokens", "request_throughput")


@dataclass(frozen=True)
class Calibration:
    gpu: str
    gpus: int
    model_size: str
    input_tokens: float
    output_tokens: float
    requests_per_second: float
    prefill_tps: float
    decode_tps: float
    source: str

    def toml(self) -> str:
        gpu_s = self.gpus / self.requests_per_second
        return "\n".join(
            [
                f"# Written by buildbuy calibrate on {dt.date.today().isoformat()} from {self.source}.",
                f"# Measured: {self.requests_per_second:,.3f} requests/s on {self.gpus} x {self.gpu} at "
                f"{self.input_tokens:,.0f} input / {self.output_tokens:,.0f} output tokens a request "
                f"({gpu_s:.4f} GPU-seconds each), model size class {self.model_size}.",
                "# Use it with: buildbuy decide ANSWERS.toml --assumptions THIS_FILE",
                "",
                "[assumptions]",
                f"prefill_tps = {self.prefill_tps:.1f}",
                f"decode_tps = {self.decode_tps:.1f}",
                "",
            ]
        )


def _number(data: dict[str, Any], key: str, where: str) -> float:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise InputError(f"{where}: {key} = {value!r}: a `vllm bench serve` result needs a positive number here")
    return float(value)


def read_bench(path: Path, k: Knowledge, *, gpu: str, gpus: int, model_size: str) -> Calibration:
    """Rates per GPU from a `vllm bench serve --save-result` JSON file."""
    if gpus < 1 or gpus > 64:
        raise InputError(f"--gpus {gpus}: the GPUs the benchmarked server used, 1 to 64")
    compute = next((c for c in k.gpu_compute if c.gpu == gpu), None)
    if compute is None:
        known = ", ".join(c.gpu for c in k.gpu_compute)
        raise InputError(f"--gpu {gpu!r}: unknown GPU; one of {known}")
    model = k.model_class(model_size)
    if model is None:
        raise InputError(f"--model-size {model_size!r}: one of {', '.join(m.name for m in k.model_classes)}")
    try:
        data = json.loads(read_text(path, InputError))
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected the JSON object `vllm bench serve --save-result` writes")
    missing = [key for key in _REQUIRED if key not in data]
    if missing:
        raise InputError(f"{path}: missing {', '.join(missing)}; is this a `vllm bench serve --save-result` file?")
    completed = _number(data, "completed", str(path))
    rps = _number(data, "request_throughput", str(path))
    in_tok = _number(data, "total_input_tokens", str(path)) / completed
    out_tok = _number(data, "total_output_tokens", str(path)) / completed
    gpu_seconds = gpus / rps
    f = k.figures
    eff = Efficiencies(
        prefill=float(f["serving_prefill_efficiency"].value),  # type: ignore[arg-type]
        bandwidth=float(f["serving_bandwidth_efficiency"].value),  # type: ignore[arg-type]
        decode_compute=float(f["serving_decode_compute_efficiency"].value),  # type: ignore[arg-type]
        max_batch=float(f["serving_max_batch"].value),  # type: ignore[arg-type]
        memory_fraction=float(f["serving_memory_fraction"].value),  # type: ignore[arg-type]
        kv_bytes=float(f["kv_bytes_per_value"].value),  # type: ignore[arg-type]
    )
    model_cap = capacity(model, compute, eff, in_tok, out_tok)
    prefill_share = (in_tok / model_cap.prefill_tps) / (in_tok / model_cap.prefill_tps + out_tok / model_cap.decode_tps)
    prefill = in_tok / (gpu_seconds * prefill_share)
    decode = out_tok / (gpu_seconds * (1 - prefill_share))
    model_id = data.get("model_id") or data.get("model") or "an unnamed model"
    when = data.get("date") or "an undated run"
    source = f"{path.name} (vllm bench serve, {when}, {model_id})"
    return Calibration(gpu, gpus, model_size, in_tok, out_tok, rps, prefill, decode, source)


def read_assumptions(path: Path, k: Knowledge) -> dict[str, float | str]:
    """The [assumptions] table of an assumptions file, each value checked like an answers file's."""
    from advisor.inputs.scenario import check_override

    data = read_toml(path, InputError)
    extra = sorted(set(data) - {"assumptions"})
    if extra:
        raise InputError(f"{path}: [{extra[0]}]: unknown table; an assumptions file holds only [assumptions]")
    table = data.get("assumptions", {})
    if not isinstance(table, dict) or not table:
        raise InputError(f"{path}: no [assumptions] table")
    problems = [p for p in (check_override(name, value, k) for name, value in table.items()) if p]
    if problems:
        raise InputError([f"{path}: {p}" for p in problems])
    return dict(table)
