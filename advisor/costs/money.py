"""Provides the two ways money is shown: to the cent in tables, in whole dollars in prose."""

from __future__ import annotations


def usd(x: float) -> str:
    return f"${x:,.2f}"


def usd0(x: float) -> str:
    return f"${x:,.0f}"
