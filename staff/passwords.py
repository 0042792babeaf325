"""Password hashing (argon2id) and the sign-in lockout rule, free of I/O so both are tested as plain functions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 1024
"""argon2 takes any length; the cap only keeps a request from making the server hash megabytes."""


@lru_cache(maxsize=1)
def password_hasher() -> PasswordHasher:
    """The hasher with argon2-cffi's current recommended parameters (RFC 9106, low-memory profile)."""
    return PasswordHasher()


def hash_password(password: str, *, hasher: PasswordHasher | None = None) -> str:
    """An argon2id hash of ``password`` (salted; the parameters are encoded in the string)."""
    return (hasher or password_hasher()).hash(password)


def verify_password(password_hash: str, password: str, *, hasher: PasswordHasher | None = None) -> bool:
    """Whether ``password`` matches ``password_hash``; a malformed hash never matches."""
    try:
        return (hasher or password_hasher()).verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str, *, hasher: PasswordHasher | None = None) -> bool:
    """Whether the hash was made with other parameters than the hasher's (then it is redone at sign-in)."""
    try:
        return (hasher or password_hasher()).check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return hash_password("not a real password")


def burn_verify(password: str) -> None:
    """Spend the time of one verification, so an unknown account answers as slowly as a wrong password."""
    verify_password(_dummy_hash(), password)


@dataclass(frozen=True, slots=True)
class LockoutPolicy:
    """``attempts`` failed passwords in a row lock the account for ``duration``."""

    attempts: int
    duration: timedelta


@dataclass(frozen=True, slots=True)
class LockoutState:
    """An account's failed passwords in a row, and until when it is locked."""

    failed_attempts: int
    locked_until: datetime | None

    def is_locked(self, now: datetime) -> bool:
        """Whether sign-in is refused at ``now``, whatever the password."""
        return self.locked_until is not None and now < self.locked_until


def after_attempt(state: LockoutState, *, password_ok: bool, now: datetime, policy: LockoutPolicy) -> LockoutState:
    """The state after one sign-in attempt.

    While locked nothing changes: attempts then neither count nor extend the lock (else anyone could keep an
    account locked for ever by guessing every 15 minutes). A correct password resets the counter; the failure that
    reaches ``policy.attempts`` locks the account and starts a fresh count for when the lock ends.
    """
    if state.is_locked(now):
        return state
    if password_ok:
        return LockoutState(0, None)
    failed = state.failed_attempts + 1
    if failed >= policy.attempts:
        return LockoutState(0, now + policy.duration)
    return LockoutState(failed, state.locked_until)
