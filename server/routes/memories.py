"""Staff API for a customer's long-term memories: list (with provenance), correct the text, forget one item.

Memories are part of the customer's profile, so the profile's permissions apply (identity/policy.py): whoever may
read customers (agents, supervisors, admins, a tenant's service) reads them; whoever may update customers
(supervisors, admins, service) corrects and forgets them; customers never. Each change is audited with the
memory's id and the fields changed, never its text.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from audit.log import record
from server.routes.support_deps import IdentityDep, PoolDep, TenantDep, api_error, require
from support import customers as customer_store
from support import memories as memory_store

router = APIRouter(prefix="/customers", tags=["memories"], dependencies=[require("customers.read")])

CustomerId = Annotated[str, Path(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_.@:-]+$")]
MemoryId = Annotated[str, Path(min_length=3, max_length=80, pattern=r"^[a-z_]+:[a-z0-9-]{1,70}$")]


class MemoryPatch(BaseModel):
    """A corrected memory text."""

    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=500, pattern=r"\S")


def _not_found(customer_id: str, memory_id: str) -> JSONResponse:
    return api_error(404, f"memory {memory_id} not found", {"customer_id": customer_id, "memory_id": memory_id})


@router.get("/{customer_id}/memories", response_model=None)
async def list_customer_memories(
    customer_id: CustomerId, pool: PoolDep, tenant: TenantDep
) -> dict[str, Any] | JSONResponse:
    """The customer's memories, most recently updated first, each with where it came from."""
    memories = await memory_store.list_memories(pool, tenant, customer_id)
    if not memories and await customer_store.get_customer(pool, tenant, customer_id) is None:
        # Unknown in this tenant (perhaps known in another): the same answer as any other customer route.
        return api_error(404, f"customer {customer_id} not found", {"customer_id": customer_id})
    return {"customer_id": customer_id, "memories": memories}


@router.patch("/{customer_id}/memories/{memory_id}", response_model=None, dependencies=[require("customers.update")])
async def update_customer_memory(
    customer_id: CustomerId, memory_id: MemoryId, body: MemoryPatch, pool: PoolDep, tenant: TenantDep, who: IdentityDep
) -> dict[str, Any] | JSONResponse:
    """Correct what we remember (the provenance stays; ``edited_by`` records the correction)."""
    updated = await memory_store.update_memory(
        pool,
        tenant,
        customer_id,
        memory_id,
        text=body.text.strip(),
        editor=f"{who.role}:{who.subject}",
        at=datetime.now(UTC).isoformat(),
    )
    if updated is None:
        return _not_found(customer_id, memory_id)
    await record("memory.update", "customer", customer_id, {"memory_id": memory_id, "fields": ["text"]})
    return updated


@router.delete(
    "/{customer_id}/memories/{memory_id}",
    status_code=204,
    response_model=None,
    dependencies=[require("customers.update")],
)
async def delete_customer_memory(
    customer_id: CustomerId, memory_id: MemoryId, pool: PoolDep, tenant: TenantDep
) -> Response | JSONResponse:
    """Forget one memory."""
    if not await memory_store.delete_memory(pool, tenant, customer_id, memory_id):
        return _not_found(customer_id, memory_id)
    await record("memory.delete", "customer", customer_id, {"memory_id": memory_id})
    return Response(status_code=204)
