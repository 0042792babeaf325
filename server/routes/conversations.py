"""Ending a conversation with a CSAT rating, confirming its resolution, and reading its outcome and events."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from audit.log import record
from server.routes.support_deps import IdentityDep, PoolDep, TenantDep, api_error, require
from support.connections import fetch_one
from support.events import thread_events
from support.outcomes import confirm_resolution, end_conversation
from support.threads import thread_owner

router = APIRouter(prefix="/conversations", tags=["conversations"])


class EndConversation(BaseModel):
    """How the customer rated the conversation (1-5) and what they said."""

    model_config = ConfigDict(extra="forbid")
    customer_id: str | None = Field(default=None, max_length=200, description="Must match the thread's customer.")
    rating: int | None = Field(default=None, ge=1, le=5)
    comment: str | None = Field(default=None, max_length=4000)


class Resolve(BaseModel):
    """Who resolved the conversation."""

    model_config = ConfigDict(extra="forbid")
    by: Literal["bot", "human"] = "human"


def _unknown(thread_id: str) -> JSONResponse:
    return api_error(404, f"conversation {thread_id} not found", {"thread_id": thread_id})


@router.post("/{thread_id}/end", response_model=None, dependencies=[require("conversations.end")])
async def end(
    thread_id: str, body: EndConversation, pool: PoolDep, tenant: TenantDep, identity: IdentityDep
) -> dict[str, Any] | JSONResponse:
    """End the conversation with an optional rating and comment (stored on the thread and its tickets)."""
    owner = await thread_owner(pool, tenant, thread_id)
    # Another customer's thread looks exactly like a missing one.
    if owner is None or (body.customer_id is not None and body.customer_id != owner):
        return _unknown(thread_id)
    if identity.is_customer and identity.customer_id != owner:
        return _unknown(thread_id)
    return await end_conversation(
        pool, tenant=tenant, thread_id=thread_id, customer_id=owner, rating=body.rating, comment=body.comment
    )


@router.post("/{thread_id}/resolve", response_model=None, dependencies=[require("inbox.close")])
async def resolve(thread_id: str, body: Resolve, pool: PoolDep, tenant: TenantDep) -> dict[str, Any] | JSONResponse:
    """Record that the customer confirmed the issue is solved."""
    owner = await thread_owner(pool, tenant, thread_id)
    if owner is None:
        return _unknown(thread_id)
    resolved = await confirm_resolution(tenant, thread_id, owner, body.by, db=pool)
    await record("conversation.resolve", "thread", thread_id, {"by": body.by})
    return resolved


@router.get("/{thread_id}", response_model=None, dependencies=[require("conversations.read")])
async def outcome(thread_id: str, pool: PoolDep, tenant: TenantDep) -> dict[str, Any] | JSONResponse:
    """The conversation's outcome (resolution, rating) and its per-turn events."""
    owner = await thread_owner(pool, tenant, thread_id)
    if owner is None:
        return _unknown(thread_id)
    result = await fetch_one(
        pool, "SELECT * FROM conversation_outcomes WHERE thread_id = %s AND tenant = %s", (thread_id, tenant)
    )
    return {
        "thread_id": thread_id,
        "customer_id": owner,
        "outcome": result,
        "events": await thread_events(pool, tenant, thread_id),
    }
