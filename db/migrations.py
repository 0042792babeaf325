"""Append-only schema migrations for our own tables, applied under an advisory lock.

Each room that owns tables lists its migrations in ``<room>/schema.py`` as ``MIGRATIONS``;
``MIGRATION_MODULES`` below says which rooms exist. A migration, once released, never changes:
add a new one instead.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

import psycopg

MIGRATION_MODULES: tuple[str, ...] = (
    "support.schema",
    "knowledge.schema",
    "identity.schema",
    "staff.schema",
    "audit.schema",
    "throttle.schema",
    "signals.schema",
)
_LOCK_KEY = 0x5A_6D_16  # advisory lock shared by every process that migrates


@dataclass(frozen=True, slots=True)
class Migration:
    """One schema step: a unique id (``room_0001_what``) and its SQL."""

    id: str
    sql: str


def all_migrations() -> list[Migration]:
    """Every migration of every room, in room order then list order."""
    found: list[Migration] = []
    for name in MIGRATION_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue  # the room has no tables yet
            raise
        found.extend(getattr(module, "MIGRATIONS", []))
    ids = [m.id for m in found]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise RuntimeError(f"duplicate migration ids: {sorted(duplicates)}")
    return found


def migrate(url: str) -> list[str]:
    """Apply pending migrations to the database at ``url``; returns the ids applied."""
    applied: list[str] = []
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
        try:
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
            conn.execute(
                "CREATE TABLE IF NOT EXISTS support_migrations ("
                " id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {row[0] for row in conn.execute("SELECT id FROM support_migrations").fetchall()}
            for migration in all_migrations():
                if migration.id in done:
                    continue
                with conn.transaction():
                    conn.execute(migration.sql.encode())
                    conn.execute("INSERT INTO support_migrations (id) VALUES (%s)", (migration.id,))
                applied.append(migration.id)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))
    return applied
