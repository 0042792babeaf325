"""Token usage of the internal LLM calls (intent, memory extraction, summaries), recorded like the answer's.

The intent call is made before the answer and joins the turn's usage in the state. Memory extraction and
summaries finish after the turn's analytics row was written (support/events.record_turn), so their tokens and
cost are added to that row.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from langchain_core.callbacks import UsageMetadataCallbackHandler, get_usage_metadata_callback

from graph.costs import TurnUsage, add_usage, estimated_cost

RecordUsage = Callable[[str, str, int, str, tuple[int, int, int]], Awaitable[None]]
"""(tenant, thread id, turn, model, (input, output, cached) tokens): add internal usage to a recorded turn."""


@dataclass(frozen=True, slots=True)
class UsageCount:
    """The usage of every chat-model call made while :func:`counting_usage` was open."""

    callback: UsageMetadataCallbackHandler

    @property
    def tokens(self) -> tuple[int, int, int]:
        """(input, output, cached input) tokens over all calls, as the providers reported them."""
        usages = list(self.callback.usage_metadata.values())
        cached = sum(int((usage.get("input_token_details") or {}).get("cache_read") or 0) for usage in usages)
        return sum(usage["input_tokens"] for usage in usages), sum(usage["output_tokens"] for usage in usages), cached


@contextmanager
def counting_usage() -> Iterator[UsageCount]:
    """Count the tokens of the model calls made inside (threads started with ``asyncio.to_thread`` included)."""
    with get_usage_metadata_callback() as callback:
        yield UsageCount(callback)


def with_internal_usage(previous: TurnUsage | None, model: str, count: UsageCount) -> TurnUsage | None:
    """``previous`` plus the counted internal usage (unchanged when no model call reported any)."""
    tokens = count.tokens
    return add_usage(previous, model, tokens) if any(tokens) else previous


async def add_to_recorded_turn(
    tenant: str, thread_id: str, turn: int, model: str, tokens: tuple[int, int, int]
) -> None:
    """Add internal-call tokens, and their cost, to the turn's analytics row."""
    if not any(tokens) or not thread_id:
        return
    from db.pool import get_pool

    usage = TurnUsage(model=model, input_tokens=tokens[0], output_tokens=tokens[1], cached_tokens=tokens[2], calls=1)
    cost = estimated_cost(usage)
    pool = await get_pool()
    async with pool.connection() as conn:
        await conn.execute(
            "UPDATE conversation_events SET input_tokens = coalesce(input_tokens, 0) + %s,"
            " output_tokens = coalesce(output_tokens, 0) + %s, cached_tokens = coalesce(cached_tokens, 0) + %s,"
            " cost_usd = CASE WHEN %s::numeric IS NULL THEN cost_usd ELSE coalesce(cost_usd, 0) + %s END"
            " WHERE tenant = %s AND thread_id = %s AND turn = %s",
            (*tokens, cost, cost, tenant, thread_id, turn),
        )
