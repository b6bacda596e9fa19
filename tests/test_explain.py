"""Claude through the real anthropic client and an httpx2 MockTransport: no network, ever."""

from __future__ import annotations

import json

import anthropic
import httpx2
import pytest

from advisor import explain as explain_mod
from advisor.cli import main
from advisor.explain import explain, stream_explanation
from advisor.followup import Tools, answer, answer_offline
from tests.conftest import ROOT

SSE = (ROOT / "tests" / "fixtures" / "explanation_stream.sse").read_bytes()
SECRET = "sk-ant-test-SECRET-never-shown"


def message(text: str, *, stop: str = "end_turn", content: list | None = None) -> dict:
    return {
        "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-5-5",
        "content": content or [{"type": "text", "text": text}], "stop_reason": stop, "stop_sequence": None,
        "usage": {"input_tokens": 10, "output_tokens": 10},
    }


def client(handler, *, asynchronous: bool = False):
    if asynchronous:
        return anthropic.AsyncAnthropic(api_key=SECRET, max_retries=0, http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(handler)))
    return anthropic.Anthropic(api_key=SECRET, max_retries=0, http_client=httpx2.Client(transport=httpx2.MockTransport(handler)))


@pytest.fixture
def builder(decision):
    return decision(daily_requests=150_000, labeled_examples=4_000, review_rate_api=10, review_rate_finetuned=1, cost_per_review=2.5)


def test_plain_explanation_carries_the_decisions_figures(builder, k):
    seen: list[dict] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(json.loads(request.content))
        return httpx2.Response(200, json=message("Self-host, because volume is high."))

    result = explain(builder, k, audience="finance partner", client=client(handler))
    assert result.text == "Self-host, because volume is high." and result.model == "claude-sonnet-5-5"
    body = seen[0]
    assert body["model"] == "claude-sonnet-5-5"
    assert "Use only numbers that appear in the JSON" in body["system"]
    prompt = body["messages"][0]["content"]
    assert prompt.startswith("Audience: finance partner.")
    payload = json.loads(prompt.split("```json\n", 1)[1].rsplit("\n```", 1)[0])
    assert payload["recommendation"]["option"] == builder.option
    assert payload["options"]["self-host"]["tco_usd"] == round(builder.report.options["self-host"].tco_usd, 2)


async def test_streamed_explanation(builder, k):
    def handler(request: httpx2.Request) -> httpx2.Response:
        assert json.loads(request.content)["stream"] is True
        return httpx2.Response(200, content=SSE, headers={"content-type": "text/event-stream"})

    events = [e async for e in stream_explanation(builder, k, client=client(handler, asynchronous=True))]
    assert events[0].kind == "note" and "claude-sonnet-5-5" in events[0].text
    assert "".join(e.text for e in events if e.kind == "text") == (
        "Self-hosting wins because volume is high and review costs fall."
    )


@pytest.mark.parametrize(
    "status, reason",
    [(401, "the API key was refused (401)"), (429, "the API is rate limiting us (429)"), (529, "the API is overloaded (529)")],
)
def test_api_errors_fall_back_with_a_reason(builder, k, status, reason):
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(status, json={"type": "error", "error": {"type": "x", "message": "nope"}})

    result = explain(builder, k, client=client(handler))
    assert result.model is None and result.note == f"written explanation: {reason}"
    assert f"**Recommendation: {builder.option}**" in result.text


def test_connection_error_falls_back(builder, k):
    def handler(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("no route to host")

    result = explain(builder, k, client=client(handler))
    assert result.note == "written explanation: the API is unreachable"


async def test_stream_failure_falls_back(builder, k):
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(429, json={"type": "error", "error": {"type": "rate_limit_error", "message": "slow down"}})

    events = [e async for e in stream_explanation(builder, k, client=client(handler, asynchronous=True))]
    notes = [e.text for e in events if e.kind == "note"]
    assert notes[-1] == "Written explanation: the API is rate limiting us (429)."
    assert f"**Recommendation: {builder.option}**" in "".join(e.text for e in events if e.kind == "text")


def test_no_key_gives_the_written_explanation_without_importing_a_client(builder, k):
    result = explain(builder, k, audience="executive")
    assert result.note == "written explanation: no ANTHROPIC_API_KEY is set"
    assert result.text.startswith(f"**Recommendation: {builder.option}**")


def test_tool_use_round_trip_answers_with_the_engines_figures(builder, k, rules):
    requests: list[dict] = []
    tools = Tools(builder, k, rules)

    def handler(request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        requests.append(body)
        if len(requests) == 1:
            assert {t["name"] for t in body["tools"]} == {"what_if", "explain_rule", "show_math", "compare"}
            return httpx2.Response(200, json=message("", stop="tool_use", content=[
                {"type": "tool_use", "id": "toolu_1", "name": "what_if", "input": {"changes": {"daily_requests": 1000}}},
            ]))
        result = json.loads(body["messages"][-1]["content"][0]["content"])
        api_tco = result["after"]["options"]["api"]["tco_usd"]
        return httpx2.Response(200, json=message(f"At 1,000 requests a day the API costs ${api_tco:,.2f}."))

    text, note, history = answer("what if volume drops to 1,000 a day?", tools, client=client(handler))
    assert note == "" and tools.calls == [("what_if", {"changes": {"daily_requests": 1000}})]
    expected = tools.what_if({"daily_requests": 1000})["after"]["options"]["api"]["tco_usd"]
    assert text == f"At 1,000 requests a day the API costs ${expected:,.2f}."
    tool_result = requests[1]["messages"][-1]["content"][0]
    assert tool_result["type"] == "tool_result" and tool_result["tool_use_id"] == "toolu_1"
    assert len(history) == 6


def test_what_if_validates_like_an_answers_file(builder, k, rules):
    tools = Tools(builder, k, rules)
    assert "must be at least 0" in tools.what_if({"daily_requests": -3})["error"]
    assert "unknown assumption" in tools.what_if({"bogus": 1})["error"]


def test_offline_chat_forms(builder, k, rules):
    tools = Tools(builder, k, rules)
    assert answer_offline("what if daily_requests = 2k", tools).startswith("With daily_requests = 2,000")
    assert answer_offline("why api", tools).startswith("**api**: score")
    math = answer_offline("math self-host.gpus", tools)
    assert "ceil(daily_requests / 86400" in math and "= **2 GPUs**" in math
    assert "self-host" in answer_offline("compare api self-host", tools)
    assert answer_offline("tell me a joke", tools).startswith("Without an API key I understand")
    assert "did you mean 'daily_requests'" in answer_offline("what if daily_request = 5", tools)


def test_key_is_never_printed_or_written(builder, k, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET)
    hosts: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        hosts.append(request.url.host)
        assert SECRET in (request.headers.get("x-api-key", "") + request.headers.get("authorization", ""))
        return httpx2.Response(401, json={"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}})

    original = explain_mod._client_kwargs
    monkeypatch.setattr(explain_mod, "_client_kwargs", lambda key: {**original(key), "http_client": httpx2.Client(transport=httpx2.MockTransport(handler))})
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://gateway.internal.test")
    out_dir = tmp_path / "records"
    code = main(["decide", str(ROOT / "examples" / "claims-triage.toml"), "--explain", "--samples", "0", "--out", str(out_dir)])
    out, err = capsys.readouterr()
    assert code == 0 and hosts == ["gateway.internal.test"]
    assert "written explanation: the API key was refused (401)" in out, out[out.find("Explanation ("):][:200]
    record = next(out_dir.glob("*.md")).read_text()
    assert "### Explanation (written by buildbuy" in record
    for text in (out, err, record):
        assert SECRET not in text


def test_explanation_from_claude_lands_in_the_record(builder, k, tmp_path):
    from advisor.record_io import save_record

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, json=message("Build it. <b>bold claim</b>"))

    result = explain(builder, k, client=client(handler))
    path = save_record(builder, k, tmp_path, explanation=result)
    text = path.read_text()
    assert "### Explanation (generated by claude-sonnet-5-5; the tables above hold the engine's figures)" in text
    assert "Build it. &lt;b&gt;bold claim&lt;/b&gt;" in text


async def test_streamed_explanation_arrives_on_the_result_screen(monkeypatch):
    from advisor.tui.app import make_app
    from tests.conftest import TODAY

    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET)

    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, content=SSE, headers={"content-type": "text/event-stream"})

    monkeypatch.setattr(explain_mod, "make_async_client", lambda key: client(handler, asynchronous=True))
    app = make_app(today=TODAY, samples=50)
    async with app.run_test(size=(120, 40)) as pilot:
        while app.interview.current is not None:
            await pilot.press("enter")
        while type(app.screen).__name__ != "ResultScreen":
            await pilot.pause(0.05)
        await pilot.press("e")
        box = app.screen.query_one("#explanation")
        for _ in range(100):
            if "review costs fall." in box.source:
                break
            await pilot.pause(0.05)
        assert "Self-hosting wins because volume is high and review costs fall." in box.source
        assert "Generated by claude-sonnet-5-5" in box.source


def test_model_comes_from_env_then_config(monkeypatch, isolated_dirs, capsys, builder, k):
    from advisor.errors import ConfigError
    from advisor.explain import DEFAULT_MODEL, config_path, model_name

    assert model_name() == DEFAULT_MODEL
    config_path().parent.mkdir(parents=True)
    config_path().write_text('model = "claude-opus-5-5"\n')
    assert model_name() == "claude-opus-5-5"
    monkeypatch.setenv("BUILDBUY_MODEL", "claude-haiku-5-5")
    assert model_name() == "claude-haiku-5-5"
    monkeypatch.delenv("BUILDBUY_MODEL")
    config_path().write_text("model = 5\n")
    with pytest.raises(ConfigError, match="model must be a model id in quotes"):
        model_name()
    config_path().write_text("modle = 'x'\n")
    with pytest.raises(ConfigError, match="unknown key"):
        model_name()


def test_cli_prints_claudes_explanation_with_a_key(monkeypatch, capsys):
    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET)

    def handler(request: httpx2.Request) -> httpx2.Response:
        assert json.loads(request.content)["messages"][0]["content"].startswith("Audience: executive.")
        return httpx2.Response(200, json=message("Build it: the review savings pay for the GPUs."))

    original = explain_mod._client_kwargs
    monkeypatch.setattr(explain_mod, "_client_kwargs", lambda key: {**original(key), "http_client": httpx2.Client(transport=httpx2.MockTransport(handler))})
    code = main(["decide", str(ROOT / "examples" / "claims-triage.toml"), "--explain", "--audience", "executive", "--samples", "0", "--json"])
    out = capsys.readouterr().out
    data = json.loads(out)
    assert code == 0
    assert data["explanation"] == {
        "text": "Build it: the review savings pay for the GPUs.", "model": "claude-sonnet-5-5", "generated": True, "note": "",
    }


def test_timeout_and_unknown_status_have_their_own_reasons(builder, k):
    def slow(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ReadTimeout("too slow")

    assert explain(builder, k, client=client(slow)).note == "written explanation: the API did not answer in time"

    def teapot(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(418, json={"type": "error", "error": {"type": "x", "message": "no"}})

    assert explain(builder, k, client=client(teapot)).note == "written explanation: the API returned an error (418)"
