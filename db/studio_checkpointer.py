"""Postgres checkpointer for `langgraph dev` (LangGraph Studio); Aegra uses its own from the same database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver

from db.pool import database_url


@asynccontextmanager
async def checkpointer() -> AsyncIterator[AsyncPostgresSaver]:
    """An AsyncPostgresSaver on DATABASE_URL with its tables set up."""
    async with AsyncPostgresSaver.from_conn_string(database_url()) as saver:
        await saver.setup()
        yield saver
