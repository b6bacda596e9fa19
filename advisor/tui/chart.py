"""Provides plain-text charts for the result screen: cumulative cost lines and tornado bars."""

from __future__ import annotations

import math
from collections.abc import Mapping

MARKS = {"api": "a", "vendor-finetune": "v", "self-host": "s", "hybrid": "h"}
COLORS = {"api": "cyan", "vendor-finetune": "magenta", "self-host": "green", "hybrid": "yellow"}
OVERLAP = "*"
LOG_RATIO = 20.0  # when the dearest line ends this many times above the cheapest, use a log scale


def usd_short(x: float) -> str:
    for unit, size in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(x) >= size:
            return f"${x / size:,.1f}{unit}"
    return f"${x:,.0f}"


def wants_log(curves: Mapping[str, tuple[float, ...]]) -> bool:
    finals = [c[-1] for c in curves.values() if c and c[-1] > 0]
    return len(finals) > 1 and max(finals) / min(finals) >= LOG_RATIO


def line_chart(
    curves: Mapping[str, tuple[float, ...]], width: int = 60, height: int = 12, log: bool = False
) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """Rows of (label, [(char, option or None)]) for cumulative curves. Cells two lines share are
    marked OVERLAP, so a hidden line is never silently lost; `log` spreads lines of very
    different size over the height."""
    months = max(len(c) for c in curves.values())
    top = max(max(c) for c in curves.values()) or 1.0
    floor = min((v for c in curves.values() for v in c if v > 0), default=1.0)
    span = math.log10(top / floor) if log and top > floor else 0.0

    def row_of(value: float) -> int:
        if log and span:
            share = (math.log10(max(value, floor)) - math.log10(floor)) / span
        else:
            share = value / top
        return round(share * (height - 1))

    def value_at(row: int) -> float:
        share = row / (height - 1)
        return floor * 10 ** (share * span) if log and span else top * share

    grid: list[list[tuple[str, str | None]]] = [[(" ", None)] * width for _ in range(height)]
    for option, curve in curves.items():
        for x in range(width):
            month = min(months - 1, round(x * (months - 1) / max(width - 1, 1)))
            y = height - 1 - row_of(curve[month])
            char, owner = grid[y][x]
            grid[y][x] = (OVERLAP, None) if owner not in (None, option) or char == OVERLAP else (MARKS.get(option, "*"), option)
    rows = []
    for i, row in enumerate(grid):
        label = usd_short(value_at(height - 1 - i)) if i in (0, height // 2, height - 1) else ""
        rows.append((label.rjust(8), row))
    return rows


def bar(fraction: float, width: int) -> str:
    """A horizontal bar of `fraction` (0..1) of `width` cells, in eighths."""
    cells = max(0.0, min(1.0, fraction)) * width
    full = int(cells)
    part = " ▏▎▍▌▋▊▉"[int((cells - full) * 8)]
    return ("█" * full + (part if full < width else "")).rstrip()
