"""The audit log table, append-only by trigger: UPDATE, DELETE and TRUNCATE raise.

Append-only: a released migration never changes; add a new one instead.
"""

from __future__ import annotations

from db.migrations import Migration

_AUDIT_LOG = """
CREATE TABLE audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT clock_timestamp(),
    tenant text NOT NULL,
    actor_role text,
    actor_subject text,
    action text NOT NULL,
    target_type text,
    target_id text,
    client_ip text NOT NULL DEFAULT '',
    details jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_tenant_at_idx ON audit_log (tenant, at DESC, id DESC);
CREATE INDEX audit_log_tenant_action_idx ON audit_log (tenant, action, at DESC);

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
"""

MIGRATIONS = [Migration("audit_0001_append_only_log", _AUDIT_LOG)]
