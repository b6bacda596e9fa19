"""The interview logic without a terminal: parsing, skipping, going back, editing, persistence."""

from __future__ import annotations

import pytest

from advisor.errors import InputError
from advisor.interview.flow import Interview, Unclear, parse_answer, parse_number


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
    assert iv.order()[:2] == ["use_case", "data_must_stay_in_house"]  # residency decides what else matters
    sections = [k.answers[n].section for n in iv.order()[2:]]
    assert sections == sorted(sections, key=["workload", "data", "compliance", "change", "quality", "team", "costs"].index)
    assert "review_rate_finetuned" not in iv.asked()  # nobody reviews API outputs by default
    iv.answers["data_must_stay_in_house"] = True
    assert "api_model" not in iv.asked() and "vendor_finetune_customer" not in iv.asked()
    iv.answers["batch_ok"] = True
    assert "latency_sensitive" not in iv.asked()


def test_bad_answer_keeps_everything(k):
    iv = Interview(k)
    iv.answer("x")
    iv.answer("no")
    with pytest.raises(InputError, match=r"^Requests a day: -5 requests/day is not allowed: must be at least 0$"):
        iv.answer("-5")
    assert iv.current == "daily_requests" and iv.answers == {"use_case": "x", "data_must_stay_in_house": False}


def test_back_then_answer_continues_where_you_were(k):
    iv = Interview(k)
    for text in ("x", "no", "20k", "900", "300"):
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
    assert "data_must_stay_in_house" in iv.scenario().defaulted
    assert "use_case" not in iv.scenario().defaulted


def test_round_trip_through_a_saved_session(k):
    iv = Interview(k)
    for text in ("saved", "no", "70k", ""):
        iv.answer(text)
    again = Interview.from_dict(k, iv.to_dict())
    assert again.answers == iv.answers and again.current == iv.current
    assert again.accepted_defaults == {"input_tokens"}


def test_a_session_with_bad_values_keeps_the_good_ones(k):
    again = Interview.from_dict(k, {"answers": {"use_case": "x", "daily_requests": -4, "nonsense": 1}, "current": "zzz"})
    assert again.answers == {"use_case": "x"}
    assert again.current == "data_must_stay_in_house"
    assert again.dropped == ["daily_requests"]


def test_control_characters_never_reach_an_answer(k):
    assert parse_answer(k.answers["use_case"], "claims\x1b]0;pwned\x07 triage\x1b[2J") == "claims]0;pwned triage[2J"
    with pytest.raises(ValueError):
        parse_answer(k.answers["use_case"], "\x1b\x07")


@pytest.mark.parametrize(
    "name, text, value",
    [
        ("peak_to_average", "3x", 3.0), ("peak_to_average", "3 times", 3.0), ("input_tokens", "800 tokens", 800),
        ("horizon_months", "3 years", 36), ("horizon_months", "18 months", 18), ("daily_requests", "150k requests", 150_000),
        ("cost_per_review", "$4", 4.0), ("cost_per_review", "4 USD", 4.0), ("api_accuracy", "72 %", 72.0),
        ("api_accuracy", "0.9%", 0.9), ("ml_engineers", "1.5 FTE", 1.5), ("labeling_task", "EXPERT", "expert"),
    ],
)
def test_units_the_app_shows_are_accepted_back(k, name, text, value):
    assert parse_answer(k.answers[name], text) == value


def test_a_wrong_unit_names_what_is_allowed(k):
    with pytest.raises(ValueError, match="'years' is not a unit here; answer in tokens/request"):
        parse_answer(k.answers["input_tokens"], "3 years")


def test_a_fraction_for_a_percentage_asks_first(k):
    iv = Interview(k)
    iv.jump_to("api_accuracy")
    with pytest.raises(Unclear, match="did you mean 90 %") as caught:
        iv.answer("0.9")
    assert caught.value.suggestion == "90"
    assert "api_accuracy" not in iv.answers


def test_gpu_and_provider_as_people_type_them(k):
    iv = Interview(k)
    iv.jump_to("gpu")
    assert iv.answer("H100") == ("gpu", "h100-pcie")  # the H100 proposed, not 'which one?'
    iv.jump_to("gpu")
    assert iv.answer("H100 SXM") == ("gpu", "h100-sxm")
    iv.jump_to("gpu_provider")
    assert iv.answer("AWS") == ("gpu_provider", "aws")
    iv.jump_to("gpu")
    iv.answer("h100-pcie")  # aws does not rent it: the provider is asked again
    assert "gpu_provider" not in iv.answers
    iv.jump_to("gpu_provider")
    with pytest.raises(InputError, match="aws does not rent the h100-pcie; it rents h100-sxm"):
        iv.answer("aws")


def test_pasted_whitespace_is_parsed_at_once(k):
    import time

    started = time.perf_counter()
    for text in ("5" + " " * 2500 + "x", " " * 2500, "1" + " 1" * 2000, "$" + " " * 3000 + "5k" + " " * 3000 + "%"):
        with pytest.raises(ValueError):
            parse_answer(k.answers["daily_requests"], text)
    assert time.perf_counter() - started < 0.5


def test_numbers_are_shown_without_exponents(k):
    from advisor.interview.flow import show

    assert show(k.answers["daily_requests"], 1_000_000_000, unit=True) == "1,000,000,000 requests/day"
    assert show(k.answers["peak_to_average"], 2.5, unit=True) == "2.5x"
    assert show(k.answers["cost_per_review"], 20.0, unit=True) == "$20"
    assert show(k.answers["api_accuracy"], 85.0) == "85 %"


def test_model_ids_ignore_case(k):
    iv = Interview(k)
    iv.jump_to("api_model")
    assert iv.answer("GPT-4o-mini") == ("api_model", "gpt-4o-mini")


def _random_texts(count: int, seed: int = 14):
    import random

    rng = random.Random(seed)
    pieces = ["1", "0", "9", ".", ",", "_", " ", " " * 50, "$", "%", "k", "M", "b", "x", "-", "+", "e", "[/]", "[b]",
              "tokens", "years", "yes", "n", "\x1b[2J", "\x07", "é", "💥", "\u202e", "\t", "\n", "H100", "aws", "1e308", "nan"]
    for _ in range(count):
        yield "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))


def test_any_typed_text_gives_a_value_or_one_clear_error_fast(k):
    """A fuzz pass: whatever is typed, parsing answers at once with a value or a ValueError."""
    import time

    started = time.perf_counter()
    for text in _random_texts(3000):
        for spec in k.answers.values():
            try:
                parse_answer(spec, text)
            except ValueError as exc:
                assert str(exc) and "\n" not in str(exc)
    assert time.perf_counter() - started < 10


def test_any_typed_text_keeps_the_interview_consistent(k):
    iv = Interview(k)
    for text in _random_texts(400, seed=15):
        before = dict(iv.answers)
        try:
            iv.answer(text)
        except InputError as exc:
            assert iv.answers == before and len(exc.problems) == 1
        if iv.current is None:
            iv.jump_to("daily_requests")
    iv.scenario()  # whatever was accepted still builds a valid scenario


def test_any_saved_session_loads_or_is_set_aside(k, tmp_path):
    import json
    import random

    from advisor.errors import SessionError
    from advisor.interview.session import load_session

    rng = random.Random(16)
    leaves = [None, True, 0, -4, 1e308, "x", "[/]", [], {}, [[[]]], {"a": {"b": {}}}]
    keys = ["answers", "history", "current", "finished", "accepted_defaults", "record", "record_key", "saved"]
    for i in range(300):
        data = {"schema": "buildbuy.session/1"}
        for key in rng.sample(keys, rng.randint(0, len(keys))):
            data[key] = rng.choice(leaves + [{"use_case": rng.choice(leaves), "daily_requests": rng.choice(leaves)}])
        path = tmp_path / f"s{i}" / "session.json"
        path.parent.mkdir()
        path.write_text(json.dumps(data))
        try:
            loaded = load_session(path)
        except SessionError as exc:
            assert "set aside" in exc.problems[0]
            continue
        Interview.from_dict(k, loaded)  # a session that loads always resumes
