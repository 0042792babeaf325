"""Staff API for a customer's data rights: export everything as JSON, or erase it all."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from audit.log import record
from server.routes.support_deps import PoolDep, TenantDep, api_error, require
from support.customers import CustomerNotFoundError
from support.data_rights import export_customer
from support.erasure import erase_customer

router = APIRouter(prefix="/customers", tags=["data rights"])


@router.get("/{customer_id}/export", response_model=None, dependencies=[require("data.export")])
async def export(customer_id: str, pool: PoolDep, tenant: TenantDep) -> dict[str, Any] | JSONResponse:
    """Profile, tickets with history, threads with messages, memories, events and outcomes."""
    try:
        exported = await export_customer(pool, tenant, customer_id)
    except CustomerNotFoundError:
        return api_error(404, f"customer {customer_id} not found", {"customer_id": customer_id})
    await record("data.export", "customer", customer_id)
    return exported


@router.delete("/{customer_id}", response_model=None, dependencies=[require("data.erase")])
async def erase(customer_id: str, pool: PoolDep, tenant: TenantDep) -> dict[str, Any] | JSONResponse:
    """Erase the customer: threads, checkpoints, runs, memories, tickets, events and profile."""
    try:
        deleted = await erase_customer(pool, tenant, customer_id)
    except CustomerNotFoundError:
        return api_error(404, f"customer {customer_id} not found", {"customer_id": customer_id})
    await record("data.erase", "customer", customer_id, {"deleted": deleted})
    return {"customer_id": customer_id, "erased": True, "deleted": deleted}
