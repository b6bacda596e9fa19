"""Every way the API can fail falls back to the written explanation within 10 s, with one line
saying why and no traceback; through the client buildbuy really builds, over a mock transport."""

from __future__ import annotations

import asyncio
import time

import httpx2
import pytest

from advisor.cli import main
from advisor.llm import claude
from advisor.llm.explain import explain
from tests.claude_stub import MODEL, SSE_HEADERS, error, message, sse, streamed, use_production_client
from tests.conftest import ROOT

CLAIMS = str(ROOT / "examples" / "claims-triage.toml")
LIMIT_S = 10.0


@pytest.fixture
def builder(decision):
    return decision(daily_requests=150_000, labeled_examples=4_000)


def _json(body: bytes) -> httpx2.Response:
    return httpx2.Response(200, content=body, headers={"content-type": "application/json"})


def _raise(exc: Exception):
    def handler(request: httpx2.Request) -> httpx2.Response:
        raise exc

    return handler


async def _huge(request: httpx2.Request) -> httpx2.Response:
    chunk = b"x" * 2**20

    async def body():
        for _ in range(300):  # 300 MB, never all in memory
            yield chunk

    return httpx2.Response(200, content=body(), headers=SSE_HEADERS)


CASES = {
    "401": (lambda r: error(401), "the API key was refused (401)"),
    "404": (lambda r: error(404), f"not found (404): the model {MODEL!r} is wrong; set BUILDBUY_MODEL"),
    "429 retry-after 600": (lambda r: error(429, {"retry-after": "600"}), "the API is rate limiting us (429) and asked to wait 600 s"),
    "500": (lambda r: error(500, {"retry-after": "3600"}), "the API had an internal error (500) and asked to wait 3,600 s"),
    "529": (lambda r: error(529, {"retry-after": "90"}), "the API is overloaded (529) and asked to wait 90 s"),
    "timeout": (_raise(httpx2.ReadTimeout("slow")), "the API did not answer within 9 s"),
    "unreachable": (_raise(httpx2.ConnectError("no route")), "the API is unreachable"),
    "garbled stream": (
        lambda r: httpx2.Response(200, content=b"event: message_start\ndata: {garbage\n\n", headers=SSE_HEADERS),
        "the API sent a reply that is not a valid message",
    ),
    "empty reply": (lambda r: streamed(), "the API returned no text"),
    "refusal": (lambda r: streamed(stop="refusal"), "Claude declined to explain"),
    "200 with HTML": (lambda r: httpx2.Response(200, html="<html><body>Gateway login</body></html>"), "the API sent a reply that is not a valid message stream"),
    "invalid JSON": (lambda r: _json(b"{not json"), "the API sent a reply that is not a valid message stream"),
    "{}": (lambda r: _json(b"{}"), "the API sent a reply that is not a valid message stream"),
    "content null": (lambda r: _json(b'{"type": "message", "content": null}'), "the API sent a reply that is not a valid message stream"),
    "300 MB body": (_huge, "the API reply was larger than 8 MB"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_failure_falls_back_with_its_reason(case, builder, k, monkeypatch):
    handler, reason = CASES[case]
    use_production_client(monkeypatch, handler)
    started = time.monotonic()
    result = explain(builder, k)
    assert time.monotonic() - started < LIMIT_S
    assert result.model is None and result.note == f"written explanation: {reason}"
    assert result.text.startswith(f"**Recommendation: {builder.option}**")


def test_404_names_the_base_url_when_one_is_set(builder, k, monkeypatch):
    use_production_client(monkeypatch, lambda r: error(404))
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "https://proxy.example.test/v1")
    note = explain(builder, k).note
    assert note == f"written explanation: not found (404): the model {MODEL!r} or the base URL (ANTHROPIC_BASE_URL) is wrong; set BUILDBUY_MODEL"


@pytest.mark.parametrize("url", ["::::", "https://api.anthropic.com\n", "ftp://x", "http://host:port/"])
def test_an_unusable_base_url_falls_back(url, builder, k, monkeypatch):
    use_production_client(monkeypatch, lambda r: streamed("never asked"))
    monkeypatch.setenv("ANTHROPIC_BASE_URL", url)
    result = explain(builder, k)
    assert result.model is None and result.note.startswith("written explanation: ANTHROPIC_BASE_URL is not a usable http(s) URL")


def test_a_short_retry_after_is_honoured_once(builder, k, monkeypatch):
    calls: list[int] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        calls.append(1)
        return error(529, {"retry-after": "0.1"}) if len(calls) == 1 else streamed("Fine now.")

    use_production_client(monkeypatch, handler)
    assert explain(builder, k).text == "Fine now." and len(calls) == 2


def test_silence_falls_back_at_the_deadline(builder, k, monkeypatch):
    async def silent(request: httpx2.Request) -> httpx2.Response:
        await asyncio.sleep(60)
        return streamed("too late")

    use_production_client(monkeypatch, silent)
    monkeypatch.setattr(claude, "DEADLINE_S", 0.5)
    started = time.monotonic()
    result = explain(builder, k)
    assert time.monotonic() - started < 2 and result.model is None
    assert result.note.startswith("written explanation: the API did not answer within")


def test_a_server_dripping_a_byte_every_10_s_falls_back_within_10_s(builder, k, monkeypatch):
    async def drip(request: httpx2.Request) -> httpx2.Response:
        async def body():
            for byte in b"event: message_start\n":
                yield bytes([byte])
                await asyncio.sleep(10)

        return httpx2.Response(200, content=body(), headers=SSE_HEADERS)

    use_production_client(monkeypatch, drip)
    started = time.monotonic()
    result = explain(builder, k)
    assert time.monotonic() - started < LIMIT_S
    assert result.note == "written explanation: the API did not answer within 9 s"


def test_text_that_stops_arriving_is_kept_and_marked_as_cut(builder, k, monkeypatch):
    async def stalls(request: httpx2.Request) -> httpx2.Response:
        async def body():
            yield sse("Self-host wins ", finish=False)
            await asyncio.sleep(60)

        return httpx2.Response(200, content=body(), headers=SSE_HEADERS)

    use_production_client(monkeypatch, stalls)
    monkeypatch.setattr(claude, "IDLE_S", 0.3)
    result = explain(builder, k)
    assert result.model == MODEL and not result.complete
    assert result.text == "Self-host wins\n\n*(Cut short: the reply stopped arriving; this explanation is incomplete.)*"


@pytest.mark.parametrize("case", ["200 with HTML", "invalid JSON", "{}", "content null", "300 MB body", "429 retry-after 600"])
def test_cli_prints_one_line_and_no_traceback(case, monkeypatch, capsys):
    handler, reason = CASES[case]
    use_production_client(monkeypatch, handler)
    started = time.monotonic()
    code = main(["decide", CLAIMS, "--explain", "--samples", "0"])
    out, err = capsys.readouterr()
    assert code == 0 and time.monotonic() - started < LIMIT_S
    assert f"Explanation (written explanation: {reason}):" in out
    assert "Traceback" not in out + err and err == ""


@pytest.mark.parametrize("url", ["::::", "http://api.anthropic.com\nX-Evil: 1"])
def test_cli_with_a_bad_base_url_prints_one_line(url, monkeypatch, capsys):
    use_production_client(monkeypatch, lambda r: streamed("never asked"))
    monkeypatch.setenv("ANTHROPIC_BASE_URL", url)
    code = main(["decide", CLAIMS, "--explain", "--samples", "0", "--json"])
    out, err = capsys.readouterr()
    import json

    data = json.loads(out)
    assert code == 0 and err == ""
    assert data["explanation"]["note"].startswith("written explanation: ANTHROPIC_BASE_URL is not a usable http(s) URL")


def test_stub_message_helper_is_a_valid_message():
    from anthropic.types import Message

    assert Message.model_validate(message("x")).content[0].text == "x"
