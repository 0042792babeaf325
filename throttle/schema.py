"""The rate-limit counters: one row per bucket and one-minute window.

UNLOGGED: counters need no crash safety (a crash only forgives the current minute) and skip the WAL on every hit.
Append-only: a released migration never changes; add a new one instead.
"""

from __future__ import annotations

from db.migrations import Migration

_COUNTERS = """
CREATE UNLOGGED TABLE rate_limit_counters (
    bucket text NOT NULL,
    window_start timestamptz NOT NULL,
    count integer NOT NULL,
    PRIMARY KEY (bucket, window_start)
);
CREATE INDEX rate_limit_counters_window_idx ON rate_limit_counters (window_start);
"""

MIGRATIONS = [Migration("throttle_0001_counters", _COUNTERS)]
