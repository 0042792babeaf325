"""One row per conversation turn: the signals, what the bot did, and how long it took (analytics reads these)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import astuple
from typing import TYPE_CHECKING

from support.connections import Db, Row, acquire, fetch_all, fetch_required

if TYPE_CHECKING:
    from graph.costs import ModelTurn

_MODEL_COLUMNS = 7
"""model, answered_by, model_failure, input_tokens, output_tokens, cached_tokens, cost_usd (ModelTurn's fields)."""


async def record_turn(
    *,
    tenant: str,
    thread_id: str,
    customer_id: str,
    turn: int,
    run_id: str | None = None,
    intent: str | None = None,
    intent_confidence: float | None = None,
    sentiment: str | None = None,
    sentiment_score: float | None = None,
    urgency: str | None = None,
    language: str | None = None,
    articles_cited: Sequence[str] = (),
    latency_ms: int | None = None,
    escalated: bool = False,
    resolved: bool = False,
    low_confidence: bool = False,
    model: ModelTurn | None = None,
    db: Db | None = None,
) -> Row:
    """Store the turn; a new turn after an assumed resolution means it was not resolved after all."""
    async with acquire(db) as conn, conn.transaction():
        row = await fetch_required(
            conn,
            "INSERT INTO conversation_events (tenant, thread_id, customer_id, run_id, turn, intent,"
            " intent_confidence, sentiment, sentiment_score, urgency, language, escalated, resolved, low_confidence,"
            " articles_cited, latency_ms, model, answered_by, model_failure, input_tokens, output_tokens,"
            " cached_tokens, cost_usd) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,"
            " %s, %s, %s, %s, %s, %s, %s)"
            " RETURNING id, created_at",
            (
                tenant,
                thread_id,
                customer_id,
                run_id,
                turn,
                intent,
                intent_confidence,
                sentiment,
                sentiment_score,
                urgency,
                language,
                escalated,
                resolved,
                low_confidence,
                list(articles_cited),
                latency_ms,
                *(astuple(model) if model is not None else (None,) * _MODEL_COLUMNS),
            ),
        )
        await fetch_all(
            conn,
            "UPDATE conversation_outcomes SET resolution = NULL, resolved_by = NULL, updated_at = now()"
            " WHERE thread_id = %s AND resolution = 'assumed' RETURNING thread_id",
            (thread_id,),
        )
    return row


async def thread_events(db: Db | None, tenant: str, thread_id: str) -> list[Row]:
    """The thread's turn events, in order."""
    return await fetch_all(
        db,
        "SELECT * FROM conversation_events WHERE tenant = %s AND thread_id = %s ORDER BY turn, id",
        (tenant, thread_id),
    )
