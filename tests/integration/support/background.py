"""Background work after a turn (memory writes, runs) has no completion signal: it is done when nothing it
changes is still changing. Tests wait for that condition instead of sleeping."""

from __future__ import annotations

import psycopg

from tests.waiting import wait_until_steady


async def settled(url: str) -> None:
    """Wait until no run is pending or running and the store has stopped changing (four equal reads)."""

    def activity() -> tuple[object, ...]:
        with psycopg.connect(url) as conn:
            row = conn.execute(
                "SELECT (SELECT count(*) FROM store), (SELECT max(updated_at) FROM store),"
                " (SELECT count(*) FROM runs WHERE status IN ('pending', 'running'))"
            ).fetchone()
        assert row is not None
        return tuple(row)

    await wait_until_steady(
        activity, what="no run is active and the store has stopped changing", accept=lambda read: read[2] == 0, reads=4
    )
