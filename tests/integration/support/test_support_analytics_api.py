"""The analytics and alerts routes on the real server, over events seeded into its database."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import psycopg
import pytest

from server.launcher import ServerProcess

pytestmark = pytest.mark.integration

START = datetime(2026, 2, 1, tzinfo=UTC)


def seed(url: str, tenant: str) -> None:
    rows = []
    for day in range(3):
        for n in range(4):
            thread = f"{tenant}-d{day}-{n}"
            at = START + timedelta(days=day, hours=n)
            rows.append((tenant, thread, f"c{n}", 1, "billing_invoice", n == 0, 100 * (n + 1), at))
    rows.append((tenant, f"{tenant}-spike", "c9", 1, "outage_status", False, 50, START + timedelta(days=2, hours=5)))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.cursor().executemany(
            "INSERT INTO conversation_events (tenant, thread_id, customer_id, turn, intent, escalated, latency_ms,"
            " created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            rows,
        )
        conn.execute(
            "INSERT INTO conversation_outcomes (thread_id, tenant, customer_id, resolution, resolved_by, rating)"
            " VALUES (%s, %s, 'c1', 'confirmed', 'bot', 4), (%s, %s, 'c2', 'confirmed', 'human', 2)",
            (f"{tenant}-d0-1", tenant, f"{tenant}-d0-2", tenant),
        )


async def test_metrics_over_seeded_events(live_server: ServerProcess) -> None:
    tenant = f"an-{uuid.uuid4().hex[:6]}"
    seed(live_server.database_url, tenant)
    async with httpx.AsyncClient(base_url=live_server.url, headers=live_server.key_headers(tenant=tenant)) as http:
        response = await http.get(
            "/analytics", params={"start": START.isoformat(), "end": (START + timedelta(days=3)).isoformat()}
        )
        assert response.status_code == 200, response.text
        report = response.json()
        assert [b["conversations"] for b in report["buckets"]] == [4, 4, 5]
        day0 = report["buckets"][0]
        assert day0["escalation_rate"] == 0.25 and day0["automated_resolution_rate"] == 0.25
        assert day0["assisted_resolution_rate"] == 0.25 and day0["csat_average"] == 3.0
        assert day0["first_response_ms_average"] == 250.0
        assert report["totals"]["conversations"] == 13
        assert report["top_intents"][0] == {
            "intent": "billing_invoice",
            "turns": 12,
            "conversations": 12,
            "escalated": 3,
            "escalation_rate": 0.25,
        }
        hourly = await http.get(
            "/analytics",
            params={"start": START.isoformat(), "end": (START + timedelta(hours=4)).isoformat(), "bucket": "hour"},
        )
        assert [b["conversations"] for b in hourly.json()["buckets"]] == [1, 1, 1, 1]
        other = await http.get(
            "/analytics",
            headers=live_server.key_headers(tenant="nobody"),
            params={"start": START.isoformat(), "end": (START + timedelta(days=3)).isoformat()},
        )
        assert other.json()["totals"]["conversations"] == 0


async def test_alerts_route_and_bad_ranges(live_server: ServerProcess) -> None:
    tenant = f"al-{uuid.uuid4().hex[:6]}"
    seed(live_server.database_url, tenant)
    at = (START + timedelta(days=2, hours=5, minutes=30)).isoformat()
    async with httpx.AsyncClient(base_url=live_server.url, headers=live_server.key_headers(tenant=tenant)) as http:
        quiet = await http.get("/analytics/alerts", params={"end": at})
        assert quiet.status_code == 200 and quiet.json()["intent_spikes"] == []  # one conversation is no spike
        loose = await http.get("/analytics/alerts", params={"end": at, "z": 0.5, "min_count": 1})
        assert [s["intent"] for s in loose.json()["intent_spikes"]] == ["outage_status"]
        assert loose.json()["repeat_contacts"] == []
        reversed_range = await http.get(
            "/analytics", params={"start": START.isoformat(), "end": (START - timedelta(days=1)).isoformat()}
        )
        assert reversed_range.status_code == 422 and "after start" in reversed_range.json()["message"]
        too_many = await http.get(
            "/analytics",
            params={"start": START.isoformat(), "end": (START + timedelta(days=400)).isoformat(), "bucket": "hour"},
        )
        assert too_many.status_code == 422
        assert (await http.get("/analytics", params={"bucket": "week"})).status_code == 422
        assert (await http.get("/analytics", params={"start": "yesterday"})).status_code == 422
