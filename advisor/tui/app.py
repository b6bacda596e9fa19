"""Provides the buildbuy Textual app and its factory (the console script and tests share it)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.worker import Worker, WorkerState

from advisor.engine import Engine
from advisor.errors import BuildBuyError, SessionError
from advisor.inputs.knowledge import Knowledge, load_knowledge
from advisor.inputs.scenario import Scenario
from advisor.interview.flow import Interview
from advisor.interview.session import clear_session, load_session, save_session
from advisor.tui.commands import BuildBuyCommands
from advisor.tui.config import load_theme, save_theme
from advisor.tui.safe import clean


class BuildBuyApp(App[None]):
    TITLE = "buildbuy"
    SUB_TITLE = "build or buy"
    CSS_PATH = ["app.tcss", "dialogs.tcss"]
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("f1", "help", "Help"),
        Binding("question_mark", "help", "Help", show=False),
        Binding("ctrl+t", "toggle_panel", "Panel", show=False),
    ]
    COMMANDS = App.COMMANDS | {BuildBuyCommands}

    def __init__(
        self, *, session_file: Path | None = None, today: dt.date | None = None, samples: int = 2000,
        audience: str = "engineering lead", k: Knowledge | None = None, engine: Engine | None = None,
        rule_packs: list[Path] | None = None,
    ) -> None:
        super().__init__()
        self.rule_packs = list(rule_packs or [])
        self.session_file = session_file
        self.today = engine.today if engine is not None else (today or dt.date.today())
        self.samples = samples
        self.audience = audience
        # The factory passes the knowledge (or a whole engine) in, so this constructor does no I/O.
        self.k = engine.k if engine is not None else (k or load_knowledge())
        self.engine: Engine | None = engine
        self.interview = Interview(self.k)
        self.panel: bool | None = None  # the side panel: None shows it when the terminal is wide enough
        remembered = load_theme()
        if remembered in self.available_themes:
            self.theme = remembered
        self.computing = False
        self.last_record: Path | None = None  # the record saved last, if any
        self.last_record_key: str | None = None  # what it holds (see ResultScreen.record_key)

    def notify(
        self, message: str, *, title: str = "", severity: Any = "information", timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Notifications quote answers and paths: they are never parsed as markup."""
        super().notify(clean(message), title=clean(title), severity=severity, timeout=timeout, markup=False)

    def on_mount(self) -> None:
        from advisor.tui.interview_screen import InterviewScreen

        self.theme_changed_signal.subscribe(self, lambda theme: save_theme(theme.name))
        resumed: dict[str, Any] | None = None
        try:
            resumed = load_session(self.session_file)
        except SessionError as exc:
            self.notify(exc.problems[0], title="Saved session set aside", severity="warning", timeout=10)
        self.push_screen(InterviewScreen(self.interview))
        self.load_engine()
        if resumed and resumed.get("answers"):
            self.offer(resumed)

    def offer(self, saved: dict[str, Any]) -> None:
        """A finished interview offers its result and one-answer edits; an unfinished one, resuming."""
        from advisor.tui.dialogs import ResumeScreen

        count = len(saved["answers"])
        name = saved["answers"].get("use_case", "unnamed use case")
        when = f", saved {saved['saved'].replace('T', ' ')}" if saved.get("saved") else ""
        summary = f"'{name}': {count} answer(s){when}."
        if saved.get("finished"):
            screen = ResumeScreen(
                "Your last interview is finished.",
                summary,
                [("result", "Open the last result", "o"), ("edit", "Change one answer and recompute", "c"),
                 ("fresh", "Start a new interview", "n")],
            )
        else:
            screen = ResumeScreen(
                "An unfinished interview was found.", summary,
                [("resume", "Resume it", "y"), ("fresh", "Start over", "n")],
            )
        self.push_screen(screen, lambda choice: self.resume(saved, choice or "fresh"))

    @work(thread=True, exclusive=True, group="engine", exit_on_error=False)
    def load_engine(self) -> None:
        """Compile rules and import the price data off the UI thread: the first question shows at once."""
        from advisor.costs.prices import token_price

        token_price("gpt-4o")
        engine = Engine.load(self.rule_packs, today=self.today, k=self.k)
        self.call_from_thread(self._engine_ready, engine)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that failed unexpectedly becomes a message, never a crash or a silent stall."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            error = event.worker.error
            text = error.problems[0] if isinstance(error, BuildBuyError) else f"{type(error).__name__}: {error}"
            self.notify(text, title="Something went wrong (your answers are saved)", severity="error", timeout=15)

    def _engine_ready(self, engine: Engine) -> None:
        self.engine = engine
        screen = self.interview_screen()
        if screen is not None:
            screen.refresh_panel()

    def interview_screen(self) -> Any:
        from advisor.tui.interview_screen import InterviewScreen

        for screen in self.screen_stack:
            if isinstance(screen, InterviewScreen):
                return screen
        return None

    def resume(self, data: dict[str, Any], choice: str = "resume") -> None:
        from advisor.interview.flow import label_of
        from advisor.tui.interview_screen import InterviewScreen

        if choice == "fresh":
            self.start_over()
            return
        self.interview = Interview.from_dict(self.k, data)
        self.last_record = Path(data["record"]) if data.get("record") else None
        self.last_record_key = data.get("record_key")
        if "use_case" in self.interview.answers:
            self.sub_title = str(self.interview.answers["use_case"])
        screen = InterviewScreen(self.interview)
        self.switch_screen(screen)
        if self.interview.dropped:
            names = ", ".join(label_of(self.k, n) for n in self.interview.dropped)
            self.notify(f"Answers that are no longer valid were dropped: {names}.", severity="warning", timeout=10)
        self.notify(f"Resumed with {len(self.interview.answers)} answer(s).")
        if choice == "result":
            self.call_after_refresh(self.show_result, self.interview)
        elif choice == "edit":
            self.call_after_refresh(screen.action_answers)
        self.call_after_refresh(self._panel_after_resume)

    # --- app-wide actions (keys and the command palette) --------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """While the result is computed only quitting works: the progress dialog stays on top,
        so it can be taken down when the result arrives."""
        if self.computing and action != "quit":
            return False
        return True

    def action_help(self) -> None:
        from advisor.tui.help_screen import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_portfolio(self, folder: Path | None = None) -> None:
        """A folder of answers files (this folder by default) as a portfolio table."""
        from advisor.tui.portfolio_screen import PortfolioScreen

        self.push_screen(PortfolioScreen(folder or Path.cwd()))

    def action_toggle_panel(self) -> None:
        screen = self.interview_screen()
        shown = screen.panel_shown() if screen is not None else True
        self.panel = not shown
        if screen is not None:
            screen.apply_panel()

    def action_open_result(self) -> None:
        self.show_result(self.interview)

    def jump_to(self, name: str) -> None:
        """Re-ask one question, from wherever the user is."""
        from advisor.tui.messages import EditAnswer

        screen = self.interview_screen()
        if screen is None:
            return
        while self.screen is not screen:
            self.pop_screen()
        screen.post_message(EditAnswer(name))

    def _panel_after_resume(self) -> None:
        screen = self.interview_screen()
        if screen is not None:
            screen.refresh_panel()

    def start_over(self) -> None:
        clear_session(self.session_file)

    def save(self) -> None:
        try:
            record = {"record": str(self.last_record), "record_key": self.last_record_key} if self.last_record else {}
            save_session({**self.interview.to_dict(), **record}, self.session_file)
        except OSError as exc:
            self.notify(f"Could not save the session: {exc}", severity="error")

    def show_result(self, interview: Interview) -> None:
        """Compute the result off the UI thread behind a progress dialog; a press while it is
        computing does nothing more, and the newest result replaces an older one on screen."""
        from advisor.tui.dialogs import WorkingScreen

        if self.computing:
            return
        try:
            scenario = interview.scenario()
        except BuildBuyError as exc:
            self.notify(exc.problems[0], title="Cannot decide", severity="error")
            return
        self.computing = True
        self.push_screen(WorkingScreen())
        self.compute_result(scenario)

    @work(thread=True, exclusive=True, group="result", exit_on_error=False)
    def compute_result(self, scenario: Scenario) -> None:
        try:
            engine = self.engine or Engine.load(self.rule_packs, today=self.today, k=self.k)
            self.engine = engine
            decision = engine.decide(scenario, samples=self.samples)
        except BuildBuyError as exc:
            self.call_from_thread(self._result_failed, exc.problems[0])
            return
        except Exception as exc:  # noqa: BLE001 - shown to the user; the interview stays usable
            self.call_from_thread(self._result_failed, f"{type(exc).__name__}: {exc}")
            return
        self.call_from_thread(self._push_result, decision)

    def _close_working(self) -> None:
        from advisor.tui.dialogs import WorkingScreen

        self.computing = False
        if isinstance(self.screen, WorkingScreen):
            self.pop_screen()

    def _result_failed(self, problem: str) -> None:
        self._close_working()
        self.notify(problem, title="Cannot decide (your answers are saved)", severity="error", timeout=15)

    def _push_result(self, decision: Any) -> None:
        from advisor.tui.result_screen import ResultScreen

        self._close_working()
        self.interview.finished = self.interview.current is None
        self.save()
        while isinstance(self.screen, ResultScreen):
            self.pop_screen()
        self.push_screen(ResultScreen(decision, saved=self.last_record))


def make_app(**kwargs: Any) -> BuildBuyApp:
    """The app with its knowledge loaded here, so that the constructor itself does no I/O."""
    if "k" not in kwargs and "engine" not in kwargs:
        kwargs["k"] = load_knowledge()
    return BuildBuyApp(**kwargs)
