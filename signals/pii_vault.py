"""Each thread's pseudonym map in Postgres, sealed under ``PII_VAULT_KEY`` (table ``pii_pseudonyms``).

Turns of one thread take their map in turn (a transaction-scoped advisory lock), so two messages sent at once
never give one value two placeholders.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from signals.pii_pseudonyms import Pseudonyms, vault_key


def _key() -> bytes:
    from settings import get_settings

    settings = get_settings()
    return vault_key(settings.pii_vault_key or settings.pii_hash_salt)


async def _read(conn: Any, thread_id: str) -> Pseudonyms:
    cur = await conn.execute("SELECT sealed FROM pii_pseudonyms WHERE thread_id = %s", (thread_id,))
    row = await cur.fetchone()
    return Pseudonyms.unseal(bytes(row["sealed"]), _key()) if row else Pseudonyms()


async def load_pseudonyms(thread_id: str) -> Pseudonyms:
    """The thread's map (empty when its customer never wrote PII)."""
    from db.pool import get_pool

    pool = await get_pool()
    async with pool.connection() as conn:
        return await _read(conn, thread_id)


async def update_pseudonyms[T](thread_id: str, change: Callable[[Pseudonyms], Awaitable[T]]) -> T:
    """Run ``change`` on the thread's map under the thread's lock, and store the map again when it grew."""
    from db.pool import get_pool

    pool = await get_pool()
    async with pool.connection() as conn, conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"pii_pseudonyms:{thread_id}",))
        pseudonyms = await _read(conn, thread_id)
        known = len(pseudonyms.values)
        result = await change(pseudonyms)
        if len(pseudonyms.values) != known:
            await conn.execute(
                "INSERT INTO pii_pseudonyms (thread_id, sealed) VALUES (%s, %s) ON CONFLICT (thread_id) "
                "DO UPDATE SET sealed = EXCLUDED.sealed, updated_at = now()",
                (thread_id, pseudonyms.seal(_key())),
            )
        return result
