"""Tables of identity and access: hashed service keys and each tenant's token-signing settings.

Append-only: a released migration never changes; add a new one instead.
"""

from __future__ import annotations

from db.migrations import Migration

_KEYS = """
CREATE TABLE api_keys (
    id text PRIMARY KEY,
    tenant text NOT NULL,
    scope text NOT NULL CHECK (scope IN ('service', 'staff', 'admin')),
    name text NOT NULL DEFAULT '',
    secret_sha256 bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz,
    revoked_at timestamptz,
    last_used_at timestamptz
);
CREATE INDEX api_keys_tenant_idx ON api_keys (tenant);

CREATE TABLE tenant_token_settings (
    tenant text PRIMARY KEY,
    hs256_secret text,
    jwks_url text,
    jwks_file text,
    updated_at timestamptz NOT NULL DEFAULT now()
);
"""

MIGRATIONS = [Migration("identity_0001_keys_and_token_settings", _KEYS)]
