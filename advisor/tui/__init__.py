"""Provides the Textual interview and result screens (imported only when the TUI starts)."""
