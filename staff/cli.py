"""`support-agent staff ...`: create, list and disable staff accounts from the terminal.

``create`` without ``--password-stdin`` generates a password and prints it alone on standard output's last line
(``| tail -1``); everything else goes to standard error.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import psycopg
import typer
from rich.console import Console

from db.cli_database import database_url, on_database

console = Console(stderr=True)
staff_app = typer.Typer(help="Staff accounts: the people who sign in to work the inbox.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the ``staff`` group to ``app``."""
    app.add_typer(staff_app, name="staff")


def _with_connection[T](work: Callable[[psycopg.AsyncConnection[Any]], Awaitable[T]]) -> T:
    """Run ``work(conn)`` on a connection to the migrated database."""
    return on_database(database_url(), work)


@staff_app.command("create")
def staff_create(
    tenant: Annotated[str, typer.Option(help="The tenant the person works for.")],
    email: Annotated[str, typer.Option(help="Sign-in email (unique per tenant, stored in lower case).")],
    role: Annotated[str, typer.Option(help="agent, supervisor or admin.")],
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
) -> None:
    """Create a staff account; without --password-stdin a password is generated and printed on the last line."""
    import secrets
    import sys

    from staff.accounts import AccountExistsError, InvalidAccountError, create_account

    password = sys.stdin.read().rstrip("\r\n") if password_stdin else secrets.token_urlsafe(18)
    try:
        account = _with_connection(
            lambda conn: create_account(
                conn, tenant=tenant, email=email, role=role, password=password, display_name=name
            )
        )
    except InvalidAccountError as exc:
        console.print(f"[red]{exc.field}:[/red] {exc}")
        raise typer.Exit(2) from exc
    except AccountExistsError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from exc
    console.print(f"[green]created[/green] {account.role} {account.email} of {account.tenant} ({account.id})")
    if not password_stdin:
        typer.echo(password)


@staff_app.command("list")
def staff_list(tenant: Annotated[str | None, typer.Option(help="Only this tenant's accounts.")] = None) -> None:
    """List staff accounts (tab-separated: id, tenant, email, role, name, status)."""
    from staff.accounts import list_accounts

    for account in _with_connection(lambda conn: list_accounts(conn, tenant=tenant)):
        status = "disabled" if account.disabled else "active"
        typer.echo("\t".join((account.id, account.tenant, account.email, account.role, account.display_name, status)))


@staff_app.command("disable")
def staff_disable(
    tenant: Annotated[str, typer.Option(help="The account's tenant.")],
    email: Annotated[str, typer.Option(help="The account's email.")],
) -> None:
    """Disable a staff account; its sessions end at once."""
    from staff.accounts import InvalidAccountError, disable_account

    try:
        disabled = _with_connection(lambda conn: disable_account(conn, tenant=tenant, email=email))
    except InvalidAccountError as exc:
        console.print(f"[red]{exc.field}:[/red] {exc}")
        raise typer.Exit(2) from exc
    if not disabled:
        console.print(f"[red]no staff account {email} in tenant {tenant}[/red]")
        raise typer.Exit(1)
    console.print(f"[green]disabled[/green] {email} of {tenant}")
