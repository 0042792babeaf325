"""Local mode: generated credentials that work, kept private, and reused on the next start."""

from __future__ import annotations

import json
import stat
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest

from db.migrations import migrate
from identity.keys import verify_key
from identity.local_mode import is_loopback, prepare_access
from server.launcher import run_coroutine
from staff.accounts import sign_in
from staff.passwords import LockoutPolicy

pytestmark = pytest.mark.integration


def test_the_credentials_file_is_replaced_whole_and_an_empty_one_is_remade(pg_url: str, tmp_path: Path) -> None:
    migrate(pg_url)
    path = tmp_path / "local-credentials.json"
    path.write_text("")  # what a reader saw while another start truncated the file in place
    before = path.stat().st_ino
    made = prepare_access(pg_url, host="127.0.0.1", data_dir=tmp_path, audience="support-agent")
    assert made is not None and made.path == path
    assert path.stat().st_ino != before  # renamed over, not rewritten in place: a reader never sees it half-written
    assert json.loads(path.read_text())["admin_key"] == made.admin_key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["local-credentials.json"]


def test_local_credentials_are_generated_once_and_work(pg_url: str, tmp_path: Path) -> None:
    migrate(pg_url)
    first = prepare_access(pg_url, host="127.0.0.1", data_dir=tmp_path, audience="support-agent")
    second = prepare_access(pg_url, host="localhost", data_dir=tmp_path, audience="support-agent")
    assert first is not None and second is not None
    assert (second.admin_key, second.admin_password) == (first.admin_key, first.admin_password)
    assert stat.S_IMODE(first.path.stat().st_mode) == 0o600

    async def check() -> tuple[object, object]:
        async with await psycopg.AsyncConnection.connect(pg_url, autocommit=True) as conn:
            key = await verify_key(conn, first.admin_key)
            policy = LockoutPolicy(attempts=5, duration=timedelta(minutes=15))
            attempt = await sign_in(
                conn, tenant="default", email=first.admin_email, password=first.admin_password, policy=policy
            )
            return key, attempt.account

    key, account = run_coroutine(check)
    assert key is not None and key.role == "admin"
    assert account is not None and account.role == "admin"


def test_a_stored_password_without_its_account_is_replaced(pg_url: str, tmp_path: Path) -> None:
    """A new database under an old data directory: the banner's sign-in must still work."""
    migrate(pg_url)
    first = prepare_access(pg_url, host="127.0.0.1", data_dir=tmp_path, audience="support-agent")
    assert first is not None
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("DELETE FROM staff_accounts WHERE email = %s", (first.admin_email,))
    second = prepare_access(pg_url, host="127.0.0.1", data_dir=tmp_path, audience="support-agent")
    assert second is not None and second.admin_password != first.admin_password

    async def check() -> object:
        async with await psycopg.AsyncConnection.connect(pg_url, autocommit=True) as conn:
            policy = LockoutPolicy(attempts=5, duration=timedelta(minutes=15))
            attempt = await sign_in(
                conn, tenant="default", email=second.admin_email, password=second.admin_password, policy=policy
            )
            return attempt.account

    account = run_coroutine(check)
    assert account is not None and account.role == "admin"


def test_only_loopback_addresses_are_local() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("10.1.2.3") and not is_loopback("example.com")
