"""The offline responder: a real chat model that answers only from what its prompt gives it, with no API key.

It reads the grounding block of its system prompt (graph/grounding.py), asks for tickets through tool calls
when it has tools and needs them, and otherwise composes an answer from KB sentences, ticket and memory facts
and persona phrases (graph/offline/compose.py). One batched embedding call per turn; KB sentence vectors are
cached by chunk.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolCall, ToolMessage
from langchain_core.messages.utils import count_tokens_approximately
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import PrivateAttr

from graph.grounding import Grounding, parse_grounding
from graph.offline.compose import Composition, Question, Thresholds, compose_answer
from graph.offline.cues import MEMORY_PROTOTYPES, is_ticket_question, ticket_ids
from graph.offline.sentences import Matrix, SentenceCache
from prompts.loader import Persona, load_persona, phrase

_MAX_TOOL_LINES = 12


def _text(message: BaseMessage) -> str:
    return message.text if isinstance(message.content, list) else str(message.content)


def _first_required_arg(tool: dict[str, Any]) -> str | None:
    parameters = tool.get("function", {}).get("parameters", {})
    required = parameters.get("required") or list(parameters.get("properties", {}))
    return str(required[0]) if required else None


class OfflineResponder(BaseChatModel):
    """Grounded, extractive support answers; see the module docstring."""

    thresholds: Thresholds = Thresholds()
    default_persona: str = "friendly"

    _cache: SentenceCache = PrivateAttr(default_factory=SentenceCache)
    _prototypes: Matrix | None = PrivateAttr(default=None)

    @property
    def _llm_type(self) -> str:
        return "support-offline"

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Make the tools available; the responder calls them when the question needs their data."""
        return self.bind(tools=[convert_to_openai_tool(tool) for tool in tools], **kwargs)

    @property
    def sentence_cache(self) -> SentenceCache:
        """The per-process cache of KB sentence embeddings (exposed for benchmarks)."""
        return self._cache

    def _encode(self, texts: list[str]) -> Matrix:
        from knowledge.embeddings import get_local_embeddings

        return get_local_embeddings().encode(texts)

    def _memory_prototypes(self) -> Matrix:
        if self._prototypes is None:
            self._prototypes = self._encode(list(MEMORY_PROTOTYPES))
        return self._prototypes

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        system = next((m for m in messages if isinstance(m, SystemMessage)), None)
        grounding = (parse_grounding(_text(system)) if system else None) or Grounding(
            persona=self.default_persona, language="en"
        )
        persona = self._persona(grounding)
        last_human = max((i for i, m in enumerate(messages) if isinstance(m, HumanMessage)), default=-1)
        question = _text(messages[last_human]) if last_human >= 0 else ""
        tool_results = tuple(
            line
            for m in messages[last_human + 1 :]
            if isinstance(m, ToolMessage)
            for line in _text(m).strip().splitlines()[:_MAX_TOOL_LINES]
            if line.strip()
        )
        tool_calls = self._tool_calls(question, grounding, kwargs.get("tools") or [], bool(tool_results))
        if tool_calls:
            message = AIMessage(content="", tool_calls=tool_calls)
        else:
            composition = self._compose(messages, last_human, question, tool_results, grounding, persona)
            message = AIMessage(content=composition.text, response_metadata={"cited_articles": composition.cited})
        message.usage_metadata = {
            "input_tokens": count_tokens_approximately(messages),
            "output_tokens": count_tokens_approximately([message]),
            "total_tokens": count_tokens_approximately([*messages, message]),
        }
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _persona(self, grounding: Grounding) -> Persona:
        return load_persona(grounding.persona or self.default_persona)

    def _tool_calls(
        self, question: str, grounding: Grounding, tools: list[dict[str, Any]], have_results: bool
    ) -> list[ToolCall]:
        """Ask for ticket data when the customer wants it and neither the prompt nor a tool result has it."""
        if have_results or grounding.tickets or not is_ticket_question(question, grounding.intent):
            return []
        by_name = {tool.get("function", {}).get("name"): tool for tool in tools}
        ids = ticket_ids(question)
        if ids and "lookup_ticket" in by_name:
            arg = _first_required_arg(by_name["lookup_ticket"]) or "ticket_id"
            return [
                ToolCall(name="lookup_ticket", args={arg: tid}, id=f"call_{uuid.uuid4().hex[:12]}") for tid in ids[:3]
            ]
        if "list_my_tickets" in by_name:
            properties = by_name["list_my_tickets"].get("function", {}).get("parameters", {}).get("properties", {})
            args = {"about": question} if "about" in properties else {}
            return [ToolCall(name="list_my_tickets", args=args, id=f"call_{uuid.uuid4().hex[:12]}")]
        return []

    def _compose(
        self,
        messages: list[BaseMessage],
        last_human: int,
        question: str,
        tool_results: tuple[str, ...],
        grounding: Grounding,
        persona: Persona,
    ) -> Composition:
        clarify = phrase(persona, grounding.language, "clarify")
        previous_ai = next((m for m in reversed(messages[: max(last_human, 0)]) if isinstance(m, AIMessage)), None)
        clarified_before = previous_ai is not None and clarify in _text(previous_ai)
        return compose_answer(
            Question(text=question, tool_results=tool_results, clarified_before=clarified_before),
            grounding,
            persona,
            encode=self._encode,
            cache=self._cache,
            memory_prototypes=self._memory_prototypes(),
            limits=self.thresholds,
        )
