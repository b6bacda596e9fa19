"""Provides saving records (numbered, atomic, never overwriting) and `buildbuy revisit`."""

from __future__ import annotations

import datetime as dt
import errno
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
from advisor.limits import MAX_RECORD_FILE_BYTES
from advisor.record import FrontMatter, parse_record, render_record, set_status, slug
from advisor.safe_text import clean, clip

_NUMBERED = re.compile(r"^(\d{4})-.*\.md$")


def next_record_path(folder: Path, title: str) -> Path:
    """`NNNN-<slug>.md`, one past the highest number already in `folder` (gaps are kept)."""
    return folder / f"{_next_number(folder):04d}-{slug(title)}.md"


def _next_number(folder: Path) -> int:
    numbers = [int(m.group(1)) for p in folder.glob("*.md") if (m := _NUMBERED.match(p.name))]
    return max(numbers, default=0) + 1


def _is_folder_target(out: Path) -> bool:
    try:
        return out.is_dir() or (not out.exists() and out.suffix.lower() != ".md")
    except OSError as exc:  # a name too long for the file system, a loop of links, ...
        raise RecordError(f"{clip(str(out))}: cannot be used ({exc.strerror or exc})") from None


def resolve_target(out: Path, title: str) -> Path:
    """The file a record for `title` would go to (for a folder: the next free number)."""
    if _is_folder_target(out):
        _make_folder(out)
        return next_record_path(out, title)
    return out


def _make_folder(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RecordError(f"{clip(str(out))}: cannot create the folder ({exc.strerror or exc})") from None


def refuse_input_as_output(out: Path, inputs: list[Path]) -> None:
    """`--out` must never name a file the command reads (`decide a.toml --out a.toml --force`)."""
    for source in inputs:
        try:
            same = out.exists() and source.exists() and out.samefile(source)
        except OSError:
            same = False
        if same or out.resolve() == source.resolve():
            raise RecordError(f"--out {clip(str(out))}: is an input file of this command; choose another path or a folder")


def _temp_copy(folder: Path, name: str, text: str) -> str:
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".record.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise RecordError(f"{clip(str(folder / name))}: cannot write ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a record is an ordinary file
    except OSError as exc:
        os.unlink(tmp)
        raise RecordError(f"{clip(str(folder / name))}: cannot write ({exc.strerror or exc})") from None
    return tmp


def _umask() -> int:
    """The process umask, read without setting it (os.umask would change it for other threads)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022


def _link_exclusive(tmp: str, path: Path) -> None:
    """Put the finished temp file at `path`, failing with FileExistsError if `path` exists.

    A hard link is atomic and exclusive; where the file system has no hard links, an exclusive
    create (O_EXCL) still reserves the name."""
    try:
        os.link(tmp, path)
        return
    except FileExistsError:
        raise
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK, errno.EXDEV):
            raise
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    with os.fdopen(fd, "wb") as out, open(tmp, "rb") as src:
        out.write(src.read())
        out.flush()
        os.fsync(out.fileno())


def write_atomic(path: Path, text: str, *, force: bool) -> None:
    """Write via a temp file in the same folder; link it into place (refusing to overwrite) or
    replace atomically with force. An interrupted write leaves the old state, never half a file."""
    if path.exists() and not force:
        raise RecordError(f"{path}: already exists; pass --force to overwrite it")
    tmp = _temp_copy(path.parent, path.name, text)
    try:
        if force:
            os.replace(tmp, path)
        else:
            _link_exclusive(tmp, path)  # fails if the path appeared meanwhile: never overwrite
    except FileExistsError:
        raise RecordError(f"{path}: already exists; pass --force to overwrite it") from None
    except OSError as exc:
        raise RecordError(f"{clip(str(path))}: cannot write ({exc.strerror or exc})") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_numbered(folder: Path, title: str, text: str) -> Path:
    """Write `text` as the next `NNNN-slug.md` in `folder`, reserving the number with an exclusive
    create (a hard link fails if the name exists), so concurrent writers never share a number and
    never overwrite each other, with or without --force."""
    _make_folder(folder)
    tmp = _temp_copy(folder, f"NNNN-{slug(title)}.md", text)
    try:
        number = _next_number(folder)
        for _ in range(10_000):
            path = folder / f"{number:04d}-{slug(title)}.md"
            try:
                _link_exclusive(tmp, path)
                return path
            except FileExistsError:
                number = max(number + 1, _next_number(folder))
            except OSError as exc:
                raise RecordError(f"{clip(str(path))}: cannot write ({exc.strerror or exc})") from None
        raise RecordError(f"{folder}: no free record number")
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def save_record(
    decision: Decision, k: Knowledge, out: Path, *, force: bool = False, explanation: Any = None,
    rule_packs: list[str] | None = None, supersedes: str | None = None, status: str = "proposed",
    deciders: list[str] | None = None,
) -> Path:
    title = decision.scenario.answers.use_case
    text = render_record(
        decision, k, status=status, deciders=deciders, rule_packs=rule_packs, supersedes=supersedes,
        explanation=explanation,
    )
    text = clean(text)  # no escape sequences in a record, whatever text reached it
    if _is_folder_target(out):
        return write_numbered(out, title, text)
    write_atomic(out, text, force=force)
    return out


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

    text = read_text(record_path, RecordError, max_bytes=MAX_RECORD_FILE_BYTES)
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
    from advisor.knowledge import load_knowledge

    k = load_knowledge()
    again = recompute(record, k, rules_extra=rules, today=today)
    result = again.revisit
    if as_json:
        from advisor.report_json import dumps

        print(dumps(result.as_dict()))
    else:
        print(clean("\n".join(result.lines())))
    if update:
        _check_updatable(record, again.front)
        from advisor.uncertainty import analyse

        # the same rule base as the comparison: the record's own packs plus any given now
        analysed = analyse(again.decision, k, again.rules, samples=2000, seed=7)
        new_path = save_record(
            analysed, k, record.parent, supersedes=record.name, deciders=again.front.decision_makers,
            rule_packs=[str(p.resolve()) for p in again.packs],
        )
        write_atomic(record, set_status(again.text, f"superseded by {new_path.name}"), force=True)
        print(f"buildbuy: wrote {new_path}; {record.name} is now superseded by it", file=sys.stderr)
    return 0 if result.stands else 1
