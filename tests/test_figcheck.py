"""The figure check: Claude's figures against the engine's, at the precision the text shows."""

from __future__ import annotations

import random

import pytest

from advisor.decision.uncertainty import analyse
from advisor.views.figcheck import NOTE_PREFIX, Figures, check, engine_figures, mentions, unverified, unverified_note
from advisor.views.written import AUDIENCES, written_explanation


def pool(*values: float) -> Figures:
    v = tuple(sorted(values))
    return Figures(v, v, v, v)


@pytest.mark.parametrize(
    "text, value, ok",
    [
        ("$22.2M", 22_189_862, True),
        ("$22.19 million", 22_189_862, True),
        ("$22,189,862", 22_189_862.4, True),
        ("$22M", 22_189_862, True),
        ("$22.3M", 22_189_862, False),
        ("$22,190,000", 22_189_862, True),
        ("$22,180,000", 22_189_862, False),
        ("$1.2 million", 1_234_000, True),
        ("$1.3 million", 1_234_000, False),
        ("$750", 750.2, True),
        ("$760", 750.2, False),
        ("$0.0075", 0.0075, True),
        ("$45k", 45_300, True),
        ("USD 2.5 billion", 2.5e9, True),
        ("18 %", 18.2, True),
        ("18%", 19, False),
        ("12.5 percent", 12.5, True),
        ("month 7", 7, True),
        ("month 8", 7, False),
        ("24-month", 24, True),
        ("3x", 3.2, True),
        ("3x", 3.6, False),
        ("2.5 times", 2.5, True),
    ],
)
def test_precision_is_the_one_the_text_shows(text, value, ok):
    assert unverified(f"It is {text} here.", pool(value)) == ([] if ok else [text])


def test_mentions_find_each_kind_once():
    found = mentions("Self-host costs $1.2-1.5M, saves 35 %, breaks even in month 7, 3x cheaper over 24 months.")
    assert [(m.text, m.kind) for m in found] == [
        ("$1.2", "usd"), ("35 %", "percent"), ("month 7", "months"), ("3x", "ratio"), ("24 months", "months"),
    ]
    assert found[0].value == 1.2e6  # the range takes the unit of its end


@pytest.fixture
def builder(decision):
    return decision(daily_requests=150_000, labeled_examples=4_000, review_rate_api=10, review_rate_finetuned=1, cost_per_review=2.5)


def test_rounded_engine_figures_pass_and_invented_ones_are_flagged(builder, k):
    r = builder.report.options
    chosen, api = r[builder.option], r["api"]
    saving = api.tco_usd - chosen.tco_usd
    text = (
        f"{builder.option} costs ${chosen.tco_usd / 1e6:.1f}M over {r['api'].horizon_months} months against "
        f"${api.tco_usd / 1e6:.2f} million for the API, saving about ${saving / 1e6:.1f}M "
        f"({saving / api.tco_usd * 100:.0f} %), {api.tco_usd / chosen.tco_usd:.1f}x less. "
        f"Review goes from {builder.scenario.answers.review_rate_api:g}% to 1 %, at $2.50 a review."
    )
    assert check(text, builder, k) == []
    invented = text + " Hiring would add $412,345 and 37 % more risk; payback in month 19; 11.5x."
    assert check(invented, builder, k) == ["$412,345", "37 %", "month 19", "11.5x"]
    assert unverified_note(check(invented, builder, k)) == f"{NOTE_PREFIX} $412,345, 37 %, month 19, 11.5x"
    assert unverified_note([]) == ""


def test_tool_results_of_the_turn_count_as_engine_figures(builder, k):
    result = {"after": {"options": {"api": {"tco_usd": 987_654_321.0}}}}
    assert check("It would cost $987.7M.", builder, k) == ["$987.7M"]
    assert check("It would cost $987.7M.", builder, k, extra=[result]) == []


def test_new_breakdown_keys_and_uncertainty_fields_are_read_without_a_change(builder, k):
    builder.report.options["self-host"].breakdown["bridge"] = 1_357_913.0
    assert check("The bridge costs $1.36M.", builder, k) == []
    del builder.report.options["self-host"].breakdown["bridge"]
    assert check("The bridge costs $1.36M.", builder, k) == ["$1.36M"]


def test_probabilities_read_as_percentages(builder, k, rules):
    analysed = analyse(builder, k, rules, samples=200)
    share = analysed.uncertainty.win_probability[analysed.option] * 100
    cheap = analysed.uncertainty.cheapest_probability[analysed.option] * 100
    assert check(f"It wins in {share:.0f} % of futures and is cheapest in {cheap:.0f} %.", analysed, k) == []


_CHOICES = {
    "daily_requests": [0, 50, 1_000, 20_000, 150_000, 2_000_000, 40_000_000],
    "input_tokens": [50, 1_000, 8_000],
    "output_tokens": [10, 500, 3_000],
    "labeled_examples": [0, 500, 4_000, 200_000],
    "review_rate_api": [0, 10, 40],
    "review_rate_finetuned": [0, 1, 10],
    "cost_per_review": [0, 2.5, 40],
    "data_must_stay_in_house": [True, False],
    "latency_sensitive": [True, False],
    "industry": ["general", "healthcare", "finance"],
    "requirements_volatility": ["stable", "rapid"],
    "product_stage": ["exploring", "scaling"],
    "ml_engineers": [0.0, 1.0, 4.0],
    "horizon_months": [1, 6, 24, 120],
    "api_model": ["gpt-4o", "gpt-4o-mini"],
}


def test_the_engines_written_explanations_always_pass(decision, k, rules):
    rng = random.Random(13)
    for i in range(60):
        answers = {name: rng.choice(values) for name, values in _CHOICES.items() if rng.random() < 0.7}
        d = decision(**answers)
        if i % 3 == 0:
            d = analyse(d, k, rules, samples=60)
        figures = engine_figures(d, k)
        for audience in AUDIENCES:
            text = written_explanation(d, audience)
            assert unverified(text, figures) == [], (answers, audience, text)


def test_every_option_figure_passes_however_people_round_it(decision, k):
    d = decision(daily_requests=80_000, labeled_examples=3_000)
    figures = engine_figures(d, k)
    for cost in d.report.options.values():
        for value in (cost.tco_usd, cost.monthly_usd, cost.one_time_usd, *cost.breakdown.values()):
            if value < 1:
                continue
            texts = [f"${value:,.0f}", f"${value:,.2f}"]
            if value >= 1e6:
                texts += [f"${value / 1e6:.1f}M", f"${value / 1e6:.2f} million"]
            elif value >= 1e4:
                texts += [f"${value / 1e3:.0f}k"]
            for text in texts:
                assert unverified(f"about {text} in all", figures) == [], (text, value)


def test_any_text_is_checked_without_an_error(decision, k):
    figures = engine_figures(decision(), k)
    rng = random.Random(5)
    alphabet = "$%x×,.-– 0123456789kMBmonthsUSDpercentimes\n"
    for _ in range(2000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60)))
        for m in mentions(text):
            assert m.step > 0 and m.value >= 0
        unverified(text, figures)


def test_per_request_costs_read_per_thousand_and_per_day(builder, k):
    r = builder.report.options
    api, own = r["api"].per_request_usd, r["self-host"].per_request_usd
    daily = builder.scenario.answers.daily_requests
    text = f"${api * 1000:,.2f} per 1,000 requests, ${api * daily:,.0f} a day, saving ${(api - own) * 1000:,.2f} per 1,000."
    assert check(text, builder, k) == []
