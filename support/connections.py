"""One way for support functions to take "a connection or a pool" and run SQL on it with dict rows."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any, LiteralString

from psycopg import AsyncConnection
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from db.pool import get_pool

type Db = AsyncConnection[Any] | AsyncConnectionPool[Any]
type Row = dict[str, Any]
type Params = Sequence[Any] | dict[str, Any] | None


@asynccontextmanager
async def acquire(db: Db | None = None) -> AsyncIterator[AsyncConnection[Any]]:
    """Yield a connection: ``db`` itself, one borrowed from the pool ``db``, or one from the default pool."""
    if isinstance(db, AsyncConnection):
        yield db
        return
    pool = db if db is not None else await get_pool()
    async with pool.connection() as conn:
        yield conn


async def fetch_one(db: Db | None, sql: LiteralString, params: Params = None) -> Row | None:
    """The first row of ``sql`` as a dict, or None."""
    async with acquire(db) as conn, conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(sql, params)
        return await cur.fetchone()


async def fetch_all(db: Db | None, sql: LiteralString, params: Params = None) -> list[Row]:
    """Every row of ``sql`` as dicts."""
    async with acquire(db) as conn, conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(sql, params)
        return await cur.fetchall()


async def execute(db: Db | None, sql: LiteralString, params: Params = None) -> int:
    """Run ``sql``; returns the number of rows it touched."""
    async with acquire(db) as conn, conn.cursor() as cur:
        await cur.execute(sql, params)
        return cur.rowcount


async def fetch_required(db: Db | None, sql: LiteralString, params: Params = None) -> Row:
    """The first row of a statement that always returns one (``INSERT ... RETURNING``)."""
    row = await fetch_one(db, sql, params)
    if row is None:
        raise RuntimeError("statement returned no row")
    return row
