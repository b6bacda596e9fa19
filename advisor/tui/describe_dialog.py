"""Provides "start from a description" in the interview: a dialog to paste a paragraph, and the
worker that reads it (Claude with a key, the offline parser without) and pre-fills the questions."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, TextArea

PLACEHOLDER = "We triage 40k insurance claims a day with GPT-4o, two ML engineers, ..."


class DescribeScreen(ModalScreen[str | None]):
    """Paste a description of the use case; ctrl+s reads it, Esc cancels."""

    CSS_PATH = "describe_dialog.tcss"
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel"), Binding("ctrl+s", "read", "Read it")]

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("Describe the use case in a few sentences (volume, model, team, data).", id="dialog-title")
            yield TextArea(id="description", soft_wrap=True, placeholder=PLACEHOLDER)
            with Horizontal(id="dialog-buttons"):
                yield Button("Read it (ctrl+s)", variant="primary", id="read")
                yield Button("Cancel (Esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "read":
            self.action_read()
        else:
            self.dismiss(None)

    def action_read(self) -> None:
        text = self.query_one(TextArea).text
        self.dismiss(text if text.strip() else None)


def start_from_description(screen: Any) -> None:
    """Open the dialog from the interview screen; the answers found are pre-filled there, each
    marked "from your description", for the user to confirm or change as the questions come."""

    async def read(text: str) -> None:
        from advisor.interview.describe import describe_async

        screen.say(Text("Reading your description..."), "note")
        found = await describe_async(text, screen.interview.k)
        screen.interview.prefill(found.answers)
        for note in found.notes:
            screen.say(Text(note), "note")  # values read from user text: never markup
        screen.say(Text(found.summary(screen.interview.k) + " Press Enter on each to confirm it, or type a new answer."), "note")
        screen.bb.save()
        screen.ask()

    def picked(text: str | None) -> None:
        if text:
            screen.run_worker(read(text), group="describe", exclusive=True, exit_on_error=False)

    screen.app.push_screen(DescribeScreen(), picked)
