"""Staff accounts, sign-in and sessions on a real Postgres (no server): lockout under concurrency, rehash, expiry."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from argon2 import PasswordHasher
from psycopg_pool import AsyncConnectionPool

from identity.resolve import CsrfRejected
from staff.accounts import (
    AccountExistsError,
    InvalidAccountError,
    create_account,
    disable_account,
    list_accounts,
    sign_in,
)
from staff.passwords import LockoutPolicy, needs_rehash
from staff.sessions import create_session, end_session, identity_from_session, lookup_session
from throttle.limits import Limit, hit

pytestmark = pytest.mark.integration

POLICY = LockoutPolicy(attempts=5, duration=timedelta(minutes=15))
PASSWORD = "correct horse battery staple"


async def test_create_validates_and_keeps_email_unique_per_tenant(support_pool: AsyncConnectionPool[Any]) -> None:
    async with support_pool.connection() as conn:
        made = await create_account(conn, tenant="acme", email=" Kim@Acme.TEST ", role="agent", password=PASSWORD)
        assert made.email == "kim@acme.test" and made.id.startswith("stf_")
        with pytest.raises(AccountExistsError):
            await create_account(conn, tenant="acme", email="KIM@acme.test", role="admin", password=PASSWORD)
        await create_account(conn, tenant="beta", email="kim@acme.test", role="admin", password=PASSWORD)
        for fields, bad in [
            ({"email": "no-at-sign"}, "email"),
            ({"role": "root"}, "role"),
            ({"password": "short"}, "password"),
            ({"tenant": "a.b"}, "tenant"),
        ]:
            args = {"tenant": "acme", "email": "lee@acme.test", "role": "agent", "password": PASSWORD} | fields
            with pytest.raises(InvalidAccountError) as raised:
                await create_account(conn, **args)
            assert raised.value.field == bad
        assert [a.email for a in await list_accounts(conn, tenant="acme")] == ["kim@acme.test"]
        stored = await (
            await conn.execute("SELECT password_hash FROM staff_accounts WHERE id = %s", (made.id,))
        ).fetchone()
        assert stored and stored["password_hash"].startswith("$argon2id$") and PASSWORD not in stored["password_hash"]


async def test_concurrent_wrong_guesses_all_count(support_pool: AsyncConnectionPool[Any]) -> None:
    async with support_pool.connection() as conn:
        await create_account(conn, tenant="acme", email="kim@acme.test", role="agent", password=PASSWORD)

    async def guess(n: int) -> str:
        async with support_pool.connection() as conn:
            attempt = await sign_in(conn, tenant="acme", email="kim@acme.test", password=f"guess {n}", policy=POLICY)
            return attempt.outcome

    outcomes = await asyncio.gather(*(guess(n) for n in range(5)))
    assert outcomes == ["wrong_password"] * 5
    async with support_pool.connection() as conn:
        locked = await sign_in(conn, tenant="acme", email="kim@acme.test", password=PASSWORD, policy=POLICY)
        assert locked.outcome == "locked" and locked.account is None
        await conn.execute("UPDATE staff_accounts SET locked_until = now() - interval '1 second'")
        assert (await sign_in(conn, tenant="acme", email="kim@acme.test", password=PASSWORD, policy=POLICY)).account


async def test_sign_in_rehashes_a_hash_made_with_old_parameters(support_pool: AsyncConnectionPool[Any]) -> None:
    old = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    async with support_pool.connection() as conn:
        made = await create_account(conn, tenant="acme", email="kim@acme.test", role="agent", password=PASSWORD)
        await conn.execute("UPDATE staff_accounts SET password_hash = %s WHERE id = %s", (old, made.id))
        assert needs_rehash(old)
        wrong = await sign_in(conn, tenant="acme", email="kim@acme.test", password="nope", policy=POLICY)
        assert wrong.outcome == "wrong_password"
        row = await (await conn.execute("SELECT password_hash FROM staff_accounts")).fetchone()
        assert row and row["password_hash"] == old  # only a correct password is rehashed
        assert (await sign_in(conn, tenant="acme", email="kim@acme.test", password=PASSWORD, policy=POLICY)).account
        row = await (await conn.execute("SELECT password_hash FROM staff_accounts")).fetchone()
        assert row and row["password_hash"] != old and not needs_rehash(row["password_hash"])
        assert (await sign_in(conn, tenant="acme", email="kim@acme.test", password=PASSWORD, policy=POLICY)).account


async def test_sessions_expire_when_idle_or_old_and_end_on_disable(support_pool: AsyncConnectionPool[Any]) -> None:
    async with support_pool.connection() as conn:
        account = await create_account(conn, tenant="acme", email="kim@acme.test", role="agent", password=PASSWORD)
        idle, old, live, gone = [await create_session(conn, account) for _ in range(4)]
        rows = await (
            await conn.execute(
                "SELECT s::text AS line, token_sha256 = sha256(%s::bytea) AS match FROM staff_sessions s",
                (live.token.encode(),),
            )
        ).fetchall()
        assert sum(row["match"] for row in rows) == 1  # only a hash of the token is stored
        assert all(live.token not in row["line"] for row in rows)
        assert await lookup_session(conn, live.token) is not None
        await conn.execute(
            "UPDATE staff_sessions SET last_seen_at = now() - interval '8 hours 1 minute' WHERE csrf_token = %s",
            (idle.csrf_token,),
        )
        await conn.execute(
            "UPDATE staff_sessions SET expires_at = now() - interval '1 second' WHERE csrf_token = %s",
            (old.csrf_token,),
        )
        assert await lookup_session(conn, idle.token) is None and await lookup_session(conn, old.token) is None
        await conn.execute(
            "UPDATE staff_sessions SET last_seen_at = now() - interval '2 hours' WHERE csrf_token = %s",
            (live.csrf_token,),
        )
        assert await lookup_session(conn, live.token) is not None  # use slides the idle clock forward
        touched = await (
            await conn.execute(
                "SELECT last_seen_at > now() - interval '1 minute' AS fresh FROM staff_sessions WHERE csrf_token = %s",
                (live.csrf_token,),
            )
        ).fetchone()
        assert touched and touched["fresh"]
        assert await end_session(conn, gone.token) and await lookup_session(conn, gone.token) is None

    identity = await identity_from_session(live.token, method="POST", csrf_token=live.csrf_token)
    assert identity is not None and identity.subject == account.id and identity.proof == "staff_session"
    with pytest.raises(CsrfRejected):
        await identity_from_session(live.token, method="DELETE", csrf_token=None)
    assert await identity_from_session("made-up", method="GET", csrf_token=None) is None

    async with support_pool.connection() as conn:
        assert await disable_account(conn, tenant="acme", email="KIM@acme.test")
        assert await lookup_session(conn, live.token) is None
        assert not await disable_account(conn, tenant="acme", email="nobody@acme.test")
        disabled = await sign_in(conn, tenant="acme", email="kim@acme.test", password=PASSWORD, policy=POLICY)
        assert disabled.outcome == "disabled"


async def test_counters_hold_under_concurrent_hits(support_pool: AsyncConnectionPool[Any], pg_url: str) -> None:
    limits = [Limit("test:shared", 5), Limit("test:roomy", 100)]
    verdicts = await asyncio.gather(*(hit(support_pool, limits) for _ in range(12)))
    allowed = [v for v in verdicts if v.allowed]
    refused = [v for v in verdicts if not v.allowed]
    # A minute boundary may fall inside the burst: then up to 5 more pass, never more.
    assert 5 <= len(allowed) <= 10 and refused
    assert all(v.bucket == "test:shared" and 1 <= v.retry_after_s <= 60 for v in refused)
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT sum(count) FROM rate_limit_counters WHERE bucket = 'test:roomy'").fetchone() == (
            12,
        )
