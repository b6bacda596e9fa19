"""The capacity model against published measurements, and `buildbuy calibrate` end to end."""

from __future__ import annotations

import tomllib

import pytest

from advisor.cli import main
from advisor.costs.capacity import Efficiencies, capacity
from tests.conftest import ROOT

CALIBRATION = tomllib.loads((ROOT / "knowledge" / "calibration.toml").read_text(encoding="utf-8"))["point"]
BENCH = ROOT / "tests" / "fixtures" / "vllm_bench_serve.json"


def efficiencies(k) -> Efficiencies:
    f = k.figures
    return Efficiencies(
        f["serving_prefill_efficiency"].value, f["serving_bandwidth_efficiency"].value,
        f["serving_decode_compute_efficiency"].value, f["serving_max_batch"].value,
        f["serving_memory_fraction"].value, f["kv_bytes_per_value"].value,
    )


@pytest.mark.parametrize("point", CALIBRATION, ids=lambda p: f"{p['input_tokens']}-{p['output_tokens']}")
def test_capacity_model_lands_within_25_percent_of_each_measurement(k, point):
    model = k.model_class(point["model_size"])
    gpu = next(c for c in k.gpu_compute if c.gpu == point["gpu"])
    modelled = 1 / capacity(model, gpu, efficiencies(k), point["input_tokens"], point["output_tokens"]).gpu_seconds
    assert modelled == pytest.approx(point["requests_per_second"], rel=0.25), point["run"]


def test_calibration_set_spans_short_and_long_contexts():
    lengths = {p["input_tokens"] + p["output_tokens"] for p in CALIBRATION}
    assert min(lengths) <= 256 and max(lengths) >= 8_000 and len(CALIBRATION) >= 5


def test_calibrate_writes_rates_that_reproduce_the_measurement(tmp_path, capsys, k):
    out = tmp_path / "cal.toml"
    assert main(["calibrate", str(BENCH), "--out", str(out)]) == 0
    table = tomllib.loads(out.read_text())["assumptions"]
    # 35.63 req/s on one GPU at 1,024 in / 128 out: the rates give back exactly that GPU time
    assert 1024 / table["prefill_tps"] + 128 / table["decode_tps"] == pytest.approx(1 / 35.63, rel=1e-3)
    assert "prefill" in capsys.readouterr().out
    # refuses to overwrite without --force
    assert main(["calibrate", str(BENCH), "--out", str(out)]) == 2
    assert "exists; pass --force" in capsys.readouterr().err


def test_decide_with_a_calibration_file_changes_the_capacity(tmp_path, capsys):
    import json

    answers = tmp_path / "a.toml"
    answers.write_text('[answers]\ndaily_requests = 400_000\ngpu = "h100-sxm"\n')
    cal = tmp_path / "cal.toml"
    cal.write_text("[assumptions]\nprefill_tps = 30000.0\ndecode_tps = 3000.0\n")
    assert main(["decide", str(answers), "--json", "--samples", "0"]) == 0
    default = json.loads(capsys.readouterr().out)["options"]["self-host"]["detail"]
    assert main(["decide", str(answers), "--json", "--samples", "0", "--assumptions", str(cal)]) == 0
    measured = json.loads(capsys.readouterr().out)
    detail = measured["options"]["self-host"]["detail"]
    assert detail["capacity_model"] == "measured rates" and default["capacity_model"] == "roofline"
    # 750 / 30,000 + 375 / 3,000 = 0.15 GPU-s, so 5 req/s per GPU at 75 % load
    assert detail["capacity_per_gpu_rps"] == pytest.approx(0.75 / (750 / 30_000 + 375 / 3_000))
    assert detail["gpus"] > default["gpus"]
    assert {"name": "prefill_tps", "value": 30000.0} .items() <= next(
        a for a in measured["assumptions"] if a["name"] == "prefill_tps"
    ).items()


@pytest.mark.parametrize(
    "content, message",
    [
        ("not json", "not valid JSON"),
        ("[1, 2]", "expected the JSON object"),
        ('{"completed": 10}', "missing total_input_tokens"),
        ('{"completed": 10, "total_input_tokens": 100, "total_output_tokens": 10, "request_throughput": 0}', "request_throughput = 0"),
    ],
)
def test_calibrate_rejects_what_is_not_a_bench_result(tmp_path, capsys, content, message):
    bench = tmp_path / "b.json"
    bench.write_text(content)
    assert main(["calibrate", str(bench), "--out", str(tmp_path / "o.toml")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "o.toml").exists()


def test_assumptions_file_is_validated_like_an_answers_file(tmp_path, capsys):
    answers = tmp_path / "a.toml"
    answers.write_text("[answers]\ndaily_requests = 1000\n")
    bad = tmp_path / "bad.toml"
    bad.write_text("[assumptions]\nprefil_tps = 5\n")
    assert main(["decide", str(answers), "--assumptions", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "assumptions.prefil_tps: unknown assumption" in err and "prefill_tps" in err
