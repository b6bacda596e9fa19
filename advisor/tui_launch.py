"""Provides the entry into the interview; textual is imported only here, never on `decide`."""

from __future__ import annotations


def run_tui() -> int:
    from advisor.tui.app import make_app

    make_app().run()
    return 0
