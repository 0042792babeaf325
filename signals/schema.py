"""Tables of the signals room: each thread's pseudonym map, sealed (signals/pii_pseudonyms.py).

Append-only: a released migration never changes; add a new one instead.
"""

from __future__ import annotations

from db.migrations import Migration

# Only ciphertext: the values a placeholder stands for are never stored in clear.
_PII_PSEUDONYMS = """
CREATE TABLE pii_pseudonyms (
    thread_id text PRIMARY KEY,
    sealed bytea NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
"""

MIGRATIONS: list[Migration] = [
    Migration("signals_0001_pii_pseudonyms", _PII_PSEUDONYMS),
]
