"""The rule base: the rule language and its checks, the facts rules read, the durable_rules adapter
(engine.py, the only importer of durable), a plain reference evaluator, and the compiled RuleBase."""

from advisor.rulebase.check import check_rules, derive_cycles, joins_of, strata
from advisor.rulebase.compile import canonical, compile_rule
from advisor.rulebase.dsl import (
    Condition,
    ConditionText,
    Kind,
    LoadedRule,
    Rule,
    RuleText,
    Then,
    When,
    atoms_of,
    bundled_rule_files,
    load_rule_files,
    parse_condition,
)

__all__ = ['Condition', 'ConditionText', 'Kind', 'LoadedRule', 'Rule', 'RuleText', 'Then', 'When', 'atoms_of', 'bundled_rule_files', 'canonical', 'check_rules', 'compile_rule', 'derive_cycles', 'joins_of', 'load_rule_files', 'parse_condition', 'strata']
