"""'Also viewing' lives in Postgres: a viewer recorded by another process (another worker or replica) is seen here."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import psycopg
import pytest

from console.presence import viewing
from db.migrations import migrate
from tests.waiting import wait_until

pytestmark = pytest.mark.integration

_OTHER_PROCESS = textwrap.dedent(
    """
    import asyncio, sys
    import psycopg
    from console.presence import viewing

    async def main() -> None:
        async with await psycopg.AsyncConnection.connect(sys.argv[1], autocommit=True) as conn:
            print(await viewing(conn, "acme", 7, "kim@example.test"))

    asyncio.run(main())
    """
)


async def test_viewers_are_shared_between_processes_and_expire(pg_url: str) -> None:
    migrate(pg_url)
    other = subprocess.run(
        [sys.executable, "-c", _OTHER_PROCESS, pg_url], capture_output=True, text=True, timeout=120, check=True
    )
    assert other.stdout.strip() == "[]"  # nobody else had it open
    async with (
        await psycopg.AsyncConnection.connect(pg_url, autocommit=True) as first,
        await psycopg.AsyncConnection.connect(pg_url, autocommit=True) as second,
    ):
        assert await viewing(first, "acme", 7, "lee@example.test") == ["kim@example.test"]
        assert await viewing(second, "acme", 7, "kim@example.test") == ["lee@example.test"]
        assert await viewing(second, "acme", 8, "kim@example.test") == []  # another handoff
        assert await viewing(second, "other", 7, "kim@example.test") == []  # another tenant
        # kim polls again and sees lee only once; then kim stops polling and drops out of lee's view.
        assert await viewing(second, "acme", 7, "kim@example.test") == ["lee@example.test"]

        async def kim_gone() -> bool:
            return await viewing(first, "acme", 7, "lee@example.test", seen_for_s=0.5) == []

        await wait_until(kim_gone, what="kim, who stopped polling, is no longer viewing", timeout_s=30)
        rows = await (
            await first.execute("SELECT who FROM console_presence WHERE tenant = 'acme' AND handoff_id = 7")
        ).fetchall()
        assert ("kim@example.test",) not in rows  # the expired viewer's row is removed, not kept forever
