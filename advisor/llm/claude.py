"""Provides the one way buildbuy talks to the Messages API: a client with deliberate timeouts, a cap
on reply size, at most one short retry, and a deadline, so that any failure becomes one line saying
why within seconds (the written explanation or the offline parser then answers).

`anthropic` is imported only inside functions: it takes seconds to import and `buildbuy decide`
without --explain must not pay for it. The key is read from the environment only and never shown.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from advisor.errors import ConfigError
from advisor.inputs.datafiles import read_toml

DEFAULT_MODEL = "claude-sonnet-5-5"
DEADLINE_S = 9.0  # from the request to the first text: past it, the written explanation is used
IDLE_S = 8.0  # longest silence once text flows; past it the reply is marked as cut
TOTAL_S = 120.0  # a streamed reply still running after this is marked as cut
CONNECT_TIMEOUT_S = 3.0
READ_TIMEOUT_S = 8.0
RETRY_AFTER_CAP_S = 2.0  # one retry, only if the server asks for a wait this short or none
DEFAULT_BACKOFF_S = 0.5
MAX_REPLY_BYTES = 8 * 1024 * 1024  # a Messages reply is a few kB; 300 MB is a broken server
RETRIABLE = {429, 500, 502, 503, 504, 529}


class ApiFailure(Exception):
    """Claude could not answer; `reason` is one line for the user, without any secret."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class ReplyTooLarge(Exception):
    """Raised by the capped transport when a reply passes MAX_REPLY_BYTES."""


def config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "buildbuy" / "config.toml"


def model_name() -> str:
    """BUILDBUY_MODEL, else `model` in ~/.config/buildbuy/config.toml, else a current Sonnet."""
    from_env = os.environ.get("BUILDBUY_MODEL", "").strip()
    if from_env:
        return from_env
    path = config_path()
    if not path.exists():
        return DEFAULT_MODEL
    data = read_toml(path, ConfigError)
    unknown = sorted(set(data) - {"model"})
    if unknown:
        raise ConfigError(f"{path}: unknown key(s) {', '.join(unknown)}; allowed: model")
    model = data.get("model", DEFAULT_MODEL)
    if not isinstance(model, str) or not model.strip():
        raise ConfigError(f"{path}: model must be a model id in quotes, e.g. model = \"{DEFAULT_MODEL}\"")
    return model.strip()


def api_key() -> str | None:
    key = os.environ.get("ANTHROPIC_API_KEY", "").strip()
    return key or None


def base_url_problem() -> str | None:
    """Why ANTHROPIC_BASE_URL cannot be used, or None (unset counts as fine)."""
    raw = os.environ.get("ANTHROPIC_BASE_URL")
    if raw is None or raw == "":
        return None
    bad = "ANTHROPIC_BASE_URL is not a usable http(s) URL"
    if re.search(r"[\x00-\x20\x7f]", raw):
        return f"{bad} (it holds a space, newline or control character)"
    try:
        parts = urlsplit(raw)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        return bad
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{bad} (expected e.g. https://api.anthropic.com)"
    return None


# --- the client ----------------------------------------------------------------------------------


def _transport() -> Any:
    """The real network transport; tests replace this function with a MockTransport."""
    import httpx2

    return httpx2.AsyncHTTPTransport()


def _capped(inner: Any) -> Any:
    import httpx2

    class CappedStream(httpx2.AsyncByteStream):
        def __init__(self, stream: Any) -> None:
            self.stream = stream

        async def __aiter__(self) -> AsyncIterator[bytes]:
            seen = 0
            async for chunk in self.stream:
                seen += len(chunk)
                if seen > MAX_REPLY_BYTES:
                    raise ReplyTooLarge(f"the reply passed {MAX_REPLY_BYTES // 2**20} MB")
                yield chunk

        async def aclose(self) -> None:
            await self.stream.aclose()

    class CappedTransport(httpx2.AsyncBaseTransport):
        async def handle_async_request(self, request: Any) -> Any:
            response = await inner.handle_async_request(request)
            return httpx2.Response(
                response.status_code, headers=response.headers, stream=CappedStream(response.stream),
                extensions=response.extensions, request=request,
            )

        async def aclose(self) -> None:
            await inner.aclose()

    return CappedTransport()


def make_async_client(key: str) -> Any:
    """An AsyncAnthropic with no SDK retries (we retry once ourselves, with a cap on the wait),
    short timeouts and a cap on the reply size. Raises ApiFailure for an unusable base URL."""
    problem = base_url_problem()
    if problem:
        raise ApiFailure(problem)
    import anthropic
    import httpx2

    timeout = httpx2.Timeout(READ_TIMEOUT_S, connect=CONNECT_TIMEOUT_S)
    try:
        # base_url stays None so that the SDK reads ANTHROPIC_BASE_URL itself
        return anthropic.AsyncAnthropic(
            api_key=key, max_retries=0, timeout=timeout,
            http_client=httpx2.AsyncClient(transport=_capped(_transport()), timeout=timeout),
        )
    except (ValueError, TypeError, anthropic.AnthropicError) as exc:
        raise ApiFailure(f"the API client could not be set up ({type(exc).__name__})") from None


# --- why it failed -------------------------------------------------------------------------------


def _retry_after(exc: Any) -> float | None:
    headers = getattr(getattr(exc, "response", None), "headers", None) or {}
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        raw = headers.get(name)
        if raw is None:
            continue
        try:
            return float(raw) / scale
        except ValueError:
            return None
    return None


def _chain(exc: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    while exc is not None and exc not in out and len(out) < 10:
        out.append(exc)
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
    return out


def failure_reason(exc: BaseException) -> str:
    """One line on why Claude could not answer, without any secret in it."""
    import anthropic

    if isinstance(exc, ApiFailure):
        return exc.reason
    if any(isinstance(e, ReplyTooLarge) for e in _chain(exc)):
        return f"the API reply was larger than {MAX_REPLY_BYTES // 2**20} MB"
    if isinstance(exc, (TimeoutError, asyncio.TimeoutError, anthropic.APITimeoutError)):
        return f"the API did not answer within {DEADLINE_S:.0f} s"
    if isinstance(exc, anthropic.APIStatusError):
        status = exc.status_code
        if status == 404:
            where = " or the base URL (ANTHROPIC_BASE_URL)" if os.environ.get("ANTHROPIC_BASE_URL") else ""
            return f"not found (404): the model {model_name()!r}{where} is wrong; set BUILDBUY_MODEL"
        wait = _retry_after(exc)
        asked = f" and asked to wait {wait:,.0f} s" if status in RETRIABLE and wait and wait > RETRY_AFTER_CAP_S else ""
        return {
            401: "the API key was refused (401)",
            403: "the API key may not use this model (403)",
            413: "the request was too large for the API (413)",
            429: f"the API is rate limiting us (429){asked}",
            500: f"the API had an internal error (500){asked}",
            529: f"the API is overloaded (529){asked}",
        }.get(status, f"the API returned an error ({status}){asked}")
    if isinstance(exc, anthropic.APIConnectionError):
        return "the API is unreachable"
    if isinstance(exc, (ValueError, TypeError, KeyError, AttributeError, anthropic.APIResponseValidationError)):
        return "the API sent a reply that is not a valid message"
    if isinstance(exc, anthropic.APIError):
        return "the API call failed"
    return f"the API call failed ({type(exc).__name__})"


# --- calls ---------------------------------------------------------------------------------------


async def with_one_retry(call: Callable[[], Awaitable[Any]], started: float) -> Any:
    """call(), retried once on a transient failure if the server's wait fits the deadline."""
    import anthropic

    try:
        return await call()
    except (anthropic.APIStatusError, anthropic.APIConnectionError) as exc:
        if isinstance(exc, anthropic.APITimeoutError):
            raise
        if isinstance(exc, anthropic.APIStatusError) and exc.status_code not in RETRIABLE:
            raise
        wait = _retry_after(exc)
        wait = DEFAULT_BACKOFF_S if wait is None else wait
        if wait > RETRY_AFTER_CAP_S or time.monotonic() - started + wait > DEADLINE_S - 1:
            raise
        await asyncio.sleep(max(wait, 0.0))
        return await call()


def _valid_message(reply: Any) -> Any:
    """The reply if it is a Message with a list of content blocks (a proxy may answer 200 with
    HTML, `{}` or `content: null`), else ApiFailure."""
    from anthropic.types import Message

    if not isinstance(reply, Message) or not isinstance(reply.content, list):
        raise ApiFailure("the API sent a reply that is not a valid message")
    return reply


async def create(client: Any, **request: Any) -> Any:
    """One non-streamed Messages call within the deadline; the validated Message or ApiFailure."""
    started = time.monotonic()
    try:
        async with asyncio.timeout(DEADLINE_S):
            reply = await with_one_retry(lambda: client.messages.create(**request), started)
    except ApiFailure:
        raise
    except Exception as exc:  # every failure of the call becomes one line; never a traceback
        raise ApiFailure(failure_reason(exc)) from exc
    return _valid_message(reply)


@dataclass(frozen=True)
class Piece:
    """A part of a streamed reply: text as it arrives, then how it ended."""

    kind: str  # "text" or "end"
    text: str = ""
    stop_reason: str | None = None
    model: str | None = None
    problem: str = ""  # why the stream ended early, if it did (text already arrived)
    blocks: tuple[dict[str, Any], ...] = ()  # the reply's text and complete tool_use blocks, as request blocks


class _Blocks:
    """Content blocks rebuilt from stream events; a tool call whose input never completed is dropped
    and counted, so a reply cut mid tool call cannot be sent back as if it were whole."""

    def __init__(self) -> None:
        self.blocks: dict[int, dict[str, Any]] = {}
        self.partial: dict[int, list[str]] = {}
        self.broken_tool_calls = 0

    def start(self, index: int, block: Any) -> None:
        if block.type == "text":
            self.blocks[index] = {"type": "text", "text": block.text or ""}
        elif block.type == "tool_use":
            self.blocks[index] = {"type": "tool_use", "id": block.id, "name": block.name, "input": None}
            self.partial[index] = []

    def delta(self, index: int, delta: Any) -> str:
        block = self.blocks.get(index)
        if block is None:
            return ""
        if delta.type == "text_delta" and block["type"] == "text":
            block["text"] += delta.text
            return str(delta.text)
        if delta.type == "input_json_delta" and index in self.partial:
            self.partial[index].append(delta.partial_json)
        return ""

    def stop(self, index: int) -> None:
        if index in self.partial:
            raw = "".join(self.partial.pop(index)) or "{}"
            try:
                self.blocks[index]["input"] = json.loads(raw)
            except ValueError:
                self.blocks[index]["input"] = None

    def done(self) -> tuple[dict[str, Any], ...]:
        out = []
        for _, block in sorted(self.blocks.items()):
            if block["type"] == "tool_use" and not isinstance(block["input"], dict):
                self.broken_tool_calls += 1
                continue
            if block["type"] == "text" and not block["text"]:
                continue
            out.append(block)
        return tuple(out)


async def stream_text(client: Any, **request: Any) -> AsyncIterator[Piece]:
    """Text of a streamed reply as it arrives, then one "end" piece with the reply's blocks.
    Until the first content arrives (text or a tool call), a failure raises ApiFailure within
    DEADLINE_S; after text has been shown, the end piece carries the problem instead."""
    started = time.monotonic()
    got_text = progress = False
    stream: Any = None
    stop_reason: str | None = None
    model: str | None = None
    began = finished = False
    blocks = _Blocks()
    try:
        try:
            async with asyncio.timeout(DEADLINE_S):
                stream = await with_one_retry(lambda: client.messages.create(stream=True, **request), started)
            events = stream.__aiter__()
            while True:
                elapsed = time.monotonic() - started
                budget = min(IDLE_S, TOTAL_S - elapsed) if progress else DEADLINE_S - elapsed
                try:
                    event = await asyncio.wait_for(events.__anext__(), max(budget, 0.0))
                except StopAsyncIteration:
                    break
                kind = getattr(event, "type", None)
                if kind == "message_start":
                    began, model = True, event.message.model
                elif kind == "content_block_start":
                    blocks.start(event.index, event.content_block)
                elif kind == "content_block_delta":
                    progress = True
                    text = blocks.delta(event.index, event.delta)
                    if text:
                        got_text = True
                        yield Piece("text", text)
                elif kind == "content_block_stop":
                    blocks.stop(event.index)
                elif kind == "message_delta":
                    stop_reason = event.delta.stop_reason
                elif kind == "message_stop":
                    finished = True
        except ApiFailure:
            raise
        except Exception as exc:  # every failure becomes one line; never a traceback
            if isinstance(exc, (TimeoutError, asyncio.TimeoutError)) and progress:
                reason = "the reply stopped arriving" if time.monotonic() - started < TOTAL_S else "the reply took too long"
            else:
                reason = failure_reason(exc)
            if not got_text:
                raise ApiFailure(reason) from exc
            yield Piece("end", stop_reason=stop_reason, model=model, problem=reason, blocks=blocks.done())
            return
    finally:
        if stream is not None:
            try:
                async with asyncio.timeout(1.0):
                    await stream.close()
            except Exception:  # closing a broken stream must not hide why it broke
                pass
    if not began:
        raise ApiFailure("the API sent a reply that is not a valid message stream")
    problem = "" if finished else "the stream ended before the message did"
    if not got_text and problem:
        raise ApiFailure(problem)
    done = blocks.done()
    if blocks.broken_tool_calls and not problem:
        problem = "a tool call was cut off" if stop_reason != "max_tokens" else ""
    yield Piece("end", stop_reason=stop_reason, model=model, problem=problem, blocks=done)


def cache_marked(block: dict[str, Any]) -> dict[str, Any]:
    """The block marked as the end of a cacheable prefix (prompt caching)."""
    return {**block, "cache_control": {"type": "ephemeral"}}


def decision_block(data: dict[str, Any]) -> dict[str, Any]:
    """The decision data as one cached text block: the large fixed part of every request."""
    payload = json.dumps(data, indent=1, default=str, allow_nan=False)
    return cache_marked({"type": "text", "text": f"The decision, as computed by the buildbuy engine:\n```json\n{payload}\n```"})
