"""The customers pages: find a customer; their profile, memories with provenance, tickets, export and erase.

Changes go through the customer APIs' own functions (same checks, same audit log); the role is checked here first.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import ValidationError

from console.access import Staff, need
from console.customer_view import customer_view
from console.pages import render
from server.routes import data_rights, memories
from server.routes.support_deps import PoolDep
from support.customers import list_customers

router = APIRouter(prefix="/customers")
Reader = Annotated[Staff, need("customers.read")]
Editor = Annotated[Staff, need("customers.update")]


def _refusal(request: Request, result: JSONResponse) -> HTMLResponse:
    message = json.loads(bytes(result.body)).get("message")
    return render(request, "action_error.html", None, status_code=result.status_code, message=message)


@router.get("", response_class=HTMLResponse)
async def customers_page(request: Request, staff: Reader, pool: PoolDep, q: str = "") -> HTMLResponse:
    """Customers of the tenant, newest first, or those whose name or email holds ``q``."""
    found = await list_customers(pool, staff.identity.tenant, query=q.strip()[:100] or None, limit=100)
    return render(request, "customers.html", staff, active="customers", customers=found, q=q)


@router.get("/{customer_id}", response_class=HTMLResponse)
async def customer_page(request: Request, customer_id: str, staff: Reader, pool: PoolDep) -> HTMLResponse:
    """One customer: profile, memories with where each came from, tickets, conversations, export and erase."""
    tenant = staff.identity.tenant
    view = await customer_view(pool, tenant, customer_id, reader=staff.identity)
    if view["customer"] is None:
        return render(request, "not_found.html", staff, status_code=404, what=f"customer {customer_id}")
    return render(request, "customer.html", staff, active="customers", **view)


@router.post("/{customer_id}/memories/{memory_id}", response_model=None)
async def edit_memory(
    request: Request,
    customer_id: str,
    memory_id: str,
    staff: Editor,
    pool: PoolDep,
    text: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Correct one memory's text (its provenance stays, and the correction names who made it)."""
    try:
        patch = memories.MemoryPatch(text=text)
    except ValidationError:
        return render(request, "action_error.html", None, status_code=422, message="text: 1-500 characters, not blank")
    result = await memories.update_customer_memory(
        customer_id, memory_id, patch, pool, staff.identity.tenant, staff.identity
    )
    if isinstance(result, JSONResponse):
        return _refusal(request, result)
    return Response(status_code=204, headers={"HX-Refresh": "true"})


@router.post("/{customer_id}/memories/{memory_id}/delete", response_model=None)
async def delete_memory(request: Request, customer_id: str, memory_id: str, staff: Editor, pool: PoolDep) -> Response:
    """Forget one memory."""
    result = await memories.delete_customer_memory(customer_id, memory_id, pool, staff.identity.tenant)
    if isinstance(result, JSONResponse) and result.status_code != 204:
        return _refusal(request, result)
    return Response(status_code=204, headers={"HX-Refresh": "true"})


@router.get("/{customer_id}/export", response_model=None)
async def export(customer_id: str, staff: Annotated[Staff, need("data.export")], pool: PoolDep) -> JSONResponse:
    """Everything we hold about the customer, as a JSON download."""
    result = await data_rights.export(customer_id, pool, staff.identity.tenant)
    if isinstance(result, JSONResponse):
        return result
    disposition = f'attachment; filename="customer-{customer_id}.json"'
    return JSONResponse(result, headers={"content-disposition": disposition})


@router.post("/{customer_id}/erase", response_model=None)
async def erase(
    request: Request,
    customer_id: str,
    staff: Annotated[Staff, need("data.erase")],
    pool: PoolDep,
    confirm: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Erase the customer, once the id typed in ``confirm`` is exactly theirs."""
    if confirm != customer_id:
        message = f"confirm: type the customer's id ({customer_id}) exactly to erase"
        return render(request, "action_error.html", None, status_code=422, message=message)
    result = await data_rights.erase(customer_id, pool, staff.identity.tenant)
    if isinstance(result, JSONResponse):
        return _refusal(request, result)
    return Response(status_code=204, headers={"HX-Redirect": f"/console/customers?erased={customer_id}"})
