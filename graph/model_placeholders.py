"""Our own records as a remote model reads them: the thread's placeholders for values its customer already gave.

The thread's messages hold placeholders (``<PERSON_1>``), but the system prompt and tool results quote our
records: a ticket's history, where a person's reply keeps the customer's name ("Hello Annabel Quistorp, ..."), or
the customer's profile. Before a remote model reads them, every value the thread's pseudonym map already holds
becomes its placeholder, so the model sees one name for one person and never the value. No recogniser runs on
this text (KB articles would lose words such as "Linux"); the records' identifiers are masked when written.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from langchain_core.messages import BaseMessage, SystemMessage, ToolMessage
from langchain_core.runnables import RunnableConfig
from langgraph.config import get_config
from langgraph.prebuilt.tool_node import ToolCallRequest
from langgraph.types import Command

from settings import get_settings
from signals.pii_pseudonyms import Pseudonyms
from signals.pii_vault import load_pseudonyms, pseudonyms_apply


async def with_known_placeholders(messages: Sequence[BaseMessage], model: str | None) -> list[BaseMessage]:
    """``messages`` with the thread's known values replaced in the system prompt and tool results."""
    try:
        config = get_config()
    except RuntimeError:  # called outside a graph run (a node under test): no thread, no map
        return list(messages)
    pseudonyms = await _thread_pseudonyms(config, model)
    if pseudonyms is None:
        return list(messages)
    return [_replaced(message, pseudonyms) for message in messages]


async def placeholders_in_tool_results(
    request: ToolCallRequest, execute: Callable[[ToolCallRequest], Awaitable[ToolMessage | Command[Any]]]
) -> ToolMessage | Command[Any]:
    """A ToolNode wrapper: a tool's result holds the thread's placeholders before it enters the state.

    Ticket histories parsed from it (the retrieve node's ``tickets``) and the checkpoints then never keep a value
    the customer gave, where a person typed it into our records.
    """
    result = await execute(request)
    if not isinstance(result, ToolMessage):
        return result
    model = getattr(request.runtime.context, "model", None)
    pseudonyms = await _thread_pseudonyms(request.runtime.config, model)
    return result if pseudonyms is None else _replaced(result, pseudonyms)


async def _thread_pseudonyms(config: RunnableConfig | None, model: str | None) -> Pseudonyms | None:
    if not pseudonyms_apply(get_settings().pii_mode, model):
        return None
    thread_id = (config or {}).get("configurable", {}).get("thread_id")
    if not thread_id:
        return None
    pseudonyms = await load_pseudonyms(str(thread_id))
    return pseudonyms if pseudonyms.values else None


def _replaced[M: BaseMessage](message: M, pseudonyms: Pseudonyms) -> M:
    if not isinstance(message, SystemMessage | ToolMessage) or not isinstance(message.content, str):
        return message
    text = pseudonyms.replace_known(message.content)
    return message if text == message.content else message.model_copy(update={"content": text})  # type: ignore[return-value]  # model_copy keeps the class
