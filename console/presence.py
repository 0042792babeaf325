"""Who else has a handoff open: each open page reports itself while it polls, and is forgotten after a while.

Kept in Postgres (``console_presence``), so every server process and replica sees the same viewers. It is a hint for
colleagues, not a lock (claims are the lock). Times are the database's, so replicas with skewed clocks agree.
"""

from __future__ import annotations

from typing import LiteralString

from support.connections import Db, fetch_all

SEEN_FOR_S = 10.0
"""A page polls every 2 s; one not heard from for this long has been closed or left."""

_VIEWING: LiteralString = """
WITH seen AS (
  INSERT INTO console_presence (tenant, handoff_id, who, seen_at) VALUES (%(tenant)s, %(handoff)s, %(who)s, now())
  ON CONFLICT (tenant, handoff_id, who) DO UPDATE SET seen_at = excluded.seen_at
  RETURNING who
), gone AS (
  DELETE FROM console_presence WHERE tenant = %(tenant)s AND handoff_id = %(handoff)s AND who <> %(who)s
    AND seen_at < now() - make_interval(secs => %(window)s)
)
SELECT who FROM console_presence
 WHERE tenant = %(tenant)s AND handoff_id = %(handoff)s AND who <> %(who)s
   AND seen_at >= now() - make_interval(secs => %(window)s)
 ORDER BY who
"""


async def viewing(
    db: Db | None, tenant: str, handoff_id: int, who: str, *, seen_for_s: float = SEEN_FOR_S
) -> list[str]:
    """Record that ``who`` has the handoff open; return the others who had it open in the last ``seen_for_s``."""
    params = {"tenant": tenant, "handoff": handoff_id, "who": who, "window": seen_for_s}
    return [str(row["who"]) for row in await fetch_all(db, _VIEWING, params)]
