"""Bad input of every kind: one clear line per problem, exit 2, nothing swallowed, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from advisor.cli import main
from advisor.errors import InputError
from advisor.inputs.scenario import build_scenario


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "answers.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(k, **answers) -> list[str]:
    with pytest.raises(InputError) as exc:
        build_scenario(answers, k)
    return exc.value.problems


def test_unknown_answer_suggests_the_closest(k):
    [line] = problems(k, daily_request=5)
    assert "answers.daily_request: unknown answer (did you mean 'daily_requests'?)" == line


@pytest.mark.parametrize(
    "answers, expected",
    [
        ({"daily_requests": -5}, "answers.daily_requests = -5: must be at least 0"),
        ({"daily_requests": "lots"}, "answers.daily_requests = 'lots': must be a whole number"),
        ({"daily_requests": 10.5}, "answers.daily_requests = 10.5: must be a whole number"),
        ({"review_rate_api": 120}, "answers.review_rate_api = 120: must be at most 100"),
        ({"horizon_months": 0}, "answers.horizon_months = 0: must be at least 1"),
        ({"batch_ok": "yes"}, "answers.batch_ok = 'yes': must be true or false"),
        ({"peak_to_average": 0.5}, "answers.peak_to_average = 0.5: must be at least 1"),
        (
            {"requirements_volatility": "fast"},
            "answers.requirements_volatility = 'fast': not an allowed choice; allowed: stable, moderate, rapid",
        ),
    ],
)
def test_each_bad_value_gets_its_own_line(k, answers, expected):
    assert problems(k, **answers) == [expected]


def test_unknown_model_suggests_known_ids(k):
    [line] = problems(k, api_model="gpt4o")
    assert line.startswith("answers.api_model = 'gpt4o': unknown model 'gpt4o'; did you mean gpt-4o")


def test_unknown_gpu_offer_lists_the_known_ones(k):
    [line] = problems(k, gpu="h100-pcie", gpu_provider="azure")
    assert "no such offer" in line and "h100-pcie@runpod" in line


def test_unknown_assumption_is_named(k):
    with pytest.raises(InputError) as exc:
        build_scenario({}, k, {"token_reducton": 0.2, "token_reduction": 3})
    assert exc.value.problems == [
        "assumptions.token_reducton: unknown assumption (did you mean 'token_reduction'?); `buildbuy knowledge` lists them",
        "assumptions.token_reduction = 3: must be between 0 and 1 (fraction)",
    ]


def test_all_problems_are_reported_in_one_run(tmp_path, capsys):
    path = write(
        tmp_path,
        '[answers]\ndaily_requests = -1\nindustry = "retail"\nhorizon_months = 0\nfoo = 1\napi_model = "gpt-9z"\n',
    )
    code, out, err = run(capsys, "decide", str(path))
    assert code == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 4  # the model is checked only once the rest is valid
    assert all(line.startswith(f"buildbuy: {path}: answers.") for line in lines)
    assert any("industry = 'retail'" in line and "allowed: general, healthcare" in line for line in lines)


def test_broken_toml_names_the_line(tmp_path, capsys):
    path = write(tmp_path, "[answers]\ndaily_requests = = 5\n")
    code, _, err = run(capsys, "decide", str(path))
    assert code == 2
    assert f"{path}: not valid TOML" in err and "line 2" in err


def test_missing_file(tmp_path, capsys):
    code, _, err = run(capsys, "decide", str(tmp_path / "nope.toml"))
    assert code == 2
    assert err.strip() == f"buildbuy: {tmp_path / 'nope.toml'}: file not found"


def test_unknown_table(tmp_path, capsys):
    path = write(tmp_path, "[answer]\ndaily_requests = 5\n")
    code, _, err = run(capsys, "decide", str(path))
    assert code == 2 and "[answer]: unknown table; allowed: [answers], [assumptions]" in err


def test_partial_file_is_valid_and_defaults_are_assumptions(tmp_path, capsys):
    path = write(tmp_path, "[answers]\ndaily_requests = 150_000\n")
    code, out, err = run(capsys, "decide", str(path), "--samples", "0")
    assert code == 0, err
    assert "Defaults used for 27 answer(s)" in out


def test_no_traceback_in_a_real_process(tmp_path):
    path = write(tmp_path, "[answers]\ndaily_requests = -1\n")
    proc = subprocess.run(
        [sys.executable, "-m", "advisor", "decide", str(path)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "answers.daily_requests = -1: must be at least 0" in proc.stderr
