"""Staff API for tickets: list, open, read, change (with transition rules) and read the history."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from audit.log import record
from server.routes.support_deps import IdentityDep, PoolDep, TenantDep, api_error, ensure_may_act_for, require
from support import tickets as ticket_store
from support.customers import CustomerNotFoundError

router = APIRouter(prefix="/tickets", tags=["tickets"])

StatusField = Literal["open", "in_progress", "pending", "resolved", "closed"]
PriorityField = Literal["low", "normal", "high", "urgent"]


class TicketCreate(BaseModel):
    """A new ticket."""

    model_config = ConfigDict(extra="forbid")
    customer_id: str = Field(min_length=1, max_length=200)
    subject: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=10_000)
    category: str | None = Field(default=None, max_length=60)
    priority: PriorityField = "normal"
    team: str | None = Field(default=None, max_length=60)
    tags: list[str] = Field(default_factory=list, max_length=20)
    thread_id: str | None = Field(default=None, max_length=200)
    actor: str = Field(default="agent", max_length=100)


class TicketUpdate(BaseModel):
    """Changes to a ticket; each one is logged in its history."""

    model_config = ConfigDict(extra="forbid")
    actor: str = Field(default="agent", min_length=1, max_length=100)
    status: StatusField | None = None
    priority: PriorityField | None = None
    team: str | None = Field(default=None, max_length=60)
    category: str | None = Field(default=None, max_length=60)
    tags: list[str] | None = Field(default=None, max_length=20)
    resolution: str | None = Field(default=None, max_length=2000)
    comment: str | None = Field(default=None, max_length=10_000)


def _not_found(ticket_id: str) -> JSONResponse:
    return api_error(404, f"ticket {ticket_id} not found", {"ticket_id": ticket_id})


@router.get("")
async def list_tickets(
    pool: PoolDep,
    tenant: TenantDep,
    identity: IdentityDep,
    customer_id: str | None = None,
    status: StatusField | None = None,
    team: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """Tickets, most recently updated first; a customer sees only their own."""
    if identity.is_customer:
        if customer_id is not None:
            ensure_may_act_for(identity, customer_id)
        customer_id = identity.customer_id
    rows = await ticket_store.list_tickets(
        pool, tenant, customer_id=customer_id, status=status, team=team, limit=limit, offset=offset
    )
    return {"tickets": rows, "limit": limit, "offset": offset}


@router.post("", status_code=201, response_model=None, dependencies=[require("tickets.create")])
async def create_ticket(body: TicketCreate, pool: PoolDep, tenant: TenantDep) -> dict[str, Any] | JSONResponse:
    """Open a ticket (the customer is created on first contact)."""
    try:
        ticket = await ticket_store.create_ticket(
            pool,
            tenant=tenant,
            customer_id=body.customer_id,
            subject=body.subject,
            description=body.description,
            category=body.category,
            priority=body.priority,
            team=body.team,
            tags=body.tags,
            thread_id=body.thread_id,
            actor=body.actor,
        )
    except CustomerNotFoundError:
        return api_error(404, f"customer {body.customer_id} not found", {"customer_id": body.customer_id})
    await record("ticket.create", "ticket", ticket["id"], {"customer_id": body.customer_id})
    return ticket


@router.get("/{ticket_id}", response_model=None)
async def get_ticket(
    ticket_id: str, pool: PoolDep, tenant: TenantDep, identity: IdentityDep
) -> dict[str, Any] | JSONResponse:
    """One ticket with its allowed next statuses (a customer's own only)."""
    ticket = await ticket_store.get_ticket(pool, tenant, ticket_id)
    if ticket is None or (identity.is_customer and ticket["customer_id"] != identity.customer_id):
        return _not_found(ticket_id)
    return {**ticket, "allowed_transitions": list(ticket_store.ALLOWED_TRANSITIONS[ticket["status"]])}


@router.get("/{ticket_id}/events", response_model=None)
async def get_ticket_events(
    ticket_id: str, pool: PoolDep, tenant: TenantDep, identity: IdentityDep
) -> dict[str, Any] | JSONResponse:
    """The ticket's history, oldest first (a customer's own only)."""
    ticket = await ticket_store.get_ticket(pool, tenant, ticket_id)
    if ticket is None or (identity.is_customer and ticket["customer_id"] != identity.customer_id):
        return _not_found(ticket_id)
    return {"ticket_id": ticket["id"], "events": await ticket_store.ticket_events(pool, tenant, ticket["id"])}


@router.patch("/{ticket_id}", response_model=None, dependencies=[require("tickets.update")])
async def update_ticket(
    ticket_id: str, body: TicketUpdate, pool: PoolDep, tenant: TenantDep
) -> dict[str, Any] | JSONResponse:
    """Change status (409 with the allowed transitions when not allowed), priority, team, tags, or comment."""
    try:
        ticket = await ticket_store.update_ticket(
            pool,
            tenant=tenant,
            ticket_id=ticket_id,
            actor=body.actor,
            status=body.status,
            priority=body.priority,
            team=body.team,
            category=body.category,
            tags=body.tags,
            resolution=body.resolution,
            comment=body.comment,
        )
    except ticket_store.TicketNotFoundError:
        return _not_found(ticket_id)
    except ticket_store.InvalidTransitionError as error:
        return api_error(
            409,
            str(error),
            {
                "ticket_id": error.ticket_id,
                "current": error.current,
                "requested": error.requested,
                "allowed_transitions": error.allowed,
            },
        )
    await record("ticket.update", "ticket", ticket["id"], {"fields": sorted(body.model_fields_set - {"actor"})})
    return {**ticket, "allowed_transitions": list(ticket_store.ALLOWED_TRANSITIONS[ticket["status"]])}
