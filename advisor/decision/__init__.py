"""The decision: ranking money first, the plan, the one threshold search, the uncertainty analysis
and the portfolio. Every view reads the frozen Decision built here."""

from advisor.decision.batch import Batch, evaluate_many, scanner
from advisor.decision.decide import decide, summarise, with_analysis
from advisor.decision.evaluate import Evaluation, chooser, confidence, evaluate, margin_pct, rank, tolerance_pct
from advisor.decision.model import BUILD_FAMILY, KEY_INPUTS, Confidence, Decision, Phase
from advisor.decision.search import FlipPoint, Searched
from advisor.rulebase.base import Finding, RuleBase, load_rulebase

__all__ = [
    "BUILD_FAMILY", "KEY_INPUTS", "Batch", "Confidence", "Decision", "Evaluation", "Finding", "FlipPoint", "Phase",
    "RuleBase", "Searched", "chooser", "confidence", "decide", "evaluate", "evaluate_many", "load_rulebase",
    "margin_pct", "rank", "scanner", "summarise", "tolerance_pct", "with_analysis",
]
