"""Rule packs of real size run in the engine; packs it cannot run are refused by `rules --check`, saying why.

Every case that once crashed the process (SIGSEGV, SIGABRT) runs in a child process, so a crash
fails the test instead of killing pytest.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from advisor.cli import main
from advisor.errors import RulesError
from advisor.rulebase import LoadedRule, Rule, bundled_rule_files, load_rule_files, parse_condition
from advisor.rulebase.engine import CompiledRules, plan_rulesets
from advisor.rulebase.facts import fact_types
from advisor.rulebase.logic import default_facts, reference_fired


def rule_toml(rid: str, when: str, then: str = '{ kind = "advise" }') -> str:
    return (
        f'[[rule]]\nid = "{rid}"\ncriterion = "policy"\n{when}\nthen = {then}\n'
        'because = "A policy rule written for this test."\nsource = "test"\n\n'
    )


def single_threshold_pack(n: int) -> str:
    return "".join(rule_toml(f"p.r{i}", f'when.all = ["daily_requests >= {1000 * (i + 1)}"]') for i in range(n))


def two_condition_pack(n: int) -> str:
    return "".join(
        rule_toml(f"p.r{i}", f'when.all = ["daily_requests >= {i + 1}", "input_tokens >= {i + 1}"]') for i in range(n)
    )


def cli(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cwd / "cache")}
    return subprocess.run(
        [sys.executable, "-m", "advisor", *args], capture_output=True, text=True, timeout=timeout, cwd=cwd, env=env
    )


@pytest.fixture
def answers(tmp_path: Path) -> Path:
    path = tmp_path / "answers.toml"
    path.write_text('[answers]\nuse_case = "pack test"\ndaily_requests = 400000\ninput_tokens = 1000\n')
    return path


@pytest.mark.parametrize(
    "pack",
    [single_threshold_pack(150), two_condition_pack(80), single_threshold_pack(300)],
    ids=["150-single-threshold", "80-two-condition", "300-single-threshold"],
)
def test_big_pack_all_true_runs_in_decide(tmp_path, answers, pack):
    path = tmp_path / "pack.toml"
    path.write_text(pack)
    proc = cli("decide", str(answers), "--rules", str(path), "--json", "--samples", "50", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-500:]
    fired = {f["rule"] for f in json.loads(proc.stdout)["findings"]}
    expected = {r.id for r in load_rule_files([path]) if r.rule.when.all and _holds(r, 400000.0, 1000.0)}
    assert expected and expected <= fired


def _holds(rule: LoadedRule, daily: float, tokens: float) -> bool:
    facts = {"daily_requests": daily, "input_tokens": tokens}
    return all(parse_condition(t).holds(facts) for t in rule.rule.when.all)  # type: ignore[union-attr]


def test_300_rule_pack_runs_in_decide_out_and_revisit(tmp_path, answers):
    path = tmp_path / "pack.toml"
    path.write_text(single_threshold_pack(300))
    out = tmp_path / "decisions"
    proc = cli("decide", str(answers), "--rules", str(path), "--out", str(out), "--samples", "20", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-500:]
    record = next(out.glob("*.md"))
    proc = cli("revisit", str(record), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-500:]
    assert "stands" in proc.stdout


@pytest.mark.parametrize("n", [150, 300, 1000])
def test_rules_check_proves_a_big_pack_runs(tmp_path, n):
    path = tmp_path / "pack.toml"
    path.write_text(single_threshold_pack(n))
    start = time.monotonic()
    proc = cli("rules", "--check", str(path), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-500:]
    assert f"{n} rule(s), all valid" in proc.stdout
    assert time.monotonic() - start < 30


def test_many_packs_compiled_into_one_process(tmp_path):
    """Several packs compiled side by side in one process (as a portfolio or the TUI does) keep running."""
    script = tmp_path / "many.py"
    packs = []
    for p in range(6):
        path = tmp_path / f"pack{p}.toml"
        path.write_text(single_threshold_pack(120).replace('id = "p.', f'id = "p{p}.'))
        packs.append(str(path))
    script.write_text(
        "import sys\nfrom pathlib import Path\n"
        "from advisor.inputs.knowledge import load_knowledge\nfrom advisor.rulebase.facts import fact_types\n"
        "from advisor.rulebase.logic import default_facts, reference_fired\n"
        "from advisor.rulebase import bundled_rule_files, load_rule_files\n"
        "from advisor.rulebase.engine import CompiledRules\n"
        "facts = default_facts(fact_types(load_knowledge()))\n"
        "for pack in sys.argv[1:]:\n"
        "    rules = load_rule_files(bundled_rule_files() + [Path(pack)])\n"
        "    engine = CompiledRules(rules)\n"
        "    for d in (0.0, 5e4, 2e5, 1e9):\n"
        "        f = {**facts, 'daily_requests': d}\n"
        "        assert engine.evaluate(f) == reference_fired(rules, f)\n"
        "print('ok')\n"
    )
    proc = subprocess.run([sys.executable, str(script), *packs], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-500:]
    assert proc.stdout.strip() == "ok"


def test_every_ruleset_stays_under_the_engine_limits():
    pack = [
        LoadedRule(
            Rule.model_validate(
                {
                    "id": f"p.r{i}",
                    "criterion": "c",
                    "when": {"all": [f"daily_requests >= {i}", f"input_tokens >= {i % 7}"], "any": [f"output_tokens >= {j}" for j in range(i % 5)]},
                    "then": {"kind": "advise"},
                    "because": "because of a test",
                    "source": "t",
                }
            ),
            "pack.toml",
        )
        for i in range(400)
    ]
    from advisor.inputs.limits import RULESET_MAX_ALPHA_EDGES, RULESET_MAX_RULES
    from advisor.rulebase.engine import alpha_paths

    for stratum in plan_rulesets(pack):
        for chunk in stratum:
            assert len(chunk) <= RULESET_MAX_RULES
            paths: set = set()
            edges = 0
            for rule in chunk:
                p, e = alpha_paths(rule)
                paths |= p
                edges += e
            assert len(paths) + edges <= RULESET_MAX_ALPHA_EDGES < 64  # events.c MAX_STACK_SIZE


# --- packs the engine cannot run, or that make no sense, are refused with a named reason ---


def _check(tmp_path: Path, text: str) -> tuple[int, str, float]:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    start = time.monotonic()
    proc = cli("rules", "--check", str(path), cwd=tmp_path, timeout=60)
    return proc.returncode, proc.stderr, time.monotonic() - start


ANY_640 = rule_toml("p.any", "when.any = [" + ", ".join(f'"daily_requests >= {j}"' for j in range(640)) + "]")
SPACES = rule_toml("p.spaces", 'when.all = ["daily_requests >= 1' + " " * 200_000 + '"]')


@pytest.mark.parametrize(
    "text, expected",
    [
        (ANY_640, "rule p.any (#1): when: has 640 conditions; at most 24 per rule"),
        (SPACES, "rule p.spaces (#1): when.all.0: String should have at most 200 characters"),
        (rule_toml("p.big", 'when.all = ["daily_requests >= 1e20"]'), "rule p.big: when.all 'daily_requests >= 1e20': daily_requests compared with 1e+20: use a number between -1e15 and 1e15"),
        (rule_toml("p.inf", 'when.all = ["daily_requests < inf"]'), "rule p.inf: when.all 'daily_requests < inf': daily_requests compared with inf"),
        (rule_toml("p.tiny", 'when.all = ["api_accuracy > 0.00001"]'), "compared with 1e-05: use at most 4 decimals"),
        (rule_toml("p.nan", 'when.all = ["daily_requests >= nan"]'), "rule p.nan: when.all 'daily_requests >= nan': daily_requests compared with nan: nothing is ever equal"),
        (
            rule_toml("p.a", 'when.all = ["daily_requests >= 10"]', '{ kind = "require", option = "api" }')
            + rule_toml("p.b", 'when.all = ["daily_requests <= 100"]', '{ kind = "require", option = "self-host" }'),
            "rule p.b: requires self-host, but rule p.a",
        ),
        (
            rule_toml("p.x", 'when.all = ["derived y"]', '{ kind = "derive", fact = "x" }')
            + rule_toml("p.y", 'when.all = ["derived x"]', '{ kind = "derive", fact = "y" }'),
            "derived facts form a cycle",
        ),
        (rule_toml("p.never", 'when.all = ["daily_requests >= 10", "daily_requests < 5"]'), "rule p.never: can never fire"),
        ("".join(rule_toml(f"p.r{i}", 'when.all = ["daily_requests >= 1"]') for i in range(1001)), "rule: List should have at most 1000 items"),
    ],
    ids=["any-640", "200k-spaces", "1e20", "inf", "exponent", "nan", "require-conflict", "derive-cycle", "never-fires", "too-many-rules"],
)
def test_rules_check_names_what_cannot_run(tmp_path, text, expected):
    code, err, took = _check(tmp_path, text)
    assert code == 2, err[-500:]
    assert "Traceback" not in err
    assert expected in err, err[-500:]
    assert "bad.toml" in err
    assert took < 10


def test_conflicting_requires_that_never_meet_are_fine(tmp_path):
    text = rule_toml("p.a", 'when.all = ["daily_requests >= 1000"]', '{ kind = "require", option = "api" }') + rule_toml(
        "p.b", 'when.all = ["daily_requests < 1000"]', '{ kind = "require", option = "self-host" }'
    )
    code, err, _ = _check(tmp_path, text)
    assert code == 0, err


def test_condition_parsing_is_linear():
    start = time.monotonic()
    cond = parse_condition("daily_requests >= 1" + " " * 200_000)
    assert time.monotonic() - start < 0.5
    assert cond.value == 1.0  # type: ignore[union-attr]
    start = time.monotonic()
    with pytest.raises(ValueError):
        parse_condition("daily_requests " + " " * 200_000 + "x")
    assert time.monotonic() - start < 0.5


def test_a_crashing_engine_is_reported_not_fatal(tmp_path, monkeypatch, capsys):
    """If the child evaluating a pack dies by a signal, `rules --check` says so and exits 2."""
    path = tmp_path / "pack.toml"
    path.write_text(single_threshold_pack(3))
    real_run = subprocess.run

    def crashing(cmd, *args, **kwargs):
        if "advisor.rulebase.probe" in cmd:
            return subprocess.CompletedProcess(cmd, -11, "", "")
        return real_run(cmd, *args, **kwargs)

    monkeypatch.setattr(subprocess, "run", crashing)
    assert main(["rules", "--check", str(path)]) == 2
    assert "the rule engine crashed (SIGSEGV) evaluating this pack" in capsys.readouterr().err


# --- differential: durable_rules and the plain Python reference agree ---


def _random_condition(rng: random.Random, types: dict) -> str:
    numeric = [n for n, (kind, _) in types.items() if kind == "number"]
    other = [n for n, (kind, _) in types.items() if kind != "number"]
    if rng.random() < 0.7:
        fact = rng.choice(numeric[:12])
        op = rng.choice([">=", ">", "<", "<=", "==", "!="])
        return f"{fact} {op} {rng.choice([0, 1, 2, 5, 10, 100, 1000, 5000])}"
    fact = rng.choice(other)
    kind, choices = types[fact]
    op = rng.choice(["==", "!="])
    return f"{fact} {op} {rng.choice(choices) if kind == 'text' else rng.choice(['true', 'false'])}"


def random_pack(rng: random.Random, types: dict, n: int) -> list[LoadedRule]:
    rules: list[LoadedRule] = []
    derived: list[str] = []
    for i in range(n):
        alls = [_random_condition(rng, types) for _ in range(rng.randint(0, 3))]
        anys = [_random_condition(rng, types) for _ in range(rng.choice([0, 0, 2, 3]))]
        if derived and rng.random() < 0.3:
            alls.append(f"derived {rng.choice(derived)}")
        if not alls and not anys:
            alls = [_random_condition(rng, types)]
        then: dict = {"kind": "advise"}
        if rng.random() < 0.25:
            name = f"fact_{i}"
            then = {"kind": "derive", "fact": name}
            derived.append(name)
        rule = Rule.model_validate(
            {"id": f"rnd.{i}", "criterion": "c", "when": {"all": alls, "any": anys}, "then": then,
             "because": "a random rule for a test", "source": "t"}
        )
        rules.append(LoadedRule(rule, "random.toml"))
    return rules


def random_facts(rng: random.Random, types: dict) -> dict:
    facts = default_facts(types)
    for name, (kind, choices) in types.items():
        if kind == "number":
            facts[name] = float(rng.choice([0, 1, 2, 3, 5, 10, 99, 100, 101, 999, 1000, 5000, 10**6]))
        elif kind == "bool":
            facts[name] = rng.random() < 0.5
        elif choices:
            facts[name] = rng.choice(choices)
    return facts


def differential_bundled(facts_count: int = 2000) -> None:
    from advisor.inputs.knowledge import load_knowledge

    rules = load_rule_files(bundled_rule_files())
    engine = CompiledRules(rules)
    types = fact_types(load_knowledge())
    rng = random.Random(15)
    for _ in range(facts_count):
        facts = random_facts(rng, types)
        assert engine.evaluate(facts) == reference_fired(rules, facts)


def differential_random_pack(seed: int) -> None:
    from advisor.inputs.knowledge import load_knowledge

    types = fact_types(load_knowledge())
    rng = random.Random(seed)
    rules = random_pack(rng, types, 300)
    engine = CompiledRules(rules)
    assert engine.ruleset_count > 1  # the pack really is split
    most = 0
    for _ in range(400):
        facts = random_facts(rng, types)
        got = engine.evaluate(facts)
        assert got == reference_fired(rules, facts), seed
        most = max(most, len(got))
    assert most >= 40  # many rules true at once, past the engine's 64-node stack if not split


def in_child(call: str) -> None:
    """Run `tests.test_packs.<call>` in a child process: an engine crash fails the test, not pytest."""
    root = Path(__file__).resolve().parent.parent
    proc = subprocess.run(
        [sys.executable, "-c", f"import tests.test_packs as t; t.{call}"],
        capture_output=True, text=True, timeout=300, cwd=root,
    )
    assert proc.returncode == 0, f"exit {proc.returncode}: {proc.stderr[-1500:]}"


def test_durable_and_reference_agree_on_bundled_rules():
    in_child("differential_bundled()")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_durable_and_reference_agree_on_random_300_rule_packs(seed):
    in_child(f"differential_random_pack({seed})")


def test_rules_base_with_a_cycle_is_refused_by_the_engine_too():
    rules = [
        LoadedRule(
            Rule.model_validate({"id": f"c.{a}", "criterion": "c", "when": {"all": [f"derived {b}"]},
                                 "then": {"kind": "derive", "fact": a}, "because": "a cycle for a test", "source": "t"}),
            "cyc.toml",
        )
        for a, b in (("x", "y"), ("y", "x"))
    ]
    with pytest.raises(RulesError, match="cycle"):
        CompiledRules(rules)


def chain_pack(n: int) -> str:
    text = rule_toml("c.0", 'when.all = ["daily_requests >= 1"]', '{ kind = "derive", fact = "f0" }')
    for i in range(1, n):
        text += rule_toml(f"c.{i}", f'when.all = ["derived f{i - 1}", "input_tokens >= {i}"]', f'{{ kind = "derive", fact = "f{i}" }}')
    return text + rule_toml("c.end", f'when.all = ["derived f{n - 1}"]')


def differential_chain(path: str) -> None:
    from advisor.inputs.knowledge import load_knowledge

    rules = load_rule_files([Path(path)])
    engine = CompiledRules(rules)
    facts = default_facts(fact_types(load_knowledge()))
    for tokens in (0.0, 1.0, 50.0, 150.0, 1000.0):
        f = {**facts, "daily_requests": 10.0, "input_tokens": tokens}
        got = engine.evaluate(f)
        assert got == reference_fired(rules, f)
        assert len(got) == min(int(tokens), 199) + 1 + (tokens >= 199)


def test_a_long_derive_chain_runs_and_checks(tmp_path):
    path = tmp_path / "chain.toml"
    path.write_text(chain_pack(200))
    in_child(f"differential_chain({str(path)!r})")
    proc = cli("rules", "--check", str(path), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-500:]


def test_300_rule_pack_runs_in_a_portfolio(tmp_path, answers):
    pack = tmp_path / "policy.toml"
    pack.write_text(single_threshold_pack(300))
    folder = tmp_path / "cases"
    folder.mkdir()
    for i in range(3):
        (folder / f"uc{i}.toml").write_text(answers.read_text())
    proc = cli("portfolio", str(folder), "--json", "--rules", str(pack), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    import json

    data = json.loads(proc.stdout)
    assert len(data["use_cases"]) == 3 and data["errors"] == []


async def test_300_rule_pack_runs_in_the_tui(tmp_path, monkeypatch):
    from advisor.tui.app import make_app

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    pack = tmp_path / "policy.toml"
    pack.write_text(two_condition_pack(300))  # every rule holds on the interview's defaults
    app = make_app(samples=0, rule_packs=[pack])
    async with app.run_test(size=(120, 40)) as pilot:
        while app.engine is None:
            await pilot.pause(0.05)
        assert "p.r299" in app.engine.rules.by_id
        await pilot.press("ctrl+r")
        for _ in range(200):
            if type(app.screen).__name__ == "ResultScreen":
                break
            await pilot.pause(0.05)
        assert type(app.screen).__name__ == "ResultScreen"
        fired = {f.rule for f in app.screen.decision.findings}
        assert len([r for r in fired if r.startswith("p.r")]) == 300
