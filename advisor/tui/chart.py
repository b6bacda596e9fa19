"""Provides plain-text charts for the result screen: cumulative cost lines and tornado bars."""

from __future__ import annotations

from collections.abc import Mapping

MARKS = {"api": "a", "vendor-finetune": "v", "self-host": "s", "hybrid": "h"}
COLORS = {"api": "cyan", "vendor-finetune": "magenta", "self-host": "green", "hybrid": "yellow"}


def _usd_short(x: float) -> str:
    for unit, size in (("B", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(x) >= size:
            return f"${x / size:,.1f}{unit}"
    return f"${x:,.0f}"


def line_chart(curves: Mapping[str, tuple[float, ...]], width: int = 60, height: int = 12) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """Rows of (label, [(char, option or None)]) for cumulative curves; later options draw on top."""
    months = max(len(c) for c in curves.values())
    top = max(max(c) for c in curves.values()) or 1.0
    grid: list[list[tuple[str, str | None]]] = [[(" ", None)] * width for _ in range(height)]
    for option, curve in curves.items():
        for x in range(width):
            month = min(months - 1, round(x * (months - 1) / max(width - 1, 1)))
            y = round(curve[month] / top * (height - 1))
            grid[height - 1 - y][x] = (MARKS.get(option, "*"), option)
    rows = []
    for i, row in enumerate(grid):
        value = top * (height - 1 - i) / (height - 1)
        label = _usd_short(value) if i in (0, height // 2, height - 1) else ""
        rows.append((label.rjust(8), row))
    return rows


def bar(fraction: float, width: int) -> str:
    """A horizontal bar of `fraction` (0..1) of `width` cells, in eighths."""
    cells = max(0.0, min(1.0, fraction)) * width
    full = int(cells)
    part = " ▏▎▍▌▋▊▉"[int((cells - full) * 8)]
    return ("█" * full + (part if full < width else "")).rstrip()
