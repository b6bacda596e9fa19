"""Provides the serving capacity of one GPU for one request shape: a roofline model with the KV-cache
limit, as the public LLM inference calculators build it.

Prefill is compute-bound and slows as attention grows with the prompt. Decode reads the weights
once per step for the whole batch and the KV cache of every sequence in it, so it is memory-bound
until the batch is large and compute-bound after; the batch is capped by the KV cache that fits
beside the weights and by the server's batch limit. A model too large for one GPU runs as a
replica over 2, 4 or 8 GPUs (tensor parallel), and capacity is reported per GPU. Pure arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass

from advisor.costs import arith
from advisor.inputs.knowledge import GpuCompute, ModelClass


@dataclass(frozen=True)
class Efficiencies:
    prefill: float  # fraction of dense peak compute reached by prefill
    bandwidth: float  # fraction of memory bandwidth reached by decode
    decode_compute: float  # fraction of dense peak compute reached by a compute-bound decode batch
    max_batch: float  # most sequences decoded together per replica
    memory_fraction: float  # share of GPU memory the server uses
    kv_bytes: float  # bytes per cached key or value element


@dataclass(frozen=True)
class Capacity:
    replica_gpus: int
    weight_bytes: float
    kv_bytes_per_token: float
    kv_tokens: float  # tokens of KV cache that fit per replica
    batch: float  # sequences decoded together for this request shape
    prefill_tps: float  # input tokens/s per replica at this prompt length
    decode_tps: float  # output tokens/s per replica at this shape
    gpu_seconds: float  # GPU-seconds per request (replica seconds x replica GPUs)


def replica_gpus(model: ModelClass, gpu: GpuCompute, eff: Efficiencies) -> int:
    """Fewest GPUs (1, 2, 4, 8) whose memory holds the weights in at most half of it, leaving the
    rest for KV cache."""
    weights = model.params_billion * 1e9 * (1 if gpu.fp8 else 2)
    for n in (1, 2, 4, 8):
        if weights <= 0.5 * n * gpu.memory_gb * 1e9 * eff.memory_fraction:
            return n
    return 8


def capacity(model: ModelClass, gpu: GpuCompute, eff: Efficiencies, input_tokens: float, output_tokens: float) -> Capacity:
    n = replica_gpus(model, gpu, eff)
    params = model.params_billion * 1e9
    weights = params * (1 if gpu.fp8 else 2)  # FP8 weights where the GPU runs FP8, else BF16
    peak = gpu.peak_tflops * 1e12 * (2 if gpu.fp8 else 1) * n
    bandwidth = gpu.bandwidth_tbs * 1e12 * n
    kv_per_token = 2 * model.layers * model.kv_heads * model.head_dim * eff.kv_bytes
    kv_tokens = arith.maximum(0.0, n * gpu.memory_gb * 1e9 * eff.memory_fraction - weights) / kv_per_token
    length = input_tokens + output_tokens
    batch = arith.maximum(1.0, arith.minimum(eff.max_batch, arith.divide(kv_tokens, length, eff.max_batch)))
    context = input_tokens + output_tokens / 2  # the average context a decode step attends to
    memory_time = (weights + batch * context * kv_per_token) / (bandwidth * eff.bandwidth)
    compute_time = 2 * params * batch / (peak * eff.decode_compute)
    decode_tps = batch / arith.maximum(memory_time, compute_time)
    attention = model.layers * model.d_model * input_tokens / params  # attention FLOPs over linear FLOPs
    prefill_tps = peak * eff.prefill / (2 * params) / (1 + attention)
    seconds = input_tokens / prefill_tps + output_tokens / decode_tps
    return Capacity(n, weights, kv_per_token, kv_tokens, batch, prefill_tps, decode_tps, seconds * n)
