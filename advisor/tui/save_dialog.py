"""Provides the save dialog: the folder a decision record goes to, shown and editable before
anything is written, and the choice to update the record saved earlier or write a new one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from advisor.tui.safe import literal


@dataclass(frozen=True)
class SaveChoice:
    """Where to write: a folder (a new numbered record) or an existing record to update."""

    folder: Path
    update: Path | None = None


def default_folder() -> Path:
    """`docs/decisions/` of the current project, as MADR and adr-tools expect."""
    return Path.cwd() / "docs" / "decisions"


class SaveScreen(ModalScreen[SaveChoice | None]):
    """Ask where to save; with an earlier record of other answers, offer to update it."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, folder: Path, earlier: Path | None = None) -> None:
        super().__init__()
        self.folder = folder
        self.earlier = earlier

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("Save the decision record", id="dialog-title")
            if self.earlier is not None:
                yield Label(
                    literal(f"The answers changed since you saved {self.earlier}. Update that record, or write a new one?"),
                    id="dialog-body",
                )
            else:
                yield Label("Folder (a new numbered Markdown record is written there):", id="dialog-body")
            yield Input(str(self.folder), id="save-folder", select_on_focus=False)
            with Vertical(id="dialog-buttons"):
                if self.earlier is not None:
                    yield Button("Update the saved record", variant="primary", id="update", compact=True)
                    yield Button("Write a new record in the folder", id="new", compact=True)
                else:
                    yield Button("Save", variant="primary", id="new", compact=True)
                yield Button("Cancel (Esc)", id="cancel", compact=True)

    def on_mount(self) -> None:
        if self.earlier is None:
            box = self.query_one("#save-folder", Input)
            box.focus()
            box.cursor_position = len(box.value)
        else:
            self.query_one("#update", Button).focus()

    def _choice(self) -> SaveChoice | None:
        text = self.query_one("#save-folder", Input).value.strip()
        if not text:
            self.notify("Type the folder to save in.", severity="warning")
            return None
        return SaveChoice(Path(text).expanduser())

    @on(Input.Submitted, "#save-folder")
    def submitted(self) -> None:
        choice = self._choice()
        if choice is not None:
            self.dismiss(choice)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.dismiss(None)
        elif event.button.id == "update" and self.earlier is not None:
            self.dismiss(SaveChoice(self.earlier.parent, update=self.earlier))
        else:
            choice = self._choice()
            if choice is not None:
                self.dismiss(choice)
