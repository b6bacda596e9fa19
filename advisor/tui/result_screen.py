"""Provides the result screen: recommendation, options and chart, findings, assumptions,
sensitivity and "show the math", in tabs; `s` saves the record, `e` explains."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Markdown, OptionList, Static, TabbedContent, TabPane
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from advisor.costs.money import usd0
from advisor.decision import Decision, cells
from advisor.errors import BuildBuyError
from advisor.inputs.scenario import OPTIONS
from advisor.tui.chart import COLORS, MARKS, OVERLAP, bar, line_chart, wants_log
from advisor.tui.headline import (
    assumption_name,
    assumption_value,
    effect,
    flip_lines,
    glossary,
    humanize,
    ids_for_labels,
    signed_usd,
)
from advisor.tui.safe import clean
from advisor.tui.save_dialog import SaveChoice, SaveScreen, default_folder
from advisor.views.assumptions import assumption_rows

if TYPE_CHECKING:
    from advisor.llm.explain import Explanation
    from advisor.tui.app import BuildBuyApp
from advisor.tui.result_text import escape_markdown, normal_mode, recommendation_markdown


class ResultScreen(Screen[None]):
    CSS_PATH = "result.tcss"
    BINDINGS = [
        Binding("s", "save", "Save"),
        Binding("e", "explain", "Explain"),
        Binding("b", "change", "Change"),
        Binding("escape", "back", "Back", show=False),
    ]

    def __init__(self, decision: Decision, saved: Path | None = None) -> None:
        super().__init__()
        self.decision = decision
        self.saved = saved
        self.explanation: Explanation | None = None  # the one on screen, saved with the record
        self.tools: Any = None
        self.chat_history: list[dict[str, Any]] = []

    @property
    def bb(self) -> BuildBuyApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        d = self.decision
        yield Header()
        with TabbedContent(id="tabs"):
            with TabPane("Result", id="tab-recommendation"):
                with VerticalScroll():
                    yield Markdown(recommendation_markdown(d, self.bb.k), id="recommendation")
                    yield Markdown("", id="explanation")
            with TabPane("Options", id="tab-options"):
                with VerticalScroll():
                    yield DataTable(id="options-table", cursor_type="row")
                    yield Static(self._chart(), id="chart")
            with TabPane("Findings", id="tab-findings"):
                yield DataTable(id="findings-table", cursor_type="row")
                yield Static("", id="findings-detail", classes="detail")
            with TabPane("Assumptions", id="tab-assumptions"):
                yield DataTable(id="assumptions-table", cursor_type="row")
                yield Static("", id="assumptions-detail", classes="detail")
            with TabPane("Risk", id="tab-sensitivity"):
                with VerticalScroll():
                    yield Static(self._sensitivity(), id="sensitivity")
            with TabPane("Ask", id="tab-chat"):
                with VerticalScroll(id="chat-log"):
                    yield Markdown(
                        "Ask anything about this decision: *what if requests a day = 300k*, "
                        "*why vendor-finetune*, *math self-host.gpus*, *compare api self-host*.",
                        classes="chat-note",
                    )
                yield Input(placeholder="Ask about this decision, Enter sends", id="chat-input")
            with TabPane("Math", id="tab-math"):
                with Horizontal():
                    yield OptionList(*[Option(n, id=n) for n in d.report.derivation_names()], id="math-list")
                    yield Static("Pick a figure to see how it was computed.", id="math-detail")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        d = self.decision
        table = self.query_one("#options-table", DataTable)
        table.add_columns("option", "monthly", f"{d.report.horizon_months} months", "one-time", "break-even", "eligible", "per request")
        for option in OPTIONS:
            c = d.report.options[option]
            be = "-" if option == "api" else (f"month {c.breakeven_month}" if c.breakeven_month else "never")
            style = "bold " + COLORS[option] if option == d.option else COLORS[option]
            table.add_row(
                Text(option + (" ★" if option == d.option else ""), style=style),
                usd0(c.monthly_usd), usd0(c.tco_usd), usd0(c.one_time_usd), be,
                "yes" if d.eligible(option) else "ruled out", f"${c.per_request_usd:,.5f}",
            )
        k = self.bb.k
        findings = self.query_one("#findings-table", DataTable)
        findings.add_columns("rule", "effect", "because")
        self.finding_rows = [f for f in d.findings if f.kind != "derive"]
        for f in self.finding_rows:
            findings.add_row(Text(clean(f.name)), Text(effect(f, short=True)), Text(clean(humanize(f.because, k))))
        assumptions = self.query_one("#assumptions-table", DataTable)
        assumptions.add_columns("assumption", "value", "kind", "as of", "source")
        self.assumption_list = assumption_rows(d, k)
        for row in self.assumption_list:
            assumptions.add_row(
                *(Text(clean(x)) for x in (assumption_name(row.name, k), assumption_value(row.name, row.value, k),
                                          row.kind, row.as_of, row.source))
            )
        self.bb.sub_title = f"{d.scenario.answers.use_case}: {d.option}"

    def _chart(self, width: int = 56) -> Text:
        """Cumulative cost lines, labelled with each option's total; log scale when they differ
        by orders of magnitude; '*' where lines overlap."""
        d = self.decision
        width = max(20, width)
        curves: dict[str, tuple[float, ...]] = {o: d.report.options[o].curve for o in OPTIONS}
        log = wants_log(curves)
        text = Text("Cumulative cost by month" + (" (log scale)" if log else "") + "\n", style="bold")
        for label, row in line_chart(curves, width=width, height=10, log=log):
            text.append(label + " │")
            for char, option in row:
                text.append(char, style=COLORS.get(option or "", ""))
            text.append("\n")
        end = f"month {d.report.horizon_months}"
        text.append(" " * 9 + "└" + "─" * width + "\n")
        text.append(" " * 10 + "month 1" + " " * max(1, width - 7 - len(end)) + end + "\n")
        for option in sorted(OPTIONS, key=lambda o: d.report.options[o].tco_usd):
            total = usd0(d.report.options[option].tco_usd)
            ruled = "" if d.eligible(option) else ", ruled out"
            text.append(f"  {MARKS[option]} {option}: {total}{ruled}\n", style=COLORS[option])
        text.append(f"  {OVERLAP} lines overlap\n", style="dim")
        return text

    def on_resize(self) -> None:
        """Charts and bars fit the terminal: nothing is cut at 60 columns."""
        self.query_one("#chart", Static).update(self._chart(self.size.width - 16))
        self.query_one("#sensitivity", Static).update(self._sensitivity(self.size.width - 4))

    def _sensitivity(self, width: int = 100) -> Text:
        d = self.decision
        k = self.bb.k
        unc = d.uncertainty
        text = Text()
        if unc is None:
            return Text("The uncertainty analysis did not run.")
        bar_width = max(8, min(30, width - 42))
        text.append("Share of plausible futures in which each option is recommended (bar) and cheapest\n", style="bold")
        for option in OPTIONS:
            p = unc.win_probability[option]
            text.append(f"{option:<16}{p * 100:5.1f} % ", style=COLORS[option])
            text.append(bar(p, bar_width), style=COLORS[option])
            text.append(f" cheapest {unc.cheapest_probability[option] * 100:5.1f} %\n")
        text.append(f"\n{humanize(unc.summary_line(), k)}\n", style="italic")
        rows = unc.tornado[:10]
        if rows:
            runner = unc.runner_up
            text.append(f"\nWhat moves the cost gap to the closest competitor ({runner} minus {d.option}) most, low..high\n", style="bold")
            widest = max(r.swing for r in rows) or 1.0
            name_width = 28 if width >= 70 else 18
            tornado_bar = max(6, min(24, width - name_width - 26))
            for r in rows:
                text.append(f"{assumption_name(r.input, k)[: name_width - 1]:<{name_width}}")
                text.append(bar(r.swing / widest, tornado_bar).ljust(tornado_bar), style="green")
                text.append(f" {signed_usd(r.gap_at_low)}..{signed_usd(r.gap_at_high)}\n")
        flips = flip_lines(d, k)
        if flips:
            text.append("\nWhat would change the answer\n", style="bold")
            for line in flips:
                text.append(f"  {line}\n")
        elif d.flip_search:
            text.append(f"\n{cells.no_flip_sentence(d.flip_search)}\n")
        return text

    @on(DataTable.RowHighlighted, "#findings-table")
    def finding_detail(self, event: DataTable.RowHighlighted) -> None:
        """The highlighted finding in full: the reason and its source, wrapped."""
        f = self.finding_rows[event.cursor_row]
        k = self.bb.k
        text = Text()
        text.append(effect(f).capitalize() + "\n", style="bold")
        text.append(clean(humanize(f.because, k), 4000) + "\n")
        text.append(f"Source: {clean(f.source, 4000)}", style="italic")
        self.query_one("#findings-detail", Static).update(text)

    @on(DataTable.RowHighlighted, "#assumptions-table")
    def assumption_detail(self, event: DataTable.RowHighlighted) -> None:
        row = self.assumption_list[event.cursor_row]
        k = self.bb.k
        text = Text()
        text.append(f"{clean(assumption_name(row.name, k))} = {clean(assumption_value(row.name, row.value, k))}\n", style="bold")
        figure = k.figures.get(row.name)
        if figure is not None and figure.meaning:
            text.append(clean(figure.meaning, 4000) + "\n")
        text.append(f"{row.kind}, as of {row.as_of}\n")
        text.append(f"Source: {clean(row.source, 4000)}", style="italic")
        for line in glossary(row.name, row.value):
            text.append(f"\n{line}", style="dim")
        self.query_one("#assumptions-detail", Static).update(text)

    @on(OptionList.OptionHighlighted, "#math-list")
    def show_math(self, event: OptionList.OptionHighlighted) -> None:
        name = str(event.option.id)
        der = self.decision.report.derivation(name)
        if der is None:
            return
        text = Text()
        text.append(f"{name}\n\n", style="bold")
        text.append(f"{der.formula}\n\n")
        for key, value in der.inputs.items():
            shown = f"{value:,.6g}" if isinstance(value, (int, float)) else str(value)
            text.append(f"  {key} = {shown}\n")
        value = f"${der.value:,.2f}" if der.unit == "USD" else f"{der.value:,.6g} {der.unit}"
        text.append(f"\n= {value}\n", style="bold green")
        self.query_one("#math-detail", Static).update(text)

    def record_key(self) -> str:
        """What a saved record holds: the answers, overrides and the explanation on screen."""
        scenario = self.decision.scenario
        text = self.explanation.text if self.explanation is not None else ""
        return json.dumps([scenario.answers.model_dump(), scenario.overrides, text], sort_keys=True, default=str)

    def action_save(self) -> None:
        """Save once per state: a repeat press says where it is; after a change, update or new."""
        bb = self.bb
        key = self.record_key()
        if bb.last_record is not None and bb.last_record_key == key and bb.last_record.exists():
            self.saved = bb.last_record
            self.notify(f"Already saved as {bb.last_record}; nothing changed since.", title="Saved")
            return
        earlier = bb.last_record if bb.last_record is not None and bb.last_record.exists() else None
        folder = earlier.parent if earlier is not None else default_folder()
        self.app.push_screen(SaveScreen(folder, earlier), lambda choice: self._write(choice, key))

    def _write(self, choice: SaveChoice | None, key: str) -> None:
        from advisor.records import save_record

        if choice is None:
            return
        k = self.bb.engine.k  # type: ignore[union-attr]
        try:
            if choice.update is not None:
                path = save_record(self.decision, k, choice.update, force=True, explanation=self.explanation)
            else:
                path = save_record(self.decision, k, choice.folder, explanation=self.explanation)
        except BuildBuyError as exc:
            self.notify(exc.problems[0], title="Not saved", severity="error", timeout=15)
            return
        normal_mode(path)
        self.saved = path
        self.bb.last_record, self.bb.last_record_key = path, key
        self.bb.save()
        verb = "updated" if choice.update is not None else "written"
        self.notify(f"Decision record {verb}: {path}", title="Saved")

    def action_explain(self) -> None:
        self.query_one(TabbedContent).active = "tab-recommendation"
        box = self.query_one("#explanation", Markdown)
        box.update("## Explanation\n\n*Asking for an explanation...*")
        self.call_after_refresh(box.scroll_visible, top=True, animate=False)  # where the user looks
        self.explain_worker()

    @work(exclusive=True, group="explain", exit_on_error=False)
    async def explain_worker(self) -> None:
        from advisor.llm.explain import Explanation, stream_explanation

        box = self.query_one("#explanation", Markdown)
        parts: list[str] = []
        header = "## Explanation\n\n"
        model: str | None = None
        self.explanation = None
        async for event in stream_explanation(self.decision, self.bb.engine.k, audience=self.bb.audience):  # type: ignore[union-attr]
            if event.kind == "note":
                header = f"## Explanation\n\n*{event.text}*\n\n"
                model = event.text.removeprefix("Generated by ").split(";")[0] if event.text.startswith("Generated by ") else None
            elif event.kind == "text":
                parts.append(event.text)
            await box.update(header + "".join(parts))
        self.explanation = Explanation(text="".join(parts), model=model)

    # --- keys: letters belong to the Ask tab's input, never to hotkeys there -----------------
    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        if event.pane.id == "tab-chat":
            self.query_one("#chat-input", Input).focus()

    def _asking(self) -> bool:
        return self.query_one(TabbedContent).active == "tab-chat" or isinstance(self.focused, Input)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in {"save", "explain", "change"} and self._asking():
            return False  # letter keys type into the question instead; the palette still has these
        return True

    def on_key(self, event: events.Key) -> None:
        """On the Ask tab, typing always goes into the question, wherever the focus wandered."""
        if self.query_one(TabbedContent).active != "tab-chat" or isinstance(self.focused, Input):
            return
        if event.is_printable and event.character:
            box = self.query_one("#chat-input", Input)
            box.focus()
            box.insert_text_at_cursor(event.character)
            event.stop()
            event.prevent_default()

    def action_back(self) -> None:
        if isinstance(self.focused, Input):
            self.set_focus(None)
            return
        self.app.pop_screen()

    def action_change(self) -> None:
        """Back to the interview with the list of answers open: pick one, change it, recompute."""
        self.app.pop_screen()
        screen = self.bb.interview_screen()
        if screen is not None:
            self.app.call_after_refresh(screen.action_answers)

    @on(Input.Submitted, "#chat-input")
    def ask(self, event: Input.Submitted) -> None:
        question = event.value.strip()
        if not question:
            return
        event.input.value = ""
        log = self.query_one("#chat-log", VerticalScroll)
        log.mount(Markdown(f"**You:** {escape_markdown(question)}", classes="chat-user"))
        log.scroll_end(animate=False)
        self.answer_worker(ids_for_labels(question, self.bb.k))

    @work(group="chat", exit_on_error=False)  # not exclusive: each question is answered, in order
    async def answer_worker(self, question: str) -> None:
        from advisor.llm import Conversation, Tools

        if self.tools is None:
            self.tools = Conversation(Tools.of(self.decision, self.bb.engine))  # type: ignore[arg-type]
        log = self.query_one("#chat-log", VerticalScroll)
        thinking = Static("thinking...", classes="chat-thinking", markup=False)
        await log.mount(thinking)
        log.scroll_end(animate=False)
        box: Markdown | None = None
        parts: list[str] = []
        try:
            async for event in self.tools.ask_stream(question):
                if event.reply is not None:  # the answer to keep replaces what streamed
                    reply = event.reply
                    body = humanize(reply.text, self.bb.k) + (f"\n\n*({reply.note})*" if reply.note else "")
                else:
                    parts.append(event.text)
                    body = humanize("".join(parts), self.bb.k)
                if box is None:
                    box = Markdown("", classes="chat-answer")
                    await log.mount(box, before=thinking)
                await box.update(body)
                log.scroll_end(animate=False)
        finally:
            await thinking.remove()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker that failed says so, instead of vanishing (workers do not exit the app here)."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            event.stop()
            error = event.worker.error
            text = error.problems[0] if isinstance(error, BuildBuyError) else f"{type(error).__name__}: {error}"
            self.notify(text, title="Something went wrong", severity="error", timeout=15, markup=False)
