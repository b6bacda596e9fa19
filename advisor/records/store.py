"""Provides writing records: numbered NNNN-slug.md files reserved atomically, never overwritten without
force, never an input file, with ordinary file modes."""

from __future__ import annotations

import errno
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from advisor.decision import Decision
from advisor.errors import RecordError
from advisor.inputs.knowledge import Knowledge
from advisor.inputs.safe_text import clean, clip
from advisor.records.front_matter import slug
from advisor.records.render import render_record

_NUMBERED = re.compile(r"^(\d{4})-.*\.md$")


def next_record_path(folder: Path, title: str) -> Path:
    """`NNNN-<slug>.md`, one past the highest number already in `folder` (gaps are kept)."""
    return folder / f"{_next_number(folder):04d}-{slug(title)}.md"


def _next_number(folder: Path) -> int:
    numbers = [int(m.group(1)) for p in folder.glob("*.md") if (m := _NUMBERED.match(p.name))]
    return max(numbers, default=0) + 1


def _is_folder_target(out: Path) -> bool:
    try:
        # Decided by the name first: another writer may create the folder between two checks, and
        # an existing folder must never be taken for a file to overwrite.
        return out.is_dir() or out.suffix.lower() != ".md" or (out.exists() and not out.is_file())
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
