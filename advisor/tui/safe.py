"""Provides user text as literal, printable content: never parsed as markup, no control codes."""

from __future__ import annotations

import re

from textual.content import Content

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
LIMIT = 500  # a pasted novel is shown as its start, never echoed whole


def clean(text: object, limit: int = LIMIT) -> str:
    """`text` without control characters (escape codes could retitle or clear the terminal),
    shortened to `limit` characters."""
    plain = _CONTROL.sub("", str(text))
    return plain if len(plain) <= limit else plain[: limit - 1] + "…"


def literal(text: object, limit: int = LIMIT) -> Content:
    """Content that shows `text` exactly as typed: `[PHI]` stays `[PHI]`."""
    return Content(clean(text, limit))
