"""Customer profiles: read, create on first contact, update, list."""

from __future__ import annotations

from typing import Any, Literal, get_args

from psycopg.types.json import Jsonb

from support.connections import Db, Row, fetch_all, fetch_one

Tier = Literal["free", "standard", "premium", "enterprise"]
TIERS: tuple[str, ...] = get_args(Tier)


class CustomerNotFoundError(LookupError):
    """No customer with that id in that tenant."""


async def get_customer(db: Db | None, tenant: str, customer_id: str) -> Row | None:
    """The customer's profile, or None when it is unknown in ``tenant``."""
    return await fetch_one(
        db,
        "SELECT id, tenant, name, email, tier, language, timezone, preferences, created_at, updated_at"
        " FROM customers WHERE id = %s AND tenant = %s",
        (customer_id, tenant),
    )


async def ensure_customer(db: Db | None, tenant: str, customer_id: str) -> Row:
    """The customer's profile, created with defaults on first contact (a ticket needs a customer row)."""
    await fetch_one(
        db,
        "INSERT INTO customers (id, tenant) VALUES (%s, %s) ON CONFLICT (id) DO NOTHING RETURNING id",
        (customer_id, tenant),
    )
    row = await get_customer(db, tenant, customer_id)
    if row is None:
        # The id exists under another tenant: ids are global, so a tenant may not borrow it.
        raise CustomerNotFoundError(customer_id)
    return row


async def upsert_customer(
    db: Db | None,
    *,
    tenant: str,
    customer_id: str,
    name: str | None = None,
    email: str | None = None,
    tier: Tier = "standard",
    language: str = "en",
    timezone: str = "UTC",
    preferences: dict[str, Any] | None = None,
) -> Row:
    """Create the customer or overwrite its profile fields."""
    row = await fetch_one(
        db,
        "INSERT INTO customers (id, tenant, name, email, tier, language, timezone, preferences)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
        " ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, email = EXCLUDED.email, tier = EXCLUDED.tier,"
        " language = EXCLUDED.language, timezone = EXCLUDED.timezone, preferences = EXCLUDED.preferences,"
        " updated_at = now() WHERE customers.tenant = EXCLUDED.tenant"
        " RETURNING id, tenant, name, email, tier, language, timezone, preferences, created_at, updated_at",
        (customer_id, tenant, name, email, tier, language, timezone, Jsonb(preferences or {})),
    )
    if row is None:
        raise CustomerNotFoundError(customer_id)
    return row


async def update_customer(db: Db | None, tenant: str, customer_id: str, changes: dict[str, Any]) -> Row:
    """Change some profile fields (name, email, tier, language, timezone, preferences: merged)."""
    current = await get_customer(db, tenant, customer_id)
    if current is None:
        raise CustomerNotFoundError(customer_id)
    merged_preferences = {**current["preferences"], **(changes.get("preferences") or {})}
    row = await fetch_one(
        db,
        "UPDATE customers SET name = %s, email = %s, tier = %s, language = %s, timezone = %s,"
        " preferences = %s, updated_at = now() WHERE id = %s AND tenant = %s"
        " RETURNING id, tenant, name, email, tier, language, timezone, preferences, created_at, updated_at",
        (
            changes.get("name", current["name"]),
            changes.get("email", current["email"]),
            changes.get("tier", current["tier"]),
            changes.get("language", current["language"]),
            changes.get("timezone", current["timezone"]),
            Jsonb(merged_preferences),
            customer_id,
            tenant,
        ),
    )
    if row is None:
        raise CustomerNotFoundError(customer_id)
    return row


async def list_customers(
    db: Db | None, tenant: str, *, tier: str | None = None, query: str | None = None, limit: int = 50, offset: int = 0
) -> list[Row]:
    """Customers of ``tenant``, newest first, optionally by tier or a name/email substring."""
    pattern = f"%{query}%" if query else None
    return await fetch_all(
        db,
        "SELECT id, tenant, name, email, tier, language, timezone, preferences, created_at, updated_at"
        " FROM customers WHERE tenant = %s AND (%s::text IS NULL OR tier = %s)"
        " AND (%s::text IS NULL OR name ILIKE %s OR email ILIKE %s)"
        " ORDER BY created_at DESC, id LIMIT %s OFFSET %s",
        (tenant, tier, tier, pattern, pattern, pattern, limit, offset),
    )
