"""Provides the text the result screen shows: the recommendation as Markdown, literal user text, file modes."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from advisor.decision import Decision
from advisor.inputs.knowledge import Knowledge
from advisor.tui.headline import (
    biggest_warning,
    cost_line,
    flip_lines,
    humanize,
    money_line,
    title,
)

if TYPE_CHECKING:
    pass


def escape_markdown(text: str) -> str:
    """User text shown as text: no HTML, links or emphasis sneak in."""
    return "".join("\\" + c if c in "\\`*_{}[]<>()#+!|" else c for c in text)


def normal_mode(path: Path) -> None:
    """A record is a document for the team: readable as any new file is (the umask decides),
    not 0600 as the temporary file it was written through. Harmless once record_io does it."""
    umask = os.umask(0)
    os.umask(umask)
    try:
        path.chmod(0o666 & ~umask)
    except OSError:
        pass  # the record is written; its mode is a nicety


def recommendation_markdown(d: Decision, k: Knowledge) -> str:
    """The first screen: the choice, its cost, the money against the closest option, the biggest
    warning, then the reasons, the plan and what would change it."""
    lines = [f"# Recommended: {title(d.option)}", "", f"**{cost_line(d)}**", "", f"**{money_line(d)}**"]
    warning = biggest_warning(d)
    if warning:
        lines += ["", f"> ⚠ {humanize(warning, k)}"]
    lines += ["", f"*Confidence: {d.confidence}.* {humanize(d.summary, k)}", "", "## Plan", ""]
    lines += [f"{p.phase}. **{title(p.option)}**: {humanize(p.action, k)} *Until {humanize(p.until, k)}.*" for p in d.plan]
    flips = flip_lines(d, k)
    if flips:
        lines += ["", "## What would change it", ""] + [f"- {line}" for line in flips]
    if d.uncertainty is not None:
        lines += ["", "## How sure", "", humanize(d.uncertainty.summary_line(), k)]
    advice = d.advice()
    if advice:
        lines += ["", "## Advice", ""] + [f"- {humanize(f.because, k)}" for f in advice]
    rest = [w for w in d.warnings if w != warning]
    if rest:
        lines += ["", "## Other warnings", ""] + [f"- {humanize(w, k)}" for w in rest]
    return "\n".join(lines)
