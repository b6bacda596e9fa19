"""Follow-up chat: engine tools, Claude calling them through the real client, and the offline parser."""

from __future__ import annotations

import asyncio
import json

import httpx2
import pytest

from advisor.inputs.scenario import ANSWER_NAMES
from advisor.llm import Conversation, Tools, answer, answer_offline, tool_definitions
from advisor.views.figcheck import NOTE_PREFIX
from tests.claude_stub import client, error, message, streamed_message, tool_use


@pytest.fixture
def builder(decision):
    return decision(daily_requests=150_000, labeled_examples=4_000, review_rate_api=10, review_rate_finetuned=1, cost_per_review=2.5)


@pytest.fixture
def tools(builder, k, rules):
    return Tools(builder, k, rules)


def reply(text: str = "", **kw) -> httpx2.Response:
    return streamed_message(message(text, **kw))


def test_tool_use_round_trip_answers_with_the_engines_figures(tools):
    requests: list[dict] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        requests.append(body)
        if len(requests) == 1:
            return reply(stop="tool_use", content=[tool_use("what_if", {"changes": {"daily_requests": 1000}})])
        result = json.loads(body["messages"][-1]["content"][0]["content"])
        return reply(f"At 1,000 requests a day the API costs ${result['after']['options']['api']['tco_usd']:,.2f}.")

    text, note, history = answer("what if volume drops to 1,000 a day?", tools, client=client(handler))
    expected = tools.what_if({"daily_requests": 1000})["after"]["options"]["api"]["tco_usd"]
    assert text == f"At 1,000 requests a day the API costs ${expected:,.2f}."
    assert note == ""  # the figure came from a tool result of this turn: not flagged
    assert tools.calls[0] == ("what_if", {"changes": {"daily_requests": 1000}})
    tool_result = requests[1]["messages"][-1]["content"][0]
    assert tool_result["type"] == "tool_result" and tool_result["tool_use_id"] == "toolu_1" and "is_error" not in tool_result
    assert len(history) == 4


def test_request_caches_tools_system_and_decision(tools):
    seen: list[dict] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(json.loads(request.content))
        return reply("Fine.")

    answer("why?", tools, client=client(handler))
    body = seen[0]
    assert body["tools"][-1]["cache_control"] == {"type": "ephemeral"}
    assert body["system"][0]["cache_control"] == {"type": "ephemeral"}
    first = body["messages"][0]["content"]
    assert first[0]["cache_control"] == {"type": "ephemeral"} and '"given_by_the_user"' in first[0]["text"]
    assert first[1] == {"type": "text", "text": "why?"}


def test_tool_schemas_are_closed_typed_and_described(k):
    defs = {t["name"]: t for t in tool_definitions(k)}
    assert set(defs) == {"what_if", "explain_rule", "show_math", "compare"}
    for tool in defs.values():
        assert tool["description"] and tool["input_schema"]["additionalProperties"] is False
    changes = defs["what_if"]["input_schema"]["properties"]["changes"]
    assert set(changes["properties"]) == set(ANSWER_NAMES) and changes["additionalProperties"] is False
    assert changes["properties"]["daily_requests"]["type"] == "integer"
    assert changes["properties"]["batch_ok"]["type"] == "boolean"
    assert changes["properties"]["industry"]["enum"][0] == "general"
    assert "requests a day" in changes["properties"]["daily_requests"]["description"]
    assert defs["compare"]["input_schema"]["properties"]["a"]["enum"] == ["api", "vendor-finetune", "self-host", "hybrid"]


def test_tool_errors_go_back_as_is_error_results(tools):
    requests: list[dict] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        requests.append(json.loads(request.content))
        if len(requests) == 1:
            return reply(stop="tool_use", content=[tool_use("what_if", {"changes": {"daily_requests": -3}})])
        return reply("That volume is not valid.")

    text, _, _ = answer("what if -3?", tools, client=client(handler))
    result = requests[1]["messages"][-1]["content"][0]
    assert result["is_error"] is True and "must be at least 0" in result["content"]
    assert text == "That volume is not valid."


def test_bad_tool_arguments_and_unknown_tools_are_errors_not_crashes(tools):
    assert "bad arguments for show_math" in tools.run("show_math", {"figur": "x"})["error"]
    assert "unknown tool" in tools.run("rm_rf", {})["error"]
    assert "must be an object" in tools.run("compare", ["api"])["error"]
    assert "unknown assumption" in tools.what_if({"bogus": 1})["error"]
    assert "must be a non-empty object" in tools.what_if({})["error"]


BROKEN = {
    "max_tokens mid tool call": (
        lambda: streamed_message(message(stop="max_tokens", content=[tool_use("what_if", {"changes": {"daily_requests": 5}})]), cut_tool_input=True),
        "the reply was cut at its length limit",
    ),
    "refusal": (lambda: reply("", stop="refusal", content=[]), "Claude declined to answer that question"),
    "empty reply": (lambda: reply("", content=[]), "the API returned no text"),
    "500": (lambda: error(500), "the API had an internal error (500)"),
    "content null": (lambda: httpx2.Response(200, json={"type": "message", "content": None}), "the API sent a reply that is not a valid message stream"),
    "200 with HTML": (lambda: httpx2.Response(200, html="<html></html>"), "the API sent a reply that is not a valid message stream"),
}


@pytest.mark.parametrize("case", list(BROKEN))
async def test_a_broken_turn_does_not_poison_the_conversation(case, tools, monkeypatch):
    from advisor.llm import claude

    monkeypatch.setattr(claude, "DEFAULT_BACKOFF_S", 0.0)
    broken, reason = BROKEN[case]
    bodies: list[dict] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        bodies.append(json.loads(request.content))
        question = bodies[-1]["messages"][-1]["content"]
        question = question if isinstance(question, str) else question[-1].get("text", "")
        return broken() if question == "first?" else reply("Second answer.")

    conversation = Conversation(tools)
    c = client(handler)
    first = await conversation.ask("first?", client=c)
    assert first.note == f"answered by the engine: {reason}"
    assert first.text.startswith("Without an API key I understand")  # the offline parser answered
    assert conversation.history == []
    second = await conversation.ask("second?", client=c)
    assert second.text == "Second answer." and second.note == ""
    roles = [m["role"] for m in bodies[-1]["messages"]]
    assert roles == ["user"]  # nothing of the broken turn was sent again
    assert len(conversation.history) == 2


async def test_a_cut_answer_is_marked_and_kept_out_of_the_history(tools):
    conversation = Conversation(tools)
    result = await conversation.ask("long?", client=client(lambda r: reply("It depends on", stop="max_tokens")))
    assert not result.complete and result.text.endswith("*(Cut short at the length limit.)*") and result.note == "cut short"
    assert conversation.history == []


async def test_two_quick_questions_are_answered_in_order(tools):
    order: list[str] = []

    async def handler(request: httpx2.Request) -> httpx2.Response:
        messages = json.loads(request.content)["messages"]
        last = messages[-1]["content"]
        question = last if isinstance(last, str) else last[-1]["text"]
        order.append(question)
        if question == "one?":
            await asyncio.sleep(0.2)  # the first is slow; the second must still wait its turn
            return reply("First.")
        assert len(messages) == 3  # the first question and its answer came before
        return reply("Second.")

    conversation = Conversation(tools)
    c = client(handler)
    one, two = await asyncio.gather(conversation.ask("one?", client=c), conversation.ask("two?", client=c))
    assert (one.text, two.text) == ("First.", "Second.") and order == ["one?", "two?"]


async def test_an_invented_figure_in_a_chat_answer_is_flagged(tools):
    result = await Conversation(tools).ask("cost?", client=client(lambda r: reply("It will cost $31.4M.")))
    assert result.unverified == ("$31.4M",) and result.note == f"{NOTE_PREFIX} $31.4M"


def test_no_key_answers_offline(tools):
    text, note, history = answer("why api", tools)
    assert text.startswith("**api**: score") and note == "answered by the engine (no ANTHROPIC_API_KEY)" and history == []


def test_what_if_validates_like_an_answers_file(tools):
    assert "must be at least 0" in tools.what_if({"daily_requests": -3})["error"]
    assert "unknown assumption" in tools.what_if({"bogus": 1})["error"]
    assert tools.what_if({}, assumptions={"gpu_price_factor": 2.0})["changes"] == {"gpu_price_factor": 2.0}


def test_offline_chat_forms(tools):
    assert answer_offline("what if daily_requests = 2k", tools).startswith("With daily_requests = 2,000")
    assert answer_offline("why api", tools).startswith("**api**: score")
    math = answer_offline("math self-host.gpus", tools)
    assert "ceil(daily_requests / 86400" in math and "= **2 GPUs**" in math
    assert "self-host" in answer_offline("compare api self-host", tools)
    assert answer_offline("tell me a joke", tools).startswith("Without an API key I understand")
    assert "did you mean 'daily_requests'" in answer_offline("what if daily_request = 5", tools)


async def test_chat_answers_stream_then_settle(tools):
    conversation = Conversation(tools)
    events = [e async for e in conversation.ask_stream("why?", client=client(lambda r: reply("Because volume is high.")))]
    assert [e.kind for e in events] == ["text", "done"] and events[0].text == "Because volume is high."
    assert events[-1].reply.text == "Because volume is high." and len(conversation.history) == 2


async def test_a_chat_stream_that_breaks_after_text_is_kept_marked_and_out_of_the_history(tools):
    from tests.claude_stub import SSE_HEADERS, sse

    broken = httpx2.Response(200, content=sse("Because volume", finish=False), headers=SSE_HEADERS)
    conversation = Conversation(tools)
    result = await conversation.ask("why?", client=client(lambda r: broken))
    assert not result.complete and result.text == "Because volume\n\n*(Cut short: the stream ended before the message did.)*"
    assert conversation.history == []
    assert (await conversation.ask("again?", client=client(lambda r: reply("Fine.")))).text == "Fine."


async def test_the_tool_round_text_and_the_answer_are_both_kept(tools):
    calls: list[int] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        calls.append(1)
        if len(calls) == 1:
            return reply(stop="tool_use", content=[{"type": "text", "text": "Let me check."}, tool_use("compare", {"a": "api", "b": "hybrid"})])
        return reply("Hybrid costs more.")

    conversation = Conversation(tools)
    result = await conversation.ask("compare?", client=client(handler))
    assert result.text == "Let me check.\n\nHybrid costs more."
    assert conversation.history[1]["content"][1]["input"] == {"a": "api", "b": "hybrid"}
