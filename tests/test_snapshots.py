"""Screenshots a reviewer looked at: every screen at 80x24 and 60x20 (nothing may be cut off
there), and the result at 120x40. Regenerate with `pytest tests/test_snapshots.py --snapshot-update`
after a deliberate change, and look at the SVGs before committing them."""

from __future__ import annotations

import json

import pytest

from advisor.interview.session import session_path
from advisor.tui.app import make_app
from tests.conftest import TODAY

SIZES = [(80, 24), (60, 20)]


async def _engine_ready(pilot) -> None:
    app = pilot.app
    while app.engine is None:
        await pilot.pause(0.05)
    await pilot.pause()


async def _to_result(pilot) -> None:
    await _engine_ready(pilot)
    app = pilot.app
    for text in ("snapshot pilot", "no", "150k"):
        await pilot.press(*text, "enter")
    while app.interview.current is not None:
        await pilot.press("enter")
    while type(app.screen).__name__ != "ResultScreen":
        await pilot.pause(0.05)
    await pilot.pause()


def _tab(name: str):
    async def run(pilot) -> None:
        await _to_result(pilot)
        pilot.app.screen.query_one("#tabs").active = name
        await pilot.pause()
        pilot.app.screen.set_focus(None)  # no blinking cursor in the picture
        await pilot.pause()

    return run


def _app():
    return make_app(today=TODAY, samples=100)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_first_question(snap_compare, size):
    assert snap_compare(_app(), terminal_size=size, run_before=_engine_ready)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_resume_dialog(snap_compare, size):
    path = session_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    saved = {"schema": "buildbuy.session/1", "saved": "2026-11-30T10:00:00", "answers": {"use_case": "Radiology [PHI] [/bold] x", "daily_requests": 150000}}
    path.write_text(json.dumps(saved))
    assert snap_compare(_app(), terminal_size=size, run_before=_engine_ready)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_answers_list(snap_compare, size):
    async def answers(pilot) -> None:
        await _engine_ready(pilot)
        for text in ("Radiology [PHI]", "no", "150k", "800 tokens"):
            await pilot.press(*text, "enter")
        await pilot.press("f2")
        await pilot.pause()

    assert snap_compare(_app(), terminal_size=size, run_before=answers)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("tab", ["tab-recommendation", "tab-options", "tab-findings", "tab-assumptions", "tab-sensitivity", "tab-chat"])
def test_result_tab(snap_compare, size, tab):
    assert snap_compare(_app(), terminal_size=size, run_before=_tab(tab))


def test_result_screen_120x40(snap_compare):
    assert snap_compare(_app(), terminal_size=(120, 40), run_before=_to_result)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_finished_interview_offer(snap_compare, size):
    path = session_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    saved = {"schema": "buildbuy.session/1", "saved": "2026-11-30T10:00:00", "finished": True,
             "answers": {"use_case": "discharge summaries", "daily_requests": 150000}}
    path.write_text(json.dumps(saved))
    assert snap_compare(_app(), terminal_size=size, run_before=_engine_ready)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_save_dialog(snap_compare, size, monkeypatch):
    monkeypatch.chdir("/")  # the folder shown is <current project>/docs/decisions: keep it stable

    async def save(pilot) -> None:
        await _to_result(pilot)
        await pilot.press("s")
        await pilot.pause()

    assert snap_compare(_app(), terminal_size=size, run_before=save)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_long_answers_list(snap_compare, size):
    async def answers(pilot) -> None:
        await _to_result(pilot)
        await pilot.press("b")
        # the list opens after the interview screen is back: wait for it, then for its layout
        while type(pilot.app.screen).__name__ != "AnswersScreen":
            await pilot.pause(0.05)
        await pilot.pause(0.2)

    assert snap_compare(_app(), terminal_size=size, run_before=answers)
