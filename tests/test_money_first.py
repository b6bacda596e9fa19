"""Money first, over many generated plausible scenarios: the recommendation is eligible, within the
strategic tolerance of the cheapest eligible TCO, named against it when it is not the cheapest,
and every JSON the decision produces is strict."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from advisor.decision import decide
from advisor.decision.uncertainty import analyse
from advisor.inputs.scenario import OPTIONS, build_scenario
from advisor.views.json_view import decision_json, dumps
from tests.conftest import TODAY

N_SCENARIOS = 160


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-strict JSON constant {name}")


def strict_loads(text: str) -> Any:
    return json.loads(text, parse_constant=_reject_constant)


def plausible(k, rng: random.Random) -> dict[str, Any]:
    """Answers drawn from each answer's own plausible range or choices (log-uniform for volume)."""
    answers: dict[str, Any] = {}
    for name, spec in k.answers.items():
        if name in {"use_case", "api_model", "gpu", "gpu_provider"} or rng.random() < 0.25:
            continue  # leave some defaulted, as people do
        if spec.type == "bool":
            answers[name] = rng.random() < 0.5
        elif spec.type == "choice":
            answers[name] = rng.choice(list(spec.choices))
        elif spec.low is not None and spec.high is not None:
            low, high = float(spec.low), float(spec.high)
            if name in {"daily_requests", "labeled_examples", "examples_to_label"} and low >= 0:
                value = 10 ** rng.uniform(2, 6.7) if name == "daily_requests" else 10 ** rng.uniform(1, 4.5)
            else:
                value = rng.uniform(low, high)
            answers[name] = int(round(value)) if spec.type == "int" else round(value, 2)
    if "api_accuracy" in answers and "finetuned_accuracy" in answers:
        answers["finetuned_accuracy"] = max(answers["finetuned_accuracy"], answers["api_accuracy"])
    if "review_rate_api" in answers and "review_rate_finetuned" in answers:
        answers["review_rate_finetuned"] = min(answers["review_rate_finetuned"], answers["review_rate_api"])
    answers["api_model"] = rng.choice(["gpt-4o", "gpt-4o-mini", "gpt-4.1", "claude-sonnet-4-5"])
    return answers


def reference_choice(d) -> str:
    """A plain restatement of the ranking: the highest leaning within the tolerance of the cheapest
    eligible TCO, the cheaper on equal leanings."""
    eligible = [o for o in OPTIONS if d.eligible(o)]
    tco = {o: d.report.options[o].tco_usd for o in OPTIONS}
    cheapest = min(eligible, key=lambda o: (tco[o], OPTIONS.index(o)))
    band = [o for o in eligible if tco[o] <= tco[cheapest] * (1 + d.tolerance_pct / 100) + 1e-6]
    return max(band, key=lambda o: (d.scores[o], -tco[o], -OPTIONS.index(o)))


@pytest.fixture(scope="module")
def generated(k, rules):
    rng = random.Random(20261130)
    out = []
    for _ in range(N_SCENARIOS):
        answers = plausible(k, rng)
        out.append(decide(build_scenario(answers, k), k, rules, TODAY))
    return out


@pytest.fixture(scope="module")
def k():
    from advisor.inputs.knowledge import load_knowledge

    return load_knowledge()


@pytest.fixture(scope="module")
def rules(k):
    from advisor.decision import load_rulebase

    return load_rulebase(k)


def test_recommendation_is_eligible_and_within_the_tolerance_of_the_cheapest(generated):
    saw_build = False
    for d in generated:
        tco = {o: d.report.options[o].tco_usd for o in OPTIONS}
        assert d.eligible(d.option), d.summary
        assert tco[d.option] <= tco[d.cheapest] * (1 + d.tolerance_pct / 100) + 1e-6
        assert d.option == reference_choice(d)
        if d.option != d.cheapest:
            assert f"{d.cheapest} is $" in d.summary and "cheaper" in d.summary
        else:
            assert "It is the cheapest eligible option" in d.summary or "only eligible" in d.summary
        saw_build |= d.option in {"self-host", "hybrid"}
        # the runner-up follows the same ranking, among the others
        if d.runner_up is not None:
            assert d.eligible(d.runner_up) and d.runner_up == d.ranked[1]
    assert saw_build  # the generator reaches the build options at all


def test_every_fine_tuned_option_carries_its_build(generated):
    for d in generated:
        for option in ("vendor-finetune", "self-host", "hybrid"):
            c = d.report.options[option]
            assert c.breakdown["build"] > 0 and c.build_months > 0
            assert c.one_time_usd == pytest.approx(sum(c.breakdown[key] for key in ("training_one_time", "labeling", "build", "bridge")))


def test_json_is_strict_for_every_generated_decision(generated, k, rules):
    for i, d in enumerate(generated[:40]):
        analysed = analyse(d, k, rules, samples=60 if i % 4 else 0, seed=i)
        data = strict_loads(dumps(decision_json(analysed, k)))
        assert data["recommendation"]["option"] == analysed.option
        if analysed.uncertainty is not None and analysed.uncertainty.samples:
            assert sum(data["uncertainty"]["cheapest_probability"].values()) == pytest.approx(1.0)


def test_strict_json_turns_non_finite_numbers_into_null():
    text = dumps({"a": float("nan"), "b": [float("inf"), 1.5], "c": {"d": float("-inf")}})
    assert strict_loads(text) == {"a": None, "b": [None, 1.5], "c": {"d": None}}


def test_analysis_returns_a_new_decision_and_leaves_the_old_one_alone(generated, k, rules):
    d = generated[0]
    once = analyse(d, k, rules, samples=50, seed=1)
    twice = analyse(once, k, rules, samples=50, seed=1)
    assert d.uncertainty is None and d.flip_points == ()
    assert once.summary == twice.summary  # the headline is not appended again
    assert once.summary.count("sampled futures") == 1
