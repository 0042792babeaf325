"""Where to cut an over-long history, and the offline (extractive) running summary.

The cut never separates an AI message's tool calls from their tool results, always starts the kept part
at a customer message, and never folds away the latest customer message.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, ToolMessage
from langchain_core.messages.utils import count_tokens_approximately

from graph.messages import last_human_index, text_of

_LINE_CHARS = 140
_FIRST_SENTENCE = re.compile(r"^(.+?[.!?])(?:\s|$)", re.DOTALL)


def choose_cut(messages: Sequence[AnyMessage], keep_tokens: int) -> int:
    """How many leading messages to fold so that roughly ``keep_tokens`` remain (0 = nothing to fold).

    The kept part starts at a HumanMessage (so no ToolMessage is orphaned from its AIMessage) and includes
    the latest HumanMessage.
    """
    latest = last_human_index(messages)
    if latest <= 0:
        return 0
    kept = 0
    cut = len(messages)
    while cut > 0 and kept + count_tokens_approximately([messages[cut - 1]]) <= keep_tokens:
        cut -= 1
        kept += count_tokens_approximately([messages[cut]])
    # Move forward to the start of the next turn, but never past the latest customer message.
    while cut < latest and not isinstance(messages[cut], HumanMessage):
        cut += 1
    cut = min(cut, latest)
    if cut < len(messages) and isinstance(messages[cut], ToolMessage):  # defensive: cannot happen at a Human
        return 0
    return cut


def _line(message: AnyMessage) -> str | None:
    if isinstance(message, ToolMessage) or (isinstance(message, AIMessage) and message.tool_calls):
        return None
    text = " ".join(text_of(message).split())
    if not text:
        return None
    if isinstance(message, AIMessage):
        match = _FIRST_SENTENCE.match(text)
        text = match.group(1) if match else text
        who = f"Agent {message.name}" if message.name and message.name != "support-bot" else "Assistant"
    else:
        who = "Customer"
    if len(text) > _LINE_CHARS:
        text = text[: _LINE_CHARS - 1].rstrip() + "…"
    return f"- {who}: {text}"


def extractive_summary(previous: str, folded: Sequence[AnyMessage], *, max_tokens: int) -> str:
    """The running summary with ``folded`` appended as one line per message, trimmed to ``max_tokens``.

    The first two lines (how the conversation began) are kept; the middle is dropped first.
    """
    lines = [line for line in previous.splitlines() if line.strip()]
    lines += [line for message in folded if (line := _line(message))]
    head, tail = lines[:2], lines[2:]
    while tail and count_tokens_approximately([HumanMessage("\n".join(head + tail))]) > max_tokens:
        tail.pop(0)
    return "\n".join(head + tail)


def transcript(messages: Sequence[AnyMessage]) -> str:
    """Messages as "Role: text" lines for the LLM summarisation prompt (tool traffic left out)."""
    return "\n".join(line[2:] for message in messages if (line := _line(message)))
