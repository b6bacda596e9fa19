"""Provides the locations of the bundled data folders and a TOML reader with user-facing errors."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

T = TypeVar("T")
_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """The bundled `rules/` or `knowledge/` folder: inside the wheel, or at the repo root in a checkout."""
    inside = _PACKAGE / name
    return inside if inside.is_dir() else _PACKAGE.parent / name


def read_text(path: Path, error: type[Exception]) -> str:
    """A file's text; a missing or unreadable file raises `error` naming it."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{path}: cannot be read ({exc})") from None


def read_toml(path: Path, error: type[Exception]) -> dict[str, Any]:
    """Parse a TOML file; a missing or broken file raises `error` naming the file and the line."""
    text = read_text(path, error)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML: {exc}") from None


def describe_validation(where: str, exc: ValidationError) -> list[str]:
    """One line per pydantic problem: `where: key.path: what is wrong`."""
    lines = []
    for err in exc.errors():
        loc = ".".join(str(part) for part in err["loc"]) or "(top level)"
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif err["type"] == "missing":
            msg = "required key is missing"
        lines.append(f"{where}: {loc}: {msg}")
    return lines


def cached_parse(kind: str, paths: list[Path], build: Callable[[], T]) -> T:
    """`build()` memoised on disk, keyed by the files' paths, sizes and mtimes.

    Parsing and validating the TOML files is most of what `decide` does besides importing; the
    cache makes a repeated run skip it.
    """
    try:
        stamp = [(str(p.resolve()), p.stat().st_mtime_ns, p.stat().st_size) for p in paths]
    except OSError:
        return build()
    return disk_memo(kind, stamp, build)


def disk_memo(kind: str, key: object, build: Callable[[], T]) -> T:
    """`build()` memoised in the user cache directory under `key` and the tool version. Any problem
    with the cache just rebuilds: it is never a source of truth, and a read-only or missing cache
    directory is fine."""
    import hashlib
    import pickle

    from advisor import __version__

    digest = hashlib.sha256(repr((__version__, kind, key)).encode()).hexdigest()[:20]
    cache = _cache_dir() / f"{kind}-{digest}.pickle"
    try:
        with cache.open("rb") as fh:
            return pickle.load(fh)  # noqa: S301 - our own file, written below
    except Exception:  # noqa: BLE001 - a missing, stale or unreadable cache only means rebuilding
        pass
    value = build()
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, cache)
        _prune(cache.parent)
    except OSError:
        pass
    return value


def _prune(folder: Path, keep: int = 64) -> None:
    """Drop the oldest cache entries beyond `keep`: every edit of a data file leaves one behind."""
    entries = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in entries[keep:]:
        stale.unlink(missing_ok=True)


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "buildbuy"
