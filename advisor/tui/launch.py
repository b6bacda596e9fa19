"""Provides the entry into the interview; textual is imported only here, never on `decide`."""

from __future__ import annotations

from typing import Any


def _run(app: Any) -> None:
    app.run()


def run_tui() -> int:
    """Run the app; an unexpected crash (Textual prints its traceback) exits non-zero."""
    from advisor.tui.app import make_app

    app = make_app()
    _run(app)
    return app.return_code or 0
