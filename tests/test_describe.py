"""Start from a description: Claude through the answers-contract tool, the offline parser, --from-text."""

from __future__ import annotations

import json
import tomllib

import httpx2
import pytest

from advisor.cli import main
from advisor.inputs.scenario import ANSWER_NAMES, load_answers_file
from advisor.interview.describe import FROM_DESCRIPTION, describe, extract_tool, parse_description
from tests.claude_stub import client, error, message, tool_use, use_production_client

ISSUE_TEXT = (
    "We triage 40k insurance claims a day with GPT-4o, two ML engineers, about 1,200 input tokens and "
    "300 output tokens per claim. We have 4,000 labeled examples and adjusters wait on it in real time."
)


def test_the_offline_parser_catches_the_obvious_figures(k):
    found = parse_description(ISSUE_TEXT, k)
    assert found.answers == {
        "daily_requests": 40_000, "input_tokens": 1200, "output_tokens": 300, "api_model": "gpt-4o",
        "ml_engineers": 2.0, "labeled_examples": 4000, "industry": "insurance", "latency_sensitive": True,
    }
    assert found.source == "the offline parser"
    assert "use_case" in found.missing(k)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("about 1.2M requests per month", 39_452),
        ("peaks aside, 5 requests per second", 432_000),
        ("roughly 2,500 support tickets every day", 2_500),
        ("3 million documents a year", 8_219),
    ],
)
def test_volumes_in_other_units_become_requests_a_day(k, text, expected):
    assert parse_description(text, k).answers["daily_requests"] == expected


def test_the_parser_ignores_unknown_models_and_says_nothing_it_did_not_find(k):
    found = parse_description("We use gpt-99-ultra for a bit of everything.", k)
    assert "api_model" not in found.answers and found.answers == {}


def test_no_key_uses_the_parser_and_says_so(k):
    found = describe(ISSUE_TEXT, k)
    assert found.notes[0].startswith("No ANTHROPIC_API_KEY: a small offline parser read it")


def test_claude_extracts_through_the_answers_contract_and_is_validated(k):
    seen: list[dict] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(json.loads(request.content))
        answers = {"use_case": "claims triage", "daily_requests": 40_000, "api_model": "gpt-4o", "review_rate_api": 140,
                   "industry": "insurance", "colour": "blue"}
        return httpx2.Response(200, json=message(stop="tool_use", content=[
            tool_use("record_answers", {"answers": answers, "uncertain": ["industry", "nonsense"]}),
        ]))

    found = describe(ISSUE_TEXT, k, client=client(handler))
    assert found.answers == {"use_case": "claims triage", "daily_requests": 40_000, "api_model": "gpt-4o", "industry": "insurance"}
    assert found.uncertain == ("industry",)
    assert any(n.startswith("review_rate_api = 140: must be at most 100") for n in found.notes)
    assert any(n.startswith("colour: not an answer") for n in found.notes)
    body = seen[0]
    assert body["tool_choice"] == {"type": "tool", "name": "record_answers"}
    schema = body["tools"][0]["input_schema"]["properties"]["answers"]
    assert set(schema["properties"]) == set(ANSWER_NAMES) and schema["additionalProperties"] is False
    assert "<description>\n" + ISSUE_TEXT in body["messages"][0]["content"][0]["text"]


def test_extract_tool_is_the_answers_contract(k):
    props = extract_tool(k)["input_schema"]["properties"]["answers"]["properties"]
    assert props["daily_requests"]["type"] == "integer" and props["daily_requests"]["minimum"] == 0


@pytest.mark.parametrize(
    "reply",
    [lambda: error(529), lambda: httpx2.Response(200, json=message("I think it's 40k.")), lambda: httpx2.Response(200, html="<p>")],
)
def test_when_claude_cannot_read_it_the_parser_does(k, reply):
    found = describe(ISSUE_TEXT, k, client=client(lambda r: reply()))
    assert found.source == "the offline parser" and found.answers["daily_requests"] == 40_000
    assert found.notes[0].startswith("Claude could not read it (")


def _desc(tmp_path, text: str = ISSUE_TEXT):
    path = tmp_path / "claims.txt"
    path.write_text(text)
    return path


def test_decide_from_text_writes_the_answers_file_it_used(tmp_path, k, capsys):
    code = main(["decide", "--from-text", str(_desc(tmp_path)), "--samples", "0", "--json"])
    out, err = capsys.readouterr()
    assert code == 0
    written = tmp_path / "claims.answers.toml"
    assert f"wrote the answers it used to {written}" in err
    data = tomllib.loads(written.read_text())
    assert data["answers"]["daily_requests"] == 40_000 and data["answers"]["api_model"] == "gpt-4o"
    assert f"daily_requests = 40_000  # {FROM_DESCRIPTION}" in written.read_text()
    assert load_answers_file(written, k).answers.daily_requests == 40_000
    code = main(["decide", str(written), "--samples", "0", "--json"])
    assert json.loads(capsys.readouterr().out) == json.loads(out)  # the same decision as from the file
    assert main(["decide", "--from-text", str(_desc(tmp_path)), "--samples", "0"]) == 0  # its own file is replaced


def test_decide_from_text_with_a_key_uses_claude(tmp_path, monkeypatch, capsys):
    answers = {"use_case": "claims triage", "daily_requests": 55_000}
    use_production_client(monkeypatch, lambda r: httpx2.Response(200, json=message(stop="tool_use", content=[
        tool_use("record_answers", {"answers": answers, "uncertain": []})])))
    assert main(["decide", "--from-text", str(_desc(tmp_path)), "--samples", "0"]) == 0
    assert "Found by Claude (claude-sonnet-5-5)" in capsys.readouterr().err
    assert tomllib.loads((tmp_path / "claims.answers.toml").read_text())["answers"] == answers


def test_decide_from_text_refuses_bad_input_in_one_line(tmp_path, capsys):
    foreign = tmp_path / "claims.answers.toml"
    foreign.write_text("[answers]\ndaily_requests = 1\n")
    cases = [
        (["decide", "--from-text", str(_desc(tmp_path))], "exists and was not written by --from-text"),
        (["decide", "a.toml", "--from-text", "b.txt"], "not both"),
        (["decide"], "needs an answers file or --from-text FILE"),
        (["decide", "--from-text", str(tmp_path / "nope.txt")], "needs a text file (not found)"),
        (["decide", "--from-text", str(tmp_path)], "needs a text file"),
    ]
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    cases.append((["decide", "--from-text", str(binary)], "not UTF-8 text"))
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    cases.append((["decide", "--from-text", str(empty)], "the description is empty"))
    for argv, message_part in cases:
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert message_part in err and err.count("\n") == 1 and "Traceback" not in err
    assert foreign.read_text() == "[answers]\ndaily_requests = 1\n"


def test_prefilled_answers_are_confirmed_one_by_one_and_survive_a_resume(k):
    from advisor.interview.flow import Interview

    iv = Interview(k)
    iv.prefill({"daily_requests": 40_000, "use_case": "claims", "bogus": 1})
    assert iv.prefilled == {"daily_requests": 40_000, "use_case": "claims"} and iv.given() == {}
    assert iv.current == "use_case" and iv.default_for_current() == "claims"
    iv.answer("")  # Enter confirms a value from the description: it is the user's answer now
    assert iv.given() == {"use_case": "claims"}
    resumed = Interview.from_dict(k, json.loads(json.dumps(iv.to_dict())))
    assert resumed.prefilled["daily_requests"] == 40_000 and resumed.given() == {"use_case": "claims"}
    tampered = Interview.from_dict(k, {**iv.to_dict(), "prefilled": {"daily_requests": -5, "x": 1}})
    assert tampered.prefilled == {}
    assert Interview.from_dict(k, {**iv.to_dict(), "prefilled": [1]}).prefilled == {}


def test_the_new_modules_and_from_text_without_a_key_import_no_client(tmp_path):
    import subprocess
    import sys

    description = _desc(tmp_path)
    code = (
        "import sys; import advisor.views.figcheck, advisor.llm.claude, advisor.llm.explain, advisor.llm, advisor.interview.describe; "
        "from advisor.cli import main; "
        f"rc = main(['decide', '--from-text', {str(description)!r}, '--samples', '0', '--explain']); "
        "bad = [m for m in ('textual', 'anthropic') if m in sys.modules]; "
        "sys.stderr.write(repr(bad)); sys.exit(3 if bad else rc)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
