"""The core stays free of textual and anthropic; `decide` never imports them."""

from __future__ import annotations

import subprocess
import sys

import pytest

CORE = [
    "advisor.inputs.knowledge", "advisor.inputs.scenario", "advisor.costs.prices", "advisor.costs", "advisor.rulebase.facts",
    "advisor.rulebase", "advisor.rulebase.engine", "advisor.decision", "advisor.views.json_view",
    "advisor.views.text", "advisor.views.assumptions", "advisor.cli", "advisor.decision.uncertainty", "advisor.records",
    "advisor.records", "advisor.views.written", "advisor.interview.flow", "advisor.interview.session", "advisor.inputs.example",
]


@pytest.mark.parametrize("module", CORE)
def test_core_module_imports_neither_textual_nor_anthropic(module):
    code = (
        f"import sys, {module}; "
        "bad = [m for m in ('textual', 'anthropic', 'advisor.tui') if m in sys.modules]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_decide_command_imports_neither(tmp_path):
    answers = tmp_path / "a.toml"
    answers.write_text("[answers]\ndaily_requests = 1000\n")
    code = (
        "import sys; from advisor.cli import main; "
        f"rc = main(['decide', {str(answers)!r}, '--json']); "
        "bad = [m for m in ('textual', 'anthropic') if m in sys.modules]; "
        "sys.stderr.write(repr(bad)); sys.exit(3 if bad else rc)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_tui_start_does_not_import_anthropic(tmp_path):
    code = (
        "import asyncio, sys\n"
        "from advisor.tui.app import make_app\n"
        "async def main():\n"
        "    app = make_app(samples=0)\n"
        "    async with app.run_test() as pilot:\n"
        "        while app.engine is None:\n"
        "            await pilot.pause(0.05)\n"
        "asyncio.run(main())\n"
        "sys.exit(3 if 'anthropic' in sys.modules else 0)\n"
    )
    env = {**__import__("os").environ, "XDG_STATE_HOME": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
