"""`support-agent vault rotate`: re-seal every thread's pseudonym map under the current ``PII_VAULT_KEY``."""

from __future__ import annotations

import typer
from rich.console import Console

from db.cli_database import database_url, on_database
from signals.pii_vault import VaultKeyMismatch, rotate_sealed_maps

console = Console(stderr=True)
vault_app = typer.Typer(help="The sealed pseudonym maps (PII_VAULT_KEY).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the ``vault`` group to ``app``."""
    app.add_typer(vault_app, name="vault")


@vault_app.command("rotate")
def rotate() -> None:
    """Re-seal every map under PII_VAULT_KEY; maps sealed under PII_VAULT_OLD_KEYS open until this has run."""
    try:
        rotated = on_database(database_url(), rotate_sealed_maps)
    except VaultKeyMismatch as exc:
        console.print(f"[bold red]Not rotated:[/bold red] {exc}")
        raise typer.Exit(1) from None
    console.print(f"re-sealed {rotated} pseudonym maps under PII_VAULT_KEY; PII_VAULT_OLD_KEYS can now be emptied")
    typer.echo(rotated)
