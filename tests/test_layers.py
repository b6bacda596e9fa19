"""The package is built in floors: each sub-package imports only its own floor and those below, no
module is over 400 lines, and only the shells import textual, anthropic or durable_rules."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGE = ROOT / "advisor"
# Lowest first. A module may import (at the top of the file) from its own floor and below.
FLOORS = ["errors", "inputs", "costs", "rulebase", "decision", "engine", "views", "records", "interview", "llm", "tui", "cli"]
ONLY = {"textual": ("tui",), "anthropic": ("llm",), "durable": ("rulebase/engine.py",)}


def floor_of(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if p.name not in {"__init__.py", "__main__.py"} or p.parent != PACKAGE)


def imports(path: Path, top_only: bool) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_only else list(ast.walk(tree))
    found = []
    for node in nodes:
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append(node.module)
            if node.module == "advisor":
                found += [f"advisor.{a.name}" for a in node.names]
    return found


def test_every_top_level_import_goes_down_or_sideways():
    wrong = []
    for path in modules():
        here = floor_of(path)
        if here not in FLOORS:
            continue
        for name in imports(path, top_only=True):
            parts = name.split(".")
            if parts[0] != "advisor" or len(parts) < 2 or parts[1] == "__version__":
                continue
            there = parts[1]
            if there in FLOORS and FLOORS.index(there) > FLOORS.index(here):
                wrong.append(f"{path.relative_to(ROOT)} imports {name}")
    assert wrong == []


def test_every_module_belongs_to_a_floor():
    assert {floor_of(p) for p in modules()} - set(FLOORS) - {"__init__", "__main__"} == set()


def test_only_the_shells_import_textual_anthropic_or_durable():
    wrong = []
    for path in modules():
        rel = path.relative_to(PACKAGE).as_posix()
        for name in imports(path, top_only=False):
            root = name.split(".")[0]
            if root in ONLY and not rel.startswith(ONLY[root]):
                wrong.append(f"{rel} imports {name}")
    assert wrong == []


def test_no_module_is_over_400_lines():
    long = {p.relative_to(ROOT).as_posix(): n for p in PACKAGE.rglob("*.py") if (n := len(p.read_text().splitlines())) > 400}
    assert long == {}
