"""summarize: fold the oldest messages into the running summary once the history exceeds its token budget.

Folded messages are removed from the thread with RemoveMessage; the durable facts they held are already in
the customer's long-term memory, so the summary only has to keep the conversation coherent.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from langchain_core.messages import RemoveMessage
from langchain_core.runnables import RunnableConfig
from langgraph.runtime import Runtime

from graph.answer import MODEL_ERRORS, failure_reason
from graph.internal_calls import internal_text
from graph.internal_usage import RecordUsage, counting_usage
from graph.messages import text_of
from graph.models import ModelChoice
from graph.state import Context, State
from graph.summary import choose_cut, extractive_summary, transcript
from prompts.loader import load_template
from settings import get_settings

logger = logging.getLogger(__name__)

KEEP_SHARE = 0.5
"""Share of the budget the recent messages keep after folding."""
SUMMARY_SHARE = 0.25
"""Share of the budget the running summary may take."""


def make_summarize(models: ModelChoice, record_usage: RecordUsage | None = None) -> Any:
    """The summarize node; a real LLM writes the summary, the offline model path uses extractive lines.

    ``record_usage`` (graph.internal_usage.add_to_recorded_turn) adds the summary's tokens to the turn's analytics.
    """

    async def summarize(state: State, runtime: Runtime[Context], config: RunnableConfig) -> dict[str, Any]:
        """Fold the oldest turns into ``summary`` and remove them from ``messages``."""
        budget = get_settings().summary_token_budget
        messages = list(state.messages)
        cut = choose_cut(messages, int(budget * KEEP_SHARE))
        if cut <= 0:
            return {}
        folded = messages[:cut]
        max_tokens = int(budget * SUMMARY_SHARE)
        chat = models.upkeep_model(runtime.context.model)
        summary = None
        if chat is not None:
            prompt = load_template("summarize").format(
                max_words=int(max_tokens * 0.75), summary=state.summary or "(none)", transcript=transcript(folded)
            )
            with counting_usage() as summary_call:
                try:
                    async with asyncio.timeout(get_settings().llm_timeout_s):
                        summary = text_of(await internal_text(chat, "summarize").ainvoke(prompt)).strip() or None
                except MODEL_ERRORS as error:  # the answer is already out: fold with the offline rules instead
                    logger.warning("summary model failed (%s); using the extractive summary", failure_reason(error))
            if record_usage is not None:
                context = runtime.context
                thread_id = str((config.get("configurable") or {}).get("thread_id") or "")
                model = context.model or get_settings().llm_model
                await record_usage(context.tenant, thread_id, state.turn_count, model, summary_call.tokens)
        if summary is None:
            summary = extractive_summary(state.summary, folded, max_tokens=max_tokens)
        removals = [RemoveMessage(id=str(message.id)) for message in folded if message.id]
        return {"summary": summary, "messages": removals}

    return summarize
