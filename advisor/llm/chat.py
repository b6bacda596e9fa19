"""Provides the follow-up chat: a Conversation with Claude over the decision, its tools, streamed replies
that never poison later questions, and the written fallback without a key."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from advisor.llm.tools import Tools, answer_offline, tool_definitions

MAX_TOOL_ROUNDS = 5


CHAT_MAX_TOKENS = 1000


CHAT_SYSTEM = """You answer follow-up questions about a build-vs-buy decision made by the buildbuy
engine. The first user message holds the decision data: costs, precomputed differences between
options, findings, the user's answers and the assumptions with their sources. Every number you
state must come from that data or from a tool result: call what_if to change answers or
assumptions, show_math for a derivation, compare for two options, explain_rule for a rule. Never
calculate numbers yourself. If a tool returns an error, correct the call or say what is not
possible. Be brief, plain Markdown, no HTML."""


@dataclass(frozen=True)
class Reply:
    """One answer in the chat. `note` says where it comes from when that is not Claude, or what
    is wrong with it (cut, unverified figures)."""

    text: str
    note: str = ""
    unverified: tuple[str, ...] = ()
    complete: bool = True


@dataclass(frozen=True)
class ChatEvent:
    kind: str  # "text" (a chunk as it streams) or "done" (the answer as it stands, with its note)
    text: str = ""
    reply: Reply | None = None


class Conversation:
    """A follow-up chat on one decision. Questions are answered one at a time, in the order they
    were asked; a failed, cut or refused turn leaves the history as it was, so the next question
    works."""

    def __init__(self, tools: Tools, history: list[dict[str, Any]] | None = None) -> None:
        self.tools = tools
        self.history: list[dict[str, Any]] = list(history or [])
        self._lock: asyncio.Lock | None = None

    async def ask(self, question: str, *, client: Any = None) -> Reply:
        reply = None
        async for event in self.ask_stream(question, client=client):
            if event.kind == "done":
                reply = event.reply
        assert reply is not None
        return reply

    async def ask_stream(self, question: str, *, client: Any = None) -> AsyncIterator[ChatEvent]:
        """The answer's text as it streams, then a "done" event with the answer to keep (which
        replaces the streamed text: it may be the offline parser's after a failure)."""
        from advisor.llm.claude import ApiFailure, api_key, make_async_client

        if self._lock is None:
            self._lock = asyncio.Lock()  # FIFO: waiting questions are answered in the order asked
        async with self._lock:
            own = client is None
            try:
                if client is None:
                    key = api_key()
                    if key is None:
                        offline = Reply(answer_offline(question, self.tools), "answered by the engine (no ANTHROPIC_API_KEY)")
                        yield ChatEvent("done", reply=offline)
                        return
                    client = make_async_client(key)
                async for event in self._turn(question, client):
                    yield event
            except ApiFailure as exc:
                yield ChatEvent("done", reply=Reply(answer_offline(question, self.tools), f"answered by the engine: {exc.reason}"))
            finally:
                if own and client is not None:
                    await client.close()

    def _first_message(self, question: str) -> dict[str, Any]:
        from advisor.llm.claude import decision_block
        from advisor.llm.explain import grounding

        block = decision_block(grounding(self.tools.decision, self.tools.k))
        return {"role": "user", "content": [block, {"type": "text", "text": question}]}

    async def _turn(self, question: str, client: Any) -> AsyncIterator[ChatEvent]:
        from advisor.llm.claude import ApiFailure, model_name, stream_text

        request = {
            "model": model_name(),
            "max_tokens": CHAT_MAX_TOKENS,
            "system": [{"type": "text", "text": CHAT_SYSTEM, "cache_control": {"type": "ephemeral"}}],
            "tools": tool_definitions(self.tools.k),
        }
        first = self._first_message(question) if not self.history else {"role": "user", "content": question}
        messages = [*self.history, first]
        results: list[Any] = []
        said: list[str] = []  # the text of every round, as the user saw it
        for _ in range(MAX_TOOL_ROUNDS):
            end = None
            async for piece in stream_text(client, messages=messages, **request):
                if piece.kind == "text":
                    yield ChatEvent("text", piece.text)
                else:
                    end = piece
            assert end is not None
            blocks = list(end.blocks)
            said += [b["text"] for b in blocks if b["type"] == "text"]
            text = "\n\n".join(t.strip() for t in said if t.strip())
            uses = [b for b in blocks if b["type"] == "tool_use"]
            if end.problem:  # text was shown, then the reply broke: keep it, marked, out of the history
                yield ChatEvent("done", reply=self._checked(f"{text}\n\n*(Cut short: {end.problem}.)*", results, complete=False))
                return
            if end.stop_reason == "tool_use" and uses:
                messages = [*messages, {"role": "assistant", "content": blocks}]
                turn = []
                for use in uses:
                    result = await asyncio.to_thread(self.tools.run, use["name"], use["input"])
                    results.append(result)
                    if "error" in result:
                        turn.append({"type": "tool_result", "tool_use_id": use["id"], "content": str(result["error"]), "is_error": True})
                    else:
                        turn.append({"type": "tool_result", "tool_use_id": use["id"], "content": json.dumps(result, default=str)})
                messages.append({"role": "user", "content": turn})
                continue
            if end.stop_reason == "refusal":
                raise ApiFailure("Claude declined to answer that question")
            if end.stop_reason == "max_tokens":
                if uses or not text:
                    raise ApiFailure("the reply was cut at its length limit")
                yield ChatEvent("done", reply=self._checked(text + "\n\n*(Cut short at the length limit.)*", results, complete=False))
                return
            if end.stop_reason not in ("end_turn", "stop_sequence"):
                raise ApiFailure(f"the API ended the reply unexpectedly ({end.stop_reason or 'no stop reason'})")
            if not text:
                raise ApiFailure("the API returned no text")
            self.history = [*messages, {"role": "assistant", "content": blocks}]
            yield ChatEvent("done", reply=self._checked(text, results))
            return
        yield ChatEvent("done", reply=Reply("I needed too many steps for that question; please ask something narrower.", complete=False))

    def _checked(self, text: str, results: list[Any], *, complete: bool = True) -> Reply:
        from advisor.views.figcheck import check, unverified_note

        flagged = tuple(check(text, self.tools.decision, self.tools.k, extra=results))
        notes = ([] if complete else ["cut short"]) + ([unverified_note(flagged)] if flagged else [])
        return Reply(text, "; ".join(notes), flagged, complete)


def answer(question: str, tools: Tools, *, client: Any = None, history: list[dict[str, Any]] | None = None) -> tuple[str, str, list[dict[str, Any]]]:
    """(answer, note, history), for callers without an event loop. Uses Claude with tools when a
    client or key exists, else the parser; an API failure falls back to the parser with a note."""
    conversation = Conversation(tools, history)
    if client is None:
        from advisor.llm.claude import api_key

        if api_key() is None:  # no event loop, no anthropic import
            return answer_offline(question, tools), "answered by the engine (no ANTHROPIC_API_KEY)", conversation.history
    reply = asyncio.run(conversation.ask(question, client=client))
    return reply.text, reply.note, conversation.history
