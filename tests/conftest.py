"""Shared fixtures: one embedded Postgres per test session and a fresh database per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("LANGSMITH_TRACING", "false")
os.environ.setdefault("LANGSMITH_TEST_TRACKING", "false")

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def pg_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a Postgres server for the whole session: TEST_DATABASE_URL, or an embedded one."""
    external = os.environ.get("TEST_DATABASE_URL")
    if external:
        yield external
        return
    from db.embedded import start_embedded_postgres

    # Under /tmp, not the pytest tmp dir: the server's socket path must stay short. It is deleted at exit
    # (each session made a 357 MB directory that stayed behind; a soak loop left about 20 an hour).
    data_dir = Path("/tmp") / f"sa-test-pg-{os.getpid()}"
    url = start_embedded_postgres(data_dir, database="postgres", delete_on_exit=True)
    yield url


def database_url(server_url: str, database: str) -> str:
    """The URL of ``database`` on the server at ``server_url``."""
    head, sep, query = server_url.partition("?")
    base = head.rsplit("/", 1)[0]
    return f"{base}/{database}{sep}{query}"


def create_database(server_url: str, *, prefix: str = "t", template: str | None = None) -> tuple[str, str]:
    """A new database (with pgvector), empty or copied from ``template``; returns its name and URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        if template:
            conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                (template,),
            )
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        else:
            conn.execute(f'CREATE DATABASE "{name}"')
    url = database_url(server_url, name)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
    return name, url


def drop_database(server_url: str, name: str) -> None:
    """Drop ``name``, closing its connections."""
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def pg_url(pg_server_url: str) -> Iterator[str]:
    """A fresh, empty database (with pgvector) for one test, dropped afterwards."""
    name, url = create_database(pg_server_url)
    yield url
    drop_database(pg_server_url, name)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The third-party development sets in ../shared/data (read through a path, never copied)."""
    if not SHARED_DATA.exists():
        pytest.skip(f"development data not found at {SHARED_DATA}")
    return SHARED_DATA
