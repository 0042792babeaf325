"""What erasing one customer removes from data that other customers share: their turns, and lines naming them.

A thread that several customers wrote in is kept for the others. In its messages (checkpointed LangGraph
messages or the JSON copies in runs and handoffs) the erased customer's turn -- their message and the
answers to it, up to the next message of someone else -- becomes one tombstone message. Any other text that
still contains one of their strings (email, name, a message text) loses the lines that contain it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage

TOMBSTONE = "[message erased at the request of another customer]"
ERASED = "[erased]"
_HUMAN_ROLES = frozenset({"human", "user", "customer"})
_MIN_NEEDLE = 6  # shorter strings (a one-word "ok") would erase other people's lines by accident
_QUOTE_PREFIX = 40  # a quoted message may be cut (the handoff note quotes 240 chars): its start finds it


@dataclass(frozen=True)
class Needles:
    """The erased customer's strings, and the ids of the messages they sent."""

    customer_id: str
    strings: frozenset[str] = frozenset()
    message_ids: frozenset[str] = frozenset()
    message_texts: frozenset[str] = frozenset()
    _id_pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        pattern = re.compile(rf"(?<![\w.-]){re.escape(self.customer_id)}(?![\w-])")
        object.__setattr__(self, "_id_pattern", pattern)

    @classmethod
    def build(
        cls, customer_id: str, *, profile: Iterable[str | None], texts: Iterable[str], message_ids: Iterable[str]
    ) -> Needles:
        """Needles from the profile's strings (name, email) and the customer's message texts."""
        cleaned = {" ".join(t.split()) for t in texts if t and t.strip()}
        strings = {s.strip().lower() for s in profile if s and len(s.strip()) >= _MIN_NEEDLE}
        for text in cleaned:
            if len(text) >= _MIN_NEEDLE:
                strings.add(text.lower())
                strings.add(text[:_QUOTE_PREFIX].lower())
        return cls(customer_id, frozenset(strings), frozenset(message_ids), frozenset(cleaned))

    def in_text(self, text: str) -> bool:
        """Whether ``text`` contains one of the customer's strings or their id as a whole word."""
        flat = " ".join(text.split()).lower()
        return any(s in flat for s in self.strings) or bool(self._id_pattern.search(text))

    def sent(self, message_id: Any, text: str) -> bool:
        """Whether a human message (by id, or by its exact text for messages without one) is the customer's."""
        if isinstance(message_id, str) and message_id in self.message_ids:
            return True
        return " ".join(text.split()) in self.message_texts


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) if isinstance(p, dict) else str(p) for p in content)
    return str(content or "")


def _message_facts(message: Any) -> tuple[str, Any, str] | None:
    """(kind, id, text) of a LangChain message or a message-like dict; None for anything else."""
    if isinstance(message, BaseMessage):
        return message.type, message.id, _text(message.content)
    if isinstance(message, dict) and "content" in message and ("type" in message or "role" in message):
        kind = str(message.get("type") or message.get("role"))
        return kind, message.get("id"), _text(message["content"])
    return None


def _tombstone(message: Any) -> Any:
    if isinstance(message, BaseMessage):
        return HumanMessage(content=TOMBSTONE, id=message.id, additional_kwargs={"erased": True})
    kept = {k: message[k] for k in ("id", "type", "role") if k in message}
    return kept | {"content": TOMBSTONE}


def _is_message_list(value: list[Any]) -> bool:
    return bool(value) and all(_message_facts(item) is not None for item in value)


def scrub_messages(messages: list[Any], needles: Needles) -> list[Any]:
    """The customer's turns become tombstones; other messages keep everything but lines naming the customer."""
    kept: list[Any] = []
    in_their_turn = False
    for message in messages:
        kind, message_id, text = _message_facts(message) or ("", None, "")
        if kind in _HUMAN_ROLES:
            in_their_turn = needles.sent(message_id, text)
            if in_their_turn:
                kept.append(_tombstone(message))
                continue
        if in_their_turn:
            continue  # the answers to the erased customer repeat what they said
        kept.append(scrub_value(message, needles))
    return kept


def scrub_text(text: str, needles: Needles) -> str:
    """``text`` without the lines that contain one of the customer's strings."""
    if not needles.in_text(text):
        return text
    return "\n".join(ERASED if needles.in_text(line) else line for line in text.split("\n"))


def scrub_value(value: Any, needles: Needles) -> Any:
    """A copy of ``value`` (JSON-like, or LangChain messages) with the customer's turns and strings removed."""
    if isinstance(value, str):
        return scrub_text(value, needles)
    if isinstance(value, BaseMessage):
        if not any(needles.in_text(s) for s in strings_in(value)):
            return value
        data = value.model_dump()
        return type(value).model_validate(scrub_value(data, needles))
    if isinstance(value, list):
        if _is_message_list(value):
            return scrub_messages(value, needles)
        return [scrub_value(item, needles) for item in value]
    if isinstance(value, tuple):
        return tuple(scrub_value(item, needles) for item in value)
    if isinstance(value, dict):
        return {key: scrub_value(item, needles) for key, item in value.items()}
    return value


def strings_in(value: Any) -> Iterator[str]:
    """Every string inside ``value`` (JSON-like data, LangChain messages, dataclass-like objects)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, BaseMessage):
        yield from strings_in(value.model_dump())
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from strings_in(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from strings_in(item)
    elif value is not None and not isinstance(value, int | float | bool | bytes):
        yield str(value)


def mentions(value: Any, needles: Needles) -> bool:
    """Whether ``value`` holds one of the customer's strings or a message they sent."""
    for item in [value] if not isinstance(value, list) else value:
        facts = _message_facts(item)
        if facts is not None and facts[0] in _HUMAN_ROLES and needles.sent(facts[1], facts[2]):
            return True
    return any(needles.in_text(s) for s in strings_in(value))
