"""Analytics of the model behind the answers: tokens and cost per turn and per conversation, who answered, failures."""

from __future__ import annotations

from typing import Any

from support.connections import Db, fetch_all

_RANGE = "e.tenant = %(tenant)s AND e.created_at >= %(start)s AND e.created_at < %(end)s"

_TOTALS = f"""
SELECT count(*) AS turns, count(DISTINCT e.thread_id) AS conversations,
       COALESCE(sum(e.input_tokens), 0)::bigint AS input_tokens,
       COALESCE(sum(e.output_tokens), 0)::bigint AS output_tokens,
       COALESCE(sum(e.cached_tokens), 0)::bigint AS cached_tokens,
       sum(e.cost_usd)::float AS cost_usd,
       count(*) FILTER (WHERE e.model_failure IS NOT NULL) AS turns_with_failures
FROM conversation_events e WHERE {_RANGE} AND (e.model IS NOT NULL OR e.model_failure IS NOT NULL)
"""

_BY_MODEL = f"""
SELECT e.model, count(*) AS turns, sum(e.input_tokens)::bigint AS input_tokens,
       sum(e.output_tokens)::bigint AS output_tokens, sum(e.cached_tokens)::bigint AS cached_tokens,
       sum(e.cost_usd)::float AS cost_usd
FROM conversation_events e WHERE {_RANGE} AND e.model IS NOT NULL
GROUP BY e.model ORDER BY turns DESC, e.model
"""

_ANSWERED_BY = f"""
SELECT e.answered_by, count(*) AS turns FROM conversation_events e
WHERE {_RANGE} AND e.answered_by IS NOT NULL GROUP BY e.answered_by ORDER BY turns DESC, e.answered_by
"""

_FAILURES = f"""
SELECT f.failure, count(*) AS turns
FROM conversation_events e CROSS JOIN LATERAL unnest(string_to_array(e.model_failure, '; ')) AS f(failure)
WHERE {_RANGE} AND e.model_failure IS NOT NULL GROUP BY f.failure ORDER BY turns DESC, f.failure
"""

_CONVERSATIONS = f"""
SELECT e.thread_id, count(*) AS turns, sum(e.input_tokens)::bigint AS input_tokens,
       sum(e.output_tokens)::bigint AS output_tokens, sum(e.cached_tokens)::bigint AS cached_tokens,
       sum(e.cost_usd)::float AS cost_usd
FROM conversation_events e WHERE {_RANGE} AND e.model IS NOT NULL
GROUP BY e.thread_id ORDER BY cost_usd DESC NULLS LAST, input_tokens DESC, e.thread_id LIMIT %(limit)s
"""


def _per(total: float | None, count: int) -> float | None:
    return round(total / count, 8) if total is not None and count else None


async def model_metrics(conn: Db, params: dict[str, Any]) -> dict[str, Any]:
    """The ``model`` section of the analytics report over the window in ``params`` (tenant, start, end, limit)."""
    totals = (await fetch_all(conn, _TOTALS, params))[0]
    turns, conversations = int(totals["turns"]), int(totals["conversations"])
    return {
        **totals,
        "cost_per_turn_usd": _per(totals["cost_usd"], turns),
        "cost_per_conversation_usd": _per(totals["cost_usd"], conversations),
        "input_tokens_per_turn": _per(float(totals["input_tokens"]), turns),
        "by_model": await fetch_all(conn, _BY_MODEL, params),
        "answered_by": {row["answered_by"]: row["turns"] for row in await fetch_all(conn, _ANSWERED_BY, params)},
        "failures": {row["failure"]: row["turns"] for row in await fetch_all(conn, _FAILURES, params)},
        "top_conversations": await fetch_all(conn, _CONVERSATIONS, params),
    }
