"""Screenshots a reviewer looked at once: the first question and the result screen.
Regenerate with `pytest tests/test_snapshots.py --snapshot-update` after a deliberate change."""

from __future__ import annotations

from advisor.tui.app import make_app
from tests.conftest import TODAY


async def _engine_ready(pilot) -> None:
    app = pilot.app
    while app.engine is None:
        await pilot.pause(0.05)
    await pilot.pause()


async def _to_result(pilot) -> None:
    await _engine_ready(pilot)
    app = pilot.app
    for text in ("snapshot pilot", "150k"):
        await pilot.press(*text, "enter")
    while app.interview.current is not None:
        await pilot.press("enter")
    while type(app.screen).__name__ != "ResultScreen":
        await pilot.pause(0.05)
    await pilot.pause()


def test_first_question_80x24(snap_compare):
    assert snap_compare(make_app(today=TODAY, samples=100), terminal_size=(80, 24), run_before=_engine_ready)


def test_result_screen_120x40(snap_compare):
    assert snap_compare(make_app(today=TODAY, samples=100), terminal_size=(120, 40), run_before=_to_result)


def test_result_options_tab_200x60(snap_compare):
    async def options(pilot) -> None:
        await _to_result(pilot)
        await pilot.press("right")
        await pilot.pause()

    assert snap_compare(make_app(today=TODAY, samples=100), terminal_size=(200, 60), run_before=options)
