"""Staff accounts of a tenant: create, list, disable, and sign in with a password under the lockout rule."""

from __future__ import annotations

import asyncio
import re
import secrets
from dataclasses import asdict, dataclass
from typing import Any, Literal, get_args

from psycopg import AsyncConnection
from psycopg.errors import UniqueViolation
from psycopg.rows import dict_row

from identity.model import valid_tenant
from staff.passwords import (
    MAX_PASSWORD_CHARS,
    MIN_PASSWORD_CHARS,
    LockoutPolicy,
    LockoutState,
    after_attempt,
    burn_verify,
    hash_password,
    needs_rehash,
    verify_password,
)

StaffRole = Literal["agent", "supervisor", "admin"]
STAFF_ROLES: tuple[StaffRole, ...] = get_args(StaffRole)
SignInOutcome = Literal["ok", "unknown_account", "wrong_password", "locked", "disabled"]
EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}$")
_COLUMNS = "id, tenant, email, display_name, role, disabled"


class InvalidAccountError(ValueError):
    """A field of a new account is not acceptable; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class AccountExistsError(Exception):
    """The tenant already has an account with this email."""


@dataclass(frozen=True, slots=True)
class StaffAccount:
    """A staff member's public facts (never the password hash)."""

    id: str
    tenant: str
    email: str
    display_name: str
    role: StaffRole
    disabled: bool

    def public(self) -> dict[str, Any]:
        """The account as JSON."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class SignIn:
    """The outcome of a sign-in attempt; ``account`` is set only when it succeeded."""

    outcome: SignInOutcome
    account: StaffAccount | None = None


def normalize_email(email: str) -> str:
    """The email as stored (trimmed, lower case); raises InvalidAccountError when it is not one."""
    normalized = email.strip().lower()
    if not EMAIL_PATTERN.match(normalized):
        raise InvalidAccountError("email", "email must look like name@domain")
    return normalized


def check_new_account(tenant: str, role: str, password: str) -> None:
    """Raise InvalidAccountError naming the first unacceptable field."""
    if not valid_tenant(tenant):
        raise InvalidAccountError("tenant", "tenant must be 1-64 of A-Z a-z 0-9 _ -")
    if role not in STAFF_ROLES:
        raise InvalidAccountError("role", f"role must be one of {', '.join(STAFF_ROLES)}")
    if not MIN_PASSWORD_CHARS <= len(password) <= MAX_PASSWORD_CHARS:
        raise InvalidAccountError("password", f"password must be {MIN_PASSWORD_CHARS}-{MAX_PASSWORD_CHARS} characters")


async def create_account(
    conn: AsyncConnection[Any], *, tenant: str, email: str, role: str, password: str, display_name: str = ""
) -> StaffAccount:
    """Create an account; raises InvalidAccountError or AccountExistsError."""
    email = normalize_email(email)
    check_new_account(tenant, role, password)
    password_hash = await asyncio.to_thread(hash_password, password)
    try:
        async with conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(
                f"INSERT INTO staff_accounts (id, tenant, email, display_name, role, password_hash)"
                f" VALUES (%s, %s, %s, %s, %s, %s) RETURNING {_COLUMNS}",
                (f"stf_{secrets.token_hex(6)}", tenant, email, display_name.strip(), role, password_hash),
            )
            row = await cur.fetchone()
    except UniqueViolation as exc:
        raise AccountExistsError(f"{tenant} already has a staff account {email}") from exc
    assert row is not None
    return StaffAccount(**row)


async def list_accounts(conn: AsyncConnection[Any], *, tenant: str | None = None) -> list[StaffAccount]:
    """Every account (of ``tenant``), by tenant then email."""
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            f"SELECT {_COLUMNS} FROM staff_accounts WHERE %s::text IS NULL OR tenant = %s ORDER BY tenant, email",
            (tenant, tenant),
        )
        return [StaffAccount(**row) for row in await cur.fetchall()]


async def disable_account(conn: AsyncConnection[Any], *, tenant: str, email: str) -> bool:
    """Disable the account and end its sessions at once; False when there is no such account."""
    async with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            "UPDATE staff_accounts SET disabled = true WHERE tenant = %s AND email = %s RETURNING id",
            (tenant, normalize_email(email)),
        )
        row = await cur.fetchone()
        if row is None:
            return False
        await cur.execute("DELETE FROM staff_sessions WHERE account_id = %s", (row["id"],))
    return True


async def sign_in(
    conn: AsyncConnection[Any], *, tenant: str, email: str, password: str, policy: LockoutPolicy
) -> SignIn:
    """Check the password under the lockout rule; the outcome says why a refusal was one (for the audit log only).

    The password is verified outside the row lock (argon2 takes tens of milliseconds); the lockout state is then
    read and written under ``FOR UPDATE``, so concurrent wrong guesses each count.
    """
    async with conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            f"SELECT {_COLUMNS}, password_hash FROM staff_accounts WHERE tenant = %s AND email = %s",
            (tenant, email.strip().lower()),
        )
        row = await cur.fetchone()
    if row is None:
        await asyncio.to_thread(burn_verify, password)
        return SignIn("unknown_account")
    stored_hash = row.pop("password_hash")
    account = StaffAccount(**row)
    password_ok = await asyncio.to_thread(verify_password, stored_hash, password)
    new_hash = await asyncio.to_thread(hash_password, password) if password_ok and needs_rehash(stored_hash) else None
    async with conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        await cur.execute(
            "SELECT failed_attempts, locked_until, disabled, now() AS now FROM staff_accounts WHERE id = %s FOR UPDATE",
            (account.id,),
        )
        current = await cur.fetchone()
        if current is None:
            return SignIn("unknown_account")
        if current["disabled"]:
            return SignIn("disabled")
        before = LockoutState(current["failed_attempts"], current["locked_until"])
        after = after_attempt(before, password_ok=password_ok, now=current["now"], policy=policy)
        if before.is_locked(current["now"]):
            return SignIn("locked")
        await cur.execute(
            "UPDATE staff_accounts SET failed_attempts = %s, locked_until = %s,"
            " last_login_at = CASE WHEN %s THEN now() ELSE last_login_at END,"
            " password_hash = coalesce(%s, password_hash) WHERE id = %s",
            (after.failed_attempts, after.locked_until, password_ok, new_hash, account.id),
        )
    return SignIn("ok", account) if password_ok else SignIn("wrong_password")
