"""Fixtures for the support room: a migrated database that the default pool (DATABASE_URL) points at."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from psycopg_pool import AsyncConnectionPool

from db.migrations import migrate
from db.pool import close_pools, get_pool
from settings import get_settings


@pytest.fixture
async def support_pool(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[AsyncConnectionPool]:
    """A pool on a fresh migrated database, also the default one the tools use."""
    migrate(pg_url)
    monkeypatch.setenv("DATABASE_URL", pg_url)
    get_settings.cache_clear()
    pool = await get_pool(pg_url)
    yield pool
    await close_pools()
    get_settings.cache_clear()
