"""Flip points are real boundaries; Monte Carlo is reproducible; the tornado is ordered."""

from __future__ import annotations

import pytest

from advisor.decision import evaluate
from advisor.decision.uncertainty import _INTS, analyse, flip_points, monte_carlo, plausible_ranges, tornado
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
    flips, searched = flip_points(builder, k, rules)
    assert flips, "this scenario flips somewhere in its plausible range"
    assert {s.input for s in searched} >= {"daily_requests", "industry", "data_must_stay_in_house", "ml_engineers", "peak_to_average"}
    for fp in flips:
        if fp.direction == "equals":
            assert option_at(k, rules, builder, fp.input, fp.value) == fp.to != builder.option
            continue
        step = 1 if fp.input in _INTS else max(abs(fp.value) * 1e-5, 1e-7)
        before = fp.value - step if fp.direction == "above" else fp.value + step
        assert option_at(k, rules, builder, fp.input, fp.value) == fp.to
        assert option_at(k, rules, builder, fp.input, before) != fp.to


def test_monotone_input_gives_a_single_flip(k, rules, decision):
    d = decision(daily_requests=20_000, labeled_examples=3_000, ml_engineers=1)
    volume = [fp for fp in flip_points(d, k, rules)[0] if fp.input == "daily_requests"]
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
    from advisor.decision.uncertainty import with_tied

    s = scenario(review_rate_api=10, review_rate_finetuned=2, api_accuracy=80, finetuned_accuracy=92)
    tied = with_tied(s, {"review_rate_api": 5.0, "api_accuracy": 90.0})
    assert tied["review_rate_finetuned"] == pytest.approx(1.0)  # the 5:1 ratio is kept
    assert tied["finetuned_accuracy"] == pytest.approx(100.0)  # +12 points, capped at 100


def test_tornado_is_sorted_and_the_headline_is_written(k, rules, builder):
    analysed = analyse(builder, k, rules, samples=200, seed=3)
    assert builder.uncertainty is None  # the analysis returns a new decision
    unc = analysed.uncertainty
    rows = unc.tornado
    assert rows and [r.swing for r in rows] == sorted((r.swing for r in rows), reverse=True)
    assert unc.runner_up == analysed.runner_up
    line = unc.summary_line()
    assert line.startswith(f"Across 200 sampled futures {analysed.option} is recommended in ")
    assert line in analysed.summary


def test_tornado_measures_the_gap_to_the_closest_competitor_and_skips_inputs_that_move_neither(k, rules, builder):
    rows = tornado(builder, k, plausible_ranges(builder.scenario, k))
    runner = builder.runner_up
    names = {r.input for r in rows}
    # the hybrid share moves only the hybrid option: neither the recommendation nor its competitor
    assert builder.option != "hybrid" and runner != "hybrid"
    assert "hybrid_core_share" not in names and "maintenance_fte_hybrid" not in names
    [volume] = [r for r in rows if r.input == "daily_requests"]
    low = builder.scenario.with_changes(daily_requests=int(volume.low))
    from advisor.costs import price_options

    report = price_options(low, k, TODAY, builder.report.drivers)
    assert volume.gap_at_low == pytest.approx(report.options[runner].tco_usd - report.options[builder.option].tco_usd)


def test_cheapest_probability_counts_the_cheapest_eligible_option(k, rules, decision):
    d = decision(daily_requests=100_000, labeled_examples=300, examples_to_label=2_000)
    unc = monte_carlo(d, k, rules, samples=200, seed=5)
    assert sum(unc.cheapest_probability.values()) == pytest.approx(1.0)
    # with no leanings, the recommendation is the cheapest in every sample
    assert unc.win_probability == unc.cheapest_probability


def test_summary_names_the_option_most_often_cheapest_when_it_is_not_the_recommendation(k, rules, decision):
    d = decision(
        daily_requests=400_000, labeled_examples=6_000, examples_to_label=0, industry="insurance",
        proprietary_data_advantage=True, ml_engineers=2, review_rate_api=8, review_rate_finetuned=2, cost_per_review=4,
        assumptions={"strategic_tolerance_pct": 50},
    )
    analysed = analyse(d, k, rules, samples=200, seed=2)
    unc = analysed.uncertainty
    assert analysed.option == "self-host" and unc.most_often_cheapest == "vendor-finetune"
    assert "vendor-finetune is the cheapest most often" in analysed.summary


def test_finance_build_case_reports_verified_flip_points(k, rules, decision):
    """150,000 a day, 70 -> 95 % accuracy, review 10 % -> 1 % at $20, 12,000 labeled examples."""
    d = decision(
        daily_requests=150_000, api_accuracy=70, finetuned_accuracy=95, review_rate_api=10, review_rate_finetuned=1,
        cost_per_review=20, labeled_examples=12_000, industry="finance",
    )
    flips, searched = flip_points(d, k, rules)
    assert flips
    for fp in flips:
        assert option_at(k, rules, d, fp.input, fp.value) == fp.to != d.option
    assert {"review_rate_finetuned", "data_must_stay_in_house"} <= {fp.input for fp in flips}


def test_no_flip_point_says_what_was_searched(k, tmp_path):
    from advisor.decision import cells, decide, load_rulebase
    from advisor.inputs.scenario import build_scenario
    from advisor.views.text import render_text

    pack = tmp_path / "policy.toml"
    pack.write_text(
        '[[rule]]\nid = "policy.own_model"\ncriterion = "policy"\nwhen.all = ["daily_requests >= 0"]\n'
        'then = { kind = "require", option = "self-host" }\nbecause = "Our policy: every model runs on our own GPUs."\n'
        'source = "our platform policy"\n'
    )
    rules = load_rulebase(k, [pack])
    d = decide(build_scenario({"daily_requests": 150_000, "labeled_examples": 5_000}, k), k, rules, TODAY)
    analysed = analyse(d, k, rules, samples=0)
    # a policy requires self-host whatever the numbers: nothing flips within any range
    assert analysed.option == "self-host" and analysed.flip_points == () and analysed.flip_search
    text = render_text(analysed)
    assert cells.no_flip_sentence(analysed.flip_search) in text
    assert "daily_requests 1,000 requests/day to 1,500,000 requests/day" in text
