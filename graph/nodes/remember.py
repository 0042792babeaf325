"""remember: close the turn -- the analytics event, a confirmed resolution, and (in the background) memory.

Runs once per customer message: a turn resumed after a person's action is not counted twice.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.runtime import Runtime

from graph.clock import now
from graph.costs import ModelTurn, estimated_cost
from graph.internal_usage import RecordUsage, counting_usage
from graph.memory import get_memory_writer, learn_from_turn, memory_namespace
from graph.memory_extract import TurnRecord
from graph.messages import last_ai, last_human_text, said_messages, text_of
from graph.models import ModelChoice
from graph.state import Context, State
from settings import get_settings

RecordTurn = Callable[..., Awaitable[Any]]
ConfirmResolution = Callable[..., Awaitable[Any]]
IndexMessages = Callable[..., Awaitable[None]]
SEARCHABLE_TAIL = 20
"""Messages of the thread's end offered to the search index each step (the ones it already has are skipped)."""


def turn_record(state: State, context: Context, thread_id: str = "") -> TurnRecord:
    """What the memory writer learns from this turn (with where it was said: thread, turn, message id)."""
    answer = last_ai(state.messages)
    question = next((m for m in reversed(state.messages) if m.type == "human"), None)
    return TurnRecord(
        customer_text=last_human_text(state.messages),
        answer_text=text_of(answer) if answer else "",
        now=now(context.now),
        intent=state.intent,
        topic=state.topic,
        sentiment=state.sentiment,
        sentiment_score=state.sentiment_score,
        language=state.language,
        cited=[(c["id"], c["title"]) for c in state.turn_citations],
        previous_cited=[(c["id"], c["title"]) for c in state.last_citations],
        resolved=state.resolved,
        tickets=list(state.tickets),
        escalation=state.escalation,
        thread_id=thread_id,
        turn=state.turn_count,
        message_id=str(question.id) if question is not None and question.id else None,
    )


def model_turn(state: State) -> ModelTurn | None:
    """The turn's model figures for analytics (None when no model answered: a person has the conversation)."""
    usage = state.turn_usage
    if usage is None and state.model_failure is None:
        return None
    return ModelTurn(
        model=usage["model"] if usage else None,
        answered_by=state.answered_by,
        model_failure=state.model_failure,
        input_tokens=usage["input_tokens"] if usage else 0,
        output_tokens=usage["output_tokens"] if usage else 0,
        cached_tokens=usage["cached_tokens"] if usage else 0,
        cost_usd=estimated_cost(usage) if usage else None,
    )


def _run_id(config: RunnableConfig) -> str | None:
    run_id = (config.get("metadata") or {}).get("run_id") or (config.get("configurable") or {}).get("run_id")
    return str(run_id) if run_id else None


def make_remember(
    models: ModelChoice,
    record_turn: RecordTurn,
    confirm_resolution: ConfirmResolution,
    record_usage: RecordUsage | None = None,
    index_messages: IndexMessages | None = None,
) -> Any:
    """The remember node over support.events.record_turn and support.outcomes.confirm_resolution.

    ``record_usage`` (graph.internal_usage.add_to_recorded_turn) adds the memory extraction's tokens to the turn's
    analytics row once the background extraction is done (None = not recorded). ``index_messages``
    (support.conversation_text.index_messages) keeps the words of every message for the conversation search,
    including a person's reply, which ends a step without a new turn.
    """

    async def remember(state: State, runtime: Runtime[Context], config: RunnableConfig) -> dict[str, Any]:
        """Record the turn once, confirm a resolution, and schedule the memory update off the reply path."""
        context = runtime.context
        configurable = config.get("configurable") or {}
        thread_id = str(configurable.get("thread_id") or "")
        if index_messages is not None and thread_id:
            await index_messages(
                tenant=context.tenant,
                thread_id=thread_id,
                customer_id=context.customer_id,
                messages=said_messages(state.messages[-SEARCHABLE_TAIL:]),
            )
        if state.turn_count <= state.recorded_turn:
            return {}
        settings = get_settings()
        escalated = state.escalation is not None and state.escalation["status"] == "pending"
        latency_ms = int((time.time() - state.turn_started_at) * 1000) if state.turn_started_at else None
        await record_turn(
            tenant=context.tenant,
            thread_id=thread_id,
            customer_id=context.customer_id,
            turn=state.turn_count,
            run_id=_run_id(config),
            intent=state.intent,
            intent_confidence=state.intent_confidence,
            sentiment=state.sentiment,
            sentiment_score=state.sentiment_score,
            urgency=state.urgency,
            language=state.language,
            articles_cited=[c["id"] for c in state.turn_citations],
            latency_ms=latency_ms,
            escalated=escalated,
            resolved=state.resolved,
            low_confidence=state.low_confidence_streak > 0,
            model=model_turn(state),
        )
        if state.resolved:
            by = "human" if state.escalation and state.escalation["status"] == "replied" else "bot"
            await confirm_resolution(context.tenant, thread_id, context.customer_id, by)
        store = runtime.store
        if store is not None and context.customer_id != "anonymous":
            namespace = memory_namespace(context.tenant, context.customer_id)
            turn = turn_record(state, context, thread_id)
            extractor = models.upkeep_model(context.model)

            async def job() -> None:
                with counting_usage() as extraction:
                    await learn_from_turn(
                        store,
                        namespace,
                        turn,
                        model=extractor,
                        thread_id=thread_id,
                        max_facts=settings.memory_max_facts,
                    )
                if record_usage is not None:
                    model = context.model or settings.llm_model
                    await record_usage(context.tenant, thread_id, turn.turn, model, extraction.tokens)

            get_memory_writer().schedule(namespace, job)
        failed = state.low_confidence_streak > 0 and not state.turn_citations and not escalated
        return {"recorded_turn": state.turn_count, "failed_answers": state.failed_answers + 1 if failed else 0}

    return remember
