"""Provides the saved interview session: written atomically after every answer, resumable, and
set aside (never fatal) when corrupt. Lives in the user state directory (platformdirs, XDG)."""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from advisor.errors import SessionError

SCHEMA = "buildbuy.session/1"


def state_dir() -> Path:
    from platformdirs import user_state_path

    return user_state_path("buildbuy", appauthor=False)


def session_path() -> Path:
    return state_dir() / "session.json"


def save_session(data: dict[str, Any], path: Path | None = None) -> None:
    path = path or session_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = json.dumps({"schema": SCHEMA, "saved": dt.datetime.now().isoformat(timespec="seconds"), **data}, indent=1)
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


def load_session(path: Path | None = None) -> dict[str, Any] | None:
    """The saved session, None if there is none. A corrupt file is renamed aside and SessionError
    says where it went; the caller shows that and starts fresh."""
    path = path or session_path()
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("schema") != SCHEMA or not isinstance(data.get("answers"), dict):
            raise ValueError("not a buildbuy session")
        return data
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        aside = path.with_name(f"session.corrupt-{dt.datetime.now():%Y%m%d-%H%M%S}.json")
        try:
            path.rename(aside)
        except OSError:
            aside = path
        raise SessionError(f"The saved session could not be read ({exc}); it was set aside as {aside}.") from None


def clear_session(path: Path | None = None) -> None:
    path = path or session_path()
    if path.exists():
        path.unlink()
