"""One piece of database work from sync code (the CLI, test set-up, start-up): migrate, connect, run, close."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psycopg


def run_coroutine[T](make: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to completion from sync code, even when the calling thread already runs an event loop."""

    async def main() -> T:
        return await make()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, main()).result()


def on_database[T](url: str, work: Callable[[psycopg.AsyncConnection[Any]], Awaitable[T]]) -> T:
    """Apply pending migrations to ``url``, then run ``work`` on one autocommit connection and return its result."""
    from db.migrations import migrate

    migrate(url)

    async def run() -> T:
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
            return await work(conn)

    return run_coroutine(lambda: run())
