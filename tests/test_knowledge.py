"""The knowledge base: complete, sourced, dated, and loud about a broken or stale file."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from advisor.errors import KnowledgeError
from advisor.inputs.datafiles import data_dir
from advisor.inputs.knowledge import load_knowledge, stale_warning
from advisor.inputs.scenario import ANSWER_NAMES


def copy_knowledge(tmp_path: Path) -> Path:
    target = tmp_path / "knowledge"
    shutil.copytree(data_dir("knowledge"), target)
    return target


def test_every_answer_has_a_default_question_and_source(k):
    assert set(k.answers) == set(ANSWER_NAMES)
    for name, spec in k.answers.items():
        assert spec.question and spec.why and spec.source, name


def test_numeric_answers_have_a_plausible_range(k):
    for name, spec in k.answers.items():
        if spec.type in {"int", "float"}:
            assert spec.low is not None and spec.high is not None, name
            assert spec.low <= spec.default <= spec.high, name


def test_the_seed_gpu_prices_are_in_the_offers(k):
    assert k.offer("h100-pcie", "runpod").usd_per_hour == 1.99
    assert {o.usd_per_hour for o in k.gpu_offers if o.gpu == "h100-pcie"} >= {1.99, 3.29}


def test_openai_wind_down_dates_are_known(k):
    openai = [o for o in k.vendor_offers if o.vendor == "openai"]
    assert openai and all(o.existing_customers_until == dt.date(2027, 1, 6) for o in openai)
    assert all(o.new_customers_until == dt.date(2026, 5, 7) for o in openai)


def test_broken_value_names_file_and_key(tmp_path):
    folder = copy_knowledge(tmp_path)
    path = folder / "serving.toml"
    path.write_text(path.read_text().replace("decode_tps = 11800", "decode_tps = -3"))
    with pytest.raises(KnowledgeError) as exc:
        load_knowledge(folder)
    assert exc.value.problems == [f"{path}: throughput.1.decode_tps: Input should be greater than 0"]


def test_missing_source_and_broken_toml_reported_together(tmp_path):
    folder = copy_knowledge(tmp_path)
    people = folder / "people.toml"
    people.write_text(people.read_text().replace('source = "Build vs Buy: Fine-Tuned LLM Economics (article), Data Labeling and Preparation (20-30 %)"\n', ""))
    econ = folder / "economics.toml"
    econ.write_text("[figure.token_reduction\n")
    with pytest.raises(KnowledgeError) as exc:
        load_knowledge(folder)
    text = "\n".join(exc.value.problems)
    assert f"{people}: figure.labeling_qa_overhead.source: required key is missing" in text
    assert f"{econ}: not valid TOML" in text and "line 1" in text


def test_missing_file_is_named(tmp_path):
    folder = copy_knowledge(tmp_path)
    (folder / "gpu_offers.toml").unlink()
    with pytest.raises(KnowledgeError) as exc:
        load_knowledge(folder)
    assert exc.value.problems == [f"{folder / 'gpu_offers.toml'}: file not found"]


def test_figure_outside_its_range_is_refused(tmp_path):
    folder = copy_knowledge(tmp_path)
    path = folder / "economics.toml"
    path.write_text(path.read_text().replace("value = 0.25\nlow = 0.20", "value = 0.5\nlow = 0.20"))
    with pytest.raises(KnowledgeError) as exc:
        load_knowledge(folder)
    assert "figure.token_reduction: value (0.5) is above high (0.3)" in exc.value.problems[0]


def test_stale_figures_warn_and_fresh_ones_do_not(k):
    warning = stale_warning(k, dt.date(2026, 11, 30), {"throughput 8b on h100-pcie", "figure token_reduction"})
    assert warning is not None
    assert "throughput 8b on h100-pcie (as_of 2025-12-01)" in warning
    assert "token_reduction" not in warning
    assert stale_warning(k, dt.date(2026, 1, 1), {"throughput 8b on h100-pcie"}) is None


def test_stale_warning_reaches_every_output(k, rules, scenario):
    from advisor.decision import decide

    old = k.model_copy(deep=True)
    old.figures["token_reduction"] = k.figures["token_reduction"].model_copy(update={"as_of": dt.date(2025, 1, 31)})
    d = decide(scenario(daily_requests=50_000), old, rules, dt.date(2026, 11, 30))
    assert any("older than 180 days" in w and "token_reduction (as_of 2025-01-31)" in w for w in d.warnings)


def test_disk_cache_follows_edits_and_survives_corruption(tmp_path):
    from advisor.inputs.datafiles import _cache_dir
    from advisor.inputs.knowledge import _load_cached

    folder = copy_knowledge(tmp_path)
    first = _load_cached.__wrapped__(folder)  # bypass the in-process cache, use the disk cache
    assert first.figures["token_reduction"].value == 0.25
    cached = list(_cache_dir().glob("knowledge-*.json"))
    assert cached
    for path in cached:
        path.write_bytes(b"not json")
    assert _load_cached.__wrapped__(folder).figures["token_reduction"].value == 0.25
    econ = folder / "economics.toml"
    econ.write_text(econ.read_text().replace("value = 0.25\nlow = 0.20", "value = 0.22\nlow = 0.20"))
    assert _load_cached.__wrapped__(folder).figures["token_reduction"].value == 0.22
