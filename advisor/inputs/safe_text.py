"""Provides terminal-safe text: control characters stripped, huge values cut short for messages.

Anything a user or a file supplied may carry escape sequences (a record from someone else's pull
request could retitle or clear the terminal), so every echo goes through `clean` or `shown`.
"""

from __future__ import annotations

import re
from typing import Any

from advisor.inputs.limits import MAX_ECHO_CHARS

# C0 controls except tab and newline, DEL, C1 controls, and the Unicode bidi overrides and
# isolates that can reorder what a reader sees.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_CONTROL_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean(text: str, *, newlines: bool = True) -> str:
    """`text` without control characters (tab and, if `newlines`, newline kept)."""
    return (_CONTROL if newlines else _CONTROL_LINE).sub("", text)


def one_line(text: str) -> str:
    """`text` on one line: line breaks and tabs become spaces, other control characters go."""
    return clean(re.sub(r"[\t\r\n\v\f\x85\u2028\u2029]+", " ", text), newlines=False)


def clip(text: str, limit: int = MAX_ECHO_CHARS) -> str:
    """`text` cut to `limit` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text):,} characters)"


def shown(value: Any, limit: int = MAX_ECHO_CHARS) -> str:
    """A value for a one-line message: repr-like for text, control characters removed, clipped."""
    if isinstance(value, str):
        return repr(clip(clean(value, newlines=False), limit))
    if isinstance(value, (dict, list, tuple)):
        text = clean(repr(value), newlines=False)
        return clip(text, limit)
    return clip(clean(repr(value), newlines=False), limit)


def clean_data(value: Any) -> Any:
    """A copy of plain data (dicts, lists, text) with control characters stripped from every string."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, dict):
        return {clean_data(k): clean_data(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(clean_data(v) for v in value)
    return value
