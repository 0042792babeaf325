"""Escalation routing, priority, ticket reuse and the inbox row, on real Postgres."""

from __future__ import annotations

from psycopg_pool import AsyncConnectionPool

from support.customers import upsert_customer
from support.handoff import open_handoff, repeat_contact_open_issue
from support.tickets import create_ticket, get_ticket, ticket_events, update_ticket


async def _handoff(pool: AsyncConnectionPool, **overrides: object) -> dict[str, object]:
    args: dict[str, object] = {
        "tenant": "default",
        "customer_id": "c-ann",
        "thread_id": "th-1",
        "reason": "human_requested",
        "intent": "refund_request",
        "category": None,
        "urgency": "medium",
        "language": "en",
        "sentiment": "negative",
        "summary": "Customer was charged twice for order 5521 and wants the duplicate refunded.",
        "transcript_tail": [
            {"role": "user", "content": "I was charged twice for order 5521"},
            {"role": "assistant", "content": "I'm sorry about that. Refunds take 5-7 days."},
            {"role": "user", "content": "That is not acceptable, I want a person now"},
        ],
    }
    args.update(overrides)
    return await open_handoff(db=pool, **args)  # type: ignore[arg-type]


async def test_routes_by_intent_tier_language_and_reason(support_pool: AsyncConnectionPool) -> None:
    await upsert_customer(support_pool, tenant="default", customer_id="c-ann", name="Ann Lee", tier="standard")
    await upsert_customer(support_pool, tenant="default", customer_id="c-ent", name="Big Co", tier="enterprise")
    await upsert_customer(support_pool, tenant="default", customer_id="c-es", name="Lucía", tier="free", language="es")

    billing = await _handoff(support_pool)
    assert (billing["team"], billing["priority"]) == ("billing", "normal")

    legal = await _handoff(support_pool, thread_id="th-2", reason="legal_threat", intent="feedback_complaint")
    assert legal["team"] == "trust_and_safety"

    enterprise = await _handoff(support_pool, customer_id="c-ent", thread_id="th-3", intent="greeting", urgency="high")
    assert (enterprise["team"], enterprise["priority"]) == ("customer_success", "urgent")

    spanish = await _handoff(
        support_pool, customer_id="c-es", thread_id="th-4", intent="talk_to_human", language="es", urgency="low"
    )
    assert (spanish["team"], spanish["priority"]) == ("multilingual", "low")

    # A specialist topic wins over the language desk.
    spanish_refund = await _handoff(support_pool, customer_id="c-es", thread_id="th-5", language="es")
    assert spanish_refund["team"] == "billing"

    unknown = await _handoff(support_pool, thread_id="th-6", intent=None, reason="low_confidence_twice")
    assert unknown["team"] == "general"


async def test_handoff_record_ticket_and_summary(support_pool: AsyncConnectionPool) -> None:
    await upsert_customer(
        support_pool, tenant="default", customer_id="c-ann", name="Ann Lee", email="ann@example.com", tier="premium"
    )
    record = await _handoff(support_pool, urgency="high")
    assert record["kind"] == "handoff"
    assert set(record) >= {"ticket_id", "team", "priority", "reason", "summary", "customer_id", "tenant"}
    assert record["priority"] == "urgent"  # premium + high urgency
    summary = str(record["summary"])
    for expected in ("URGENT", "Ann Lee", "premium", "asked for a person", "I want a person now", "refund"):
        assert expected in summary
    ticket = await get_ticket(support_pool, "default", str(record["ticket_id"]))
    assert ticket is not None
    assert ticket["thread_id"] == "th-1" and ticket["team"] == "billing" and ticket["category"] == "refund"
    assert "escalated" in ticket["tags"]
    kinds = [e["kind"] for e in await ticket_events(support_pool, "default", ticket["id"])]
    assert kinds == ["created", "handoff"]


async def test_second_escalation_reuses_ticket_and_inbox_row(support_pool: AsyncConnectionPool) -> None:
    first = await _handoff(support_pool, urgency="low")
    second = await _handoff(support_pool, reason="negative_sentiment_urgent", urgency="critical")
    assert second["ticket_id"] == first["ticket_id"]
    assert second["handoff_id"] == first["handoff_id"]
    assert second["priority"] == "urgent"
    async with support_pool.connection() as conn:
        count = await (await conn.execute("SELECT count(*) AS n FROM handoffs")).fetchone()
        tickets = await (await conn.execute("SELECT count(*) AS n FROM tickets")).fetchone()
    assert count is not None and count["n"] == 1
    assert tickets is not None and tickets["n"] == 1


async def test_open_ticket_on_same_issue_from_another_thread_is_reused(support_pool: AsyncConnectionPool) -> None:
    earlier = await create_ticket(
        support_pool,
        tenant="default",
        customer_id="c-ann",
        subject="Double charge",
        category="refund",
        thread_id="th-old",
    )
    await update_ticket(support_pool, tenant="default", ticket_id=earlier["id"], actor="agent:bo", status="pending")
    assert await repeat_contact_open_issue("default", "c-ann", "refund_request", thread_id="th-new", db=support_pool)
    # the same conversation is not a repeat contact, nor is another topic or another customer
    assert not await repeat_contact_open_issue(
        "default", "c-ann", "refund_request", thread_id="th-old", db=support_pool
    )
    assert not await repeat_contact_open_issue("default", "c-ann", "shipping_delivery", db=support_pool)
    assert not await repeat_contact_open_issue("default", "c-bob", "refund_request", db=support_pool)
    # a vague topic is no evidence of the same issue
    await create_ticket(support_pool, tenant="default", customer_id="c-ann", subject="Hello", thread_id="th-g")
    assert not await repeat_contact_open_issue("default", "c-ann", "talk_to_human", db=support_pool)

    record = await _handoff(support_pool, thread_id="th-new", reason="repeat_contact")
    assert record["ticket_id"] == earlier["id"]
    ticket = await get_ticket(support_pool, "default", earlier["id"])
    assert ticket is not None and ticket["status"] == "open"  # pending on the customer -> back with us


async def test_resolved_ticket_is_not_reused(support_pool: AsyncConnectionPool) -> None:
    done = await create_ticket(support_pool, tenant="default", customer_id="c-ann", subject="Old", category="refund")
    await update_ticket(support_pool, tenant="default", ticket_id=done["id"], actor="agent:bo", status="resolved")
    assert not await repeat_contact_open_issue("default", "c-ann", "refund_request", db=support_pool)
    record = await _handoff(support_pool)
    assert record["ticket_id"] != done["id"]
