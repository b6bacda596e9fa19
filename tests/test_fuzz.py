"""Fuzz: generated bad answers files, overrides, rule packs and records through the CLI entry point.

Each example holds exactly one thing wrong. The CLI must answer with exit 2 and one line on
stderr that starts with `buildbuy:`, print no traceback, and write nothing. Hypothesis runs
derandomized with a bounded number of examples, so CI is stable and fast.
"""

from __future__ import annotations

import contextlib
import io
import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.cli import main
from advisor.inputs.knowledge import load_knowledge
from advisor.inputs.scenario import Answers
from tests.conftest import ROOT

EXAMPLE = ROOT / "examples" / "claims-triage.toml"
K = load_knowledge()
FUZZ = settings(
    max_examples=40, derandomize=True, deadline=None, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


# --- a tiny TOML writer for generated values ------------------------------------------------


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"k{i} = {toml_value(v)}" for i, v in enumerate(value.values())) + "}"
    raise TypeError(value)


def junk(depth: int = 2) -> st.SearchStrategy[Any]:
    """Values of the wrong shape: lists, tables, deep nesting."""
    leaf = st.one_of(st.integers(-5, 5), st.text(max_size=5), st.booleans())
    nested = st.recursive(leaf, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.just("a"), inner, max_size=1), max_leaves=5)
    deep = st.integers(17, 3000).map(lambda n: "[" * n + "]" * n)
    return st.one_of(nested.filter(lambda v: isinstance(v, (list, dict))), deep.map(lambda s: _Raw(s)))


class _Raw(str):
    """TOML text inserted as is (deep nesting the writer would recurse on)."""


def render(value: Any) -> str:
    return str(value) if isinstance(value, _Raw) else toml_value(value)


NUMERIC = {n: f for n, f in Answers.model_fields.items() if f.annotation in (int, float)}
BOOLS = [n for n, f in Answers.model_fields.items() if f.annotation is bool]
CHOICES = {n: s.choices for n, s in K.answers.items() if s.type == "choice"}
ANSWER_TYPES = {n: s.type for n, s in K.answers.items()}


@st.composite
def bad_answer(draw: st.DrawFn) -> tuple[str, str]:
    kind = draw(st.sampled_from(["number", "bool", "choice", "text", "unknown"]))
    if kind == "number":
        name = draw(st.sampled_from(sorted(NUMERIC)))
        value = draw(
            st.one_of(
                st.integers(max_value=-1).map(lambda v: v if name not in ("peak_to_average", "horizon_months") else v),
                st.integers(min_value=10**12, max_value=2**63 - 1),
                st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -1e308]),
                st.text(max_size=20).map(lambda s: "\x1b[2J" + s),
                st.booleans(),
                junk(),
            )
        )
    elif kind == "bool":
        name = draw(st.sampled_from(BOOLS))
        value = draw(st.one_of(st.integers(), st.text(max_size=10), junk()))
    elif kind == "choice":
        name = draw(st.sampled_from(sorted(CHOICES)))
        value = draw(st.one_of(st.text(max_size=30).filter(lambda s: s not in CHOICES[name]), st.integers(), junk()))
    elif kind == "text":
        name = "use_case"
        value = draw(st.one_of(st.just(""), st.text(alphabet="abc xyz-", min_size=201, max_size=400).filter(lambda s: len(s.strip()) > 200), st.integers(), junk()))
    else:
        name = draw(st.from_regex(r"[a-z][a-z_]{0,20}", fullmatch=True).filter(lambda n: n not in ANSWER_TYPES))
        value = draw(st.one_of(st.integers(0, 10), st.text(max_size=10)))
    return name, render(value)


FIGURES = {n: f for n, f in K.figures.items()}


@st.composite
def bad_override(draw: st.DrawFn) -> tuple[str, str]:
    name = draw(st.sampled_from(sorted(FIGURES)))
    fig = FIGURES[name]
    if isinstance(fig.value, str):
        value = draw(st.one_of(st.text(max_size=20).map(lambda s: "zz-" + s), st.integers(), junk()))
    else:
        value = draw(
            st.one_of(
                st.floats(max_value=-1e-3, allow_nan=False, allow_infinity=False),
                st.sampled_from([math.nan, math.inf, -math.inf, 1e308]),
                st.floats(min_value=1e12, max_value=1e300),
                st.text(max_size=10),
                st.booleans(),
                junk(),
            )
        )
    return name, render(value)


def run_cli(*args: str) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(list(args))
    return code, err.getvalue()


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file() and "cache" not in p.parts}


def assert_refused(code: int, err: str, folder: Path, before: dict[str, bytes]) -> None:
    lines = err.strip().splitlines()
    assert code == 2, err[:1000]
    assert "Traceback" not in err
    assert len(lines) == 1 and lines[0].startswith("buildbuy: "), err[:1000]
    assert len(lines[0]) <= 1200
    assert "\x1b" not in err
    assert snapshot(folder) == before  # nothing written, nothing changed


@pytest.fixture
def workdir():
    with tempfile.TemporaryDirectory() as tmp:
        yield Path(tmp)


@FUZZ
@given(bad=bad_answer())
def test_fuzz_answers_files(bad):
    name, value = bad
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "answers.toml"
        path.write_text(f"[answers]\n{name} = {value}\n", encoding="utf-8")
        before = snapshot(folder)
        code, err = run_cli("decide", str(path), "--samples", "0", "--out", str(folder / "records"))
        assert_refused(code, err, folder, before)


@FUZZ
@given(bad=bad_override())
def test_fuzz_assumption_overrides(bad):
    name, value = bad
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "answers.toml"
        path.write_text(f'[answers]\nuse_case = "fuzz"\n[assumptions]\n{name} = {value}\n', encoding="utf-8")
        before = snapshot(folder)
        code, err = run_cli("decide", str(path), "--samples", "20", "--out", str(folder / "records"))
        assert_refused(code, err, folder, before)


GOOD_RULE = {
    "id": '"fz.rule"',
    "criterion": '"fuzz"',
    "when.all": '["daily_requests >= 1000"]',
    "then": '{ kind = "advise" }',
    "because": '"A rule written by the fuzz test."',
    "source": '"fuzz"',
}


@st.composite
def bad_rule(draw: st.DrawFn) -> str:
    rule = dict(GOOD_RULE)
    fault = draw(st.sampled_from(["missing", "condition", "literal", "then", "text", "many", "id", "extra"]))
    if fault == "missing":
        rule.pop(draw(st.sampled_from(sorted(GOOD_RULE))))
    elif fault == "condition":
        text = draw(st.text(max_size=40).filter(lambda s: s.strip() and '"' not in s and "\\" not in s))
        rule["when.all"] = json.dumps([f"no_such_fact_{text}"], ensure_ascii=False)
    elif fault == "literal":
        lit = draw(st.sampled_from(["1e20", "inf", "-inf", "nan", "0.00001", "1e400", "'text'", "true"]))
        rule["when.all"] = json.dumps([f"daily_requests >= {lit}"])
    elif fault == "then":
        rule["then"] = draw(st.sampled_from(['{ kind = "lean" }', '{ kind = "require" }', '{ kind = "nope" }', '{ kind = "derive" }', '{ kind = "lean", option = "api", weight = 99 }', "3"]))
    elif fault == "text":
        field = draw(st.sampled_from(["because", "source", "criterion"]))
        rule[field] = draw(st.sampled_from(['""', json.dumps("x" * 3000), "[1, 2]", "{ a = 1 }"]))
    elif fault == "many":
        n = draw(st.integers(25, 700))
        rule["when.any"] = json.dumps([f"daily_requests >= {i}" for i in range(n)])
    elif fault == "id":
        rule["id"] = draw(st.sampled_from(['"Has Spaces"', '""', json.dumps("x" * 200), "7", '"\\u001b[2J"']))
    else:
        rule["surprise"] = draw(st.sampled_from(["1", '"x"', "[1]"]))
    return "[[rule]]\n" + "".join(f"{k} = {v}\n" for k, v in rule.items())


@FUZZ
@given(pack=bad_rule())
def test_fuzz_rule_packs(pack):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "pack.toml"
        path.write_text(pack, encoding="utf-8")
        before = snapshot(folder)
        code, err = run_cli("rules", "--check", str(path))
        assert_refused(code, err, folder, before)
        code, err = run_cli("decide", str(EXAMPLE), "--samples", "0", "--rules", str(path), "--out", str(folder / "r"))
        assert_refused(code, err, folder, before)


REQUIRED = ["title", "status", "date", "tool", "knowledge_as_of", "recommendation", "confidence", "answers", "figures", "findings"]


@pytest.fixture(scope="module")
def record_text() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        code, err = run_cli("decide", str(EXAMPLE), "--samples", "0", "--out", tmp)
        assert code == 0, err
        return next(Path(tmp).glob("*.md")).read_text()


@st.composite
def tampering(draw: st.DrawFn) -> tuple[str, str]:
    kind = draw(st.sampled_from(["drop", "junk", "figure", "extra", "recommendation", "anchor", "deep", "answer"]))
    if kind == "drop":
        return kind, draw(st.sampled_from(REQUIRED))
    if kind == "junk":
        return kind, draw(st.sampled_from(["date", "knowledge_as_of", "figures", "findings", "answers"]))
    if kind == "figure":
        return kind, draw(st.sampled_from(["null", "nan", ".inf", "'lots'", "[1, 2]", "1.0e+300"]))
    if kind == "extra":
        return kind, draw(st.from_regex(r"[a-z][a-z_]{0,12}", fullmatch=True).filter(lambda n: n not in REQUIRED + ["assumptions", "defaulted", "rule_packs", "supersedes", "consulted", "informed", "deciders"]))
    if kind == "recommendation":
        return kind, draw(st.text(min_size=1, max_size=20).filter(lambda s: s.isalnum() and s not in ("api", "hybrid")))
    if kind == "deep":
        return kind, str(draw(st.integers(9, 2000)))
    if kind == "answer":
        return kind, draw(st.sampled_from(["daily_requests: -4", "daily_requests: .nan", "horizon_months: 1000", "industry: space", "latency_sensitive: maybe", "use_case: ''"]))
    return kind, ""


def tamper(text: str, kind: str, arg: str) -> str:
    import re

    fm, body = text[4:].split("\n---\n", 1)
    if kind == "drop":
        fm = re.sub(rf"^{arg}:.*(\n[ -].*)*", "", fm, count=1, flags=re.M)
    elif kind == "junk":
        fm = re.sub(rf"^{arg}:.*(\n[ -].*)*", f"{arg}: [[1], {{a: 2}}]", fm, count=1, flags=re.M)
    elif kind == "figure":
        fm = re.sub(r"^(  +tco_usd:).*$", rf"\1 {arg}", fm, count=1, flags=re.M)
    elif kind == "extra":
        fm += f"\n{arg}: 1"
    elif kind == "recommendation":
        fm = re.sub(r"^recommendation:.*$", f"recommendation: {arg}", fm, count=1, flags=re.M)
    elif kind == "anchor":
        fm = fm.replace("\nfindings:", "\nextra: &x [1]\nfindings:", 1)
    elif kind == "deep":
        n = int(arg)
        fm = "deep: " + "[" * n + "]" * n + "\n" + fm
    elif kind == "answer":
        key = arg.split(":")[0]
        fm = re.sub(rf"^  {key}:.*$", f"  {arg}", fm, count=1, flags=re.M)
    return "---\n" + fm + "\n---\n" + body


@FUZZ
@given(change=tampering())
def test_fuzz_tampered_records(record_text, change):
    kind, arg = change
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "0001-record.md"
        path.write_text(tamper(record_text, kind, arg), encoding="utf-8")
        before = snapshot(folder)
        code, err = run_cli("revisit", str(path), "--update")
        assert_refused(code, err, folder, before)


@pytest.mark.parametrize(
    "answers",
    [
        "[answers]\ndaily_requests = " + "[" * 3000 + "]" * 3000 + "\n",
        '[answers]\nuse_case = "x"\n[assumptions]\nbatch_utilization = 0\n',
        '[answers]\nindustry = "\\u001b]0;pwned\\u0007"\n',
    ],
    ids=["deep", "zero-divisor", "escape"],
)
def test_fuzz_cases_in_a_real_process(tmp_path, answers):
    path = tmp_path / "a.toml"
    path.write_text(answers)
    before = snapshot(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "advisor", "decide", str(path), "--samples", "0", "--out", str(tmp_path / "r")],
        capture_output=True, text=True, timeout=60, env={**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")},
    )
    assert_refused(proc.returncode, proc.stderr, tmp_path, before)
