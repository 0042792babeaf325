"""Count a request against its limits in one statement; say whether it may pass and, if not, when to retry.

Fixed one-minute windows: ``INSERT ... ON CONFLICT DO UPDATE SET count = count + 1 RETURNING count`` on Postgres,
so every process of every replica counts into the same rows. Windows older than a few minutes are deleted now
and then by whichever process notices first.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from psycopg_pool import AsyncConnectionPool

from identity.model import Identity
from settings import Settings

logger = logging.getLogger(__name__)

WINDOW_S = 60
PURGE_EVERY_S = 300.0
_last_purge = [0.0]

_HIT = f"""
INSERT INTO rate_limit_counters AS c (bucket, window_start, count)
SELECT b, date_bin('{WINDOW_S} seconds', now(), timestamptz 'epoch'), 1 FROM unnest(%s::text[]) AS b
ON CONFLICT (bucket, window_start) DO UPDATE SET count = c.count + 1
RETURNING bucket, count,
    greatest(1, ceil(extract(epoch FROM window_start + interval '{WINDOW_S} seconds' - now())))::int AS retry_after
"""


@dataclass(frozen=True, slots=True)
class Limit:
    """At most ``per_minute`` hits a minute for ``bucket`` (e.g. ``run:ip:203.0.113.7``)."""

    bucket: str
    per_minute: int


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether the request may pass; when not, the bucket that is full and the seconds until its window ends."""

    allowed: bool
    retry_after_s: int = 0
    bucket: str | None = None


async def hit(pool: AsyncConnectionPool[Any], limits: Sequence[Limit]) -> Verdict:
    """Count one hit in every bucket of ``limits`` (a refused request counts too: hammering does not help)."""
    if not limits:
        return Verdict(True)
    by_bucket = {limit.bucket: limit.per_minute for limit in limits}
    async with pool.connection() as conn:
        cur = await conn.execute(_HIT, (list(by_bucket),))
        rows = await cur.fetchall()
        if time.monotonic() - _last_purge[0] > PURGE_EVERY_S:
            _last_purge[0] = time.monotonic()
            await conn.execute(
                f"DELETE FROM rate_limit_counters WHERE window_start < now() - interval '{5 * WINDOW_S} seconds'"
            )
    over = [row for row in rows if row["count"] > by_bucket[row["bucket"]]]
    if not over:
        return Verdict(True)
    worst = max(over, key=lambda row: row["retry_after"])
    return Verdict(False, retry_after_s=int(worst["retry_after"]), bucket=worst["bucket"])


def run_limits(identity: Identity | None, client_ip: str, settings: Settings) -> list[Limit]:
    """The limits on starting a run: per customer (customer tokens), per key or staff member, and per IP."""
    limits = [Limit(f"run:ip:{client_ip}", settings.rate_limit_messages_per_ip_per_minute)]
    if identity is not None and identity.customer_id is not None:
        # Hashed: an erased customer's id must not linger anywhere, even for the minutes a counter lives.
        customer = hashlib.sha256(f"{identity.tenant}\x00{identity.customer_id}".encode()).hexdigest()[:24]
        bucket = f"run:customer:{customer}"
        limits.append(Limit(bucket, settings.rate_limit_messages_per_minute))
    elif identity is not None:
        bucket = f"run:subject:{identity.tenant}:{identity.subject}"
        limits.append(Limit(bucket, settings.rate_limit_messages_per_key_per_minute))
    return limits


def login_limits(tenant: str, email: str, client_ip: str, settings: Settings) -> list[Limit]:
    """The limits on sign-in attempts: per IP, and per account (so many IPs cannot guess one password fast)."""
    return [
        Limit(f"login:ip:{client_ip}", settings.rate_limit_logins_per_ip_per_minute),
        Limit(f"login:account:{tenant}:{email.strip().lower()}", settings.rate_limit_logins_per_minute),
    ]
