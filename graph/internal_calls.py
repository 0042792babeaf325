"""The one place internal LLM calls are made: intent routing, memory extraction and summaries.

They are tagged ``nostream`` (LangGraph leaves them out of the ``messages`` stream, so only the answer's tokens
reach the customer) and ``langsmith:nostream``; their results still reach the ``values`` and ``updates`` streams.
"""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import BaseMessage
from langchain_core.runnables import Runnable

INTERNAL_TAGS = ("nostream", "langsmith:nostream", "internal")


def internal_text(model: BaseChatModel, name: str) -> Runnable[LanguageModelInput, BaseMessage]:
    """``model`` for an internal free-text call (a summary), never streamed to the customer."""
    return model.with_config(tags=list(INTERNAL_TAGS), run_name=name)


def internal_structured(model: BaseChatModel, schema: type[Any], name: str) -> Runnable[LanguageModelInput, Any]:
    """``model`` answering as ``schema`` (intent, extracted facts), never streamed to the customer."""
    return model.with_structured_output(schema).with_config(tags=list(INTERNAL_TAGS), run_name=name)
