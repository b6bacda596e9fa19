"""One cost engine for one scenario and for thousands of samples: the array path (numpy) and the
scalar path must agree figure for figure, and the Monte Carlo built on them sample for sample."""

from __future__ import annotations

import random

import numpy as np
import pytest

from advisor.costs import price_options
from advisor.costs.arith import at
from advisor.decision import decide
from advisor.decision.uncertainty import monte_carlo, plausible_ranges, sample_inputs
from tests.conftest import TODAY

FIGURES = ("tco_usd", "monthly_usd", "one_time_usd", "per_request_usd", "build_months")
SCENARIOS = [
    {"daily_requests": 150_000, "labeled_examples": 4_000, "industry": "insurance", "review_rate_api": 10, "review_rate_finetuned": 1},
    {"daily_requests": 2_000, "labeled_examples": 200, "has_api_logs": True, "requirements_volatility": "rapid"},
    {"daily_requests": 900_000, "batch_ok": True, "latency_sensitive": False, "ml_engineers": 0},
    {"daily_requests": 40_000, "data_must_stay_in_house": True, "labeling_task": "expert", "input_tokens": 12_000},
    {"daily_requests": 300_000, "api_model": "gpt-5", "latency_sensitive": False, "cached_input_share": 0.5},
    {"daily_requests": 80_000, "vendor_finetune_customer": True, "horizon_months": 6, "peak_to_average": 5.0},
]


@pytest.mark.parametrize("answers", SCENARIOS)
def test_array_pricing_equals_scalar_pricing_sample_by_sample(answers, k, rules, scenario):
    d = decide(scenario(**answers), k, rules, TODAY)
    sampled = sample_inputs(d, plausible_ranges(d.scenario, k), 300, seed=11)
    report = price_options(d.scenario, k, TODAY, d.report.drivers, sampled)
    for i in range(0, 300, 7):
        one = {name: at(values, i) for name, values in sampled.items()}
        ints = {"daily_requests", "input_tokens", "output_tokens", "examples_to_label"}
        scalar = price_options(
            d.scenario.with_changes(**{n: int(v) if n in ints else v for n, v in one.items()}), k, TODAY, d.report.drivers
        )
        for option, cost in scalar.options.items():
            vector = report.options[option]
            for figure in FIGURES:
                assert at(getattr(vector, figure), i) == pytest.approx(getattr(cost, figure), rel=1e-12, abs=1e-9), (option, figure)
            for key, value in cost.breakdown.items():
                assert at(vector.breakdown[key], i) == pytest.approx(value, rel=1e-12, abs=1e-9), (option, key)
            if option != "api":
                month = at(vector.breakeven_month, i)
                assert (None if np.isnan(month) else int(month)) == cost.breakeven_month, option


@pytest.mark.parametrize("answers", SCENARIOS)
def test_vectorised_monte_carlo_equals_the_scalar_loop(answers, k, rules, scenario):
    d = decide(scenario(**answers), k, rules, TODAY)
    fast = monte_carlo(d, k, rules, samples=250, seed=3)
    slow = monte_carlo(d, k, rules, samples=250, seed=3, vectorised=False)
    assert fast.win_probability == slow.win_probability
    assert fast.cheapest_probability == slow.cheapest_probability
    assert fast.breakeven_month == slow.breakeven_month
    for option in fast.tco_usd:
        assert fast.tco_usd[option] == pytest.approx(slow.tco_usd[option], rel=1e-12)


def test_many_random_scenarios_agree(k, rules, scenario):
    rng = random.Random(8)
    for _ in range(12):
        answers = {
            "daily_requests": rng.choice([500, 20_000, 150_000, 2_000_000]),
            "labeled_examples": rng.choice([0, 800, 6_000]),
            "review_rate_api": rng.choice([0, 5, 15]),
            "review_rate_finetuned": rng.choice([0, 1]),
            "batch_ok": rng.random() < 0.3,
            "data_must_stay_in_house": rng.random() < 0.2,
            "proprietary_data_advantage": rng.random() < 0.5,
            "product_stage": rng.choice(["exploring", "validated", "scaling"]),
        }
        d = decide(scenario(**answers), k, rules, TODAY)
        fast = monte_carlo(d, k, rules, samples=120, seed=5)
        slow = monte_carlo(d, k, rules, samples=120, seed=5, vectorised=False)
        assert fast.win_probability == slow.win_probability, answers
        assert fast.cheapest_probability == slow.cheapest_probability, answers
