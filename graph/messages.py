"""Small, typed questions about a message list that several nodes ask (which is the latest customer message...)."""

from __future__ import annotations

from collections.abc import Sequence

from langchain_core.messages import AIMessage, AnyMessage, BaseMessage, HumanMessage

BOT_NAME = "support-bot"
"""Author name of the bot's notices (handoff, closed): they tell the customer what happens, they answer nothing."""


def text_of(message: BaseMessage) -> str:
    """The message's text, whether its content is a string or content blocks."""
    return message.content if isinstance(message.content, str) else message.text


def last_human_index(messages: Sequence[AnyMessage]) -> int:
    """Index of the latest customer message, or -1."""
    return next((i for i in range(len(messages) - 1, -1, -1) if isinstance(messages[i], HumanMessage)), -1)


def last_human_text(messages: Sequence[AnyMessage]) -> str:
    """Text of the latest customer message ('' when there is none)."""
    index = last_human_index(messages)
    return text_of(messages[index]) if index >= 0 else ""


def unanswered_human(messages: Sequence[AnyMessage]) -> list[HumanMessage]:
    """Customer messages after the last AI message: what this turn must read (several when double-texting)."""
    found: list[HumanMessage] = []
    for message in reversed(messages):
        if isinstance(message, AIMessage):
            break
        if isinstance(message, HumanMessage):
            found.append(message)
    return list(reversed(found))


def previous_human_text(messages: Sequence[AnyMessage]) -> str:
    """The customer message before the latest one ('' when there is none)."""
    index = last_human_index(messages)
    earlier = last_human_index(messages[:index]) if index > 0 else -1
    return text_of(messages[earlier]) if earlier >= 0 else ""


def last_ai(messages: Sequence[AnyMessage]) -> AIMessage | None:
    """The latest AI message, if any."""
    return next((m for m in reversed(messages) if isinstance(m, AIMessage)), None)
