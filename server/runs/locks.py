"""Postgres advisory-lock keys that coordinate runs across every server process sharing one database."""

from __future__ import annotations

from typing import Final

# Two-integer advisory locks: (class, hashtext(id)). A hash collision only serialises two
# unrelated threads for a moment; it can never let two runs of one thread overlap.
THREAD_EXECUTION: Final = 71_001  # held while a run of the thread executes
RUN_OWNERSHIP: Final = 71_002  # held by the process that owns (queues or executes) a run
THREAD_ADMISSION: Final = 71_003  # transaction lock while a run is admitted to a thread
RECOVERY: Final = 71_004  # one recovery sweep at a time across processes

LOCK_SQL: Final = "SELECT pg_advisory_lock(%s, hashtext(%s))"
TRY_LOCK_SQL: Final = "SELECT pg_try_advisory_lock(%s, hashtext(%s))"
UNLOCK_SQL: Final = "SELECT pg_advisory_unlock(%s, hashtext(%s))"
XACT_LOCK_SQL: Final = "SELECT pg_advisory_xact_lock(:cls, hashtext(:key))"
