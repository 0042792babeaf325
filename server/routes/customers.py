"""Staff API for customer profiles: list, create or replace, read, change, and the customer's tickets."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from audit.log import record
from server.guards.sizes import json_size
from server.routes.support_deps import PoolDep, TenantDep, api_error, require
from settings import get_settings
from support import customers as customer_store
from support.tickets import list_tickets

router = APIRouter(prefix="/customers", tags=["customers"], dependencies=[require("customers.read")])

TierField = Literal["free", "standard", "premium", "enterprise"]


def _bounded(preferences: dict[str, Any] | None) -> dict[str, Any] | None:
    limit = get_settings().max_preferences_bytes
    if preferences is not None and (size := json_size(preferences)) > limit:
        raise ValueError(f"preferences are {size} bytes of JSON; the limit is {limit} (MAX_PREFERENCES_BYTES)")
    return preferences


Preferences = Annotated[dict[str, Any], AfterValidator(_bounded)]


class CustomerBody(BaseModel):
    """A full profile (create or replace)."""

    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_.@:-]+$")
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    tier: TierField = "standard"
    language: str = Field(default="en", min_length=2, max_length=12)
    timezone: str = Field(default="UTC", max_length=64)
    preferences: Preferences = Field(default_factory=dict)


class CustomerPatch(BaseModel):
    """Some profile fields; preferences are merged."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")
    tier: TierField | None = None
    language: str | None = Field(default=None, min_length=2, max_length=12)
    timezone: str | None = Field(default=None, max_length=64)
    preferences: Preferences | None = None


def _not_found(customer_id: str) -> JSONResponse:
    return api_error(404, f"customer {customer_id} not found", {"customer_id": customer_id})


@router.get("")
async def list_customers(
    pool: PoolDep,
    tenant: TenantDep,
    tier: TierField | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Customers, newest first; ``q`` matches name or email."""
    rows = await customer_store.list_customers(pool, tenant, tier=tier, query=q, limit=limit, offset=offset)
    return {"customers": rows, "limit": limit, "offset": offset}


@router.post("", status_code=201, response_model=None, dependencies=[require("customers.update")])
async def upsert_customer(body: CustomerBody, pool: PoolDep, tenant: TenantDep) -> dict[str, Any] | JSONResponse:
    """Create the customer, or replace its profile."""
    try:
        saved = await customer_store.upsert_customer(
            pool,
            tenant=tenant,
            customer_id=body.id,
            name=body.name,
            email=body.email,
            tier=body.tier,
            language=body.language,
            timezone=body.timezone,
            preferences=body.preferences,
        )
    except customer_store.CustomerNotFoundError:
        # The id belongs to another tenant; say nothing more about it.
        return api_error(409, f"customer id {body.id} is not available", {"customer_id": body.id})
    await record("customer.create", "customer", body.id, {"fields": sorted(body.model_fields_set)})
    return saved


@router.get("/{customer_id}", response_model=None)
async def get_customer(customer_id: str, pool: PoolDep, tenant: TenantDep) -> dict[str, Any] | JSONResponse:
    """The profile."""
    customer = await customer_store.get_customer(pool, tenant, customer_id)
    return customer if customer is not None else _not_found(customer_id)


@router.patch("/{customer_id}", response_model=None, dependencies=[require("customers.update")])
async def update_customer(
    customer_id: str, body: CustomerPatch, pool: PoolDep, tenant: TenantDep
) -> dict[str, Any] | JSONResponse:
    """Change some fields of the profile."""
    changes = body.model_dump(exclude_none=True)
    try:
        updated = await customer_store.update_customer(pool, tenant, customer_id, changes)
    except customer_store.CustomerNotFoundError:
        return _not_found(customer_id)
    await record("customer.update", "customer", customer_id, {"fields": sorted(changes)})
    return updated


@router.get("/{customer_id}/tickets", response_model=None)
async def customer_tickets(customer_id: str, pool: PoolDep, tenant: TenantDep) -> dict[str, Any] | JSONResponse:
    """The customer's tickets, most recently updated first."""
    if await customer_store.get_customer(pool, tenant, customer_id) is None:
        return _not_found(customer_id)
    return {"customer_id": customer_id, "tickets": await list_tickets(pool, tenant, customer_id=customer_id)}
