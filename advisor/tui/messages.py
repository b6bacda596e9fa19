"""Provides the app-wide messages of the TUI."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class EditAnswer(Message):
    """The user asked to change an earlier answer (clicked it, or picked it from the list)."""

    name: str
