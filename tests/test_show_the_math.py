"""Every formula "show the math" prints is re-evaluated from its own inputs: the text cannot drift
from the arithmetic."""

from __future__ import annotations

import ast
import math
import re

import pytest

from advisor.costs import price_options
from tests.conftest import TODAY

SCENARIOS = [
    {"daily_requests": 100_000, "review_rate_api": 10, "review_rate_finetuned": 1, "cost_per_review": 20},
    {"daily_requests": 5_000, "batch_ok": True, "latency_sensitive": False, "labeled_examples": 200, "has_api_logs": True},
    {"daily_requests": 900_000, "industry": "finance", "requirements_volatility": "rapid", "ml_engineers": 0},
    {"daily_requests": 40_000, "data_must_stay_in_house": True, "cached_input_share": 0.4, "input_tokens": 6_000},
]
FUNCTIONS = {"max": max, "min": min, "ceil": lambda x: math.ceil(x - 1e-9), "roundup": lambda x, unit: math.ceil(x / unit - 1e-9) * unit}


def evaluable(formula: str) -> str | None:
    """The formula as a Python expression, or None when it is prose (a named composite)."""
    text = formula.replace(" x ", " * ").replace("365/12", "(365 / 12)")
    text = re.sub(r"\s*\(measured rates\)$", "", text)
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        return None
    allowed = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Call, ast.Name, ast.Constant, ast.Load,
               ast.Add, ast.Sub, ast.Mult, ast.Div, ast.USub)
    return text if all(isinstance(node, allowed) for node in ast.walk(tree)) else None


@pytest.mark.parametrize("answers", SCENARIOS)
def test_every_evaluable_formula_gives_its_value(k, scenario, answers):
    report = price_options(scenario(**answers), k, TODAY)
    checked = total = 0
    for option, cost in report.options.items():
        for d in cost.derivations:
            total += 1
            text = evaluable(d.formula)
            assert text is not None, (option, d.name, d.formula)
            names = {n.id for n in ast.walk(ast.parse(text, mode="eval")) if isinstance(n, ast.Name)} - set(FUNCTIONS)
            assert names <= set(d.inputs), (option, d.name, d.formula, names - set(d.inputs))
            value = eval(text, {"__builtins__": {}}, {**FUNCTIONS, **d.inputs})  # noqa: S307 - our own formulas
            assert value == pytest.approx(d.value, rel=1e-9, abs=1e-9), (option, d.name, d.formula)
            checked += 1
    assert checked == total  # every formula shown is checked
