"""The interview logic without a terminal: parsing, skipping, going back, editing, persistence."""

from __future__ import annotations

import pytest

from advisor.errors import InputError
from advisor.interview import Interview, parse_answer, parse_number


@pytest.mark.parametrize(
    "text, value",
    [("150k", 150_000), ("1.5M", 1_500_000), ("$2.50", 2.5), ("10%", 10), ("1,000", 1000), ("2_000", 2000), (" 42 ", 42)],
)
def test_numbers_as_people_type_them(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["lots", "1,5", "--3", ""])
def test_numbers_that_are_not(text):
    with pytest.raises(ValueError):
        parse_number(text)


def test_choices_by_number_name_or_prefix(k):
    spec = k.answers["requirements_volatility"]
    assert parse_answer(spec, "3") == "rapid"
    assert parse_answer(spec, "Stable") == "stable"
    assert parse_answer(spec, "mod") == "moderate"
    with pytest.raises(ValueError, match="pick one of 1. stable, 2. moderate, 3. rapid"):
        parse_answer(spec, "9")
    assert parse_answer(k.answers["batch_ok"], "Y") is True
    with pytest.raises(ValueError, match="yes or no"):
        parse_answer(k.answers["batch_ok"], "maybe")


def test_questions_come_in_section_order_and_skip_what_cannot_matter(k):
    iv = Interview(k)
    sections = [k.answers[n].section for n in iv.order()]
    assert sections == sorted(sections, key=["workload", "data", "compliance", "change", "quality", "team", "costs"].index)
    assert "review_rate_finetuned" not in iv.asked()  # nobody reviews API outputs by default
    iv.answers["data_must_stay_in_house"] = True
    assert "api_model" not in iv.asked() and "vendor_finetune_customer" not in iv.asked()
    iv.answers["batch_ok"] = True
    assert "latency_sensitive" not in iv.asked()


def test_bad_answer_keeps_everything(k):
    iv = Interview(k)
    iv.answer("x")
    with pytest.raises(InputError, match=r"^daily_requests = -5: must be at least 0$"):
        iv.answer("-5")
    assert iv.current == "daily_requests" and iv.answers == {"use_case": "x"}


def test_back_then_answer_continues_where_you_were(k):
    iv = Interview(k)
    for text in ("x", "20k", "900", "300"):
        iv.answer(text)
    assert iv.current == "peak_to_average"
    assert iv.back() == "output_tokens"
    assert iv.back() == "input_tokens"
    assert iv.default_for_current() == 900  # your answer is the default now
    iv.answer("1100")
    assert iv.current == "peak_to_average"  # not output_tokens again
    assert iv.answers["input_tokens"] == 1100


def test_editing_an_early_answer_does_not_reask_the_rest(k):
    iv = Interview(k)
    while iv.current is not None:
        iv.answer("")
    assert iv.finished
    iv.jump_to("daily_requests")
    iv.answer("300k")
    assert iv.finished and iv.current is None
    assert iv.scenario().answers.daily_requests == 300_000


def test_an_answer_that_opens_a_question_asks_it(k):
    iv = Interview(k)
    while iv.current is not None:
        iv.answer("10" if iv.current == "review_rate_api" else "")
    assert "review_rate_finetuned" in iv.answers  # asked once review_rate_api was not 0


def test_enter_on_a_default_keeps_it_an_assumption(k):
    iv = Interview(k)
    iv.answer("named")
    iv.answer("")
    assert "daily_requests" in iv.scenario().defaulted
    assert "use_case" not in iv.scenario().defaulted


def test_round_trip_through_a_saved_session(k):
    iv = Interview(k)
    for text in ("saved", "70k", ""):
        iv.answer(text)
    again = Interview.from_dict(k, iv.to_dict())
    assert again.answers == iv.answers and again.current == iv.current
    assert again.accepted_defaults == {"input_tokens"}


def test_a_session_with_bad_values_keeps_the_good_ones(k):
    again = Interview.from_dict(k, {"answers": {"use_case": "x", "daily_requests": -4, "nonsense": 1}, "current": "zzz"})
    assert again.answers == {"use_case": "x"}
    assert again.current == "daily_requests"


def test_control_characters_never_reach_an_answer(k):
    assert parse_answer(k.answers["use_case"], "claims\x1b]0;pwned\x07 triage\x1b[2J") == "claims]0;pwned triage[2J"
    with pytest.raises(ValueError):
        parse_answer(k.answers["use_case"], "\x1b\x07")
