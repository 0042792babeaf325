"""Which database the product uses: DATABASE_URL when set, otherwise the embedded Postgres under ./.data."""

from __future__ import annotations

import psycopg

from db.embedded import start_embedded_postgres
from settings import Settings


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached; the message says where and why."""


def redact_url(url: str) -> str:
    """The URL without its password, for messages."""
    head, at, tail = url.rpartition("@")
    if not at or "://" not in head:
        return url
    scheme, _, userinfo = head.partition("://")
    user = userinfo.split(":", 1)[0]
    return f"{scheme}://{user}:***@{tail}"


def resolve_database_url(settings: Settings) -> str:
    """DATABASE_URL, or the URL of the embedded Postgres (started when needed) in ``settings.data_dir``."""
    if settings.database_url:
        return settings.database_url
    return start_embedded_postgres(settings.data_dir / "pg", database="support")


def check_database(url: str, *, timeout_s: int = 5) -> None:
    """Raise DatabaseUnavailable unless ``url`` accepts a connection with pgvector available."""
    try:
        with psycopg.connect(url, connect_timeout=timeout_s, autocommit=True) as conn:
            row = conn.execute("SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'").fetchone()
    except psycopg.Error as exc:
        raise DatabaseUnavailable(f"cannot connect to the database at {redact_url(url)}: {exc}".strip()) from exc
    if not row or not row[0]:
        raise DatabaseUnavailable(f"the database at {redact_url(url)} has no pgvector extension available")
