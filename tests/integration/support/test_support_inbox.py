"""The inbox state machine on real Postgres: ordering, atomic claims, who may act, undo, and ticket effects."""

from __future__ import annotations

import asyncio

import pytest
from psycopg_pool import AsyncConnectionPool

from support.customers import upsert_customer
from support.handoff import open_handoff
from support.inbox import (
    HandoffConflictError,
    HandoffNotFoundError,
    assign_handoff,
    begin_action,
    claim_handoff,
    finish_action,
    get_handoff,
    list_inbox,
    undo_action,
)
from support.tickets import get_ticket, ticket_events


async def escalate(pool: AsyncConnectionPool, customer: str, thread: str, urgency: str = "medium") -> int:
    record = await open_handoff(
        tenant="default",
        customer_id=customer,
        thread_id=thread,
        reason="asked_for_human",
        intent="billing_invoice",
        urgency=urgency,
        transcript_tail=[{"role": "user", "content": "a person please"}],
        db=pool,
    )
    return int(record["handoff_id"])


async def test_inbox_order_is_priority_then_wait(support_pool: AsyncConnectionPool) -> None:
    await upsert_customer(support_pool, tenant="default", customer_id="vip", name="Vera", tier="enterprise")
    first_normal = await escalate(support_pool, "c1", "th-1")
    second_normal = await escalate(support_pool, "c2", "th-2")
    urgent = await escalate(support_pool, "vip", "th-3", urgency="high")
    low = await escalate(support_pool, "c3", "th-4", urgency="low")
    items = await list_inbox(support_pool, "default")
    assert [i["id"] for i in items] == [urgent, first_normal, second_normal, low]
    top = items[0]
    assert (top["customer_name"], top["tier"], top["priority"], top["ticket_status"]) == (
        "Vera",
        "enterprise",
        "urgent",
        "open",
    )
    assert top["waiting_seconds"] >= 0 and "a person please" in top["summary"]
    assert [i["id"] for i in await list_inbox(support_pool, "default", team="nobody")] == []
    assert await list_inbox(support_pool, "other-tenant") == []


async def test_claim_is_atomic(support_pool: AsyncConnectionPool) -> None:
    handoff_id = await escalate(support_pool, "c1", "th-1")
    results = await asyncio.gather(
        *(claim_handoff(support_pool, "default", handoff_id, f"agent{n}") for n in range(5)), return_exceptions=True
    )
    winners = [r for r in results if isinstance(r, dict)]
    losers = [r for r in results if isinstance(r, HandoffConflictError)]
    assert len(winners) == 1 and len(losers) == 4
    assert losers[0].status == "claimed" and losers[0].allowed == ["reply", "handback", "close"]
    ticket = await get_ticket(support_pool, "default", winners[0]["ticket_id"])
    assert ticket is not None and ticket["status"] == "in_progress"
    with pytest.raises(HandoffNotFoundError):
        await claim_handoff(support_pool, "default", 99999, "x")


async def test_only_the_claimer_acts_and_an_ended_handoff_takes_nothing(support_pool: AsyncConnectionPool) -> None:
    handoff_id = await escalate(support_pool, "c1", "th-1")
    await claim_handoff(support_pool, "default", handoff_id, "kim")
    with pytest.raises(HandoffConflictError) as other:
        await begin_action(support_pool, "default", handoff_id, "reply", "lee")
    assert other.value.claimed_by == "kim" and other.value.allowed == []

    previous, handoff = await begin_action(support_pool, "default", handoff_id, "reply", "kim")
    assert (previous, handoff["status"]) == ("claimed", "answered")
    # The person stays in charge after answering: a second message is theirs to send, never a colleague's.
    again, _ = await begin_action(support_pool, "default", handoff_id, "reply", "kim")
    assert again == "answered"
    with pytest.raises(HandoffConflictError) as colleague:
        await begin_action(support_pool, "default", handoff_id, "close", "lee")
    assert colleague.value.claimed_by == "kim"

    done = await finish_action(support_pool, handoff, "reply", agent="kim", text="Refund sent.", resolution=None)
    assert done["ticket_status"] == "pending"
    events = await ticket_events(support_pool, "default", handoff["ticket_id"])
    assert events[-2]["kind"] == "agent_reply" and events[-2]["body"] == "Refund sent."

    _, closing = await begin_action(support_pool, "default", handoff_id, "close", "kim")
    closed = await finish_action(support_pool, closing, "close", agent="kim", text=None, resolution="refund issued")
    assert (closed["status"], closed["resolution"], closed["ticket_status"]) == ("closed", "refund issued", "resolved")
    with pytest.raises(HandoffConflictError) as final:
        await begin_action(support_pool, "default", handoff_id, "close", "kim")
    assert final.value.allowed == []


async def test_undo_after_failed_resume_lets_the_person_retry(support_pool: AsyncConnectionPool) -> None:
    handoff_id = await escalate(support_pool, "c1", "th-1")
    previous, _ = await begin_action(support_pool, "default", handoff_id, "reply", "kim")
    assert previous == "waiting"
    await undo_action(support_pool, "default", handoff_id, previous)
    restored = await get_handoff(support_pool, "default", handoff_id)
    assert (restored["status"], restored["claimed_by"], restored["answered_at"]) == ("waiting", None, None)
    await claim_handoff(support_pool, "default", handoff_id, "lee")


async def test_close_unresolved_closes_ticket_and_records_outcome(support_pool: AsyncConnectionPool) -> None:
    handoff_id = await escalate(support_pool, "c1", "th-1")
    _, handoff = await begin_action(support_pool, "default", handoff_id, "close", "kim")
    closed = await finish_action(support_pool, handoff, "close", agent="kim", text="Sorry", resolution="unresolved")
    assert closed["ticket_status"] == "closed"
    async with support_pool.connection() as conn:
        row = await (
            await conn.execute("SELECT resolution FROM conversation_outcomes WHERE thread_id = 'th-1'")
        ).fetchone()
    assert row is not None and row["resolution"] == "unresolved"


async def test_follow_up_after_answer_joins_the_handoff_and_tells_its_person(
    support_pool: AsyncConnectionPool,
) -> None:
    first = await escalate(support_pool, "c1", "th-1")
    _, handoff = await begin_action(support_pool, "default", first, "reply", "kim")
    await finish_action(support_pool, handoff, "reply", agent="kim", text="Hi", resolution=None)
    # The customer writes again, about something another team would get: same handoff, team, ticket, person.
    record = await open_handoff(
        tenant="default",
        customer_id="c1",
        thread_id="th-1",
        reason="asked_for_human",
        intent="account_access",
        urgency="high",
        transcript_tail=[{"role": "user", "content": "a person please"}, {"role": "user", "content": "and my login?"}],
        db=support_pool,
    )
    assert record["handoff_id"] == first and record["opened"] is False and record["agent"] == "kim"
    joined = await get_handoff(support_pool, "default", first)
    assert (joined["status"], joined["claimed_by"], joined["team"]) == ("claimed", "kim", handoff["team"])
    assert joined["ticket_id"] == handoff["ticket_id"] and joined["ticket_status"] == "in_progress"
    assert joined["unread"] == 1 and joined["transcript_tail"][-1]["content"] == "and my login?"
    events = await ticket_events(support_pool, "default", handoff["ticket_id"])
    assert any(e["kind"] == "customer_message" and e["body"] == "and my login?" for e in events)
    async with support_pool.connection() as conn:
        count = await (await conn.execute("SELECT count(*) AS n FROM handoffs WHERE thread_id = 'th-1'")).fetchone()
    assert count is not None and count["n"] == 1


async def test_new_escalation_after_close_opens_a_new_handoff(support_pool: AsyncConnectionPool) -> None:
    first = await escalate(support_pool, "c1", "th-1")
    _, handoff = await begin_action(support_pool, "default", first, "close", "kim")
    await finish_action(support_pool, handoff, "close", agent="kim", text=None, resolution="refund issued")
    second = await escalate(support_pool, "c1", "th-1")
    assert second != first
    assert (await get_handoff(support_pool, "default", second))["status"] == "waiting"


async def test_a_supervisor_reassigns_an_open_handoff_and_the_new_person_acts(
    support_pool: AsyncConnectionPool,
) -> None:
    handoff_id = await escalate(support_pool, "c1", "th-1")
    assigned = await assign_handoff(support_pool, "default", handoff_id, "kim", by="staff:boss")
    assert (assigned["status"], assigned["claimed_by"], assigned["ticket_status"]) == ("claimed", "kim", "in_progress")
    _, handoff = await begin_action(support_pool, "default", handoff_id, "reply", "kim")
    await finish_action(support_pool, handoff, "reply", agent="kim", text="Hi", resolution=None)
    moved = await assign_handoff(support_pool, "default", handoff_id, "lee", by="staff:boss")
    assert (moved["status"], moved["claimed_by"]) == ("answered", "lee")
    with pytest.raises(HandoffConflictError):
        await begin_action(support_pool, "default", handoff_id, "close", "kim")
    _, closing = await begin_action(support_pool, "default", handoff_id, "close", "lee")
    await finish_action(support_pool, closing, "close", agent="lee", text=None, resolution="done")
    with pytest.raises(HandoffConflictError):
        await assign_handoff(support_pool, "default", handoff_id, "kim", by="staff:boss")
