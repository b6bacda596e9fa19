"""Provides the chat-style interview screen: transcript, answer input, progress and side panel."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, Static

from advisor.errors import BuildBuyError
from advisor.interview.flow import Interview, Unclear, label_of, show
from advisor.tui.chart import COLORS, usd_short
from advisor.tui.dialogs import AnswersScreen
from advisor.tui.messages import EditAnswer
from advisor.tui.safe import literal

if TYPE_CHECKING:
    from advisor.tui.app import BuildBuyApp


class Bubble(Static):
    """One message in the transcript. Answers remember their question, so a click edits them."""

    def __init__(self, content: Any, kind: str, answer_of: str | None = None) -> None:
        # Plain strings here carry user text (answers, errors that quote them): never markup.
        super().__init__(literal(content, 4000) if isinstance(content, str) else content, classes=f"bubble {kind}")
        self.answer_of = answer_of
        if answer_of:
            self.tooltip = "Click to change this answer"

    def on_click(self) -> None:
        if self.answer_of:
            self.post_message(EditAnswer(self.answer_of))


class InterviewScreen(Screen[None]):
    """Asks one question at a time; every answer is validated, saved and reflected at once."""

    CSS_PATH = "interview.tcss"
    BINDINGS = [
        Binding("ctrl+b", "back", "Back"),
        Binding("f2", "answers", "Answers"),
        Binding("f3", "why", "Why?", show=False),
        Binding("ctrl+r", "result", "Result"),
        Binding("ctrl+d", "describe", "Describe"),
        Binding("ctrl+t", "app.toggle_panel", "Panel", show=False),
        Binding("up", "cycle(-1)", "Prev choice", show=False),
        Binding("down", "cycle(1)", "Next choice", show=False),
    ]

    def __init__(self, interview: Interview) -> None:
        super().__init__()
        self.interview = interview
        self.last_panel_ms = 0.0
        self.pending: str | None = None  # what "y" means after a did-you-mean question

    @property
    def bb(self) -> BuildBuyApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="main"):
            with Vertical(id="chat"):
                yield VerticalScroll(id="transcript")
                yield Static("", id="progress")
                yield Input(placeholder="Your answer (Enter keeps the default)", id="answer")
            with VerticalScroll(id="side"):
                yield Static("So far", classes="side-title")
                yield Static("working out the first figures...", id="leaning")
                yield Static("Still defaults", classes="side-title")
                yield Static("", id="defaults")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.say(
            Text.from_markup(
                "[b]Build or buy?[/b] I will ask about the workload, your data, compliance, how fast things "
                "change, quality, your team and costs. Press Enter to accept a default; type [b]back[/b] to "
                "go back, [b]why[/b] for more on a question, [b]answers[/b] to change any answer, "
                "[b]describe[/b] to start from a description of the use case, [b]help[/b] (F1) for the keys."
            ),
            "note",
        )
        for name in self.interview.history:  # a resumed session shows what was already answered
            self.say(f"{self.interview.k.answers[name].question}", "question-old")
            self.say_answer(name)
        self.ask(compute=False)
        self.query_one(Input).focus()

    # --- transcript ----------------------------------------------------------------------
    def say(self, content: Any, kind: str, answer_of: str | None = None) -> None:
        transcript = self.query_one("#transcript", VerticalScroll)
        transcript.mount(Bubble(content, kind, answer_of))
        transcript.scroll_end(animate=False)

    def say_answer(self, name: str) -> None:
        value = self.interview.answers.get(name)
        self.say(show(self.interview.k.answers[name], value, unit=True), "user", answer_of=name)

    def ask(self, compute: bool = True) -> None:
        """Ask the current question; with none left, compute the result (unless just opened)."""
        iv = self.interview
        self.query_one("#progress", Static).update(iv.progress())
        self.query_one(Input).value = ""
        if iv.current is None:
            if compute:
                self.say("That is every question. Working out the recommendation...", "note")
                self.bb.show_result(iv)
            else:
                self.say("Every question is answered. Press Enter for the result, or F2 to change an answer.", "note")
            return
        spec = iv.spec()
        text = Text()
        text.append(spec.question, style="bold")
        text.append(f"\n{spec.why}", style="italic")
        choices = iv.choices(iv.current)
        if choices:
            text.append("\n" + "   ".join(f"{i}. {c}" for i, c in enumerate(choices, 1)))
        elif spec.type == "bool":
            text.append("\nyes or no")
        default = show(spec, iv.default_for_current(), unit=True)
        if iv.current in iv.prefilled and iv.current not in iv.answers:
            text.append(f"\nFrom your description: {default}  (Enter to confirm, or type a new answer)", style="bold")
        else:
            text.append(f"\nDefault: {default}  (Enter to accept)", style="dim")
        self.say(text, "question")
        self.query_one(Input).value = ""

    # --- input ---------------------------------------------------------------------------
    @on(Input.Submitted, "#answer")
    def submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        command = text.lower()
        if command in {"back", "why", "?", "answers", "describe", "help"}:
            event.input.value = ""
        if command == "describe":
            self.action_describe()
            return
        if command == "help":
            self.bb.action_help()
            return
        if command == "back":
            self.action_back()
            return
        if command in {"why", "?"}:
            self.action_why()
            return
        if command == "answers":
            self.action_answers()
            return
        if self.interview.current is None:
            event.input.value = ""
            if text:
                self.say("Every question is answered. Press Enter for the result, or F2 to change an answer.", "note")
            else:
                self.bb.show_result(self.interview)
            return
        if self.pending is not None and command in {"y", "yes"}:
            text = self.pending
        self.pending = None
        try:
            name, _ = self.interview.answer(text)
        except Unclear as exc:
            self.pending = exc.suggestion
            self.say(f"? {exc.problems[0]}, or y for {exc.suggestion} %.", "error")
            event.input.value = ""
            return
        except BuildBuyError as exc:
            self.say(f"✗ {exc.problems[0]}", "error")  # it quotes what was typed
            event.input.value = ""
            return
        self.say_answer(name)
        self.bb.save()
        if name == "use_case":
            self.bb.sub_title = str(self.interview.answers["use_case"])
        self.refresh_panel()
        self.ask()

    def action_cycle(self, step: int) -> None:
        """Arrow keys walk through the choices of a choice or yes/no question."""
        if self.interview.current is None:
            return
        spec = self.interview.spec()
        choices = self.interview.choices(self.interview.current) or (["yes", "no"] if spec.type == "bool" else [])
        if not choices:
            return
        box = self.query_one(Input)
        current = box.value.strip().lower()
        index = choices.index(current) if current in choices else (-1 if step > 0 else 0)
        box.value = choices[(index + step) % len(choices)]
        box.cursor_position = len(box.value)

    def action_back(self) -> None:
        name = self.interview.back()
        if name is None:
            self.say("This is the first question.", "note")
            return
        self.say("Back to the previous question; your answer is now its default.", "note")
        self.bb.save()
        self.ask()

    def action_why(self) -> None:
        if self.interview.current is None:
            return
        spec = self.interview.spec()
        self.say(f"{spec.help or spec.why}\nSource of the default: {spec.source}.", "note")

    def action_answers(self) -> None:
        k = self.interview.k
        order = self.interview.order()
        given = sorted(self.interview.answers, key=order.index)
        rows = [(n, label_of(k, n), show(k.answers[n], self.interview.answers[n], unit=True)) for n in given]
        if not rows:
            self.say("No answers yet.", "note")
            return

        def picked(name: str | None) -> None:
            if name:
                self.post_message(EditAnswer(name))

        self.app.push_screen(AnswersScreen(rows), picked)

    def action_describe(self) -> None:
        from advisor.tui.describe_dialog import start_from_description

        start_from_description(self)

    def action_result(self) -> None:
        """Skip the remaining questions: their defaults are used and listed as assumptions."""
        self.bb.show_result(self.interview)

    @on(EditAnswer)
    def edit(self, message: EditAnswer) -> None:
        self.interview.jump_to(message.name)
        kept = show(self.interview.spec(), self.interview.default_for_current())
        self.say(f"Changing '{label_of(self.interview.k, message.name)}'; Enter keeps {kept}.", "note")
        self.bb.save()
        self.ask()
        self.query_one(Input).focus()

    # --- side panel ----------------------------------------------------------------------
    WIDE = 100  # below this many columns the panel would squeeze the question: hidden unless asked for

    def panel_shown(self) -> bool:
        choice = self.bb.panel
        return choice if choice is not None else self.size.width >= self.WIDE

    def apply_panel(self) -> None:
        self.query_one("#side").display = self.panel_shown()

    def on_resize(self) -> None:
        self.apply_panel()

    def refresh_panel(self) -> None:
        engine = self.bb.engine
        if engine is None:
            return
        started = time.perf_counter()
        try:
            ev = engine.evaluate(self.interview.scenario())
        except BuildBuyError as exc:
            self.query_one("#leaning", Static).update(f"(cannot compute yet: {exc.problems[0]})")
            return
        top = ev.option
        months = ev.report.horizon_months
        lean = Text()
        lean.append(f"toward {top}\n", style="bold " + COLORS.get(top, ""))
        lean.append(f"a month / over {months} months\n", style="dim")
        for option, cost in ev.report.options.items():
            mark = "▶ " if option == top else "  "
            ruled = ev.excluded.get(option)
            style = COLORS.get(option, "") if not ruled else "dim strike"
            lean.append(f"{mark}{option}{'  (ruled out)' if ruled else ''}\n", style=("bold " if option == top else "") + style)
            lean.append(f"  {usd_short(cost.monthly_usd):>8} / {usd_short(cost.tco_usd):>8}\n", style=style)
        self.query_one("#leaning", Static).update(lean)
        given = self.interview.given()
        still = [label_of(self.interview.k, n) for n in self.interview.asked() if n not in given]
        self.query_one("#defaults", Static).update(
            f"{len(still)} answer(s) at their defaults" + (f", next: {', '.join(still[:3])}" if still else "") if still
            else "none: every answer is yours"
        )
        self.last_panel_ms = (time.perf_counter() - started) * 1000
