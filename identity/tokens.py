"""End-customer tokens: short-lived JWTs that a tenant's backend issues and this server verifies with PyJWT.

A token carries ``sub`` (the customer id), ``tenant``, ``exp`` and ``aud``.

Each tenant verifies with its own HS256 secret (generated on first use, kept in ``tenant_token_settings``) or with
its public keys for RS256/ES256 (a JWKS URL or file). The token's unverified ``tenant`` claim only chooses which
tenant's keys verify it; nothing else is trusted before the signature, expiry and audience hold.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

import jwt
from psycopg import AsyncConnection
from psycopg.rows import dict_row

from identity.model import Identity, valid_customer_id, valid_tenant

AUDIENCE = "support-agent"
SYMMETRIC_ALGORITHMS = ["HS256"]
ASYMMETRIC_ALGORITHMS = ["RS256", "ES256"]
MAX_TTL_S = 24 * 3600
LEEWAY_S = 30


class TokenRejected(Exception):
    """A token that does not prove an identity; the message says why (for logs, not for the client)."""


@dataclass(frozen=True, slots=True)
class TokenKeys:
    """How one tenant's tokens are verified."""

    hs256_secret: str | None
    jwks_url: str | None
    jwks_file: str | None


async def tenant_token_keys(conn: AsyncConnection[Any], tenant: str, *, create: bool = False) -> TokenKeys | None:
    """The tenant's verification settings; ``create`` makes an HS256 secret when the tenant has none."""
    if create:
        await conn.execute(
            "INSERT INTO tenant_token_settings (tenant, hs256_secret) VALUES (%s, %s) ON CONFLICT (tenant) DO"
            " UPDATE SET hs256_secret = COALESCE(tenant_token_settings.hs256_secret, EXCLUDED.hs256_secret)",
            (tenant, secrets.token_urlsafe(48)),
        )
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            "SELECT hs256_secret, jwks_url, jwks_file FROM tenant_token_settings WHERE tenant = %s", (tenant,)
        )
        row = await cur.fetchone()
    return TokenKeys(row["hs256_secret"], row["jwks_url"], row["jwks_file"]) if row else None


async def set_tenant_jwks(conn: AsyncConnection[Any], tenant: str, *, url: str | None, file: str | None) -> None:
    """Verify ``tenant``'s tokens with the public keys at a JWKS URL or file (RS256/ES256)."""
    await conn.execute(
        "INSERT INTO tenant_token_settings (tenant, jwks_url, jwks_file) VALUES (%s, %s, %s) ON CONFLICT (tenant) DO"
        " UPDATE SET jwks_url = EXCLUDED.jwks_url, jwks_file = EXCLUDED.jwks_file, updated_at = now()",
        (tenant, url, file),
    )


def issue_customer_token(
    secret: str, *, tenant: str, customer_id: str, ttl_s: int = 3600, audience: str = AUDIENCE
) -> str:
    """An HS256 token for ``customer_id`` of ``tenant`` that expires in ``ttl_s`` seconds."""
    if not valid_tenant(tenant) or not valid_customer_id(customer_id):
        raise ValueError("tenant or customer id has characters a token cannot carry")
    if not 0 < ttl_s <= MAX_TTL_S:
        raise ValueError(f"ttl must be 1..{MAX_TTL_S} seconds")
    now = int(time.time())
    claims = {"sub": customer_id, "tenant": tenant, "aud": audience, "iat": now, "exp": now + ttl_s}
    return jwt.encode(claims, secret, algorithm="HS256")


async def issue_token_for(
    conn: AsyncConnection[Any], *, tenant: str, customer_id: str, ttl_s: int = 3600, audience: str = AUDIENCE
) -> str:
    """A token for ``customer_id`` of ``tenant``, signed with the tenant's HS256 secret (made on first use)."""
    keys = await tenant_token_keys(conn, tenant, create=True)
    assert keys is not None and keys.hs256_secret
    return issue_customer_token(
        keys.hs256_secret, tenant=tenant, customer_id=customer_id, ttl_s=ttl_s, audience=audience
    )


_jwks_clients: dict[str, jwt.PyJWKClient] = {}


def _signing_key(keys: TokenKeys, token: str, algorithm: str) -> Any:
    if algorithm in SYMMETRIC_ALGORITHMS:
        if not keys.hs256_secret:
            raise TokenRejected("tenant has no HS256 secret")
        return keys.hs256_secret
    kid = jwt.get_unverified_header(token).get("kid")
    if keys.jwks_file:
        with open(keys.jwks_file, encoding="utf-8") as handle:
            key_set = jwt.PyJWKSet.from_json(handle.read())
        for key in key_set.keys:
            if kid is None or key.key_id == kid:
                return key.key
        raise TokenRejected("no key in the tenant's JWKS file matches the token's kid")
    if keys.jwks_url:
        client = _jwks_clients.setdefault(keys.jwks_url, jwt.PyJWKClient(keys.jwks_url, cache_keys=True))
        return client.get_signing_key_from_jwt(token).key
    raise TokenRejected("tenant has no public keys configured")


def verify_customer_token(token: str, keys_for: dict[str, TokenKeys | None], *, audience: str = AUDIENCE) -> Identity:
    """The customer a token proves; raises TokenRejected for a forged, expired, wrong-audience or unsigned token.

    ``keys_for`` maps the token's claimed tenant to that tenant's settings (looked up by the caller).
    """
    try:
        header = jwt.get_unverified_header(token)
        claimed = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as exc:
        raise TokenRejected(f"malformed token: {exc}") from exc
    algorithm = header.get("alg")
    if algorithm not in SYMMETRIC_ALGORITHMS + ASYMMETRIC_ALGORITHMS:
        raise TokenRejected(f"algorithm {algorithm!r} is not accepted")
    tenant = claimed.get("tenant")
    if not isinstance(tenant, str) or not valid_tenant(tenant):
        raise TokenRejected("token names no valid tenant")
    keys = keys_for.get(tenant)
    if keys is None:
        raise TokenRejected(f"tenant {tenant!r} has no token settings")
    try:
        claims = jwt.decode(
            token,
            _signing_key(keys, token, algorithm),
            algorithms=[algorithm],
            audience=audience,
            leeway=LEEWAY_S,
            options={"require": ["sub", "exp", "aud", "tenant"]},
        )
    except (jwt.PyJWTError, OSError, ValueError) as exc:
        raise TokenRejected(str(exc)) from exc
    customer_id = claims["sub"]
    if not isinstance(customer_id, str) or not valid_customer_id(customer_id) or claims["tenant"] != tenant:
        raise TokenRejected("token's subject is not a valid customer id")
    return Identity(
        tenant=tenant, role="customer", proof="customer_token", subject=customer_id, customer_id=customer_id
    )


def claimed_tenant(token: str) -> str | None:
    """The tenant a token claims, before verification (to look up its keys), or None."""
    try:
        tenant = jwt.decode(token, options={"verify_signature": False}).get("tenant")
    except jwt.PyJWTError:
        return None
    return tenant if isinstance(tenant, str) and valid_tenant(tenant) else None
