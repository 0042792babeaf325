"""Resolution (confirmed / assumed) and CSAT, per thread and per ticket, on real Postgres."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from psycopg_pool import AsyncConnectionPool

from support.events import record_turn
from support.handoff import open_handoff
from support.outcomes import (
    RatingOutOfRangeError,
    confirm_resolution,
    end_conversation,
    sweep_assumed_resolutions,
)
from support.tickets import create_ticket, get_ticket, ticket_events, update_ticket


async def _outcome(pool: AsyncConnectionPool, thread_id: str) -> dict[str, object] | None:
    async with pool.connection() as conn:
        cursor = await conn.execute("SELECT * FROM conversation_outcomes WHERE thread_id = %s", (thread_id,))
        return await cursor.fetchone()  # type: ignore[no-any-return]


async def test_confirmed_resolution_resolves_thread_tickets(support_pool: AsyncConnectionPool) -> None:
    ticket = await create_ticket(support_pool, tenant="default", customer_id="c1", subject="x", thread_id="th-a")
    other = await create_ticket(support_pool, tenant="default", customer_id="c1", subject="y", thread_id="th-b")
    outcome = await confirm_resolution("default", "th-a", "c1", "bot", db=support_pool)
    assert (outcome["resolution"], outcome["resolved_by"]) == ("confirmed", "bot")
    resolved = await get_ticket(support_pool, "default", ticket["id"])
    assert resolved is not None and resolved["status"] == "resolved" and resolved["resolution"] == "confirmed"
    untouched = await get_ticket(support_pool, "default", other["id"])
    assert untouched is not None and untouched["status"] == "open"


async def test_csat_rating_recorded_on_thread_and_ticket(support_pool: AsyncConnectionPool) -> None:
    ticket = await create_ticket(support_pool, tenant="default", customer_id="c1", subject="x", thread_id="th-a")
    with pytest.raises(RatingOutOfRangeError):
        await end_conversation(support_pool, tenant="default", thread_id="th-a", customer_id="c1", rating=6)
    assert await _outcome(support_pool, "th-a") is None  # nothing stored on bad input
    outcome = await end_conversation(
        support_pool, tenant="default", thread_id="th-a", customer_id="c1", rating=4, comment="quick and kind"
    )
    assert outcome["rating"] == 4 and outcome["comment"] == "quick and kind" and outcome["ended_at"] is not None
    rated = await get_ticket(support_pool, "default", ticket["id"])
    assert rated is not None and rated["satisfaction"] == 4
    assert (await ticket_events(support_pool, "default", ticket["id"]))[-1]["data"]["rating"] == 4


async def test_sweep_assumes_resolution_after_silence(support_pool: AsyncConnectionPool) -> None:
    for thread_id in ("th-quiet", "th-recent", "th-waiting", "th-confirmed"):
        await record_turn(tenant="default", thread_id=thread_id, customer_id="c1", turn=1, intent="billing_invoice")
    pending = await create_ticket(support_pool, tenant="default", customer_id="c1", subject="p", thread_id="th-quiet")
    await update_ticket(support_pool, tenant="default", ticket_id=pending["id"], actor="agent:x", status="pending")
    await open_handoff(
        tenant="default",
        customer_id="c1",
        thread_id="th-waiting",
        reason="human_requested",
        intent="billing_invoice",
        db=support_pool,
    )
    await confirm_resolution("default", "th-confirmed", "c1", "bot", db=support_pool)
    async with support_pool.connection() as conn:
        await conn.execute(
            "UPDATE conversation_events SET created_at = now() - interval '30 hours' WHERE thread_id <> 'th-recent'"
        )

    assert await sweep_assumed_resolutions(db=support_pool) == 1
    quiet = await _outcome(support_pool, "th-quiet")
    assert quiet is not None and (quiet["resolution"], quiet["resolved_by"]) == ("assumed", "bot")
    assert await _outcome(support_pool, "th-recent") is None
    assert await _outcome(support_pool, "th-waiting") is None
    confirmed = await _outcome(support_pool, "th-confirmed")
    assert confirmed is not None and confirmed["resolution"] == "confirmed"
    swept = await get_ticket(support_pool, "default", pending["id"])
    assert swept is not None and (swept["status"], swept["resolution"]) == ("resolved", "assumed")
    assert await sweep_assumed_resolutions(db=support_pool) == 0  # idempotent

    # with a clock 31 hours ahead the recent thread is silent too
    later = datetime.now(UTC) + timedelta(hours=31)
    assert await sweep_assumed_resolutions(later, db=support_pool) == 1


async def test_follow_up_turn_cancels_assumed_resolution(support_pool: AsyncConnectionPool) -> None:
    await record_turn(tenant="default", thread_id="th-1", customer_id="c1", turn=1)
    assert await sweep_assumed_resolutions(datetime.now(UTC) + timedelta(hours=25), db=support_pool) == 1
    await record_turn(
        tenant="default",
        thread_id="th-1",
        customer_id="c1",
        turn=2,
        intent="refund_request",
        articles_cited=["kb-1"],
        latency_ms=120,
        escalated=False,
    )
    outcome = await _outcome(support_pool, "th-1")
    assert outcome is not None and outcome["resolution"] is None
