"""Provides the buildbuy Textual app and its factory (the console script and tests share it)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from textual import work
from textual.app import App
from textual.binding import Binding
from textual.worker import Worker, WorkerState

from advisor.decide import Evaluation, RuleBase, decide, evaluate, load_rulebase
from advisor.errors import BuildBuyError, SessionError
from advisor.interview import Interview
from advisor.knowledge import Knowledge, load_knowledge
from advisor.scenario import Scenario
from advisor.session import clear_session, load_session, save_session
from advisor.tui.safe import clean


class Engine:
    """The pure core, loaded once: knowledge, compiled rules and today's date."""

    def __init__(self, k: Knowledge, rules: RuleBase, today: dt.date) -> None:
        self.k, self.rules, self.today = k, rules, today

    def evaluate(self, scenario: Scenario) -> Evaluation:
        return evaluate(scenario, self.k, self.rules, self.today)


class BuildBuyApp(App[None]):
    TITLE = "buildbuy"
    SUB_TITLE = "build or buy, with the money behind it"
    CSS_PATH = ["app.tcss", "dialogs.tcss"]
    BINDINGS = [Binding("ctrl+q", "quit", "Quit (keeps session)", priority=True)]

    def __init__(
        self, *, session_file: Path | None = None, today: dt.date | None = None, samples: int = 2000,
        audience: str = "engineering lead",
    ) -> None:
        super().__init__()
        self.session_file = session_file
        self.today = today or dt.date.today()
        self.samples = samples
        self.audience = audience
        self.k = load_knowledge()
        self.engine: Engine | None = None
        self.interview = Interview(self.k)

    def notify(  # type: ignore[override]
        self, message: str, *, title: str = "", severity: Any = "information", timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Notifications quote answers and paths: they are never parsed as markup."""
        super().notify(clean(message), title=clean(title), severity=severity, timeout=timeout, markup=False)

    def on_mount(self) -> None:
        from advisor.tui.interview_screen import InterviewScreen

        resumed: dict[str, Any] | None = None
        try:
            resumed = load_session(self.session_file)
        except SessionError as exc:
            self.notify(exc.problems[0], title="Saved session set aside", severity="warning", timeout=10)
        self.push_screen(InterviewScreen(self.interview))
        self.load_engine()
        if resumed and resumed.get("answers") and not resumed.get("finished"):
            from advisor.tui.dialogs import ResumeScreen

            count = len(resumed["answers"])
            name = resumed["answers"].get("use_case", "unnamed use case")
            self.push_screen(
                ResumeScreen(f"'{name}', {count} answer(s) given. Resume it?"),
                lambda yes: self.resume(resumed) if yes else self.start_over(),
            )

    @work(thread=True, exclusive=True, group="engine", exit_on_error=False)
    def load_engine(self) -> None:
        """Compile rules and import the price data off the UI thread: the first question shows at once."""
        from advisor.prices import token_price

        token_price("gpt-4o")
        engine = Engine(self.k, load_rulebase(self.k), self.today)
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

    def resume(self, data: dict[str, Any]) -> None:
        from advisor.tui.interview_screen import InterviewScreen

        self.interview = Interview.from_dict(self.k, data)
        if "use_case" in self.interview.answers:
            self.sub_title = str(self.interview.answers["use_case"])
        self.switch_screen(InterviewScreen(self.interview))
        self.notify(f"Resumed with {len(self.interview.answers)} answer(s).")
        self.call_after_refresh(self._panel_after_resume)

    def _panel_after_resume(self) -> None:
        screen = self.interview_screen()
        if screen is not None:
            screen.refresh_panel()

    def start_over(self) -> None:
        clear_session(self.session_file)

    def save(self) -> None:
        try:
            save_session(self.interview.to_dict(), self.session_file)
        except OSError as exc:
            self.notify(f"Could not save the session: {exc}", severity="error")

    def show_result(self, interview: Interview) -> None:
        self.compute_result(interview.scenario())

    @work(thread=True, exclusive=True, group="result", exit_on_error=False)
    def compute_result(self, scenario: Scenario) -> None:
        from advisor.uncertainty import analyse

        engine = self.engine or Engine(self.k, load_rulebase(self.k), self.today)
        self.engine = engine
        try:
            decision = decide(scenario, engine.k, engine.rules, engine.today)
            if self.samples:
                analyse(decision, engine.k, engine.rules, samples=self.samples)
        except BuildBuyError as exc:
            self.call_from_thread(self.notify, exc.problems[0], title="Cannot decide", severity="error")
            return
        self.call_from_thread(self._push_result, decision)

    def _push_result(self, decision: Any) -> None:
        from advisor.tui.result_screen import ResultScreen

        self.interview.finished = self.interview.current is None
        self.save()
        self.push_screen(ResultScreen(decision))


def make_app(**kwargs: Any) -> BuildBuyApp:
    return BuildBuyApp(**kwargs)
