"""Provides the locations of the bundled data folders and a TOML reader with user-facing errors."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from advisor.inputs.limits import MAX_TOML_DEPTH

T = TypeVar("T")
_PACKAGE = Path(__file__).resolve().parent.parent  # advisor/: the data folders ship beside the code packages
MAX_DATA_FILE_BYTES = 4 * 1024 * 1024
MAX_CACHE_FILE_BYTES = 16 * 1024 * 1024
_CACHE_FORMAT = "json-2"  # bump when what is cached changes shape


def data_dir(name: str) -> Path:
    """The bundled `rules/` or `knowledge/` folder: inside the wheel, or at the repo root in a checkout."""
    inside = _PACKAGE / name
    return inside if inside.is_dir() else _PACKAGE.parent / name


def read_bytes(path: Path, error: type[Exception], *, max_bytes: int = MAX_DATA_FILE_BYTES) -> bytes:
    """A regular file's bytes, at most `max_bytes`; anything else raises `error` naming the file.

    A device (/dev/zero), a pipe or a huge file would otherwise exhaust memory or hang."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise error(f"{path}: file not found") from None
    except (OSError, ValueError) as exc:
        raise error(f"{path}: cannot be read ({getattr(exc, 'strerror', None) or exc})") from None
    if stat.S_ISDIR(info.st_mode):
        raise error(f"{path}: is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise error(f"{path}: is not a regular file (a device, pipe or socket cannot be read)")
    if info.st_size > max_bytes:
        raise error(f"{path}: is {info.st_size:,} bytes; at most {max_bytes:,} are accepted")
    try:
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise error(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if len(data) > max_bytes:  # it grew while we looked
        raise error(f"{path}: is larger than {max_bytes:,} bytes")
    return data


def read_text(path: Path, error: type[Exception], *, max_bytes: int = MAX_DATA_FILE_BYTES) -> str:
    """A file's text; a missing, unreadable, oversized or non-UTF-8 file raises `error` naming it."""
    data = read_bytes(path, error, max_bytes=max_bytes)
    try:
        return data.decode("utf-8-sig")  # a byte order mark from a Windows editor is not content
    except UnicodeDecodeError as exc:
        raise error(f"{path}: is not UTF-8 text (byte {exc.start})") from None


def read_toml(path: Path, error: type[Exception], *, max_bytes: int = MAX_DATA_FILE_BYTES) -> dict[str, Any]:
    """Parse a TOML file; a missing or broken file raises `error` naming the file and the line."""
    text = read_text(path, error, max_bytes=max_bytes)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:
        raise error(f"{path}: arrays or tables nested too deeply (at most {MAX_TOML_DEPTH} levels)") from None
    except MemoryError:
        raise error(f"{path}: too large to read") from None
    where = too_deep(data, MAX_TOML_DEPTH)
    if where is not None:
        raise error(f"{path}: {where}: nested too deeply (at most {MAX_TOML_DEPTH} levels)")
    return data


def too_deep(data: Any, limit: int) -> str | None:
    """The dotted key of the first value nested more than `limit` levels, or None (iterative)."""
    stack: list[tuple[Any, int, str]] = [(data, 0, "")]
    while stack:
        value, depth, where = stack.pop()
        if depth > limit:
            return where or "(top level)"
        if isinstance(value, dict):
            stack += [(v, depth + 1, f"{where}.{k}" if where else str(k)) for k, v in value.items()]
        elif isinstance(value, list):
            stack += [(v, depth + 1, f"{where}[{i}]") for i, v in enumerate(value)]
    return None


def describe_validation(where: str, exc: ValidationError) -> list[str]:
    """One line per pydantic problem: `where: key.path: what is wrong`."""
    lines = []
    for err in exc.errors():
        loc = ".".join(str(part) for part in err["loc"]) or "(top level)"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif err["type"] == "missing":
            msg = "required key is missing"
        lines.append(f"{where}: {loc}: {msg}")
    return lines


def cached_parse(
    kind: str, paths: list[Path], build: Callable[[], T], *, dump: Callable[[T], Any], load: Callable[[Any], T]
) -> T:
    """`build()` memoised on disk, keyed by a hash of the files' contents.

    Parsing and validating the TOML files is most of what `decide` does besides importing; the
    cache makes a repeated run skip the parsing. The key is the content, never a size or a time
    stamp: an edit that keeps both must not be served stale."""
    digest = hashlib.sha256()
    try:
        for p in paths:
            data = read_bytes(p, OSError)
            digest.update(f"{p}\0{len(data)}\0".encode())
            digest.update(data)
    except OSError:
        return build()
    return disk_memo(kind, digest.hexdigest(), build, dump=dump, load=load)


def disk_memo(
    kind: str, key: object, build: Callable[[], T], *, dump: Callable[[T], Any], load: Callable[[Any], T]
) -> T:
    """`build()` memoised in the user cache directory under `key` and the tool version.

    Only plain JSON data is stored (never pickle: a planted cache file must not run code), with
    the key and a SHA-256 of the payload inside the file; any mismatch, any problem reading or
    loading, just rebuilds. The cache is never a source of truth, and a read-only or missing cache
    directory is fine."""
    from advisor import __version__

    full_key = json.dumps([_CACHE_FORMAT, __version__, kind, key], sort_keys=True, default=str)
    name = hashlib.sha256(full_key.encode()).hexdigest()[:24]
    cache = _cache_dir() / f"{kind}-{name}.json"
    found = _read_cache(cache, full_key, load)
    if found is not _MISSING:
        return found  # type: ignore[return-value]
    value = build()
    try:
        payload = json.dumps(dump(value), allow_nan=False, separators=(",", ":"))
        entry = json.dumps(
            {"key": full_key, "sha256": hashlib.sha256(payload.encode()).hexdigest(), "payload": payload}
        )
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(entry, encoding="utf-8")
        os.replace(tmp, cache)
        _prune(cache.parent)
    except (OSError, ValueError, TypeError):
        pass
    return value


_MISSING = object()


def _read_cache(cache: Path, full_key: str, load: Callable[[Any], T]) -> T | object:
    try:
        entry = json.loads(read_bytes(cache, OSError, max_bytes=MAX_CACHE_FILE_BYTES))
        payload = entry["payload"]
        if entry["key"] != full_key or hashlib.sha256(payload.encode()).hexdigest() != entry["sha256"]:
            return _MISSING
        return load(json.loads(payload))
    except Exception:  # noqa: BLE001 - a missing, stale, tampered or unreadable cache only means rebuilding
        return _MISSING


def _prune(folder: Path, keep: int = 64) -> None:
    """Drop the oldest cache entries beyond `keep`: every edit of a data file leaves one behind."""
    entries = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in entries[keep:]:
        stale.unlink(missing_ok=True)
    for old in folder.glob("*.pickle"):  # written by earlier versions; never read any more
        old.unlink(missing_ok=True)


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "buildbuy"
