"""Provides the durable_rules adapter: the only module that imports `durable`.

One host per process, one ruleset per distinct rule list, compiled once. Each evaluation gets a
fresh session id, asserts the scenario fact, collects the rules that fired (actions run inline on
the calling thread) and deletes the session state in a `finally`, so memory stays flat.
"""

from __future__ import annotations

import copy
import itertools
import threading
import warnings
from collections.abc import Callable
from typing import Any

from advisor.errors import RulesError
from advisor.rulebase import LoadedRule, compile_rule

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import durable.engine as _durable

_FactValue = float | bool | str


class _InlineHost(_durable.Host):
    """A Host without the timer threads: every action runs inside assert_fact, on our thread."""

    def _run(self) -> None:
        return None


_HOST: _InlineHost | None = None
_NAMES = itertools.count(1)
_SIDS = itertools.count(1)
_LOCK = threading.Lock()


def _host() -> _InlineHost:
    global _HOST
    if _HOST is None:
        _HOST = _InlineHost()
    return _HOST


class CompiledRules:
    """A rule list compiled into one durable_rules ruleset, ready to evaluate many fact sets."""

    def __init__(self, rules: list[LoadedRule]) -> None:
        self.rules = rules
        self._order = {r.id: i for i, r in enumerate(rules)}
        self._fired: dict[str, list[str]] = {}
        self._derived: dict[str, set[str]] = {}
        # A derived fact no rule joins on (a cost driver read only by the cost engine) is not
        # asserted: durable raises on a fact that no rule matches.
        self._joined = {c for r in rules for c in (*r.rule.when.all, *r.rule.when.any) if c.strip().startswith("derived ")}
        self.name = f"buildbuy{next(_NAMES)}"
        definition = {r.id: {**compile_rule(r.rule), "run": self._action(r)} for r in rules}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                # register_rulesets deletes the `run` keys of what it is given: hand it a copy.
                _host().register_rulesets({self.name: copy.copy(definition)})
        except Exception as exc:  # durable reports only an error code, never the rule
            raise RulesError(f"the rule engine refused the rule base: {exc}") from None

    def _action(self, loaded: LoadedRule) -> Callable[[Any], None]:
        rule_id = loaded.id
        derives = loaded.rule.then.fact if loaded.rule.then.kind == "derive" else None
        if derives is not None and f"derived {derives}" not in {" ".join(j.split()) for j in self._joined}:
            derives = None

        def act(c: Any) -> None:  # exactly one parameter, or durable treats it as async
            sid = c.s.sid
            self._fired.setdefault(sid, []).append(rule_id)
            if derives is not None:
                seen = self._derived.setdefault(sid, set())
                if derives not in seen:  # identical facts in one session raise in durable
                    seen.add(derives)
                    c.assert_fact({"sid": sid, "id": f"{sid}-{derives}", "t": "derived", "name": derives})

        return act

    def evaluate(self, facts: dict[str, _FactValue]) -> list[str]:
        """Ids of the rules that fired for `facts`, in rule-file order."""
        with _LOCK:
            sid = f"e{next(_SIDS)}"
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", DeprecationWarning)
                    try:
                        state = _host().assert_fact(self.name, {**facts, "sid": sid, "t": "scenario"})
                    except _durable.MessageNotHandledException:
                        state = {}
                if isinstance(state, dict) and "exception" in state:
                    raise RulesError(f"a rule action failed: {state['exception']}")
                fired = self._fired.get(sid, [])
            finally:
                self._fired.pop(sid, None)
                self._derived.pop(sid, None)
                try:
                    _host().delete_state(self.name, sid)
                except Exception:  # noqa: BLE001 - a session that never started has no state
                    pass
        return sorted(set(fired), key=self._order.__getitem__)
