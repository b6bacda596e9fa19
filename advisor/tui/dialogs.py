"""Provides the modal dialogs: what to do with a saved session, the answers given, and the
progress shown while a result is computed."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, LoadingIndicator, OptionList
from textual.widgets.option_list import Option

from advisor.tui.safe import literal


class ResumeScreen(ModalScreen[str]):
    """Offer what can be done with a saved session. Each choice is (id, button label, key)."""

    def __init__(self, title: str, summary: str, choices: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.summary = summary
        self.choices = choices
        self.keys = {key: choice for choice, _, key in choices}

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.title_text, id="dialog-title")
            yield Label(literal(self.summary), id="dialog-body")
            with Vertical(id="dialog-buttons"):
                for index, (choice, label, key) in enumerate(self.choices):
                    yield Button(f"{label} ({key})", variant="primary" if index == 0 else "default", id=choice, compact=True)

    def on_mount(self) -> None:
        self.query_one(Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(str(event.button.id))

    def on_key(self, event: object) -> None:
        key = getattr(event, "key", "")
        if key in self.keys:
            self.dismiss(self.keys[key])


class AnswersScreen(ModalScreen[str | None]):
    """Every answer given so far, by its label; picking one re-asks that question."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Close")]

    def __init__(self, rows: list[tuple[str, str, str]], title: str = "Your answers: pick one to change it (Esc closes)") -> None:
        super().__init__()
        self.rows = rows  # (name, label, value as shown)
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.title_text, id="dialog-title")
            yield OptionList(
                *[Option(literal(f"{label}: {value}"), id=name) for name, label, value in self.rows], id="answers-list"
            )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


class WorkingScreen(ModalScreen[None]):
    """Shown while the recommendation is computed, so a key press visibly did something."""

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("Working out the recommendation...", id="dialog-title")
            yield Label("Costs for every option, the rules, and what-ifs over plausible futures.", id="dialog-body")
            yield LoadingIndicator()
