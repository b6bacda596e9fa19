"""Flip points are real boundaries; Monte Carlo is reproducible; the tornado is ordered."""

from __future__ import annotations

import pytest

from advisor.decide import evaluate
from advisor.uncertainty import _INTS, analyse, flip_points, monte_carlo, plausible_ranges
from tests.conftest import TODAY


def option_at(k, rules, d, name, value):
    return evaluate(d.scenario.with_changes(**{name: value}), k, rules, TODAY).option


@pytest.fixture
def builder(decision):
    return decision(
        daily_requests=150_000, labeled_examples=4_000, industry="insurance", review_rate_api=10,
        review_rate_finetuned=1, cost_per_review=2.5, api_accuracy=78, finetuned_accuracy=93,
    )


def test_every_flip_point_is_a_real_boundary(k, rules, builder):
    flips = flip_points(builder, k, rules)
    assert flips, "this scenario flips somewhere in its plausible range"
    for fp in flips:
        step = 1 if fp.input in _INTS else max(abs(fp.value) * 1e-5, 1e-7)
        before = fp.value - step if fp.direction == "above" else fp.value + step
        assert option_at(k, rules, builder, fp.input, fp.value) == fp.to
        assert option_at(k, rules, builder, fp.input, before) != fp.to


def test_monotone_input_gives_a_single_flip(k, rules, decision):
    d = decision(daily_requests=100_000, labeled_examples=3_000, api_model="gpt-4o-mini", ml_engineers=1)
    volume = [fp for fp in flip_points(d, k, rules) if fp.input == "daily_requests"]
    assert len(volume) == 1
    [fp] = volume
    # the flip is real and there is no second change between it and the edge of the range
    assert option_at(k, rules, d, "daily_requests", fp.value) == fp.to
    assert option_at(k, rules, d, "daily_requests", fp.value - 1) == d.option


def test_monte_carlo_is_reproducible_and_probabilities_sum_to_one(k, rules, builder):
    first = monte_carlo(builder, k, rules, samples=300, seed=11)
    second = monte_carlo(builder, k, rules, samples=300, seed=11)
    assert first.as_dict() == second.as_dict()
    assert sum(first.win_probability.values()) == pytest.approx(1.0)
    other = monte_carlo(builder, k, rules, samples=300, seed=12)
    assert other.tco_usd != first.tco_usd
    for option, (p10, p50, p90) in first.tco_usd.items():
        assert p10 <= p50 <= p90, option


def test_degenerate_ranges_give_certainty(k, rules, builder):
    ranges = {name: (mode, mode, mode) for name, (_, mode, _) in plausible_ranges(builder.scenario, k).items()}
    unc = monte_carlo(builder, k, rules, samples=50, seed=1, ranges=ranges)
    assert unc.win_probability[builder.option] == 1.0
    tco = builder.report.options[builder.option].tco_usd
    assert unc.tco_usd[builder.option] == pytest.approx([tco, tco, tco])


def test_given_answers_vary_around_the_users_figure(k, scenario):
    s = scenario(daily_requests=40_000)
    low, mode, high = plausible_ranges(s, k)["daily_requests"]
    assert (low, mode, high) == (30_000, 40_000, 50_000)  # +-25 %
    ranges = plausible_ranges(s, k)
    assert ranges["input_tokens"] == (300, 1000, 4000)  # a defaulted forecast: the knowledge range
    assert ranges["review_rate_api"] == (0, 0, 0)  # a defaulted "no review" claim stays fixed
    assert "labeled_examples" not in ranges  # examples on hand are a fact, not a forecast


def test_fine_tuned_figures_keep_their_claimed_gain(scenario):
    from advisor.uncertainty import with_tied

    s = scenario(review_rate_api=10, review_rate_finetuned=2, api_accuracy=80, finetuned_accuracy=92)
    tied = with_tied(s, {"review_rate_api": 5.0, "api_accuracy": 90.0})
    assert tied["review_rate_finetuned"] == pytest.approx(1.0)  # the 5:1 ratio is kept
    assert tied["finetuned_accuracy"] == pytest.approx(100.0)  # +12 points, capped at 100


def test_tornado_is_sorted_and_the_headline_is_written(k, rules, builder):
    analyse(builder, k, rules, samples=200, seed=3)
    rows = builder.uncertainty.tornado
    assert rows and [r.swing for r in rows] == sorted((r.swing for r in rows), reverse=True)
    line = builder.uncertainty.summary_line()
    assert line.startswith(f"{builder.option} wins in ")
    assert "% of plausible futures" in line
