"""Analytics and alerts computed in SQL over seeded events with known answers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from psycopg_pool import AsyncConnectionPool

from support.alerts import intent_spikes, repeat_contacts, spike_score
from support.analytics import RangeError, TimeRange, support_metrics

DAY1 = datetime(2026, 3, 1, 9, tzinfo=UTC)


async def event(pool: AsyncConnectionPool, at: datetime, thread: str, customer: str, turn: int, **values: Any) -> None:
    columns = ["created_at", "thread_id", "customer_id", "turn", *values]
    placeholders = ", ".join(["%s"] * len(columns))
    async with pool.connection() as conn:
        await conn.execute(
            f"INSERT INTO conversation_events ({', '.join(columns)}) VALUES ({placeholders})",
            [at, thread, customer, turn, *values.values()],
        )


async def run(pool: AsyncConnectionPool, sql: str, *params: Any) -> None:
    async with pool.connection() as conn:
        await conn.execute(sql, params)


async def seed(pool: AsyncConnectionPool) -> None:
    await event(
        pool,
        DAY1,
        "th1",
        "c1",
        1,
        intent="billing_invoice",
        sentiment="neutral",
        sentiment_score=0.0,
        latency_ms=100,
        articles_cited=["kb-invoices"],
    )
    await event(
        pool,
        DAY1 + timedelta(minutes=2),
        "th1",
        "c1",
        2,
        intent="billing_invoice",
        sentiment="positive",
        sentiment_score=0.6,
        latency_ms=300,
        resolved=True,
    )
    await event(
        pool,
        DAY1 + timedelta(hours=3),
        "th2",
        "c2",
        1,
        intent="refund_request",
        sentiment="negative",
        sentiment_score=-0.7,
        latency_ms=200,
        articles_cited=["kb-refunds"],
        low_confidence=True,
    )
    await event(
        pool,
        DAY1 + timedelta(hours=3, minutes=1),
        "th2",
        "c2",
        2,
        intent="refund_request",
        sentiment="negative",
        sentiment_score=-0.8,
        latency_ms=50,
        escalated=True,
    )
    await event(
        pool,
        DAY1 + timedelta(days=1),
        "th3",
        "c1",
        1,
        intent="refund_request",
        sentiment="negative",
        sentiment_score=-0.5,
        latency_ms=400,
        escalated=True,
    )
    await event(pool, DAY1 - timedelta(days=2), "th0", "c9", 1, intent="greeting", latency_ms=9999)  # outside
    await run(
        pool,
        "INSERT INTO conversation_outcomes (thread_id, customer_id, resolution, resolved_by, rating)"
        " VALUES ('th1','c1','confirmed','bot',5), ('th2','c2','assumed','human',3)",
    )
    t2 = DAY1 + timedelta(hours=3, minutes=1)
    await run(
        pool,
        "INSERT INTO handoffs (thread_id, customer_id, team, priority, reason, summary, status,"
        " created_at, answered_at) VALUES ('th2','c2','billing','normal','human','s','answered',%s,%s)",
        t2,
        t2 + timedelta(seconds=600),
    )
    await run(
        pool,
        "INSERT INTO handoffs (thread_id, customer_id, team, priority, reason, summary, created_at)"
        " VALUES ('th3','c1','billing','high','repeat','s',%s)",
        DAY1 + timedelta(days=1),
    )


async def test_metrics_by_day(support_pool: AsyncConnectionPool) -> None:
    await seed(support_pool)
    window = TimeRange(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 4, tzinfo=UTC), "day")
    report = await support_metrics(support_pool, "default", window)
    day1, day2, day3 = report["buckets"]
    assert day1["bucket"] == datetime(2026, 3, 1, tzinfo=UTC)
    assert (day1["conversations"], day1["escalated"], day1["resolved_automated"], day1["resolved_assisted"]) == (
        2,
        1,
        1,
        1,
    )
    assert day1["csat_average"] == 4.0 and day1["first_response_ms_average"] == 150.0
    assert (day1["handoffs"], day1["human_first_response_s_median"]) == (1, 600.0)
    assert day1["negative"] == 2 and day1["positive"] == 1
    assert (day2["conversations"], day2["escalated"], day2["resolution_rate"]) == (1, 1, 0.0)
    assert day2["handoffs"] == 1 and day2["human_first_response_s_median"] is None
    assert day3["conversations"] == 0 and day3["escalation_rate"] is None
    totals = report["totals"]
    assert totals["conversations"] == 3
    assert totals["escalation_rate"] == pytest.approx(2 / 3, abs=1e-3)
    assert totals["automated_resolution_rate"] == pytest.approx(1 / 3, abs=1e-3)
    assert totals["assisted_resolution_rate"] == pytest.approx(1 / 3, abs=1e-3)
    assert totals["csat_average"] == 4.0
    assert totals["first_response_ms_average"] == pytest.approx((100 + 200 + 400) / 3, abs=0.1)
    intents = {i["intent"]: i for i in report["top_intents"]}
    assert report["top_intents"][0]["intent"] == "refund_request"
    assert (intents["refund_request"]["conversations"], intents["refund_request"]["escalation_rate"]) == (2, 1.0)
    assert "greeting" not in intents
    articles = {a["article"]: a for a in report["articles"]}
    assert articles["kb-invoices"]["resolution_rate"] == 1.0 and articles["kb-invoices"]["escalation_rate"] == 0.0
    assert articles["kb-refunds"]["escalated_after"] == 1 and articles["kb-refunds"]["low_confidence_citations"] == 1


async def test_escalation_by_team_counts_conversations_handed_to_each_team(support_pool: AsyncConnectionPool) -> None:
    tenant = "teams-t"
    for n in range(4):  # four conversations in the window, three of them handed to a team
        await run(
            support_pool,
            "INSERT INTO conversation_events (tenant, created_at, thread_id, customer_id, turn, intent)"
            " VALUES (%s, %s, %s, 'c', 1, 'billing_invoice')",
            tenant,
            DAY1 + timedelta(minutes=n),
            f"tt{n}",
        )
    rows = [
        ("tt0", "billing", "closed", DAY1, DAY1 + timedelta(seconds=60)),
        ("tt1", "billing", "waiting", DAY1 + timedelta(minutes=1), None),
        ("tt2", "technical", "claimed", DAY1 + timedelta(minutes=2), DAY1 + timedelta(minutes=2, seconds=300)),
        ("tt9", "technical", "waiting", DAY1 - timedelta(days=3), None),  # before the window
    ]
    for thread, team, status, created, claimed in rows:
        await run(
            support_pool,
            "INSERT INTO handoffs (tenant, thread_id, customer_id, team, priority, reason, summary, status,"
            " created_at, claimed_at) VALUES (%s, %s, 'c', %s, 'normal', 'asked_for_human', 's', %s, %s, %s)",
            tenant,
            thread,
            team,
            status,
            created,
            claimed,
        )
    window = TimeRange(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC), "day")
    teams = {row["team"]: row for row in (await support_metrics(support_pool, tenant, window))["teams"]}
    assert set(teams) == {"billing", "technical"}
    billing, technical = teams["billing"], teams["technical"]
    assert (billing["escalated"], billing["waiting"], billing["closed"]) == (2, 1, 1)
    assert billing["escalation_rate"] == 0.5 and billing["claim_s_median"] == 60.0
    assert (technical["escalated"], technical["waiting"], technical["escalation_rate"]) == (1, 0, 0.25)
    assert technical["claim_s_median"] == 300.0


async def test_metrics_by_hour_and_bad_ranges(support_pool: AsyncConnectionPool) -> None:
    await seed(support_pool)
    window = TimeRange(DAY1, DAY1 + timedelta(hours=4), "hour")
    report = await support_metrics(support_pool, "default", window)
    assert [b["conversations"] for b in report["buckets"]] == [1, 0, 0, 1]
    with pytest.raises(RangeError):
        TimeRange(DAY1, DAY1, "day")
    with pytest.raises(RangeError):
        TimeRange(DAY1, DAY1 + timedelta(days=200), "hour")


async def test_intent_spike_against_baseline(support_pool: AsyncConnectionPool) -> None:
    now = datetime(2026, 3, 10, 12, 30, tzinfo=UTC)
    for hour in range(1, 25):
        at = now - timedelta(hours=hour)
        await event(support_pool, at, f"b-{hour}", "c", 1, intent="billing_invoice")
        await event(support_pool, at, f"b2-{hour}", "c", 1, intent="billing_invoice")
        if hour % 3 == 0:
            await event(support_pool, at, f"o-{hour}", "c", 1, intent="outage_status")
    for n in range(12):
        await event(support_pool, now - timedelta(minutes=n), f"spike-{n}", f"c{n}", 1, intent="outage_status")
    await event(support_pool, now, "b-now", "c", 1, intent="billing_invoice")
    await event(support_pool, now, "b2-now", "c", 1, intent="billing_invoice")
    spikes = await intent_spikes(support_pool, "default", at=now)
    assert [s["intent"] for s in spikes] == ["outage_status"]
    assert spikes[0]["current"] == 12 and spikes[0]["z_score"] > 3
    # an hour later the spike is part of the baseline and the current hour is quiet
    assert await intent_spikes(support_pool, "default", at=now + timedelta(hours=1)) == []


def test_spike_score_floor() -> None:
    assert spike_score(3, 0.0, 0.0) == 3.0
    assert spike_score(10, 4.0, 0.0) == 3.0


async def test_repeat_contacts_about_open_ticket(support_pool: AsyncConnectionPool) -> None:
    t0 = datetime(2026, 3, 5, 8, tzinfo=UTC)
    await run(support_pool, "INSERT INTO customers (id, name, tier) VALUES ('c5', 'Eve', 'premium')")
    await run(
        support_pool,
        "INSERT INTO tickets (id, customer_id, subject, category, thread_id, created_at)"
        " VALUES ('T-5', 'c5', 'Refund', 'refund', 'th-r1', %s)",
        t0,
    )
    await run(
        support_pool,
        "INSERT INTO tickets (id, customer_id, subject, category, status, created_at)"
        " VALUES ('T-6', 'c5', 'Old refund', 'refund', 'resolved', %s)",
        t0,
    )
    await event(support_pool, t0 + timedelta(minutes=5), "th-r1", "c5", 2, intent="refund_request")  # same thread
    await event(support_pool, t0 + timedelta(hours=2), "th-r2", "c5", 1, intent="refund_request")
    await event(support_pool, t0 + timedelta(hours=3), "th-r3", "c5", 1, intent="get_refund")
    await event(support_pool, t0 + timedelta(hours=4), "th-r4", "c5", 1, intent="shipping_delivery")
    await event(support_pool, t0 - timedelta(hours=1), "th-r0", "c5", 1, intent="refund_request")  # before ticket
    found = await repeat_contacts(support_pool, "default", start=t0 - timedelta(days=1), end=t0 + timedelta(days=1))
    assert len(found) == 1
    alert = found[0]
    assert (alert["ticket_id"], alert["customer_name"], alert["repeat_conversations"]) == ("T-5", "Eve", 2)
