"""Claude: the client with its timeouts and fallbacks (claude.py, the only importer of anthropic),
explanations and the follow-up chat with its tools."""

from advisor.llm.chat import CHAT_MAX_TOKENS, CHAT_SYSTEM, MAX_TOOL_ROUNDS, ChatEvent, Conversation, Reply, answer
from advisor.llm.tools import OFFLINE_HELP, Tools, answer_offline, tool_definitions

__all__ = ['CHAT_MAX_TOKENS', 'CHAT_SYSTEM', 'ChatEvent', 'Conversation', 'MAX_TOOL_ROUNDS', 'OFFLINE_HELP', 'Reply', 'Tools', 'answer', 'answer_offline', 'tool_definitions']
