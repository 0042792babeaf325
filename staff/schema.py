"""Tables of staff accounts and their sign-in sessions.

Append-only: a released migration never changes; add a new one instead.
"""

from __future__ import annotations

from db.migrations import Migration

_ACCOUNTS = """
CREATE TABLE staff_accounts (
    id text PRIMARY KEY,
    tenant text NOT NULL,
    email text NOT NULL CHECK (email = lower(email)),
    display_name text NOT NULL DEFAULT '',
    role text NOT NULL CHECK (role IN ('agent', 'supervisor', 'admin')),
    password_hash text NOT NULL,
    disabled boolean NOT NULL DEFAULT false,
    failed_attempts integer NOT NULL DEFAULT 0,
    locked_until timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_login_at timestamptz,
    UNIQUE (tenant, email)
);
"""

_SESSIONS = """
CREATE TABLE staff_sessions (
    token_sha256 bytea PRIMARY KEY,
    account_id text NOT NULL REFERENCES staff_accounts (id) ON DELETE CASCADE,
    csrf_token text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    client_ip text NOT NULL DEFAULT ''
);
CREATE INDEX staff_sessions_account_idx ON staff_sessions (account_id);
"""

# Who has a console handoff page open (console/presence.py): shared by every process, expired by seen_at.
_CONSOLE_PRESENCE = """
CREATE TABLE console_presence (
    tenant text NOT NULL,
    handoff_id bigint NOT NULL,
    who text NOT NULL,
    seen_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant, handoff_id, who)
);
"""

MIGRATIONS = [
    Migration("staff_0001_accounts", _ACCOUNTS),
    Migration("staff_0002_sessions", _SESSIONS),
    Migration("staff_0003_console_presence", _CONSOLE_PRESENCE),
]
