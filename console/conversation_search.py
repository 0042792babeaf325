"""Finding conversations: every thread of the tenant by customer, intent, status, date and anything said in it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import LiteralString

from support.connections import Db, Row, fetch_all
from support.conversation_text import words_query

THREAD_STATUSES = ("idle", "busy", "interrupted", "error")
_SEARCH: LiteralString = """
SELECT t.thread_id, t.status, t.created_at, t.updated_at, t.metadata_json->>'customer_id' AS customer_id,
       e.intent, e.turns, e.escalated, o.resolution, o.rating
FROM thread t
LEFT JOIN LATERAL (
  SELECT max(turn) AS turns, bool_or(escalated) AS escalated, (array_agg(intent ORDER BY turn DESC))[1] AS intent
  FROM conversation_events ce WHERE ce.thread_id = t.thread_id
) e ON true
LEFT JOIN conversation_outcomes o ON o.thread_id = t.thread_id
WHERE t.user_id = %(owner)s
  AND (%(customer)s::text IS NULL OR t.metadata_json->>'customer_id' ILIKE %(customer)s)
  AND (%(intent)s::text IS NULL OR EXISTS (
       SELECT 1 FROM conversation_events ce WHERE ce.thread_id = t.thread_id AND ce.intent = %(intent)s))
  AND (%(status)s::text IS NULL OR t.status = %(status)s)
  AND (%(since)s::date IS NULL OR t.created_at >= %(since)s::date)
  AND (%(until)s::date IS NULL OR t.created_at < %(until)s::date + 1)
  AND (%(words)s::text IS NULL OR t.thread_id IN (
       SELECT m.thread_id FROM conversation_messages m
        WHERE m.tenant = %(tenant)s AND m.body ILIKE %(words)s
          AND (%(word_query)s::text IS NULL OR m.words @@ to_tsquery('simple', %(word_query)s))))
ORDER BY t.updated_at DESC
LIMIT %(limit)s
"""
_INTENTS: LiteralString = (
    "SELECT DISTINCT intent FROM conversation_events WHERE tenant = %(tenant)s AND intent IS NOT NULL ORDER BY intent"
)


@dataclass(frozen=True, slots=True)
class ConversationQuery:
    """What to look for; empty fields match everything."""

    customer: str = ""
    intent: str = ""
    status: str = ""
    since: date | None = None
    until: date | None = None
    text: str = ""


def _like(value: str) -> str | None:
    value = value.strip()[:200]
    if not value:
        return None
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def search_conversations(db: Db | None, tenant: str, query: ConversationQuery, *, limit: int = 100) -> list[Row]:
    """Matching threads, most recently active first, with their last intent, turns, escalation and outcome.

    ``query.text`` matches the words of any message: the customer's, the bot's or a person's.
    """
    params = {
        "owner": f"tenant:{tenant}",
        "tenant": tenant,
        "customer": _like(query.customer),
        "intent": query.intent.strip() or None,
        "status": query.status if query.status in THREAD_STATUSES else None,
        "since": query.since,
        "until": query.until,
        "words": _like(query.text),
        "word_query": words_query(query.text),
        "limit": limit,
    }
    return await fetch_all(db, _SEARCH, params)


async def known_intents(db: Db | None, tenant: str) -> list[str]:
    """The intents seen in the tenant's conversations, for the search form."""
    return [str(row["intent"]) for row in await fetch_all(db, _INTENTS, {"tenant": tenant})]
