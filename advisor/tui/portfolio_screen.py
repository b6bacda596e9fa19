"""Provides the portfolio screen: a folder of answers files decided together, each use case on its
own and in the portfolio side by side in money, and the shared platform when one pays."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, Label, Static

from advisor.costs.money import usd0
from advisor.errors import BuildBuyError

if TYPE_CHECKING:
    from advisor.decision.portfolio import Portfolio


def portfolio_of(folder: Path, engine: Any) -> Portfolio:
    """Every answers file in `folder` decided with `engine`, then placed on or off a shared platform.
    A file that cannot be decided is listed with its reason, never fatal."""
    from advisor.decision.portfolio import build_portfolio
    from advisor.inputs.scenario import load_answers_file

    if not folder.is_dir():
        raise BuildBuyError(f"{folder}: not a folder of answers files")
    decided, failures = [], []
    for path in sorted(p for p in folder.glob("*.toml") if p.is_file()):
        try:
            decided.append((path.name, engine.decide(load_answers_file(path, engine.k))))
        except BuildBuyError as exc:
            failures.append((path.name, exc.problems[0].removeprefix(f"{path}: ")))
    if not decided and not failures:
        raise BuildBuyError(f"{folder}: no answers files (*.toml) in it")
    return build_portfolio(decided, engine.k, failures)


def _signed(x: float) -> str:
    return f"-{usd0(-x)}" if x < 0 else f"+{usd0(x)}"


def summary_lines(p: Portfolio) -> list[str]:
    lines = []
    plat = p.platform
    if plat is None:
        lines.append("No shared platform: fewer than two use cases are cheaper on one than on their own.")
    else:
        be = f"break-even month {plat.breakeven_month}" if plat.breakeven_month else "no break-even within the horizon"
        lines.append(
            f"Shared platform: {len(plat.members)} use cases on {plat.gpus} x {plat.gpu}, {usd0(plat.one_time_usd)} "
            f"one-time, {usd0(plat.monthly_usd)} a month, {be}."
        )
    saving = p.standalone_tco_usd - p.portfolio_tco_usd
    lines.append(
        f"All on the API {usd0(p.all_api_tco_usd)}; each on its own {usd0(p.standalone_tco_usd)}; "
        f"in the portfolio {usd0(p.portfolio_tco_usd)}" + (f" ({usd0(saving)} less)." if saving > 0.5 else ".")
    )
    lines += [f"Not decided: {name}: {why}" for name, why in p.failures]
    return lines


class PortfolioScreen(ModalScreen[None]):
    """Open a folder of answers files and see the portfolio."""

    CSS_PATH = "portfolio.tcss"
    BINDINGS = [Binding("escape", "dismiss", "Close")]

    def __init__(self, folder: Path) -> None:
        super().__init__()
        self.folder = folder

    def compose(self) -> ComposeResult:
        with Vertical(id="portfolio"):
            yield Label("Portfolio: a folder of answers files decided together", classes="title")
            with Horizontal(id="portfolio-open"):
                yield Input(str(self.folder), id="portfolio-folder", placeholder="a folder of answers files")
                yield Button("Open", id="portfolio-go", variant="primary")
            table: DataTable[Any] = DataTable(id="portfolio-table", cursor_type="row", zebra_stripes=True)
            table.add_columns("use case", "on its own", "in the portfolio", "difference")
            yield table
            yield Static("", id="portfolio-summary", markup=False)

    def on_mount(self) -> None:
        self.query_one("#portfolio-folder", Input).focus()
        self.load()

    @on(Input.Submitted, "#portfolio-folder")
    @on(Button.Pressed, "#portfolio-go")
    def reopen(self) -> None:
        self.folder = Path(self.query_one("#portfolio-folder", Input).value.strip() or ".").expanduser()
        self.load()

    @work(thread=True, exclusive=True, group="portfolio", exit_on_error=False)
    def load(self) -> None:
        from advisor.engine import Engine

        app: Any = self.app
        engine = app.engine or Engine.load(getattr(app, "rule_packs", []), k=app.k, today=app.today)
        try:
            result = portfolio_of(self.folder, engine)
        except BuildBuyError as exc:
            self.app.call_from_thread(self.show_problem, exc.problems[0])
            return
        self.app.call_from_thread(self.show, result)

    def show_problem(self, problem: str) -> None:
        self.query_one("#portfolio-table", DataTable).clear()
        self.query_one("#portfolio-summary", Static).update(Content(problem))

    def show(self, p: Portfolio) -> None:
        table = self.query_one("#portfolio-table", DataTable)
        table.clear()
        for u in p.use_cases:
            alone = u.decision.report.options[u.decision.option].tco_usd
            where = "self-host, shared platform" if u.on_platform else u.option
            table.add_row(  # rich Text: literal, and measured so the columns fit their content
                Text(u.decision.scenario.answers.use_case),
                Text(f"{u.decision.option} {usd0(alone)}"),
                Text(f"{where} {usd0(u.tco_usd)}"),
                Text(_signed(u.tco_usd - alone) if u.on_platform else "-"),
            )
        self.query_one("#portfolio-summary", Static).update(Content("\n".join(summary_lines(p))))
