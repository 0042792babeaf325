"""Service keys per tenant: created, listed, revoked; stored as a SHA-256 of a 256-bit secret, never in clear.

A key reads ``sak_<id>_<secret>``. The id finds the row; the secret's hash is compared in constant time. The
secret is random (32 bytes), so a fast hash is the right one here: a slow password hash would only add latency
to every request (passwords are hashed with argon2, see ``staff``).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row

from identity.model import KEY_SCOPE_ROLES, Identity, KeyScope

KEY_PREFIX = "sak_"


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A key as created: ``plaintext`` is shown once and never stored."""

    id: str
    tenant: str
    scope: KeyScope
    plaintext: str
    expires_at: datetime | None


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def parse_key(plaintext: str) -> tuple[str, str] | None:
    """(id, secret) of a well-formed key, else None."""
    if not plaintext.startswith(KEY_PREFIX):
        return None
    key_id, sep, secret = plaintext[len(KEY_PREFIX) :].partition("_")
    if not sep or len(key_id) != 12 or not secret or len(secret) > 128:
        return None
    return key_id, secret


async def create_key(
    conn: AsyncConnection[Any],
    *,
    tenant: str,
    scope: KeyScope,
    name: str = "",
    expires_in: timedelta | None = None,
) -> IssuedKey:
    """Create a key for ``tenant`` with ``scope``; its plaintext is returned once."""
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            "INSERT INTO api_keys (id, tenant, scope, name, secret_sha256, expires_at)"
            " VALUES (%s, %s, %s, %s, %s, now() + %s::interval) RETURNING expires_at",
            (key_id, tenant, scope, name, _digest(secret), expires_in),
        )
        row = await cur.fetchone()
    expires_at = row["expires_at"] if row else None
    return IssuedKey(key_id, tenant, scope, f"{KEY_PREFIX}{key_id}_{secret}", expires_at)


async def verify_key(conn: AsyncConnection[Any], plaintext: str) -> Identity | None:
    """The identity of a valid, unexpired, unrevoked key; None for anything else."""
    parsed = parse_key(plaintext)
    if parsed is None:
        return None
    key_id, secret = parsed
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            "SELECT tenant, scope, name, secret_sha256,"
            " (revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())) AS usable"
            " FROM api_keys WHERE id = %s",
            (key_id,),
        )
        row = await cur.fetchone()
    if row is None or not hmac.compare_digest(bytes(row["secret_sha256"]), _digest(secret)) or not row["usable"]:
        return None
    scope: KeyScope = row["scope"]
    return Identity(
        tenant=row["tenant"],
        role=KEY_SCOPE_ROLES[scope],
        proof="api_key",
        subject=f"key:{key_id}",
        display_name=row["name"] or f"{scope} key {key_id}",
        scopes=frozenset({scope}),
    )


async def list_keys(conn: AsyncConnection[Any], *, tenant: str | None = None) -> list[dict[str, Any]]:
    """Every key's public facts (never a secret or its hash), newest first."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            "SELECT id, tenant, scope, name, created_at, expires_at, revoked_at, last_used_at FROM api_keys"
            " WHERE %s::text IS NULL OR tenant = %s ORDER BY created_at DESC",
            (tenant, tenant),
        )
        return list(await cur.fetchall())


async def revoke_key(conn: AsyncConnection[Any], key_id: str) -> bool:
    """Revoke a key at once; False when there is no such unrevoked key."""
    cur = await conn.execute("UPDATE api_keys SET revoked_at = now() WHERE id = %s AND revoked_at IS NULL", (key_id,))
    return cur.rowcount == 1


async def any_usable_key(conn: AsyncConnection[Any]) -> bool:
    """Whether at least one key can be used (a public bind needs one)."""
    cur = await conn.execute(
        "SELECT 1 FROM api_keys WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now()) LIMIT 1"
    )
    return await cur.fetchone() is not None
