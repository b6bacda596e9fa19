"""buildbuy: decide whether to build or buy an LLM capability, with the money behind the answer."""

__version__ = "0.1.0"
