"""Provides the proof that a rule pack runs: it is compiled and evaluated in a child process.

`rules --check` must not accept a pack the engine cannot run, and a C-level crash in the engine
must not take the checking process with it; so the evaluation happens in `python -m
advisor.rulebase.probe`, and a crash, a hang or a disagreement with the reference evaluator becomes
a message naming the pack.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from advisor.errors import RulesError

PROBE_TIMEOUT_S = 60.0


def prove_runs(paths: list[Path], pack: Path) -> int:
    """Evaluate the rule base of `paths` on fact sets that make every rule of `pack` fire.

    Returns how many fact sets were evaluated; raises RulesError saying why the pack cannot run."""
    cmd = [sys.executable, "-m", "advisor.rulebase.probe", str(pack), *map(str, paths)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=PROBE_TIMEOUT_S, env=os.environ.copy())
    except subprocess.TimeoutExpired:
        raise RulesError(f"{pack}: the rule engine did not finish evaluating this pack within {PROBE_TIMEOUT_S:g} s") from None
    if done.returncode < 0:
        name = signal.Signals(-done.returncode).name
        raise RulesError(f"{pack}: the rule engine crashed ({name}) evaluating this pack; it cannot run")
    try:
        result = json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1][:200]
        raise RulesError(f"{pack}: the rule engine failed evaluating this pack ({tail})") from None
    if result.get("problems"):
        raise RulesError([str(p) for p in result["problems"]])
    return int(result.get("evaluated", 0))


def _probe(pack: str, paths: list[str]) -> dict[str, object]:
    from advisor.inputs.knowledge import load_knowledge
    from advisor.rulebase import load_rule_files
    from advisor.rulebase.engine import CompiledRules
    from advisor.rulebase.facts import fact_types
    from advisor.rulebase.logic import reference_fired, witnesses

    k = load_knowledge()
    types = fact_types(k)
    rules = load_rule_files([Path(p) for p in paths])
    own = [r.id for r in rules if r.file == pack]
    engine = CompiledRules(rules)
    problems: list[str] = []
    cases = witnesses(rules, types, own)
    fired_somewhere: set[str] = set()
    for facts, _meant in cases:
        got = engine.evaluate(facts)
        expected = reference_fired(rules, facts)
        if got != expected:
            diff = sorted(set(got) ^ set(expected))
            problems.append(f"{pack}: the rule engine disagrees with the rule semantics on rules {', '.join(diff[:5])}")
        fired_somewhere.update(got)
    for rid in own:
        if rid not in fired_somewhere:
            problems.append(f"{pack}: rule {rid}: did not fire in the engine even with its conditions true")
    return {"evaluated": len(cases), "problems": problems[:20]}


def main(argv: list[str]) -> int:
    from advisor.errors import BuildBuyError

    try:
        result = _probe(argv[0], argv[1:])
    except BuildBuyError as exc:
        result = {"evaluated": 0, "problems": exc.problems}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
