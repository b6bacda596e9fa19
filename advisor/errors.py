"""Provides the error types of buildbuy; every message is written for the person at the terminal."""

from __future__ import annotations


class BuildBuyError(Exception):
    """Base of every error a user may see. `problems` holds one line per problem found."""

    title = "buildbuy error"

    def __init__(self, problems: str | list[str]) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class InputError(BuildBuyError):
    """The answers file or an answer typed in the interview is not acceptable."""

    title = "Invalid answers"


class KnowledgeError(BuildBuyError):
    """A file under knowledge/ is missing, unreadable or breaks its schema."""

    title = "Broken knowledge base"


class RulesError(BuildBuyError):
    """A rule file is unreadable or breaks the rule schema."""

    title = "Broken rule file"


class UnknownModelError(InputError, KeyError):
    """An api_model id that genai-prices does not know."""

    title = "Unknown model"

    def __str__(self) -> str:  # KeyError would quote the message
        return "\n".join(self.problems)


class RecordError(BuildBuyError):
    """A decision record cannot be read, parsed or written."""

    title = "Decision record problem"


class SessionError(BuildBuyError):
    """A saved interview session cannot be read."""

    title = "Saved session problem"


class ConfigError(BuildBuyError):
    """The user's config file is unreadable or has a bad value."""

    title = "Config file problem"
