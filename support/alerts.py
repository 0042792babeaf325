"""Proactive alerts from stored events: intent spikes and repeat contacts about open issues.

An intent spikes when its conversations in one bucket stand well above its own recent baseline (z-score);
a repeat contact is a customer starting a new conversation on a topic whose ticket is still open.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from support.analytics import Bucket
from support.connections import Db, Row, acquire, fetch_all
from support.routing import INTENT_CATEGORIES

_INTENT_COUNTS = """
WITH cur AS (SELECT date_trunc(%(bucket)s, %(at)s::timestamptz) AS bucket),
series AS (
  SELECT generate_series(cur.bucket - %(baseline)s * ('1 ' || %(bucket)s)::interval, cur.bucket,
                         ('1 ' || %(bucket)s)::interval) AS bucket FROM cur
), counts AS (
  SELECT e.intent, date_trunc(%(bucket)s, e.created_at) AS bucket, count(DISTINCT e.thread_id) AS n
  FROM conversation_events e, cur
  WHERE e.tenant = %(tenant)s AND e.intent IS NOT NULL
    AND e.created_at >= cur.bucket - %(baseline)s * ('1 ' || %(bucket)s)::interval
    AND e.created_at < cur.bucket + ('1 ' || %(bucket)s)::interval
  GROUP BY 1, 2
), grid AS (
  SELECT i.intent, s.bucket, COALESCE(c.n, 0) AS n
  FROM (SELECT DISTINCT intent FROM counts) i CROSS JOIN series s
  LEFT JOIN counts c ON c.intent = i.intent AND c.bucket = s.bucket
)
SELECT g.intent, max(cur.bucket) AS bucket,
       COALESCE(sum(g.n) FILTER (WHERE g.bucket = cur.bucket), 0)::int AS current,
       avg(g.n) FILTER (WHERE g.bucket < cur.bucket)::float AS baseline_mean,
       stddev_pop(g.n) FILTER (WHERE g.bucket < cur.bucket)::float AS baseline_std
FROM grid g, cur GROUP BY g.intent ORDER BY g.intent
"""

_REPEAT_CONTACTS = """
WITH m(intent, category) AS (SELECT * FROM unnest(%(intents)s::text[], %(categories)s::text[]))
SELECT t.id AS ticket_id, t.customer_id, c.name AS customer_name, COALESCE(c.tier, 'standard') AS tier,
       t.category, t.subject, t.status, t.priority, t.created_at AS ticket_created_at,
       count(DISTINCT e.thread_id) AS repeat_conversations, max(e.created_at) AS last_contact_at
FROM tickets t
JOIN conversation_events e ON e.tenant = t.tenant AND e.customer_id = t.customer_id
  AND e.thread_id IS DISTINCT FROM t.thread_id AND e.created_at > t.created_at
LEFT JOIN m ON m.intent = e.intent
LEFT JOIN customers c ON c.id = t.customer_id
WHERE t.tenant = %(tenant)s AND t.status IN ('open','in_progress','pending')
  AND e.created_at >= %(start)s AND e.created_at < %(end)s
  AND (m.category = t.category OR e.intent = t.category)
GROUP BY t.id, c.name, c.tier
ORDER BY repeat_conversations DESC, last_contact_at DESC
"""


def spike_score(current: int, mean: float, std: float) -> float:
    """z-score of ``current`` against the baseline; the spread is at least Poisson noise (sqrt of the mean, >= 1)."""
    spread = max(std, math.sqrt(max(mean, 1.0)))
    return (current - mean) / spread


async def intent_spikes(
    db: Db | None,
    tenant: str,
    *,
    at: datetime,
    bucket: Bucket = "hour",
    baseline_buckets: int = 24,
    z_threshold: float = 3.0,
    min_count: int = 5,
) -> list[Row]:
    """Intents whose conversations in the bucket containing ``at`` stand ``z_threshold`` above their baseline."""
    params = {"tenant": tenant, "at": at, "bucket": bucket, "baseline": baseline_buckets}
    async with acquire(db) as conn, conn.transaction():
        await conn.execute("SET LOCAL TIME ZONE 'UTC'")
        rows = await fetch_all(conn, _INTENT_COUNTS, params)
    spikes: list[Row] = []
    for row in rows:
        mean, std = row["baseline_mean"] or 0.0, row["baseline_std"] or 0.0
        z = spike_score(row["current"], mean, std)
        if row["current"] >= min_count and z >= z_threshold:
            spikes.append({**row, "z_score": round(z, 2), "kind": "intent_spike"})
    return sorted(spikes, key=lambda spike: -float(spike["z_score"]))


async def repeat_contacts(db: Db | None, tenant: str, *, start: datetime, end: datetime) -> list[Row]:
    """Open tickets whose customer started another conversation on the same topic after the ticket was opened."""
    params: dict[str, Any] = {
        "tenant": tenant,
        "start": start,
        "end": end,
        "intents": list(INTENT_CATEGORIES),
        "categories": list(INTENT_CATEGORIES.values()),
    }
    rows = await fetch_all(db, _REPEAT_CONTACTS, params)
    return [{**row, "kind": "repeat_contact"} for row in rows]
