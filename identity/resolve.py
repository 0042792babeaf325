"""Turn a request's credentials into a verified Identity, for the LangGraph API and our routes alike.

Credentials: ``Authorization: Bearer <key or token>`` or ``X-Api-Key: <key>`` (service keys start with ``sak_``;
anything else is read as a customer JWT), or a staff session cookie. No credential is None (the caller answers
401); a credential that does not verify raises CredentialRejected (also 401, never a hint of which part failed),
a live session cookie without its CSRF token on an unsafe method raises CsrfRejected (403).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from http.cookies import CookieError, SimpleCookie
from typing import Any

from db.pool import get_pool
from identity.keys import KEY_PREFIX, verify_key
from identity.model import Identity
from identity.tokens import TokenRejected, claimed_tenant, tenant_token_keys, verify_customer_token
from settings import get_settings

SESSION_COOKIE = "sa_session"
MAX_CREDENTIAL_CHARS = 4096


class CredentialRejected(Exception):
    """A credential was offered and did not prove an identity (401)."""

    status_code = 401

    def public_message(self) -> str:
        """What the caller is told: never which part of the credential failed."""
        return "invalid credentials"


class CsrfRejected(CredentialRejected):
    """A live session cookie on a request that changes something, without the session's CSRF token (403)."""

    status_code = 403

    def public_message(self) -> str:
        """The reason itself: the session is valid, so naming what is missing reveals nothing."""
        return str(self)


class CredentialMissing(CredentialRejected):
    """No credential at all (401)."""

    def public_message(self) -> str:
        """How to authenticate."""
        return "authentication required: Authorization: Bearer <key or token>, or X-Api-Key"


def header(headers: Mapping[Any, Any], name: str) -> str | None:
    """A header's value by case-insensitive name; keys and values may be bytes (``langgraph dev``) or str."""
    for key, value in headers.items():
        text_key = key.decode("latin-1") if isinstance(key, bytes) else str(key)
        if text_key.lower() == name:
            return value.decode("latin-1") if isinstance(value, bytes) else str(value)
    return None


def presented_credential(headers: Mapping[Any, Any]) -> str | None:
    """The bearer token or API key a request carries, if any."""
    authorization = header(headers, "authorization")
    if authorization:
        scheme, _, value = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise CredentialRejected("Authorization must be 'Bearer <key or token>'")
        return value.strip()
    api_key = header(headers, "x-api-key")
    return api_key.strip() if api_key else None


def session_cookie(headers: Mapping[Any, Any]) -> str | None:
    """The staff session cookie's value, if the request has one."""
    raw = header(headers, "cookie")
    if not raw:
        return None
    try:
        cookie = SimpleCookie(raw)
    except CookieError:
        return None
    morsel = cookie.get(SESSION_COOKIE)
    return morsel.value if morsel else None


async def verify_credential(credential: str) -> Identity:
    """The identity a key or customer token proves; raises CredentialRejected otherwise."""
    if len(credential) > MAX_CREDENTIAL_CHARS:
        raise CredentialRejected("credential too long")
    audience = get_settings().token_audience
    pool = await get_pool()
    async with pool.connection() as conn:
        if credential.startswith(KEY_PREFIX):
            identity = await verify_key(conn, credential)
            if identity is None:
                raise CredentialRejected("unknown, expired or revoked key")
            return identity
        tenant = claimed_tenant(credential)
        keys = await tenant_token_keys(conn, tenant) if tenant else None
    try:
        if keys is not None and keys.jwks_url and not keys.jwks_file:
            # PyJWKClient fetches over blocking urllib: keep it off the event loop.
            return await asyncio.to_thread(verify_customer_token, credential, {tenant or "": keys}, audience=audience)
        return verify_customer_token(credential, {tenant or "": keys}, audience=audience)
    except TokenRejected as exc:
        raise CredentialRejected(str(exc)) from exc


async def identity_from_headers(headers: Mapping[Any, Any], *, method: str = "GET") -> Identity | None:
    """The caller's verified identity, None when the request carries no credential at all.

    A staff session cookie on an unsafe ``method`` also needs its CSRF token in ``X-CSRF-Token``.
    """
    credential = presented_credential(headers)
    if credential:
        return await verify_credential(credential)
    cookie = session_cookie(headers)
    if cookie:
        from staff.sessions import identity_from_session

        identity = await identity_from_session(cookie, method=method, csrf_token=header(headers, "x-csrf-token"))
        if identity is None:
            raise CredentialRejected("session expired or signed out")
        return identity
    return None
