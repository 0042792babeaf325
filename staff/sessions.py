"""Staff sessions: random cookie tokens (stored only as SHA-256) that expire when idle and after a fixed time.

Each session has a CSRF token; a request that changes something (any method but GET, HEAD, OPTIONS) with the
session cookie must echo it in ``X-CSRF-Token``, which a page on another site cannot read.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from psycopg import AsyncConnection
from psycopg.rows import dict_row

from db.pool import get_pool
from identity.model import Identity
from identity.resolve import CsrfRejected
from settings import get_settings
from staff.accounts import StaffAccount

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_TOKEN_CHARS = 128
TOUCH_EVERY = timedelta(seconds=60)
"""The idle clock is moved at most once a minute, so a busy session does not write on every request."""


@dataclass(frozen=True, slots=True)
class Session:
    """A live session: who it belongs to and its CSRF token."""

    account: StaffAccount
    csrf_token: str

    def identity(self) -> Identity:
        """The staff member as a verified Identity."""
        return Identity(
            tenant=self.account.tenant,
            role=self.account.role,
            proof="staff_session",
            subject=self.account.id,
            display_name=self.account.display_name or self.account.email,
        )


@dataclass(frozen=True, slots=True)
class NewSession:
    """A session as created: ``token`` goes in the cookie and is never stored."""

    token: str
    csrf_token: str
    max_age_s: int


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def _lifetimes() -> tuple[timedelta, timedelta]:
    settings = get_settings()
    return timedelta(hours=settings.staff_session_idle_hours), timedelta(days=settings.staff_session_max_days)


async def create_session(conn: AsyncConnection[Any], account: StaffAccount, *, client_ip: str = "") -> NewSession:
    """Start a session for ``account`` (and forget the account's expired ones)."""
    idle, absolute = _lifetimes()
    token = secrets.token_urlsafe(32)
    csrf_token = secrets.token_urlsafe(32)
    await conn.execute(
        "DELETE FROM staff_sessions WHERE account_id = %s AND (expires_at <= now() OR last_seen_at <= now() - %s)",
        (account.id, idle),
    )
    await conn.execute(
        "INSERT INTO staff_sessions (token_sha256, account_id, csrf_token, expires_at, client_ip)"
        " VALUES (%s, %s, %s, now() + %s, %s)",
        (_digest(token), account.id, csrf_token, absolute, client_ip),
    )
    return NewSession(token, csrf_token, int(absolute.total_seconds()))


async def lookup_session(conn: AsyncConnection[Any], token: str) -> Session | None:
    """The live session of ``token``; None when unknown, expired (idle or absolute) or its account is disabled."""
    if not token or len(token) > MAX_TOKEN_CHARS:
        return None
    idle, _ = _lifetimes()
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            "SELECT a.id, a.tenant, a.email, a.display_name, a.role, a.disabled, s.csrf_token,"
            " s.last_seen_at < now() - %s AS stale"
            " FROM staff_sessions s JOIN staff_accounts a ON a.id = s.account_id"
            " WHERE s.token_sha256 = %s AND s.expires_at > now() AND s.last_seen_at > now() - %s AND NOT a.disabled",
            (TOUCH_EVERY, _digest(token), idle),
        )
        row = await cur.fetchone()
        if row is None:
            return None
        if row.pop("stale"):
            touch = "UPDATE staff_sessions SET last_seen_at = now() WHERE token_sha256 = %s"
            await cur.execute(touch, (_digest(token),))
    csrf_token = row.pop("csrf_token")
    return Session(StaffAccount(**row), csrf_token)


async def end_session(conn: AsyncConnection[Any], token: str) -> bool:
    """Sign out: the token stops working at once. False when there was no such session."""
    cur = await conn.execute("DELETE FROM staff_sessions WHERE token_sha256 = %s", (_digest(token),))
    return cur.rowcount == 1


def check_csrf(session: Session, *, method: str, csrf_token: str | None) -> None:
    """Raise CsrfRejected when an unsafe ``method`` does not carry the session's CSRF token."""
    if method.upper() in SAFE_METHODS:
        return
    if not csrf_token or not hmac.compare_digest(csrf_token.encode(), session.csrf_token.encode()):
        raise CsrfRejected(
            f"{method.upper()} with a session cookie needs the session's CSRF token in X-CSRF-Token"
            " (POST /auth/login and GET /auth/me return it)"
        )


async def identity_from_session(session_token: str, *, method: str, csrf_token: str | None) -> Identity | None:
    """The identity of a live session; None when the session is unknown, expired or signed out.

    Raises CsrfRejected when an unsafe ``method`` lacks the session's CSRF token.
    """
    pool = await get_pool()
    async with pool.connection() as conn:
        session = await lookup_session(conn, session_token)
    if session is None:
        return None
    check_csrf(session, method=method, csrf_token=csrf_token)
    return session.identity()
