"""Our own records as a remote model reads them: the thread's placeholders for values its customer already gave.

The thread's messages hold placeholders (``<PERSON_1>``), but the system prompt and tool results quote our
records: a ticket's history, where a person's reply keeps the customer's name ("Hello Annabel Quistorp, ..."), or
the customer's profile. Before a remote model reads them, every value the thread's pseudonym map already holds
becomes its placeholder, so the model sees one name for one person and never the value. No recogniser runs on
this text (KB articles would lose words such as "Linux"); the records' identifiers are masked when written.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from langchain_core.messages import BaseMessage, SystemMessage, ToolMessage
from langgraph.config import get_config

from settings import get_settings
from signals.pii_pseudonyms import Pseudonyms
from signals.pii_vault import load_pseudonyms, pseudonyms_apply

logger = logging.getLogger(__name__)


async def with_known_placeholders(messages: Sequence[BaseMessage], model: str | None) -> list[BaseMessage]:
    """``messages`` with the thread's known values replaced in the system prompt and tool results."""
    if not pseudonyms_apply(get_settings().pii_mode, model):
        return list(messages)
    try:
        thread_id = get_config().get("configurable", {}).get("thread_id")
    except RuntimeError:  # called outside a graph run (a node under test): no thread, no map
        return list(messages)
    if not thread_id:
        return list(messages)
    pseudonyms = await load_pseudonyms(str(thread_id))
    if not pseudonyms.values:
        return list(messages)
    return [_replaced(message, pseudonyms) for message in messages]


def _replaced(message: BaseMessage, pseudonyms: Pseudonyms) -> BaseMessage:
    if not isinstance(message, SystemMessage | ToolMessage) or not isinstance(message.content, str):
        return message
    text = pseudonyms.replace_known(message.content)
    return message if text == message.content else message.model_copy(update={"content": text})
