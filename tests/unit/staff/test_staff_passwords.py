from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher

from staff.passwords import (
    LockoutPolicy,
    LockoutState,
    after_attempt,
    hash_password,
    needs_rehash,
    verify_password,
)

CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
STRONGER = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
POLICY = LockoutPolicy(attempts=5, duration=timedelta(minutes=15))
T0 = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def test_hash_is_salted_argon2id_and_verifies_only_the_password() -> None:
    first = hash_password("correct horse battery", hasher=CHEAP)
    second = hash_password("correct horse battery", hasher=CHEAP)
    assert first.startswith("$argon2id$") and first != second
    assert verify_password(first, "correct horse battery", hasher=CHEAP)
    assert not verify_password(first, "correct horse batterY", hasher=CHEAP)
    assert not verify_password("not-a-hash", "correct horse battery", hasher=CHEAP)


def test_default_hasher_round_trip() -> None:
    stored = hash_password("a long enough password")
    assert verify_password(stored, "a long enough password") and not needs_rehash(stored)


def test_rehash_when_parameters_change() -> None:
    old = hash_password("pw-0123456789", hasher=CHEAP)
    assert not needs_rehash(old, hasher=CHEAP)
    assert needs_rehash(old, hasher=STRONGER)
    assert verify_password(old, "pw-0123456789", hasher=STRONGER)  # old hashes still verify meanwhile
    assert needs_rehash("garbage", hasher=STRONGER)


def fail(state: LockoutState, at: datetime) -> LockoutState:
    return after_attempt(state, password_ok=False, now=at, policy=POLICY)


def test_fifth_failure_in_a_row_locks_for_the_policy_duration() -> None:
    state = LockoutState(0, None)
    for n in range(1, 5):
        state = fail(state, T0)
        assert state == LockoutState(n, None) and not state.is_locked(T0)
    state = fail(state, T0)
    assert state.locked_until == T0 + timedelta(minutes=15)
    assert state.is_locked(T0 + timedelta(minutes=14, seconds=59))
    assert not state.is_locked(T0 + timedelta(minutes=15))


def test_correct_password_resets_the_count() -> None:
    state = fail(fail(fail(fail(LockoutState(0, None), T0), T0), T0), T0)
    assert state.failed_attempts == 4
    state = after_attempt(state, password_ok=True, now=T0, policy=POLICY)
    assert state == LockoutState(0, None)
    assert fail(state, T0).failed_attempts == 1  # four more mistakes are needed to lock again


@pytest.mark.parametrize("password_ok", [True, False])
def test_attempts_while_locked_change_nothing(password_ok: bool) -> None:
    locked = LockoutState(0, T0 + timedelta(minutes=15))
    later = T0 + timedelta(minutes=5)
    assert after_attempt(locked, password_ok=password_ok, now=later, policy=POLICY) == locked


def test_after_the_lock_ends_a_correct_password_works_and_a_wrong_one_counts_from_zero() -> None:
    locked = LockoutState(0, T0)
    after = T0 + timedelta(seconds=1)
    assert after_attempt(locked, password_ok=True, now=after, policy=POLICY) == LockoutState(0, None)
    assert fail(locked, after).failed_attempts == 1
