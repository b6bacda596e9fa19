"""Claude on the result screen: chat answers in order with a thinking mark, failures shown."""

from __future__ import annotations

import asyncio
import json

import httpx2

from advisor import explain as explain_mod
from tests.claude_stub import message, use_production_client
from tests.test_tui import app_factory, finish, wait_for


async def test_two_quick_chat_questions_are_answered_in_order(monkeypatch):
    gate = asyncio.Event()

    async def handler(request: httpx2.Request) -> httpx2.Response:
        last = json.loads(request.content)["messages"][-1]["content"]
        question = last if isinstance(last, str) else last[-1]["text"]
        if question == "one":
            await gate.wait()  # the first is slow; the second must wait its turn
        return httpx2.Response(200, json=message(f"Answer to {question}."))

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
        assert not app.screen.query(".chat-thinking")


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
