"""Each thread's pseudonym map in Postgres, sealed under ``PII_VAULT_KEY`` (table ``pii_pseudonyms``).

Turns of one thread take their map in turn (a transaction-scoped advisory lock), so two messages sent at once
never give one value two placeholders. Keys rotate: ``PII_VAULT_OLD_KEYS`` still open maps sealed before, and
:func:`rotate_sealed_maps` (``support-agent vault rotate``) re-seals every map under the current key.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from cryptography.fernet import InvalidToken

from signals.pii_pseudonyms import Pseudonyms, sealing, vault_key


class VaultKeyMismatch(RuntimeError):
    """A sealed map that none of the configured vault keys opens."""


def vault_keys() -> list[bytes]:
    """The Fernet keys, the current one first: ``PII_VAULT_KEY`` (else the PII salt), then ``PII_VAULT_OLD_KEYS``."""
    from settings import get_settings

    settings = get_settings()
    return [vault_key(secret) for secret in settings.vault_secrets()]


def pseudonyms_apply(pii_mode: str, model: Any = None) -> bool:
    """Placeholders the model can tell apart: masking on, pseudonyms on, a remote model (``model`` or LLM_MODEL)."""
    from settings import get_settings

    settings = get_settings()
    if pii_mode != "mask" or not settings.pii_pseudonyms:
        return False
    return (model if isinstance(model, str) and model else settings.llm_model) != "offline"


_HINT = "set PII_VAULT_KEY to the key that sealed it, or list that key in PII_VAULT_OLD_KEYS"


async def _read(conn: Any, thread_id: str) -> Pseudonyms:
    cur = await conn.execute("SELECT sealed FROM pii_pseudonyms WHERE thread_id = %s", (thread_id,))
    row = await cur.fetchone()
    if not row:
        return Pseudonyms()
    try:
        return Pseudonyms.unseal(bytes(row["sealed"]), vault_keys())
    except InvalidToken:
        raise VaultKeyMismatch(
            f"the pseudonym map of thread {thread_id} opens with none of the configured keys: {_HINT}"
        ) from None


async def load_pseudonyms(thread_id: str) -> Pseudonyms:
    """The thread's map (empty when its customer never wrote PII); VaultKeyMismatch when no key opens it."""
    from db.pool import get_pool

    pool = await get_pool()
    async with pool.connection() as conn:
        return await _read(conn, thread_id)


async def save_pseudonyms(thread_id: str, pseudonyms: Pseudonyms) -> None:
    """Store a map made elsewhere (a stateless run's) as the thread's, sealed under the current key."""
    from db.pool import get_pool

    pool = await get_pool()
    async with pool.connection() as conn:
        await _write(conn, thread_id, pseudonyms)


async def _write(conn: Any, thread_id: str, pseudonyms: Pseudonyms) -> None:
    await conn.execute(
        "INSERT INTO pii_pseudonyms (thread_id, sealed) VALUES (%s, %s) ON CONFLICT (thread_id) "
        "DO UPDATE SET sealed = EXCLUDED.sealed, updated_at = now()",
        (thread_id, pseudonyms.seal(vault_keys())),
    )


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
            await _write(conn, thread_id, pseudonyms)
        return result


async def rotate_sealed_maps(conn: Any) -> int:
    """Re-seal every stored map under the current key, in one transaction; the number of maps.

    All or nothing: a map that no configured key opens raises VaultKeyMismatch and nothing changes.
    """
    keys = sealing(vault_keys())
    async with conn.transaction():
        cur = await conn.execute("SELECT thread_id, sealed FROM pii_pseudonyms ORDER BY thread_id FOR UPDATE")
        rows = await cur.fetchall()
        rotated: list[tuple[bytes, str]] = []
        unreadable = 0
        for thread_id, sealed in rows:
            try:
                rotated.append((keys.rotate(bytes(sealed)), thread_id))
            except InvalidToken:
                unreadable += 1
        if unreadable:
            raise VaultKeyMismatch(
                f"{unreadable} of {len(rows)} sealed pseudonym maps open with none of the configured keys, so "
                f"nothing was rotated: {_HINT}"
            )
        async with conn.cursor() as update:
            await update.executemany(
                "UPDATE pii_pseudonyms SET sealed = %s, updated_at = now() WHERE thread_id = %s", rotated
            )
    return len(rotated)
