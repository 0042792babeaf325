"""Fixtures for staff sign-in tests: accounts made straight in a server's database, and signed-in clients."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import httpx
import psycopg
import pytest

from server.launcher import ServerProcess, run_coroutine
from staff.accounts import StaffAccount, create_account
from tests.integration.support.conftest import support_pool  # noqa: F401  (the DB-level tests use it)

PASSWORD = "correct horse battery staple"


def make_staff(server: ServerProcess, *, role: str, tenant: str = "default", password: str = PASSWORD) -> StaffAccount:
    """A new staff account of ``tenant`` in the server's database (its tables are migrated at start)."""
    email = f"{role}-{uuid.uuid4().hex[:8]}@Example.test"

    async def create() -> StaffAccount:
        async with await psycopg.AsyncConnection.connect(server.database_url, autocommit=True) as conn:
            return await create_account(conn, tenant=tenant, email=email, role=role, password=password)

    return run_coroutine(create)


def sign_in(server: ServerProcess, account: StaffAccount, password: str = PASSWORD) -> tuple[httpx.Client, str]:
    """A client holding the account's session cookie, and the session's CSRF token."""
    credentials = {"tenant": account.tenant, "email": account.email, "password": password}
    response = httpx.post(f"{server.url}/auth/login", json=credentials, timeout=120)
    assert response.status_code == 200, response.text
    client = httpx.Client(base_url=server.url, timeout=120, cookies=response.cookies)
    return client, response.json()["csrf_token"]


@pytest.fixture
def staff_factory(live_server: ServerProcess) -> Callable[..., StaffAccount]:
    """Make staff accounts on the session's live server."""
    return lambda **kwargs: make_staff(live_server, **kwargs)
