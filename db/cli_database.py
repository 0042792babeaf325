"""The database a CLI command works on: resolved from the settings (embedded Postgres when unset) and checked.

Every command group (`keys`, `token`, `staff`, `vault`, `seed` …) calls :func:`database_url`; an unreachable
database ends the command with exit status 2 and a hint, never a traceback.
"""

from __future__ import annotations

import os

import typer
from rich.console import Console

from db.oneshot import on_database as on_database
from settings import get_settings

console = Console(stderr=True)


def database_url() -> str:
    """The checked URL; it is also put in ``DATABASE_URL`` so that everything the command starts uses the same."""
    from db.runtime import DatabaseUnavailable, check_database, resolve_database_url

    try:
        url = resolve_database_url(get_settings())
        check_database(url)
    except DatabaseUnavailable as exc:
        console.print(f"[bold red]Database unavailable:[/bold red] {exc}")
        console.print("Set DATABASE_URL to a reachable Postgres with pgvector, or unset it to use the embedded one.")
        raise typer.Exit(2) from exc
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    return url
