"""Provides the app's commands for the command palette (Ctrl+P): save, explain, jump to a
question, open the last result, help and the side panel."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from advisor.tui.app import BuildBuyApp


class BuildBuyCommands(Provider):
    """Every command that has a key, plus one 'Jump to' per question."""

    @property
    def bb(self) -> BuildBuyApp:
        return self.app  # type: ignore[return-value]

    def commands(self) -> list[tuple[str, str, Callable[[], Any]]]:
        from advisor.interview.flow import label_of
        from advisor.tui.result_screen import ResultScreen

        bb = self.bb
        found: list[tuple[str, str, Callable[[], Any]]] = []
        result = next((s for s in reversed(bb.screen_stack) if isinstance(s, ResultScreen)), None)
        if result is not None:
            found += [
                ("Save decision record", "write the record to a folder you choose", result.action_save),
                ("Explain this decision", "a plain-words explanation of the result", result.action_explain),
                ("Change an answer", "back to the interview with the answer list", result.action_change),
            ]
        else:
            found.append(("Open the result", "compute the result with the answers so far", bb.action_open_result))
        found += [
            ("Help", "how it works, the keys and the words used", bb.action_help),
            ("Toggle side panel", "show or hide the running costs beside the interview", bb.action_toggle_panel),
            ("Open a portfolio", "decide a folder of answers files together, with a shared platform", bb.action_portfolio),
        ]
        for name in bb.interview.order():
            if not bb.interview.skipped(name):
                found.append(
                    (f"Jump to question: {label_of(bb.k, name)}", bb.k.answers[name].question,
                     partial(bb.jump_to, name))
                )
        return found

    async def discover(self) -> Hits:
        for title, help_text, callback in self.commands()[:6]:
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> AsyncIterator[Hit]:
        matcher = self.matcher(query)
        for title, help_text, callback in self.commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
