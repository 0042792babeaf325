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


def said_messages(messages: Sequence[AnyMessage]) -> list[tuple[str, str, str]]:
    """``(id, role, text)`` of each customer, bot and staff message with text (tool calls and results left out).

    A person's message carries its author in ``response_metadata["agent"]`` (graph/nodes/human.py).
    """
    said: list[tuple[str, str, str]] = []
    for message in messages:
        if message.type not in ("human", "ai") or not message.id:
            continue
        text = text_of(message)
        if not text.strip():
            continue
        role = "customer" if message.type == "human" else "bot"
        if role == "bot" and message.response_metadata.get("agent"):
            role = "staff"
        said.append((str(message.id), role, text))
    return said
