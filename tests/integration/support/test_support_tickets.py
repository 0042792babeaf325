"""Ticket library: ids, ownership filter, transition rules and history, on real Postgres."""

from __future__ import annotations

import pytest
from psycopg_pool import AsyncConnectionPool

from support.customers import CustomerNotFoundError, get_customer, update_customer, upsert_customer
from support.tickets import (
    InvalidTransitionError,
    TicketNotFoundError,
    create_ticket,
    get_ticket,
    list_tickets,
    ticket_events,
    update_ticket,
)


async def test_create_assigns_sequential_ids_and_creates_customer(support_pool: AsyncConnectionPool) -> None:
    first = await create_ticket(support_pool, tenant="default", customer_id="new-c", subject="  Broken  ")
    second = await create_ticket(support_pool, tenant="default", customer_id="new-c", subject="Other")
    assert first["id"].startswith("T-") and int(second["id"][2:]) == int(first["id"][2:]) + 1
    assert first["subject"] == "Broken" and first["status"] == "open" and first["category"] == "general"
    customer = await get_customer(support_pool, "default", "new-c")
    assert customer is not None and customer["tier"] == "standard"
    with pytest.raises(ValueError, match="priority"):
        await create_ticket(support_pool, tenant="default", customer_id="new-c", subject="x", priority="asap")


async def test_ownership_and_tenant_filters(support_pool: AsyncConnectionPool) -> None:
    mine = await create_ticket(support_pool, tenant="default", customer_id="alice", subject="Mine")
    await create_ticket(support_pool, tenant="default", customer_id="bob", subject="Bob's")
    assert await get_ticket(support_pool, "default", mine["id"].lower(), customer_id="alice") is not None
    assert await get_ticket(support_pool, "default", mine["id"], customer_id="bob") is None
    assert await get_ticket(support_pool, "other-tenant", mine["id"]) is None
    assert [t["subject"] for t in await list_tickets(support_pool, "default", customer_id="alice")] == ["Mine"]
    with pytest.raises(TicketNotFoundError):
        await update_ticket(
            support_pool, tenant="default", ticket_id=mine["id"], actor="bob", customer_id="bob", comment="hijack"
        )
    assert [e["kind"] for e in await ticket_events(support_pool, "default", mine["id"])] == ["created"]


async def test_transitions_are_enforced_and_logged(support_pool: AsyncConnectionPool) -> None:
    ticket = await create_ticket(support_pool, tenant="default", customer_id="alice", subject="S")
    tid = ticket["id"]
    moved = await update_ticket(
        support_pool,
        tenant="default",
        ticket_id=tid,
        actor="agent:kim",
        status="in_progress",
        priority="high",
        comment="Looking into it",
    )
    assert (moved["status"], moved["priority"]) == ("in_progress", "high")
    resolved = await update_ticket(
        support_pool, tenant="default", ticket_id=tid, actor="agent:kim", status="resolved", resolution="Refund issued"
    )
    assert resolved["resolved_at"] is not None and resolved["resolution"] == "Refund issued"
    reopened = await update_ticket(support_pool, tenant="default", ticket_id=tid, actor="alice", status="open")
    assert reopened["resolved_at"] is None
    await update_ticket(support_pool, tenant="default", ticket_id=tid, actor="agent:kim", status="closed")
    with pytest.raises(InvalidTransitionError) as caught:
        await update_ticket(
            support_pool,
            tenant="default",
            ticket_id=tid,
            actor="agent:kim",
            status="open",
            comment="must not be stored",
        )
    assert caught.value.allowed == [] and caught.value.current == "closed"
    events = await ticket_events(support_pool, "default", tid)
    assert [e["kind"] for e in events] == [
        "created",
        "status",
        "priority",
        "comment",
        "status",
        "resolution",
        "status",
        "status",
    ]
    assert events[1]["data"] == {"from": "open", "to": "in_progress"}
    assert all(e["body"] != "must not be stored" for e in events)


async def test_resolved_may_reopen_but_not_go_pending(support_pool: AsyncConnectionPool) -> None:
    ticket = await create_ticket(support_pool, tenant="default", customer_id="alice", subject="S")
    await update_ticket(support_pool, tenant="default", ticket_id=ticket["id"], actor="a", status="resolved")
    with pytest.raises(InvalidTransitionError) as caught:
        await update_ticket(support_pool, tenant="default", ticket_id=ticket["id"], actor="a", status="pending")
    assert caught.value.allowed == ["open", "closed"]
    assert "allowed: open, closed" in str(caught.value)


async def test_customer_profile_updates_merge_preferences(support_pool: AsyncConnectionPool) -> None:
    await upsert_customer(
        support_pool, tenant="default", customer_id="c1", name="Ann", tier="premium", preferences={"contact": "email"}
    )
    updated = await update_customer(support_pool, "default", "c1", {"language": "fr", "preferences": {"tone": "brief"}})
    assert updated["language"] == "fr" and updated["tier"] == "premium"
    assert updated["preferences"] == {"contact": "email", "tone": "brief"}
    with pytest.raises(CustomerNotFoundError):
        await update_customer(support_pool, "default", "nobody", {"name": "x"})
    with pytest.raises(CustomerNotFoundError):
        await upsert_customer(support_pool, tenant="other", customer_id="c1", name="steal")


async def test_demo_seed_is_idempotent(support_pool: AsyncConnectionPool, pg_url: str) -> None:
    from support.demo_seed import seed_demo

    first = await seed_demo(pg_url)
    assert first.startswith("3 demo customers created")
    tickets = await list_tickets(support_pool, "default", limit=100)
    assert len(tickets) == 7
    assert {t["status"] for t in tickets} == {"open", "pending", "in_progress", "resolved", "closed"}
    chloe = [t for t in tickets if t["customer_id"] == "demo-chloe"]
    assert {t["team"] for t in chloe} == {"accounts", "privacy"}
    second = await seed_demo(pg_url)
    assert second.startswith("0 demo customers created") and len(await list_tickets(support_pool, "default")) == 7
