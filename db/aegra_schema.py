"""Aegra's own schema (threads, runs, assistants via Alembic) and LangGraph's checkpoint and store tables."""

from __future__ import annotations

import os

from langgraph.checkpoint.postgres import PostgresSaver
from langgraph.store.postgres import PostgresStore


def migrate_aegra(url: str) -> None:
    """Bring Aegra's tables and the checkpoint/store tables up to date in the database at ``url``."""
    os.environ["DATABASE_URL"] = url
    from aegra_api.core.migrations import run_migrations
    from aegra_api.settings import DatabaseSettings, settings

    # Aegra reads its settings once, at import: a process that imported it earlier (another database, or none)
    # would migrate that one instead.
    settings.db = DatabaseSettings()

    run_migrations()
    with PostgresSaver.from_conn_string(url) as saver:
        saver.setup()
    with PostgresStore.from_conn_string(url) as store:
        store.setup()
