"""The one place chat models come from: "offline" (our grounded responder) or "provider:model" (init_chat_model).

Tests pass their scripted fake to ``build_graph(model=...)``; :class:`ModelChoice` is how the nodes resolve the
model for a run (explicit override, else the run's ``Context.model``, else ``LLM_MODEL``) and the answer's
fallback chain (:meth:`ModelChoice.answer_steps`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

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
    timeout and client retries (graph/answer.py bounds them all by the turn's deadline), and OPENAI_BASE_URL
    for any OpenAI-compatible server.
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
        options["stream_usage"] = True  # token usage on streamed answers too (OpenAI-compatible servers included)
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

    def answer_steps(self, name: str | None, tools: Sequence[BaseTool]) -> list[AnswerStep]:
        """Who may answer a turn, in order: the primary, LLM_FALLBACK_MODEL, then the offline responder.

        The offline responder is the last step unless it is the primary already; ``tools`` are bound to each.
        """
        settings = get_settings()
        primary_name = name or settings.llm_model
        primary = self.chat_model(name)
        label = primary_name if self.override is None else getattr(primary, "model_name", None) or primary._llm_type
        steps = [AnswerStep("primary", str(label), _bound(primary, tools), remote=not is_offline(primary))]
        fallback_name = settings.llm_fallback_model
        if (
            self.override is None
            and fallback_name
            and fallback_name not in (primary_name, OFFLINE)
            and not is_offline(primary)
        ):
            fallback = get_chat_model(fallback_name)
            steps.append(AnswerStep("fallback", fallback_name, _bound(fallback, tools), remote=True))
        if not is_offline(primary):
            steps.append(AnswerStep("offline", OFFLINE, _bound(get_chat_model(OFFLINE), tools), remote=False))
        return steps


@dataclass(frozen=True, slots=True)
class AnswerStep:
    """One link of the answer's fallback chain."""

    role: Literal["primary", "fallback", "offline"]
    model: str
    """The model's name as configured ("provider:model" or "offline"), for analytics and prices."""
    runnable: Runnable[LanguageModelInput, BaseMessage]
    remote: bool
    """A model over the network, bounded by the turn's deadline (the offline responder runs locally)."""


def _bound(model: BaseChatModel, tools: Sequence[BaseTool]) -> Runnable[LanguageModelInput, BaseMessage]:
    return model.bind_tools(list(tools)) if tools else model
