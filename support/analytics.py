"""Support metrics over a time range in day or hour buckets, computed in SQL from the stored events.

A conversation counts in the bucket where its first turn happened; its outcome (resolution, CSAT) is
read from ``conversation_outcomes`` and human handling from ``handoffs``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from support.connections import Db, Row, acquire, fetch_all
from support.model_usage import model_metrics

Bucket = Literal["day", "hour"]
MAX_BUCKETS = 2000


class RangeError(ValueError):
    """A time range that is empty, reversed or has too many buckets."""


@dataclass(frozen=True, slots=True)
class TimeRange:
    """[start, end) in buckets of one day or one hour (UTC)."""

    start: datetime
    end: datetime
    bucket: Bucket = "day"

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise RangeError("end must be after start")
        seconds = 86_400 if self.bucket == "day" else 3_600
        if (self.end - self.start).total_seconds() / seconds > MAX_BUCKETS:
            raise RangeError(f"more than {MAX_BUCKETS} {self.bucket} buckets; use a shorter range or day buckets")

    def params(self, tenant: str) -> dict[str, Any]:
        """SQL parameters."""
        return {"tenant": tenant, "start": self.start, "end": self.end, "bucket": self.bucket}


_CONVERSATIONS = """
WITH conv AS (
  SELECT e.thread_id, min(e.created_at) AS started_at, bool_or(e.escalated) AS escalated,
         (array_agg(e.latency_ms ORDER BY e.turn, e.id))[1] AS first_latency_ms
  FROM conversation_events e WHERE e.tenant = %(tenant)s
  GROUP BY e.thread_id HAVING min(e.created_at) >= %(start)s AND min(e.created_at) < %(end)s
), scored AS (
  SELECT c.*, date_trunc(%(bucket)s, c.started_at) AS bucket, o.resolution, o.rating,
         (o.resolution IN ('confirmed','assumed')) AS resolved,
         (o.resolved_by = 'human' OR EXISTS (SELECT 1 FROM handoffs h WHERE h.thread_id = c.thread_id
            AND h.status IN ('answered','closed') AND h.answered_at IS NOT NULL)) AS human_involved
  FROM conv c LEFT JOIN conversation_outcomes o ON o.thread_id = c.thread_id
), buckets AS (
  SELECT generate_series(date_trunc(%(bucket)s, %(start)s::timestamptz),
                         %(end)s::timestamptz - interval '1 microsecond', ('1 ' || %(bucket)s)::interval) AS bucket
), human AS (
  SELECT date_trunc(%(bucket)s, h.created_at) AS bucket, count(*) AS handoffs,
         percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM h.answered_at - h.created_at))
           AS human_first_response_s_median
  FROM handoffs h WHERE h.tenant = %(tenant)s AND h.created_at >= %(start)s AND h.created_at < %(end)s
  GROUP BY 1
), mood AS (
  SELECT date_trunc(%(bucket)s, e.created_at) AS bucket, avg(e.sentiment_score)::float AS sentiment_average,
         count(*) FILTER (WHERE e.sentiment = 'negative') AS negative,
         count(*) FILTER (WHERE e.sentiment = 'neutral') AS neutral,
         count(*) FILTER (WHERE e.sentiment = 'positive') AS positive
  FROM conversation_events e WHERE e.tenant = %(tenant)s AND e.created_at >= %(start)s AND e.created_at < %(end)s
  GROUP BY 1
)
SELECT b.bucket, count(s.thread_id) AS conversations,
       count(*) FILTER (WHERE s.escalated) AS escalated,
       count(*) FILTER (WHERE s.resolved AND NOT s.human_involved) AS resolved_automated,
       count(*) FILTER (WHERE s.resolved AND s.human_involved) AS resolved_assisted,
       count(*) FILTER (WHERE s.resolution = 'confirmed') AS confirmed,
       count(*) FILTER (WHERE s.resolution = 'assumed') AS assumed,
       count(*) FILTER (WHERE s.resolution = 'unresolved') AS unresolved,
       avg(s.rating)::float AS csat_average, count(s.rating) AS csat_responses,
       avg(s.first_latency_ms)::float AS first_response_ms_average,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY s.first_latency_ms) AS first_response_ms_median,
       COALESCE(max(hu.handoffs), 0) AS handoffs,
       max(hu.human_first_response_s_median) AS human_first_response_s_median,
       max(m.sentiment_average) AS sentiment_average, COALESCE(max(m.negative), 0) AS negative,
       COALESCE(max(m.neutral), 0) AS neutral, COALESCE(max(m.positive), 0) AS positive
FROM buckets b LEFT JOIN scored s ON s.bucket = b.bucket
LEFT JOIN human hu ON hu.bucket = b.bucket LEFT JOIN mood m ON m.bucket = b.bucket
GROUP BY b.bucket ORDER BY b.bucket
"""

_TOP_INTENTS = """
SELECT e.intent, count(*) AS turns, count(DISTINCT e.thread_id) AS conversations,
       count(DISTINCT e.thread_id) FILTER (WHERE e.escalated) AS escalated
FROM conversation_events e
WHERE e.tenant = %(tenant)s AND e.created_at >= %(start)s AND e.created_at < %(end)s AND e.intent IS NOT NULL
GROUP BY e.intent ORDER BY conversations DESC, turns DESC, e.intent LIMIT %(limit)s
"""

_TEAMS = """
SELECT h.team, count(DISTINCT h.thread_id) AS escalated, count(*) AS handoffs,
       count(*) FILTER (WHERE h.status = 'waiting') AS waiting,
       count(*) FILTER (WHERE h.status = 'closed') AS closed,
       (percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM h.claimed_at - h.created_at)))::float
         AS claim_s_median
FROM handoffs h
WHERE h.tenant = %(tenant)s AND h.created_at >= %(start)s AND h.created_at < %(end)s
GROUP BY h.team ORDER BY escalated DESC, h.team LIMIT %(limit)s
"""

_ARTICLES = """
WITH cites AS (
  SELECT a.article, e.thread_id, min(e.turn) AS first_turn, count(*) AS citations,
         count(*) FILTER (WHERE e.low_confidence) AS low_confidence
  FROM conversation_events e CROSS JOIN LATERAL unnest(e.articles_cited) AS a(article)
  WHERE e.tenant = %(tenant)s AND e.created_at >= %(start)s AND e.created_at < %(end)s
  GROUP BY a.article, e.thread_id
)
SELECT c.article, sum(c.citations)::int AS citations, count(*) AS conversations,
       sum(c.low_confidence)::int AS low_confidence_citations,
       count(*) FILTER (WHERE o.resolution IN ('confirmed','assumed')) AS resolved,
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM conversation_events x WHERE x.thread_id = c.thread_id
         AND x.escalated AND x.turn >= c.first_turn)) AS escalated_after,
       avg(o.rating)::float AS csat_average
FROM cites c LEFT JOIN conversation_outcomes o ON o.thread_id = c.thread_id
GROUP BY c.article ORDER BY citations DESC, c.article LIMIT %(limit)s
"""


def _rate(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def _with_rates(row: Row) -> Row:
    n = row["conversations"]
    resolved = row["resolved_automated"] + row["resolved_assisted"]
    return {
        **row,
        "escalation_rate": _rate(row["escalated"], n),
        "resolution_rate": _rate(resolved, n),
        "automated_resolution_rate": _rate(row["resolved_automated"], n),
        "assisted_resolution_rate": _rate(row["resolved_assisted"], n),
    }


def _totals(buckets: list[Row]) -> Row:
    keys = (
        "conversations",
        "escalated",
        "resolved_automated",
        "resolved_assisted",
        "confirmed",
        "assumed",
        "unresolved",
        "csat_responses",
        "handoffs",
        "negative",
        "neutral",
        "positive",
    )
    totals: Row = {key: sum(b[key] for b in buckets) for key in keys}
    rated = [b for b in buckets if b["csat_responses"]]
    totals["csat_average"] = (
        round(sum(b["csat_average"] * b["csat_responses"] for b in rated) / totals["csat_responses"], 3)
        if rated
        else None
    )
    timed = [b for b in buckets if b["first_response_ms_average"] is not None]
    totals["first_response_ms_average"] = (
        round(
            sum(b["first_response_ms_average"] * b["conversations"] for b in timed)
            / sum(b["conversations"] for b in timed),
            1,
        )
        if timed
        else None
    )
    return _with_rates(totals)


async def support_metrics(db: Db | None, tenant: str, window: TimeRange, *, top: int = 10) -> dict[str, Any]:
    """Per-bucket and total resolution, escalation, CSAT, first response and sentiment; intents; teams; articles; model.

    ``model`` holds the answers' tokens, cost, fallbacks and failures (support/model_usage.py).
    """
    params = {**window.params(tenant), "limit": top}
    async with acquire(db) as conn, conn.transaction():
        # Buckets are UTC days/hours whatever the session's time zone.
        await conn.execute("SET LOCAL TIME ZONE 'UTC'")
        buckets = [_with_rates(row) for row in await fetch_all(conn, _CONVERSATIONS, params)]
        intents = await fetch_all(conn, _TOP_INTENTS, params)
        articles = await fetch_all(conn, _ARTICLES, params)
        teams = await fetch_all(conn, _TEAMS, params)
        model = await model_metrics(conn, params)
    for intent in intents:
        intent["escalation_rate"] = _rate(intent["escalated"], intent["conversations"])
    totals = _totals(buckets)
    for team in teams:
        # Of all the window's conversations, the share handed to this team.
        team["escalation_rate"] = _rate(team["escalated"], totals["conversations"])
    for article in articles:
        article["resolution_rate"] = _rate(article["resolved"], article["conversations"])
        article["escalation_rate"] = _rate(article["escalated_after"], article["conversations"])
    return {
        "range": {"start": window.start, "end": window.end, "bucket": window.bucket},
        "totals": totals,
        "buckets": buckets,
        "top_intents": intents,
        "teams": teams,
        "articles": articles,
        "model": model,
    }
