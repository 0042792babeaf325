"""The readiness probe: true on a live database, false within its timeout on a dead one, cached in between."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from server.health import DatabaseReadiness

pytestmark = pytest.mark.integration


async def test_readiness_answers_for_a_live_database_and_caches_the_answer(pg_url: str) -> None:
    readiness = DatabaseReadiness(pg_url, ttl_s=60.0)
    try:
        assert await readiness.ready()
        checked_at = readiness._checked_at
        assert await readiness.ready()
        assert readiness._checked_at == checked_at  # answered from the cache, without a query
    finally:
        await readiness.close()


async def test_readiness_is_false_within_its_timeout_when_nobody_listens(tmp_path: Path) -> None:
    readiness = DatabaseReadiness(f"postgresql://postgres:@/postgres?host={tmp_path}", timeout_s=0.8, ttl_s=0.0)
    started = time.monotonic()
    assert not await readiness.ready()
    assert time.monotonic() - started < 1.0
