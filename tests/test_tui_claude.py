"""Claude on the result screen: chat answers in order with a thinking mark, failures shown."""

from __future__ import annotations

import asyncio
import json

import httpx2

from advisor.llm import explain as explain_mod
from tests.claude_stub import message, streamed_message, use_production_client
from tests.test_tui import app_factory, finish, wait_for


async def test_two_quick_chat_questions_are_answered_in_order(monkeypatch):
    gate = asyncio.Event()

    async def handler(request: httpx2.Request) -> httpx2.Response:
        last = json.loads(request.content)["messages"][-1]["content"]
        question = last if isinstance(last, str) else last[-1]["text"]
        if question == "one":
            await gate.wait()  # the first is slow; the second must wait its turn
        return streamed_message(message(f"Answer to {question}."))

    use_production_client(monkeypatch, handler)
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await finish(pilot, app)
        app.screen.query_one("#tabs").active = "tab-chat"
        await pilot.pause()
        app.screen.query_one("#chat-input").focus()
        await pilot.press(*"one", "enter", *"two", "enter")
        await wait_for(pilot, lambda: len(app.screen.query(".chat-thinking")) == 2)
        assert not app.screen.query(".chat-answer")
        gate.set()
        await wait_for(pilot, lambda: len(app.screen.query(".chat-answer")) == 2)
        answers = [m.source for m in app.screen.query(".chat-answer")]
        assert answers == ["Answer to one.", "Answer to two."]
        await wait_for(pilot, lambda: not app.screen.query(".chat-thinking"))


async def test_a_failing_explanation_worker_is_shown_not_lost(monkeypatch):
    async def broken(*args, **kwargs):
        raise RuntimeError("explanation exploded")
        yield  # pragma: no cover - makes this an async generator

    monkeypatch.setattr(explain_mod, "stream_explanation", broken)
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await finish(pilot, app)
        await pilot.press("e")
        await wait_for(pilot, lambda: any("explanation exploded" in str(n.message) for n in app._notifications))
        assert type(app.screen).__name__ == "ResultScreen"


async def _describe(pilot, app, text: str) -> None:
    from textual.widgets import TextArea

    await pilot.press(*"describe", "enter")
    await wait_for(pilot, lambda: type(app.screen).__name__ == "DescribeScreen")
    app.screen.query_one(TextArea).text = text
    await pilot.press("ctrl+s")
    await wait_for(pilot, lambda: bool(app.interview.prefilled))


def _transcript(app) -> str:
    return "\n".join(str(b.render()) for b in app.screen.query(".bubble"))


async def test_a_description_prefills_the_interview_offline_and_each_is_confirmed():
    from tests.test_describe import ISSUE_TEXT

    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: type(app.screen).__name__ == "InterviewScreen")
        await _describe(pilot, app, ISSUE_TEXT)
        assert app.interview.prefilled["daily_requests"] == 40_000
        assert "Found by the offline parser" in _transcript(app)
        assert app.interview.given() == {}  # nothing counts as answered until confirmed
        for _ in range(3):  # use_case (not in the description) and the data-residency question come first
            if app.interview.current == "daily_requests":
                break
            await pilot.press("enter")
            await pilot.pause()
        assert app.interview.current == "daily_requests"
        assert "From your description: 40,000" in _transcript(app)
        await pilot.press("enter")  # confirm
        await pilot.pause()
        assert app.interview.given()["daily_requests"] == 40_000
        for _ in range(3):
            if app.interview.current == "input_tokens":
                break
            await pilot.press("enter")
            await pilot.pause()
        assert app.interview.current == "input_tokens"
        await pilot.press(*"900", "enter")  # change
        await pilot.pause()
        assert app.interview.given()["input_tokens"] == 900


async def test_with_a_key_claude_reads_the_description(monkeypatch):
    from tests.claude_stub import tool_use

    answers = {"use_case": "claims [b]triage[/b]", "daily_requests": 40_000}
    use_production_client(monkeypatch, lambda r: httpx2.Response(200, json=message(stop="tool_use", content=[
        tool_use("record_answers", {"answers": answers, "uncertain": ["daily_requests"]})])))
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: type(app.screen).__name__ == "InterviewScreen")
        await _describe(pilot, app, "claims triage, 40k a day")
        assert app.interview.prefilled == answers
        assert "From your description: claims [b]triage[/b]" in _transcript(app)  # shown literally
        await pilot.press("enter")
        await pilot.pause()
        assert app.interview.given() == {"use_case": "claims [b]triage[/b]"}
