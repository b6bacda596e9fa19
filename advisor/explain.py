"""Provides explanations and follow-up answers from Claude, grounded in the engine's figures.

`anthropic` is imported only here and only when an explanation is asked for (it takes seconds to
import). Without ANTHROPIC_API_KEY, or when the API fails, the written explanation is used, with
one line saying why. The key is read from the environment only and never printed or stored.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from advisor.datafiles import read_toml
from advisor.decide import Decision
from advisor.errors import ConfigError
from advisor.knowledge import Knowledge
from advisor.written import written_explanation

DEFAULT_MODEL = "claude-sonnet-5-5"
MAX_TOKENS = 1200
CONNECT_TIMEOUT_S = 3.0
READ_TIMEOUT_S = 30.0
MAX_RETRIES = 1  # one retry after a short backoff; an unreachable API falls back within seconds

SYSTEM = """You explain a build-vs-buy decision for one LLM use case, made by the buildbuy engine.
The user message holds the decision as JSON: the recommendation, every option's costs, the rule
findings, flip points, uncertainty and assumptions. Rules:
- Use only numbers that appear in the JSON or in tool results. Never compute, estimate or invent a
  figure; if a number is not available, say so.
- Say which findings drove the recommendation, what would change it, and the main risks.
- Write for the audience named in the request, in plain language, in at most about 300 words,
  as Markdown without HTML."""


@dataclass(frozen=True)
class Explanation:
    text: str
    model: str | None  # None for the written explanation
    note: str = ""  # why the written explanation was used, if it was

    @property
    def generated(self) -> bool:
        return self.model is not None

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "model": self.model, "generated": self.generated, "note": self.note}


@dataclass(frozen=True)
class StreamEvent:
    kind: str  # "note" (one line on where the text comes from) or "text"
    text: str


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


def decision_payload(decision: Decision, k: Knowledge) -> dict[str, Any]:
    from advisor.report_json import decision_json

    data = decision_json(decision, k)
    # the figures behind the costs are long and already reflected in them; keep answers and overrides
    data["assumptions"] = [a for a in data["assumptions"] if a.get("kind") != "figure"][:40]
    data["use_case"] = decision.scenario.answers.use_case
    return data


def _user_message(decision: Decision, k: Knowledge, audience: str) -> str:
    payload = json.dumps(decision_payload(decision, k), indent=1, default=str)
    return f"Audience: {audience}.\nExplain this decision.\n\n```json\n{payload}\n```"


_BY_STATUS = {
    401: "the API key was refused (401)",
    403: "the API key may not use this model (403)",
    429: "the API is rate limiting us (429)",
    529: "the API is overloaded (529)",
}


def failure_reason(exc: BaseException) -> str:
    """One line on why Claude could not answer, without any secret in it."""
    import anthropic

    if isinstance(exc, anthropic.APIStatusError):
        if exc.status_code == 404:
            return f"the model {model_name()!r} was not found (404); set BUILDBUY_MODEL"
        return _BY_STATUS.get(exc.status_code, f"the API returned an error ({exc.status_code})")
    if isinstance(exc, anthropic.APITimeoutError):  # a subclass of APIConnectionError: ask first
        return "the API did not answer in time"
    if isinstance(exc, anthropic.APIConnectionError):
        return "the API is unreachable"
    return "the API call failed"


def _client_kwargs(key: str) -> dict[str, Any]:
    import httpx2

    return {
        "api_key": key,
        "max_retries": MAX_RETRIES,
        "timeout": httpx2.Timeout(READ_TIMEOUT_S, connect=CONNECT_TIMEOUT_S),
        # base_url stays None so that ANTHROPIC_BASE_URL is honoured by the SDK.
    }


def make_client(key: str) -> Any:
    import anthropic

    return anthropic.Anthropic(**_client_kwargs(key))


def make_async_client(key: str) -> Any:
    import anthropic

    return anthropic.AsyncAnthropic(**_client_kwargs(key))


def _written(decision: Decision, audience: str, note: str) -> Explanation:
    return Explanation(written_explanation(decision, audience), None, note)


def explain(decision: Decision, k: Knowledge, *, audience: str = "engineering lead", client: Any = None) -> Explanation:
    """Claude's explanation, or the written one with a note saying why."""
    if client is None:
        key = api_key()
        if key is None:
            return _written(decision, audience, "written explanation: no ANTHROPIC_API_KEY is set")
        client = make_client(key)
    import anthropic

    model = model_name()
    try:
        message = client.messages.create(
            model=model,
            max_tokens=MAX_TOKENS,
            system=SYSTEM,
            messages=[{"role": "user", "content": _user_message(decision, k, audience)}],
        )
    except anthropic.APIError as exc:
        return _written(decision, audience, f"written explanation: {failure_reason(exc)}")
    text = "".join(block.text for block in message.content if getattr(block, "type", "") == "text").strip()
    if not text:
        return _written(decision, audience, "written explanation: the API returned no text")
    return Explanation(text, message.model or model)


def explain_for_cli(decision: Decision, k: Knowledge, *, audience: str) -> Explanation:
    return explain(decision, k, audience=audience)


async def stream_explanation(
    decision: Decision, k: Knowledge, *, audience: str = "engineering lead", client: Any = None
) -> AsyncIterator[StreamEvent]:
    """Claude's explanation as it arrives; on any failure, the written one with a note."""
    if client is None:
        key = api_key()
        if key is None:
            yield StreamEvent("note", "Written explanation: no ANTHROPIC_API_KEY is set.")
            yield StreamEvent("text", written_explanation(decision, audience))
            return
        client = make_async_client(key)
    import anthropic

    model = model_name()
    received = False
    try:
        yield StreamEvent("note", f"Generated by {model}; every figure comes from the engine.")
        async with client.messages.stream(
            model=model,
            max_tokens=MAX_TOKENS,
            system=SYSTEM,
            messages=[{"role": "user", "content": _user_message(decision, k, audience)}],
        ) as stream:
            async for text in stream.text_stream:
                received = True
                yield StreamEvent("text", text)
    except anthropic.APIError as exc:
        reason = failure_reason(exc)
        if received:
            yield StreamEvent("text", f"\n\n*(The stream stopped: {reason}.)*")
            return
        yield StreamEvent("note", f"Written explanation: {reason}.")
        yield StreamEvent("text", written_explanation(decision, audience))
