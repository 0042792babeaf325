"""Safe defaults at start-up: a local mode on loopback with generated demo credentials, and no public bind without keys.

Nothing secret ships in the repository. On a loopback address the first start generates an admin key and a staff
admin login into ``DATA_DIR/local-credentials.json`` (mode 0600); every start prints them with a fresh demo customer
token, so a newcomer can talk to the server at once. On any other address it refuses to start until a key exists.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from identity.keys import any_usable_key, create_key, verify_key
from identity.tokens import issue_token_for

CREDENTIALS_FILE = "local-credentials.json"
DEMO_CUSTOMER = "demo-ana"
DEMO_TOKEN_TTL_S = 24 * 3600
DEMO_ADMIN_EMAIL = "admin@localhost.test"


class PublicBindWithoutKeys(Exception):
    """A non-loopback address was asked for while no service key exists."""


@dataclass(frozen=True, slots=True)
class LocalCredentials:
    """What local mode prints: an admin key of tenant ``default`` and a demo customer's token."""

    admin_key: str
    admin_email: str
    admin_password: str
    customer_id: str
    customer_token: str
    path: Path


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def _password_works(conn: psycopg.AsyncConnection[Any], email: str, password: str) -> bool:
    """Whether the default tenant's account ``email`` has ``password`` (no lockout counting: not a sign-in)."""
    from staff.passwords import verify_password

    cursor = await conn.execute(
        "SELECT password_hash FROM staff_accounts WHERE tenant = 'default' AND email = %s", (email.strip().lower(),)
    )
    row = await cursor.fetchone()
    return row is not None and await asyncio.to_thread(verify_password, row[0], password)


async def _prepare(url: str, data_dir: Path, audience: str) -> LocalCredentials:
    path = data_dir / CREDENTIALS_FILE
    try:
        stored = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):  # none yet, or unreadable: the credentials are made (again) below
        stored = {}
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        admin_key = stored.get("admin_key")
        if not isinstance(admin_key, str) or await verify_key(conn, admin_key) is None:
            admin_key = (await create_key(conn, tenant="default", scope="admin", name="local mode admin")).plaintext
        admin_email, admin_password = stored.get("admin_email", DEMO_ADMIN_EMAIL), stored.get("admin_password")
        # Like the key, a stored password counts only while it still signs in: a new database (a wiped data
        # directory, another DATABASE_URL) has no such account, and the banner would print a dead sign-in.
        if not isinstance(admin_password, str) or not await _password_works(conn, admin_email, admin_password):
            from staff.accounts import AccountExistsError, create_account

            admin_password = secrets.token_urlsafe(18)
            try:
                await create_account(
                    conn,
                    tenant="default",
                    email=admin_email,
                    role="admin",
                    password=admin_password,
                    display_name="Local admin",
                )
            except AccountExistsError:
                admin_email = f"admin-{secrets.token_hex(3)}@localhost.test"
                await create_account(conn, tenant="default", email=admin_email, role="admin", password=admin_password)
        token = await issue_token_for(
            conn, tenant="default", customer_id=DEMO_CUSTOMER, ttl_s=DEMO_TOKEN_TTL_S, audience=audience
        )
    data_dir.mkdir(parents=True, exist_ok=True)
    # Written beside and renamed over: servers that start together (tests, two `make run`) read the old file or
    # the new one, never the empty one that truncating in place showed (a start failed on it, stop 25's loop).
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(
            {
                "admin_key": admin_key,
                "admin_email": admin_email,
                "admin_password": admin_password,
                "customer_id": DEMO_CUSTOMER,
                "customer_token": token,
            },
            handle,
            indent=2,
        )
    os.replace(partial, path)
    return LocalCredentials(admin_key, admin_email, admin_password, DEMO_CUSTOMER, token, path)


def prepare_access(url: str, *, host: str, data_dir: Path, audience: str) -> LocalCredentials | None:
    """Local mode's credentials on loopback; on another address, check that a key exists (else raise)."""
    if is_loopback(host):
        return asyncio.run(_prepare(url, data_dir, audience))

    async def has_keys() -> bool:
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
            return await any_usable_key(conn)

    if not asyncio.run(has_keys()):
        raise PublicBindWithoutKeys(
            f"refusing to serve on {host}: no service key exists, so nobody could call the API safely. Create one "
            "with `support-agent keys create --tenant default --scope admin`, or bind 127.0.0.1 for local mode."
        )
    return None
