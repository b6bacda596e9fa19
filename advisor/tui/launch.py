"""Provides the entry into the interview; textual is imported only here, never on `decide`."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _run(app: Any) -> None:
    app.run()


def run_tui(rule_packs: list[Path] | None = None) -> int:
    """Run the app; an unexpected crash (Textual prints its traceback) exits non-zero."""
    from advisor.tui.app import make_app

    app = make_app(rule_packs=rule_packs or [])
    _run(app)
    return app.return_code or 0
