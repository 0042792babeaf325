"""Knowledge-base fixtures: a set-up KnowledgeBase on a fresh database per test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from knowledge.store import KnowledgeBase


@pytest.fixture
async def kb(pg_url: str) -> AsyncIterator[KnowledgeBase]:
    from db.pool import close_pools

    knowledge_base = KnowledgeBase.from_conn_string(pg_url, collection="kb")
    await knowledge_base.setup()
    yield knowledge_base
    await knowledge_base.close()
    await close_pools()
