"""A stand-in for the Messages API: replies and SSE transcripts for httpx2.MockTransport handlers."""

from __future__ import annotations

import json
from typing import Any

import anthropic
import httpx2
import pytest

SECRET = "sk-ant-test-SECRET-never-shown"
MODEL = "claude-sonnet-5-5"
SSE_HEADERS = {"content-type": "text/event-stream"}


def message(text: str = "", *, stop: str | None = "end_turn", content: list | None = None) -> dict[str, Any]:
    return {
        "id": "msg_1", "type": "message", "role": "assistant", "model": MODEL,
        "content": content if content is not None else [{"type": "text", "text": text}],
        "stop_reason": stop, "stop_sequence": None, "usage": {"input_tokens": 10, "output_tokens": 10},
    }


def tool_use(name: str, args: Any, ident: str = "toolu_1") -> dict[str, Any]:
    return {"type": "tool_use", "id": ident, "name": name, "input": args}


def _event(kind: str, data: dict[str, Any]) -> str:
    return f"event: {kind}\ndata: {json.dumps({'type': kind, **data})}\n\n"


def sse(*chunks: str, stop: str | None = "end_turn", finish: bool = True) -> bytes:
    """A streamed reply of text chunks ending with `stop`; finish=False stops before message_stop."""
    start = message(content=[], stop=None)
    out = [_event("message_start", {"message": start}), _event("content_block_start", {"index": 0, "content_block": {"type": "text", "text": ""}})]
    out += [_event("content_block_delta", {"index": 0, "delta": {"type": "text_delta", "text": c}}) for c in chunks]
    if finish:
        out += [
            _event("content_block_stop", {"index": 0}),
            _event("message_delta", {"delta": {"stop_reason": stop, "stop_sequence": None}, "usage": {"output_tokens": 5}}),
            _event("message_stop", {}),
        ]
    return "".join(out).encode()


def streamed(*chunks: str, stop: str | None = "end_turn") -> httpx2.Response:
    return httpx2.Response(200, content=sse(*chunks, stop=stop), headers=SSE_HEADERS)


def error(status: int, headers: dict[str, str] | None = None) -> httpx2.Response:
    return httpx2.Response(status, json={"type": "error", "error": {"type": "x", "message": "nope"}}, headers=headers)


def client(handler: Any) -> anthropic.AsyncAnthropic:
    return anthropic.AsyncAnthropic(api_key=SECRET, max_retries=0, http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(handler)))


def use_production_client(monkeypatch: pytest.MonkeyPatch, handler: Any) -> None:
    """The real client buildbuy builds (timeouts, size cap, retries, base URL), over a mock transport."""
    from advisor.llm import claude

    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET)
    monkeypatch.setattr(claude, "_transport", lambda: httpx2.MockTransport(handler))


def sse_of(msg: dict[str, Any], *, cut_tool_input: bool = False) -> bytes:
    """A whole message (see message()) as the SSE stream the API would send for it; with
    cut_tool_input, a tool call's input stops halfway (a reply cut at max_tokens mid tool call)."""
    start = {**msg, "content": [], "stop_reason": None}
    out = [_event("message_start", {"message": start})]
    for i, block in enumerate(msg["content"] or []):
        if block["type"] == "text":
            out.append(_event("content_block_start", {"index": i, "content_block": {"type": "text", "text": ""}}))
            out.append(_event("content_block_delta", {"index": i, "delta": {"type": "text_delta", "text": block["text"]}}))
        else:
            out.append(_event("content_block_start", {"index": i, "content_block": {**block, "input": {}}}))
            raw = json.dumps(block["input"])
            raw = raw[: len(raw) // 2] if cut_tool_input else raw
            out.append(_event("content_block_delta", {"index": i, "delta": {"type": "input_json_delta", "partial_json": raw}}))
            if cut_tool_input:
                continue
        out.append(_event("content_block_stop", {"index": i}))
    out.append(_event("message_delta", {"delta": {"stop_reason": msg["stop_reason"], "stop_sequence": None}, "usage": {"output_tokens": 5}}))
    out.append(_event("message_stop", {}))
    return "".join(out).encode()


def streamed_message(msg: dict[str, Any], **kw: Any) -> httpx2.Response:
    return httpx2.Response(200, content=sse_of(msg, **kw), headers=SSE_HEADERS)
