"""Provides the saved interview session: written atomically after every answer, resumable, kept
after the result (so the last result can be reopened), and set aside (never fatal) when it cannot
be read. Lives in the user state directory (platformdirs, XDG)."""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from advisor.errors import SessionError

SCHEMA = "buildbuy.session/1"
MAX_BYTES = 1_000_000  # a session holds a few dozen short answers; anything larger is not ours
Scalar = bool | int | float | str


class SavedSession(BaseModel):
    """The session file's shape. Answer values are checked further with the answers model
    (Interview.from_dict drops those that no longer validate)."""

    model_config = ConfigDict(extra="ignore", strict=True, populate_by_name=True)

    schema_: Literal["buildbuy.session/1"] = Field(alias="schema")
    saved: str | None = None
    answers: dict[str, Scalar]
    history: list[str] = []
    current: str | None = None
    finished: bool = False
    accepted_defaults: list[str] = []
    prefilled: dict[str, Scalar] = {}  # answers read from a description, until the user confirms them
    record: str | None = None  # the decision record saved last
    record_key: str | None = None  # what that record holds, to tell "already saved" from "changed"


def state_dir() -> Path:
    from platformdirs import user_state_path

    return user_state_path("buildbuy", appauthor=False)


def session_path() -> Path:
    return state_dir() / "session.json"


def save_session(data: dict[str, Any], path: Path | None = None) -> None:
    path = path or session_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = json.dumps(
        {"schema": SCHEMA, "saved": dt.datetime.now().isoformat(timespec="seconds"), **data}, indent=1, allow_nan=False
    )
    fd, tmp = tempfile.mkstemp(prefix=".session.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(payload)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _problem(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        where = ".".join(str(part) for part in err["loc"]) or "the file"
        return f"{where}: {err['msg'].lower()}"
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    return str(exc) or type(exc).__name__


def load_session(path: Path | None = None) -> dict[str, Any] | None:
    """The saved session, None if there is none. A file that is not a valid session is renamed
    aside and SessionError says where it went; the caller shows that and starts fresh."""
    path = path or session_path()
    if not path.exists():
        return None
    try:
        if not path.is_file():
            raise ValueError("not a regular file")
        if path.stat().st_size > MAX_BYTES:
            raise ValueError(f"larger than {MAX_BYTES:,} bytes")
        raw = json.loads(path.read_text(encoding="utf-8"))
        return SavedSession.model_validate(raw).model_dump(by_alias=True)
    except (ValueError, OSError, UnicodeDecodeError, RecursionError) as exc:  # ValidationError is a ValueError
        aside = path.with_name(f"session.corrupt-{dt.datetime.now():%Y%m%d-%H%M%S}.json")
        try:
            path.rename(aside)
        except OSError:
            aside = path
        raise SessionError(f"The saved session could not be read ({_problem(exc)}); it was set aside as {aside}.") from None


def clear_session(path: Path | None = None) -> None:
    path = path or session_path()
    if path.exists():
        path.unlink()
