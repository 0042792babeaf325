"""`support-agent keys ...` and `support-agent token ...`: service keys and customer tokens from the terminal.

Each command that creates a secret prints it alone on its last line (to standard output), so scripts can take it with
``| tail -1``; everything else goes to standard error.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated, Any

import psycopg
import typer
from rich.console import Console

from db.cli_database import database_url, on_database
from identity.keys import create_key, list_keys, revoke_key
from identity.model import KeyScope, valid_customer_id, valid_tenant
from identity.tokens import MAX_TTL_S, issue_token_for, set_tenant_jwks, tenant_token_keys
from settings import get_settings

console = Console(stderr=True)
keys_app = typer.Typer(help="Service keys per tenant (stored hashed; shown once).", no_args_is_help=True)
token_app = typer.Typer(help="End-customer tokens (JWT) and how a tenant's tokens are verified.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the ``keys`` and ``token`` groups to ``app``."""
    app.add_typer(keys_app, name="keys")
    app.add_typer(token_app, name="token")


def _with_connection[T](work: Callable[[psycopg.AsyncConnection[Any]], Awaitable[T]]) -> T:
    return on_database(database_url(), work)


def _check_tenant(tenant: str) -> None:
    if not valid_tenant(tenant):
        console.print("[red]--tenant must be 1-64 of A-Z a-z 0-9 _ -[/red]")
        raise typer.Exit(2)


@keys_app.command("create")
def keys_create(
    tenant: Annotated[str, typer.Option(help="The tenant the key acts for.")] = "default",
    scope: Annotated[str, typer.Option(help="service (a tenant's backend), staff or admin.")] = "service",
    name: Annotated[str, typer.Option(help="A label to recognise the key by.")] = "",
    expires_days: Annotated[float | None, typer.Option(help="Days until the key expires (default: never).")] = None,
) -> None:
    """Create a key; its secret is printed once, alone on the last line."""
    _check_tenant(tenant)
    if scope not in ("service", "staff", "admin"):
        console.print("[red]--scope must be service, staff or admin[/red]")
        raise typer.Exit(2)
    if expires_days is not None and expires_days <= 0:
        console.print("[red]--expires-days must be positive[/red]")
        raise typer.Exit(2)
    expires = timedelta(days=expires_days) if expires_days else None
    key_scope: KeyScope = scope  # type: ignore[assignment]
    issued = _with_connection(
        lambda conn: create_key(conn, tenant=tenant, scope=key_scope, name=name, expires_in=expires)
    )
    console.print(
        f"created {issued.scope} key [bold]{issued.id}[/bold] for tenant {issued.tenant}"
        + (f", expires {issued.expires_at:%Y-%m-%d %H:%M} UTC" if issued.expires_at else "")
    )
    typer.echo(issued.plaintext)


@keys_app.command("list")
def keys_list(tenant: Annotated[str | None, typer.Option(help="Only this tenant's keys.")] = None) -> None:
    """List keys (ids, scopes, dates; never a secret) as JSON lines."""
    for row in _with_connection(lambda conn: list_keys(conn, tenant=tenant)):
        typer.echo(json.dumps(row, default=str))


@keys_app.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="The key's id (the part after sak_).")]) -> None:
    """Revoke a key at once."""
    if not _with_connection(lambda conn: revoke_key(conn, key_id)):
        console.print(f"[red]no active key {key_id}[/red]")
        raise typer.Exit(1)
    console.print(f"revoked {key_id}")


@token_app.command("issue")
def token_issue(
    customer: Annotated[str, typer.Option(help="The customer id (the token's sub).")],
    tenant: Annotated[str, typer.Option(help="The customer's tenant.")] = "default",
    ttl: Annotated[int, typer.Option(help=f"Seconds until it expires (at most {MAX_TTL_S}).")] = 3600,
) -> None:
    """Issue an HS256 customer token with the tenant's secret; printed alone on the last line."""
    _check_tenant(tenant)
    if not valid_customer_id(customer) or not 0 < ttl <= MAX_TTL_S:
        console.print(f"[red]--customer must be 1-128 of A-Z a-z 0-9 _ . : @ + - and --ttl 1..{MAX_TTL_S}[/red]")
        raise typer.Exit(2)
    token = token_for(database_url(), customer=customer, tenant=tenant, ttl_s=ttl)
    console.print(f"token for customer {customer} of tenant {tenant}, valid {ttl} s")
    typer.echo(token)


def token_for(url: str, *, customer: str, tenant: str = "default", ttl_s: int = 3600) -> str:
    """A customer token issued with the tenant's secret in the database at ``url``."""
    audience = get_settings().token_audience
    return on_database(
        url, lambda conn: issue_token_for(conn, tenant=tenant, customer_id=customer, ttl_s=ttl_s, audience=audience)
    )


@token_app.command("secret")
def token_secret(tenant: Annotated[str, typer.Option(help="The tenant.")] = "default") -> None:
    """Print the tenant's HS256 secret, for its backend to sign customer tokens (made on first use)."""
    _check_tenant(tenant)
    keys = _with_connection(lambda conn: tenant_token_keys(conn, tenant, create=True))
    assert keys is not None and keys.hs256_secret
    console.print(f"HS256 secret of tenant {tenant}: sign tokens with sub, tenant, exp and aud=support-agent")
    typer.echo(keys.hs256_secret)


@token_app.command("jwks")
def token_jwks(
    tenant: Annotated[str, typer.Option(help="The tenant.")],
    url: Annotated[str | None, typer.Option(help="JWKS URL of the tenant's public keys (RS256/ES256).")] = None,
    file: Annotated[str | None, typer.Option(help="JWKS file of the tenant's public keys.")] = None,
) -> None:
    """Verify the tenant's tokens with its public keys as well (RS256/ES256)."""
    _check_tenant(tenant)
    if (url is None) == (file is None):
        console.print("[red]give exactly one of --url or --file[/red]")
        raise typer.Exit(2)
    _with_connection(lambda conn: set_tenant_jwks(conn, tenant, url=url, file=file))
    console.print(f"tenant {tenant} tokens: RS256/ES256 verified with {url or file}")
