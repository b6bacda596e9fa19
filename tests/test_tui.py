"""The interview as a person drives it: typed answers, mistakes, going back, resuming, corrupt files."""

from __future__ import annotations

import json
import os

import pytest

from advisor.decision import decide
from advisor.inputs.scenario import build_scenario
from advisor.interview.session import session_path
from advisor.tui.app import make_app
from tests.conftest import TODAY


async def wait_for(pilot, predicate, timeout: float = 15.0) -> None:
    waited = 0.0
    while not predicate():
        await pilot.pause(0.05)
        waited += 0.05
        if waited > timeout:
            raise AssertionError("timed out waiting for the app")


def app_factory():
    return make_app(today=TODAY, samples=100)


def screen_name(app) -> str:
    return type(app.screen).__name__


async def answer(pilot, text: str) -> None:
    await pilot.press(*text, "enter") if text else await pilot.press("enter")
    await pilot.pause()


async def finish(pilot, app) -> None:
    while app.interview.current is not None:
        await answer(pilot, "")
    await wait_for(pilot, lambda: screen_name(app) == "ResultScreen")


async def test_typed_interview_reaches_the_engines_answer(k, rules):
    app = app_factory()
    typed = {
        "use_case": "claims triage", "daily_requests": "400k", "input_tokens": "1,200", "labeled_examples": "6000",
        "examples_to_label": "0", "industry": "4", "requirements_volatility": "stable", "product_stage": "3",
        "api_accuracy": "72%", "finetuned_accuracy": "94", "review_rate_api": "8%", "review_rate_finetuned": "2",
        "cost_per_review": "$4", "proprietary_data_advantage": "yes", "ml_engineers": "2",
    }
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.engine is not None)
        while app.interview.current is not None:
            await answer(pilot, typed.get(app.interview.current, ""))
        await wait_for(pilot, lambda: screen_name(app) == "ResultScreen")
        shown = app.screen.decision
    expected = decide(
        build_scenario(
            {
                "use_case": "claims triage", "daily_requests": 400_000, "input_tokens": 1200, "labeled_examples": 6000,
                "examples_to_label": 0, "industry": "insurance", "requirements_volatility": "stable",
                "product_stage": "scaling", "api_accuracy": 72.0, "finetuned_accuracy": 94.0, "review_rate_api": 8.0,
                "review_rate_finetuned": 2.0, "cost_per_review": 4.0, "proprietary_data_advantage": True,
                "ml_engineers": 2.0,
            },
            k,
        ),
        k, rules, TODAY,
    )
    assert shown.option == expected.option == "vendor-finetune"
    assert shown.report.options["self-host"].tco_usd == pytest.approx(expected.report.options["self-host"].tco_usd)
    assert shown.uncertainty is not None


async def test_enter_through_everything_reaches_a_recommendation():
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await finish(pilot, app)
        decision = app.screen.decision
        assert decision.option in {"api", "vendor-finetune", "self-host", "hybrid"}
        assert "daily_requests" in decision.scenario.defaulted  # Enter keeps a default an assumption


async def test_bad_answer_is_explained_and_nothing_is_lost():
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await answer(pilot, "pilot")
        await answer(pilot, "no")
        await answer(pilot, "25k")
        await answer(pilot, "lots")
        assert app.interview.current == "input_tokens"
        errors = [rendered(b) for b in app.screen.query(".error")]
        assert errors and "Input tokens per request: 'lots' is not a number" in errors[-1]
        assert "input_tokens" not in errors[-1]
        assert app.interview.answers == {"use_case": "pilot", "data_must_stay_in_house": False, "daily_requests": 25_000}
        assert app.screen.query_one("#answer").value == ""
        await answer(pilot, "-5")
        assert "must be at least 0" in rendered(list(app.screen.query(".error"))[-1])
        await answer(pilot, "800 tokens")
        assert app.interview.answers["input_tokens"] == 800
        assert app.interview.current == "output_tokens"


async def test_going_back_and_changing_an_answer_changes_the_result():
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await answer(pilot, "volume test")
        await answer(pilot, "no")
        await answer(pilot, "500")
        await answer(pilot, "")  # input tokens
        await pilot.press("ctrl+b")  # back to input tokens
        await pilot.pause()
        await answer(pilot, "back")  # typed form: back to daily_requests
        assert app.interview.current == "daily_requests"
        await answer(pilot, "500")
        while app.interview.current is not None:
            await answer(pilot, {"labeled_examples": "5000", "ml_engineers": "2"}.get(app.interview.current, ""))
        await wait_for(pilot, lambda: screen_name(app) == "ResultScreen")
        first = app.screen.decision.option
        await pilot.press("b")
        await wait_for(pilot, lambda: screen_name(app) == "AnswersScreen")
        await pilot.press("escape")
        await wait_for(pilot, lambda: screen_name(app) == "InterviewScreen")
        from advisor.tui.messages import EditAnswer

        app.screen.post_message(EditAnswer("daily_requests"))
        await pilot.pause()
        assert app.interview.current == "daily_requests"
        await answer(pilot, "1.5M")
        await pilot.press("ctrl+r")  # straight to the result with the other answers as they are
        await wait_for(pilot, lambda: screen_name(app) == "ResultScreen" and app.screen.decision.scenario.answers.daily_requests == 1_500_000)
        assert first == "api"
        assert app.screen.decision.option != first


async def test_resume_after_a_crash():
    first = app_factory()
    async with first.run_test(size=(120, 40)) as pilot:
        await answer(pilot, "resumable")
        await answer(pilot, "no")
        await answer(pilot, "70k")
        await answer(pilot, "900")
    # the app went away without finishing (as if the terminal was killed): the session is on disk
    saved = json.loads(session_path().read_text())
    assert saved["answers"] == {
        "use_case": "resumable", "data_must_stay_in_house": False, "daily_requests": 70_000, "input_tokens": 900,
    }
    second = app_factory()
    async with second.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: screen_name(second) == "ResumeScreen")
        await pilot.press("y")
        await wait_for(pilot, lambda: screen_name(second) == "InterviewScreen" and second.interview.answers)
        assert second.interview.answers["daily_requests"] == 70_000
        assert second.interview.current == "output_tokens"
        assert second.sub_title == "resumable"


async def test_start_over_discards_the_old_session():
    first = app_factory()
    async with first.run_test() as pilot:
        await answer(pilot, "old")
    second = app_factory()
    async with second.run_test() as pilot:
        await wait_for(pilot, lambda: screen_name(second) == "ResumeScreen")
        await pilot.press("n")
        await pilot.pause()
        assert second.interview.answers == {}
        assert not session_path().exists()


async def test_corrupt_session_is_set_aside_with_a_message():
    path = session_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{ this is not json")
    app = app_factory()
    async with app.run_test() as pilot:
        await pilot.pause()
        assert screen_name(app) == "InterviewScreen"
        assert any("set aside" in str(n.message) for n in app._notifications)
        aside = list(path.parent.glob("session.corrupt-*.json"))
        assert len(aside) == 1 and aside[0].read_text() == "{ this is not json"
        await answer(pilot, "fresh start")
        assert json.loads(path.read_text())["answers"] == {"use_case": "fresh start"}


async def test_choice_questions_take_numbers_arrows_and_names():
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        app.interview.jump_to("industry")
        app.screen.ask()
        await answer(pilot, "2")
        assert app.interview.answers["industry"] == "healthcare"
        app.interview.jump_to("requirements_volatility")
        app.screen.ask()
        await pilot.press("down", "down", "enter")
        await pilot.pause()
        assert app.interview.answers["requirements_volatility"] == "moderate"


async def test_why_explains_the_current_question():
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await answer(pilot, "x")
        await answer(pilot, "no")
        await answer(pilot, "?")
        notes = [str(b.content) for b in app.screen.query(".note")]
        assert any("Suffixes work: 150k, 1.5M" in n for n in notes)
        assert app.interview.current == "daily_requests"


async def test_save_record_from_the_result_screen(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "docs" / "decisions"
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await finish(pilot, app)
        await pilot.press("s")
        await wait_for(pilot, lambda: screen_name(app) == "SaveScreen")
        assert app.screen.query_one("#save-folder").value == str(folder)  # shown before writing
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(app) == "ResultScreen" and app.screen.saved is not None)
        saved = app.screen.saved
        assert saved.parent == folder and saved.read_text().startswith("---\n")
        umask = os.umask(0)
        os.umask(umask)
        assert saved.stat().st_mode & 0o777 == 0o666 & ~umask  # a normal file, not 0600
        await pilot.press("s")  # again, nothing changed: no second record, a message where it is
        await pilot.pause()
        assert screen_name(app) == "ResultScreen"
        assert sorted(folder.iterdir()) == [saved]
        assert any("Already saved as" in str(n.message) and str(saved) in str(n.message) for n in app._notifications)
        # change an answer: saving offers to update that record (the default) or write a new one
        await pilot.press("b")
        await wait_for(pilot, lambda: screen_name(app) == "AnswersScreen")
        listing = app.screen.query_one("#answers-list")
        listing.highlighted = listing.get_option_index("daily_requests")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.interview.current == "daily_requests")
        await answer(pilot, "30k")
        await wait_for(pilot, lambda: screen_name(app) == "ResultScreen")
        await pilot.press("s")
        await wait_for(pilot, lambda: screen_name(app) == "SaveScreen")
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen_name(app) == "ResultScreen" and app.screen.saved is not None)
        assert sorted(folder.iterdir()) == [saved]
        assert "30000" in saved.read_text() or "30,000" in saved.read_text()
        app.interview.jump_to("daily_requests")
        app.interview.answer("40k")
        app.show_result(app.interview)
        await wait_for(pilot, lambda: screen_name(app) == "ResultScreen" and app.screen.decision.scenario.answers.daily_requests == 40_000)
        await pilot.press("s")
        await wait_for(pilot, lambda: screen_name(app) == "SaveScreen")
        app.screen.query_one("#new").press()
        await wait_for(pilot, lambda: len(list(folder.iterdir())) == 2)


async def test_save_into_a_folder_that_cannot_be_made_says_so(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "blocker").write_text("a file, not a folder")
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await finish(pilot, app)
        await pilot.press("s")
        await wait_for(pilot, lambda: screen_name(app) == "SaveScreen")
        app.screen.query_one("#save-folder").value = str(tmp_path / "blocker" / "decisions")
        await pilot.press("enter")
        await wait_for(pilot, lambda: any(n.title == "Not saved" for n in app._notifications))
        assert screen_name(app) == "ResultScreen" and app.screen.saved is None


async def test_offline_follow_up_question_uses_the_engine():
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await finish(pilot, app)
        app.screen.query_one("#tabs").active = "tab-chat"
        await pilot.pause()
        app.screen.query_one("#chat-input").focus()
        await pilot.press(*"what if Requests a day = 300k", "enter")  # the label people read
        await wait_for(pilot, lambda: len(app.screen.query(".chat-answer")) == 1)
        text = app.screen.query(".chat-answer").first().source
        assert text.startswith("With requests a day = 300,000")
        assert "no ANTHROPIC_API_KEY" in text


async def test_a_failing_worker_becomes_a_message_not_a_crash(monkeypatch):
    import advisor.engine as app_module  # the engine the app decides with

    def broken(*args, **kwargs):
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(app_module, "decide", broken)
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await answer(pilot, "crash test")
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: any("engine exploded" in str(n.message) for n in app._notifications))
        assert screen_name(app) == "InterviewScreen"
        assert app.interview.answers == {"use_case": "crash test"}


# --- user text is data, never markup (issue 14 item 1) ---------------------------------------
def rendered(widget) -> str:
    """What a widget shows, as plain text."""
    visual = widget.visual if hasattr(widget, "visual") else widget.render()
    return str(getattr(visual, "plain", visual))


async def test_square_brackets_are_shown_literally_and_never_crash():
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await answer(pilot, "Radiology [PHI] [/bold] x")
        assert screen_name(app) == "InterviewScreen"
        users = [rendered(b) for b in app.screen.query(".user")]
        assert users == ["Radiology [PHI] [/bold] x"]
        await answer(pilot, "[/]")  # data residency: yes or no
        assert "answer yes or no" in rendered(list(app.screen.query(".error"))[-1])
        await answer(pilot, "no")
        await answer(pilot, "[/]")
        errors = [rendered(b) for b in app.screen.query(".error")]
        assert errors and "'[/]'" in errors[-1]
        assert app.interview.answers == {"use_case": "Radiology [PHI] [/bold] x", "data_must_stay_in_house": False}
    again = app_factory()
    async with again.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: screen_name(again) == "ResumeScreen")
        body = rendered(again.screen.query_one("#dialog-body"))
        assert "Radiology [PHI] [/bold] x" in body
        await pilot.press("y")
        await wait_for(pilot, lambda: screen_name(again) == "InterviewScreen" and again.interview.answers)
        await pilot.press("f2")
        await wait_for(pilot, lambda: screen_name(again) == "AnswersScreen")
        listing = again.screen.query_one("#answers-list")
        assert "Radiology [PHI] [/bold] x" in str(listing.get_option_at_index(0).prompt)
        await pilot.press("escape")
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: screen_name(again) == "ResultScreen")
        await pilot.pause()
        assert screen_name(again) == "ResultScreen"


async def test_an_unexpected_crash_exits_non_zero(monkeypatch):
    import advisor.tui.interview_screen as screen_module
    from advisor.tui import launch as tui_launch

    def broken(self, *args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(screen_module.InterviewScreen, "ask", broken)

    async def run_headless(app) -> None:
        try:
            async with app.run_test(size=(80, 24)) as pilot:
                await pilot.pause()
        except RuntimeError:
            pass  # run_test re-raises what the app printed; run() does not

    def run_in_thread(app) -> None:  # the test runs inside pytest-asyncio's loop
        import asyncio
        import threading

        thread = threading.Thread(target=lambda: asyncio.run(run_headless(app)))
        thread.start()
        thread.join(30)

    monkeypatch.setattr(tui_launch, "_run", run_in_thread)
    assert tui_launch.run_tui() == 1


# --- a bad saved session is set aside, never fatal (issue 15 item 13) -------------------------
def _write_session(text: str) -> None:
    path = session_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@pytest.mark.parametrize(
    "payload",
    [
        {"answers": {"use_case": "x"}, "history": 5},
        {"answers": {"use_case": "x"}, "current": ["use_case"]},
        {"answers": {"use_case": "x"}, "accepted_defaults": 3},
        {"answers": {"use_case": {"nested": True}}},
        {"answers": {"use_case": "x"}, "finished": "yes"},
        {"answers": ["use_case"]},
    ],
)
async def test_a_wrong_typed_session_is_set_aside(payload):
    _write_session(json.dumps({"schema": "buildbuy.session/1", **payload}))
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert screen_name(app) == "InterviewScreen"
        assert any("set aside" in str(n.message) for n in app._notifications)
        assert list(session_path().parent.glob("session.corrupt-*.json"))
        await answer(pilot, "fresh")
        assert app.interview.answers == {"use_case": "fresh"}


async def test_a_deeply_nested_session_is_set_aside():
    _write_session('{"schema": "buildbuy.session/1", "answers": {"use_case": ' + "[" * 100_000 + "]" * 100_000 + "}}")
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert screen_name(app) == "InterviewScreen"
        assert any("set aside" in str(n.message) for n in app._notifications)


async def test_a_session_answer_that_no_longer_validates_is_named():
    _write_session(json.dumps({"schema": "buildbuy.session/1", "answers": {"use_case": "kept", "daily_requests": -4}}))
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: screen_name(app) == "ResumeScreen")
        await pilot.press("y")
        await wait_for(pilot, lambda: app.interview.answers)
        assert app.interview.answers == {"use_case": "kept"}
        assert any("Requests a day" in str(n.message) for n in app._notifications)


# --- progress, no stacking, no dead ends (issue 14 items 4 and 5) -----------------------------
async def test_ctrl_r_shows_progress_and_repeated_presses_do_not_stack(monkeypatch):
    import time

    import advisor.engine as app_module  # the engine the app decides with

    real = app_module.decide

    def slow(*args, **kwargs):
        time.sleep(1.5)
        return real(*args, **kwargs)

    monkeypatch.setattr(app_module, "decide", slow)
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.engine is not None)
        await answer(pilot, "stacking")
        await pilot.press("ctrl+r")
        assert screen_name(app) == "WorkingScreen"
        await pilot.press("ctrl+r", "ctrl+r", "f1", "ctrl+p")  # nothing may cover the progress dialog
        assert screen_name(app) == "WorkingScreen"
        await wait_for(pilot, lambda: screen_name(app) == "ResultScreen")
        await pilot.pause(3.5)  # the other presses, had they started computations, would have finished
        names = [type(s).__name__ for s in app.screen_stack]
        assert names.count("ResultScreen") == 1 and "WorkingScreen" not in names


async def test_change_answers_after_the_result_is_not_a_dead_end():
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await finish(pilot, app)
        await pilot.press("b")
        await wait_for(pilot, lambda: screen_name(app) == "AnswersScreen")
        await pilot.press("escape")
        await pilot.pause()
        assert screen_name(app) == "InterviewScreen"
        assert app.screen.query_one("#answer").value == ""
        await pilot.press("enter")  # nothing left to ask: Enter shows the result again
        await wait_for(pilot, lambda: screen_name(app) == "ResultScreen")


async def test_a_finished_interview_is_offered_again():
    first = app_factory()
    async with first.run_test(size=(80, 24)) as pilot:
        await answer(pilot, "finished one")
        await answer(pilot, "no")
        await answer(pilot, "20k")
        await finish(pilot, first)
        tco = first.screen.decision.report.options["api"].tco_usd
    second = app_factory()
    async with second.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: screen_name(second) == "ResumeScreen")
        assert "finished one" in rendered(second.screen.query_one("#dialog-body"))
        await pilot.press("o")
        await wait_for(pilot, lambda: screen_name(second) == "ResultScreen")
        assert second.screen.decision.report.options["api"].tco_usd == pytest.approx(tco)
    third = app_factory()
    async with third.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: screen_name(third) == "ResumeScreen")
        await pilot.press("c")
        await wait_for(pilot, lambda: screen_name(third) == "AnswersScreen")
        listing = third.screen.query_one("#answers-list")
        listing.highlighted = listing.get_option_index("daily_requests")
        await pilot.press("enter")
        await wait_for(pilot, lambda: third.interview.current == "daily_requests")
        await answer(pilot, "300k")
        await wait_for(pilot, lambda: screen_name(third) == "ResultScreen")
        assert third.screen.decision.scenario.answers.daily_requests == 300_000
        assert third.screen.decision.scenario.answers.use_case == "finished one"


# --- the Ask tab keeps the question; letters never fire bindings in an input (item 2) ---------
async def test_typing_in_the_ask_tab_never_fires_hotkeys(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await finish(pilot, app)
        app.screen.query_one("#tabs").active = "tab-chat"
        await pilot.pause()
        assert app.screen.focused is app.screen.query_one("#chat-input")
        await pilot.press("tab")  # a person reaches for Tab; the question must still land in the input
        await pilot.press(*"is self-host best? base", "enter")
        await pilot.pause()
        assert screen_name(app) == "ResultScreen"
        assert not (tmp_path / "docs").exists()
        assert app.screen.query_one("#explanation").source == ""
        await wait_for(pilot, lambda: len(app.screen.query(".chat-answer")) == 1)


# --- answers typed as people type them (plain language) ---------------------------------------
async def test_a_fraction_for_a_percentage_is_confirmed_with_y():
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        app.interview.jump_to("api_accuracy")
        app.screen.ask()
        await answer(pilot, "0.9")
        assert "did you mean 90 %?" in rendered(list(app.screen.query(".error"))[-1])
        assert "api_accuracy" not in app.interview.answers
        await answer(pilot, "y")
        assert app.interview.answers["api_accuracy"] == 90.0


async def test_pasting_2500_spaces_into_a_number_does_not_freeze():
    import time

    from textual import events

    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        app.interview.jump_to("daily_requests")
        app.screen.ask()
        box = app.screen.query_one("#answer")
        box.post_message(events.Paste("5" + " " * 2500 + "x"))
        await pilot.pause()
        started = time.perf_counter()
        await pilot.press("enter")
        await pilot.pause()
        assert time.perf_counter() - started < 2
        assert "'x' is not a unit here" in rendered(list(app.screen.query(".error"))[-1])


async def test_gpu_and_provider_are_listed_and_typed_loosely():
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        app.interview.jump_to("gpu")
        app.screen.ask()
        question = rendered(list(app.screen.query(".question"))[-1])
        assert "1. a100-80gb" in question and "h100-sxm" in question
        await answer(pilot, "H100 SXM")
        app.interview.jump_to("gpu_provider")
        app.screen.ask()
        await answer(pilot, "AWS")
        assert app.interview.answers["gpu"] == "h100-sxm" and app.interview.answers["gpu_provider"] == "aws"


# --- Textual conventions: help, palette, theme, side panel --------------------------------------
async def test_help_opens_from_f1_and_question_mark():
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        await wait_for(pilot, lambda: screen_name(app) == "HelpScreen")
        await pilot.press("escape")
        await answer(pilot, "help")  # typed, as the interview's other commands are
        await wait_for(pilot, lambda: screen_name(app) == "HelpScreen")
        await pilot.press("escape")
        assert app.interview.answers == {}
        await finish(pilot, app)
        app.screen.query_one("#tabs").active = "tab-options"
        await pilot.pause()
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: screen_name(app) == "HelpScreen")


async def test_command_palette_jumps_to_a_question():
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await answer(pilot, "palette")
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: screen_name(app) == "CommandPalette")
        await pilot.press(*"jump to question: requests a day")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.interview.current == "daily_requests" and screen_name(app) == "InterviewScreen")


async def test_the_theme_is_remembered():
    first = app_factory()
    async with first.run_test(size=(80, 24)) as pilot:
        first.theme = "nord"
        await pilot.pause()
    second = app_factory()
    assert second.theme == "nord"


async def test_side_panel_hides_on_narrow_terminals_and_toggles():
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert not app.screen.query_one("#side").display
        await pilot.press("ctrl+t")
        assert app.screen.query_one("#side").display
        assert app.screen.focused is app.screen.query_one("#answer")
    wide = app_factory()
    async with wide.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert wide.screen.query_one("#side").display


# --- the first result screen, for a finance reader ----------------------------------------------
def test_money_line_compares_with_the_closest_eligible_option(decision, k):
    from advisor.costs.money import usd0
    from advisor.tui.headline import closest_option, cost_line, money_line, title

    d = decision(daily_requests=150_000, labeled_examples=5000, ml_engineers=2.0)
    other = closest_option(d)
    assert other is not None and other != d.option and d.eligible(other)
    mine, theirs = d.report.options[d.option], d.report.options[other]
    gap = mine.tco_usd - theirs.tco_usd
    line = money_line(d)
    assert usd0(abs(gap)) in line and title(other) in line and "24 months" in line
    assert ("more than" in line) == (gap > 0)
    assert cost_line(d).startswith(f"{usd0(mine.monthly_usd)} a month; {usd0(mine.tco_usd)} over 24 months")


def test_money_line_never_compares_with_an_excluded_option(decision):
    from advisor.tui.headline import closest_option

    d = decision(data_must_stay_in_house=True, daily_requests=50_000)
    other = closest_option(d)
    assert other is None or d.eligible(other)
    assert other not in {"api", "vendor-finetune"}


def test_review_dominating_every_option_is_the_biggest_warning(decision):
    from advisor.tui.headline import biggest_warning

    d = decision(daily_requests=20_000, review_rate_api=10.0, review_rate_finetuned=8.0, cost_per_review=20.0)
    assert "Expert review is" in biggest_warning(d)


def test_result_text_speaks_without_internal_ids(decision, k):
    from advisor.tui.result_screen import recommendation_markdown

    d = decision(daily_requests=150_000, labeled_examples=200)
    text = recommendation_markdown(d, k)
    for internal in ("daily_requests", "labeled_examples", "e+0", "= False", "= True"):
        assert internal not in text
    assert text.startswith("# Recommended: ")


async def test_the_first_result_screen_says_cost_and_comparison():
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await finish(pilot, app)
        source = app.screen.query_one("#recommendation").source
        first_lines = source.splitlines()[:6]
        assert any("a month;" in line and "over 24 months" in line for line in first_lines)
        assert any(("more than" in line or "Saves" in line or "same as" in line) for line in first_lines)


async def test_findings_and_assumptions_show_reason_and_source_in_full():
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await finish(pilot, app)
        app.screen.query_one("#tabs").active = "tab-findings"
        await pilot.pause()
        first = app.screen.finding_rows[0]
        detail = rendered(app.screen.query_one("#findings-detail"))
        assert first.source in detail and "Source:" in detail
        assert first.rule not in detail
        app.screen.query_one("#tabs").active = "tab-assumptions"
        await pilot.pause()
        detail = rendered(app.screen.query_one("#assumptions-detail"))
        assert app.screen.assumption_list[0].source in detail
        assert "use_case" not in detail and "Use case" in detail


def test_overlapping_lines_are_marked_and_never_lost():
    from advisor.tui.chart import OVERLAP, line_chart, wants_log

    same = tuple(float(m) for m in range(1, 25))
    rows = line_chart({"api": same, "hybrid": same, "self-host": tuple(x * 100 for x in same)}, width=30, height=8)
    cells = [char for _, row in rows for char, _ in row]
    assert OVERLAP in cells and "s" in cells
    assert wants_log({"api": same, "self-host": tuple(x * 100 for x in same)})
    log_rows = line_chart({"api": same, "self-host": tuple(x * 100 for x in same)}, width=30, height=8, log=True)
    api_rows = {i for i, (_, row) in enumerate(log_rows) for char, _ in row if char == "a"}
    assert len(api_rows) > 2  # on a log scale the small line climbs instead of lying flat


async def test_side_panel_speaks_in_money_and_labels():
    app = app_factory()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.engine is not None)
        await answer(pilot, "panel")
        await answer(pilot, "yes")
        panel = rendered(app.screen.query_one("#leaning")) + rendered(app.screen.query_one("#defaults"))
        assert "api  (ruled out)" in panel and "$" in panel
        assert "daily_requests" not in panel and "Requests a day" in panel


async def test_the_explanation_on_screen_is_the_one_saved(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        await finish(pilot, app)
        app.screen.query_one("#tabs").active = "tab-options"
        await pilot.pause()
        await pilot.press("e")
        await wait_for(pilot, lambda: app.screen.explanation is not None)
        assert app.screen.query_one("#tabs").active == "tab-recommendation"
        shown = app.screen.query_one("#explanation").source
        await pilot.press("s")
        await wait_for(pilot, lambda: screen_name(app) == "SaveScreen")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen.saved is not None)
        record = app.screen.saved.read_text()
        first_paragraph = app.screen.explanation.text.strip().split("\n")[0][:60]
    assert first_paragraph and first_paragraph in shown
    assert "### Explanation" in record


async def test_a_huge_paste_is_refused_briefly():
    from textual import events

    app = app_factory()
    async with app.run_test(size=(80, 24)) as pilot:
        app.screen.query_one("#answer").post_message(events.Paste("x" * 1_000_000))
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        error = rendered(list(app.screen.query(".error"))[-1])
        assert "at most 200 characters" in error and len(error) < 200
        assert app.interview.answers == {}


def test_jargon_is_explained_in_one_line():
    from advisor.tui.headline import glossary

    assert glossary("finetune_method", "lora") == [
        "LoRA: fine-tuning that trains a small add-on instead of the whole model, which is much cheaper."
    ]
    assert glossary("ml_engineers", "1 FTE")[0].startswith("FTE: full-time equivalent")
    assert glossary("gpu", "h100") == []
