"""Provides the help screen: how the interview and the result work, the keys, and the jargon."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Markdown

HELP = """\
## How it works

1. **The interview** asks about your workload, data, compliance, how fast things change, quality,
   your team and costs, one question at a time. Press **Enter** to accept the default shown; every
   default you keep is listed as an assumption in the result.
2. **The result** recommends one option (a vendor API, a vendor-hosted fine-tune, self-hosting a
   fine-tuned open model, or a hybrid), says what it costs against the closest alternative, the
   plan, and what would change the answer.
3. **Save** writes a Markdown decision record (MADR) to `docs/decisions/` of your project.

Your answers are saved after each one: quit at any time and resume later.

## Typing answers

Numbers take suffixes and units: `150k`, `1.5M`, `$4`, `72 %`, `3x`, `800 tokens`, `3 years`.
Choices take their number, name or first letters (`2`, `health`, `H100`). Type **back** to go
back, **why** for more on a question, **answers** to change any answer.

## Keys

| key | where | what |
|---|---|---|
| Enter | interview | answer (empty: keep the default) |
| Ctrl+B | interview | previous question |
| F2 | interview | list your answers; pick one to change it |
| Ctrl+R | interview | the result now, with defaults for the rest |
| F3 | interview | why this question matters |
| Ctrl+T | everywhere | show or hide the side panel |
| s / e / b | result | save the record / explain / change answers |
| Ctrl+P | everywhere | command palette: save, explain, jump to a question, theme |
| F1 or ? | everywhere | this help |
| Ctrl+Q | everywhere | quit (your answers are kept) |

## Words used here

- **Token**: the unit vendors bill by, about three quarters of a word.
- **FTE**: full-time equivalent; half a person's time is 0.5 FTE.
- **Peak-to-average**: how much busier the busiest hour is than an average hour (3x: three times).
- **Fine-tuning / LoRA**: training a model further on your examples; LoRA trains a small add-on
  instead of the whole model, which is much cheaper.
- **TCO**: total cost of ownership over the horizon: one-time costs plus monthly costs.
- **Break-even**: the first month an option's total cost is at or below the vendor API's.
"""


class HelpScreen(ModalScreen[None]):
    """The flow, the keys and the jargon, one screen."""

    BINDINGS = [Binding("escape,f1,q,question_mark", "dismiss(None)", "Close")]

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="help"):
            yield Label("buildbuy help (Esc closes)", id="dialog-title")
            with VerticalScroll(id="help-body"):
                yield Markdown(HELP)
