"""Provides revisit: a record recomputed with today's knowledge and rules, what moved, and --update that
writes a superseding record."""

from __future__ import annotations

import datetime as dt
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from advisor.decision import Decision, RuleBase
from advisor.errors import BuildBuyError, RecordError
from advisor.inputs.datafiles import read_text
from advisor.inputs.knowledge import Knowledge
from advisor.inputs.limits import MAX_RECORD_FILE_BYTES
from advisor.inputs.safe_text import clean
from advisor.records.front_matter import FrontMatter, parse_record, set_status
from advisor.records.store import save_record, write_atomic


@dataclass
class Revisit:
    old_option: str
    new_option: str
    moved: list[tuple[str, float, float]] = field(default_factory=list)  # figure, old, new
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def stands(self) -> bool:
        return self.old_option == self.new_option

    def as_dict(self) -> dict[str, Any]:
        return {
            "stands": self.stands,
            "old": self.old_option,
            "new": self.new_option,
            "moved": [{"figure": n, "old": o, "new": v} for n, o, v in self.moved],
            "findings_added": self.added,
            "findings_removed": self.removed,
        }

    def lines(self) -> list[str]:
        out = [
            f"The recommendation stands: {self.new_option}."
            if self.stands
            else f"The recommendation changed: {self.old_option} -> {self.new_option}."
        ]
        if self.moved:
            out.append("Figures that moved:")
            for name, old, new in self.moved:
                if name.endswith("breakeven_month"):
                    def month(x: float | None) -> str:
                        return "never" if x is None else f"month {x:g}"

                    out.append(f"  {name}: {month(old)} -> {month(new)}")
                    continue
                pct = f" ({(new - old) / old * 100:+.1f} %)" if old else ""
                out.append(f"  {name}: ${old:,.2f} -> ${new:,.2f}{pct}")
        else:
            out.append("No figure moved by a cent or more.")
        if self.added:
            out.append("Findings now firing: " + ", ".join(self.added))
        if self.removed:
            out.append("Findings no longer firing: " + ", ".join(self.removed))
        return out


@dataclass
class Recomputed:
    """A record read back and decided again, with what that needed to write its successor."""

    decision: Decision
    revisit: Revisit
    text: str
    front: FrontMatter
    packs: list[Path]
    rules: RuleBase


def recompute(record_path: Path, k: Knowledge, *, rules_extra: list[Path], today: dt.date) -> Recomputed:
    from advisor.engine import Engine
    from advisor.inputs.scenario import build_scenario

    text = read_text(record_path, RecordError, max_bytes=MAX_RECORD_FILE_BYTES)
    fm = parse_record(text, str(record_path))
    given = {n: v for n, v in fm.answers.items() if n not in fm.defaulted}
    try:
        scenario = build_scenario(given, k, fm.assumptions)
    except BuildBuyError as exc:
        raise RecordError([f"{record_path}: front matter: {p}" for p in exc.problems]) from None
    packs = [Path(p) for p in fm.rule_packs] + rules_extra
    engine = Engine.load(packs, today=today, k=k)
    rules = engine.rules
    decision = engine.decide(scenario)
    result = Revisit(fm.recommendation, decision.option)
    for option, figures in fm.figures.items():
        new = decision.report.options[option]
        current = {
            "one_time_usd": round(new.one_time_usd, 2),
            "monthly_usd": round(new.monthly_usd, 2),
            "tco_usd": round(new.tco_usd, 2),
            "breakeven_month": new.breakeven_month,
        }
        for key, old in figures.model_dump().items():
            value = current.get(key)
            if old != value and not (old is not None and value is not None and abs(old - value) < 0.01):
                result.moved.append((f"{option}.{key}", old, value))  # type: ignore[arg-type]
    new_ids = [f.rule for f in decision.findings]
    result.added = [r for r in new_ids if r not in fm.findings]
    result.removed = [r for r in fm.findings if r not in new_ids]
    return Recomputed(decision, result, text, fm, packs, rules)


def _check_updatable(record: Path, front: FrontMatter) -> None:
    """--update rewrites the old record's status in place: only a plain, writable, current record."""
    if front.status.startswith("superseded"):
        raise RecordError(f"{record}: is already {front.status}; revisit the newest record instead")
    if record.is_symlink():
        raise RecordError(f"{record}: is a symbolic link; --update edits records in place, run it on the file itself")
    # the mode bits too: root may write anything, but a record someone made read-only stays so
    if not os.access(record, os.W_OK) or not record.stat().st_mode & 0o200 or not os.access(record.parent, os.W_OK):
        raise RecordError(f"{record}: is read-only; --update would have to change it")


def revisit_command(record: Path, *, rules: list[Path], update: bool, as_json: bool, today: dt.date) -> int:
    from advisor.inputs.knowledge import load_knowledge

    k = load_knowledge()
    again = recompute(record, k, rules_extra=rules, today=today)
    result = again.revisit
    if as_json:
        from advisor.views.json_view import dumps

        print(dumps(result.as_dict()))
    else:
        print(clean("\n".join(result.lines())))
    if update:
        _check_updatable(record, again.front)
        from advisor.decision.uncertainty import analyse

        # the same rule base as the comparison: the record's own packs plus any given now
        analysed = analyse(again.decision, k, again.rules, samples=2000, seed=7)
        new_path = save_record(
            analysed, k, record.parent, supersedes=record.name, deciders=again.front.decision_makers,
            rule_packs=[str(p.resolve()) for p in again.packs],
        )
        write_atomic(record, set_status(again.text, f"superseded by {new_path.name}"), force=True)
        print(f"buildbuy: wrote {new_path}; {record.name} is now superseded by it", file=sys.stderr)
    return 0 if result.stands else 1
