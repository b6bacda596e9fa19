"""Provides the modal dialogs: resume an unfinished session, and the list of answers given."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, OptionList
from textual.widgets.option_list import Option

from advisor.tui.safe import literal


class ResumeScreen(ModalScreen[bool]):
    """Ask whether to resume an unfinished interview."""

    BINDINGS = [Binding("y", "answer(True)", "Resume"), Binding("n", "answer(False)", "Start over")]

    def __init__(self, summary: str) -> None:
        super().__init__()
        self.summary = summary

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("An unfinished interview was found.", id="dialog-title")
            yield Label(literal(self.summary), id="dialog-body")
            with Horizontal(id="dialog-buttons"):
                yield Button("Resume (y)", variant="primary", id="resume")
                yield Button("Start over (n)", id="fresh")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "resume")

    def action_answer(self, resume: bool) -> None:
        self.dismiss(resume)


class AnswersScreen(ModalScreen[str | None]):
    """Every answer given so far; picking one re-asks that question."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Close")]

    def __init__(self, rows: list[tuple[str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("Your answers: pick one to change it (Esc closes)", id="dialog-title")
            yield OptionList(*[Option(literal(f"{name}: {value}"), id=name) for name, value in self.rows], id="answers-list")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
