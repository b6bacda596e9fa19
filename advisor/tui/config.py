"""Provides the TUI's remembered settings (the theme) in the user's config folder.

They live in `tui.toml` beside `config.toml`, whose keys the explanation layer validates."""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path


def tui_config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "buildbuy" / "tui.toml"


def load_theme() -> str | None:
    """The remembered theme, or None; an unreadable file is ignored (it is only a preference)."""
    try:
        data = tomllib.loads(tui_config_path().read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return None
    theme = data.get("theme")
    return theme if isinstance(theme, str) and theme.isprintable() and len(theme) < 80 else None


def save_theme(theme: str) -> None:
    """Remember `theme`; a read-only config folder only means it is not remembered."""
    path = tui_config_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(f"theme = {json.dumps(theme)}\n", encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass
