"""The one place chat models come from: "offline" (our grounded responder) or "provider:model" (init_chat_model).

Tests pass their scripted fake to ``build_graph(model=...)``; :class:`ModelChoice` is how the nodes resolve the
model for a run (explicit override, else the run's ``Context.model``, else ``LLM_MODEL``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import BaseMessage
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool

from settings import get_settings

OFFLINE = "offline"


@lru_cache(maxsize=8)
def get_chat_model(name: str | None = None) -> BaseChatModel:
    """The chat model called ``name`` (default LLM_MODEL), built once per process.

    "offline" is the grounded responder; "provider:model" goes through ``init_chat_model`` with the configured
    timeout and client retries, and OPENAI_BASE_URL for any OpenAI-compatible server.
    """
    settings = get_settings()
    name = name or settings.llm_model
    if name == OFFLINE:
        from graph.offline import OfflineResponder

        return OfflineResponder(default_persona=settings.persona)
    provider, sep, model = name.partition(":")
    if not sep or not provider or not model:
        raise ValueError(f'LLM model must be "offline" or "provider:model", not {name!r}')
    from langchain.chat_models import init_chat_model

    options: dict[str, Any] = {"timeout": settings.llm_timeout_s, "max_retries": settings.llm_max_retries}
    if provider == "openai":
        if settings.openai_base_url:
            options["base_url"] = settings.openai_base_url
        if settings.openai_api_key:
            options["api_key"] = settings.openai_api_key
    chat: BaseChatModel = init_chat_model(model, model_provider=provider, **options)
    return chat


def is_offline(model: BaseChatModel) -> bool:
    """True for the grounded offline responder (it needs no summarisation or extraction prompts)."""
    from graph.offline import OfflineResponder

    return isinstance(model, OfflineResponder)


@dataclass(frozen=True, slots=True)
class ModelChoice:
    """How a graph picks its chat model: a fixed override (tests) or by name per run."""

    override: BaseChatModel | None = None
    upkeep_override: BaseChatModel | None = None
    """Model for summaries and memory extraction when ``override`` is set (None = the offline rules)."""

    def chat_model(self, name: str | None) -> BaseChatModel:
        """The primary model for a run that asked for ``name`` (None = LLM_MODEL)."""
        return self.override if self.override is not None else get_chat_model(name)

    def upkeep_model(self, name: str | None) -> BaseChatModel | None:
        """The LLM that writes summaries and extracts memories, or None for the offline, rule-based path."""
        if self.override is not None:
            return self.upkeep_override
        chat = get_chat_model(name)
        return None if is_offline(chat) else chat

    def with_tools(self, name: str | None, tools: Sequence[BaseTool]) -> Runnable[LanguageModelInput, BaseMessage]:
        """The model with ``tools`` bound, falling back to LLM_FALLBACK_MODEL (tools bound too) on errors."""
        primary = self.chat_model(name).bind_tools(list(tools)) if tools else self.chat_model(name)
        fallback_name = get_settings().llm_fallback_model
        if self.override is not None or not fallback_name or fallback_name == (name or get_settings().llm_model):
            return primary
        fallback_model = get_chat_model(fallback_name)
        fallback = fallback_model.bind_tools(list(tools)) if tools else fallback_model
        return primary.with_fallbacks([fallback])
