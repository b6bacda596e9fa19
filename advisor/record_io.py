"""Provides saving records (numbered, atomic, never overwriting) and `buildbuy revisit`."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from advisor.datafiles import read_text
from advisor.decide import Decision, RuleBase
from advisor.errors import BuildBuyError, RecordError
from advisor.knowledge import Knowledge
from advisor.record import FrontMatter, parse_record, render_record, set_status, slug

_NUMBERED = re.compile(r"^(\d{4})-.*\.md$")


def next_record_path(folder: Path, title: str) -> Path:
    """`NNNN-<slug>.md`, one past the highest number already in `folder` (gaps are kept)."""
    numbers = [int(m.group(1)) for p in folder.glob("*.md") if (m := _NUMBERED.match(p.name))]
    return folder / f"{max(numbers, default=0) + 1:04d}-{slug(title)}.md"


def resolve_target(out: Path, title: str) -> Path:
    is_folder = out.is_dir() or (not out.exists() and out.suffix.lower() != ".md")
    if is_folder:
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise RecordError(f"{out}: cannot create the folder ({exc.strerror})") from None
        return next_record_path(out, title)
    return out


def write_atomic(path: Path, text: str, *, force: bool) -> None:
    """Write via a temp file in the same folder; link it into place (refusing to overwrite) or
    replace atomically with force. An interrupted write leaves the old state, never half a file."""
    if path.exists() and not force:
        raise RecordError(f"{path}: already exists; pass --force to overwrite it")
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise RecordError(f"{path}: cannot write ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if force:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # fails if the path appeared meanwhile: never overwrite
            os.unlink(tmp)
    except FileExistsError:
        raise RecordError(f"{path}: already exists; pass --force to overwrite it") from None
    except OSError as exc:
        raise RecordError(f"{path}: cannot write ({exc.strerror})") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def save_record(
    decision: Decision, k: Knowledge, out: Path, *, force: bool = False, explanation: Any = None,
    rule_packs: list[str] | None = None, supersedes: str | None = None, status: str = "proposed",
    deciders: list[str] | None = None,
) -> Path:
    path = resolve_target(out, decision.scenario.answers.use_case)
    text = render_record(
        decision, k, status=status, deciders=deciders, rule_packs=rule_packs, supersedes=supersedes,
        explanation=explanation,
    )
    write_atomic(path, text, force=force)
    return path


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
    from advisor.decide import decide, load_rulebase
    from advisor.scenario import build_scenario

    text = read_text(record_path, RecordError)
    fm = parse_record(text, str(record_path))
    given = {n: v for n, v in fm.answers.items() if n not in fm.defaulted}
    try:
        scenario = build_scenario(given, k, fm.assumptions)
    except BuildBuyError as exc:
        raise RecordError([f"{record_path}: front matter: {p}" for p in exc.problems]) from None
    packs = [Path(p) for p in fm.rule_packs] + rules_extra
    rules = load_rulebase(k, packs)
    decision = decide(scenario, k, rules, today)
    result = Revisit(fm.recommendation, decision.option)
    for option, figures in fm.figures.items():
        new = decision.report.options[option]
        current = {
            "one_time_usd": round(new.one_time_usd, 2),
            "monthly_usd": round(new.monthly_usd, 2),
            "tco_usd": round(new.tco_usd, 2),
            "breakeven_month": new.breakeven_month,
        }
        for key, old in figures.items():
            value = current.get(key)
            if old != value and not (old is not None and value is not None and abs(old - value) < 0.01):
                result.moved.append((f"{option}.{key}", old, value))  # type: ignore[arg-type]
    new_ids = [f.rule for f in decision.findings]
    result.added = [r for r in new_ids if r not in fm.findings]
    result.removed = [r for r in fm.findings if r not in new_ids]
    return Recomputed(decision, result, text, fm, packs, rules)


def revisit_command(record: Path, *, rules: list[Path], update: bool, as_json: bool, today: dt.date) -> int:
    from advisor.knowledge import load_knowledge

    k = load_knowledge()
    again = recompute(record, k, rules_extra=rules, today=today)
    result = again.revisit
    if as_json:
        from advisor.report_json import dumps

        print(dumps(result.as_dict()))
    else:
        print("\n".join(result.lines()))
    if update:
        from advisor.uncertainty import analyse

        # the same rule base as the comparison: the record's own packs plus any given now
        analysed = analyse(again.decision, k, again.rules, samples=2000, seed=7)
        new_path = save_record(
            analysed, k, record.parent, supersedes=record.name, deciders=again.front.deciders,
            rule_packs=[str(p.resolve()) for p in again.packs],
        )
        write_atomic(record, set_status(again.text, f"superseded by {new_path.name}"), force=True)
        print(f"buildbuy: wrote {new_path}; {record.name} is now superseded by it", file=sys.stderr)
    return 0 if result.stands else 1
