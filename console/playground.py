"""The playground: a customer-side chat that talks to the LangGraph API exactly as a customer's client does.

The page asks this route for a short-lived token of the picked customer (staff only, audited), then the browser
creates a thread and streams runs over SSE with that token; nothing in between is special to the console.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse

from audit.log import record
from console.access import Staff, need
from console.pages import render
from identity.model import valid_customer_id
from identity.tokens import issue_token_for
from server.routes.support_deps import PoolDep, api_error
from support.customers import list_customers

router = APIRouter(prefix="/playground")
TOKEN_TTL_S = 3600
Player = Annotated[Staff, need("customers.read")]


@router.get("", response_class=HTMLResponse)
async def playground_page(request: Request, staff: Player, pool: PoolDep, customer: str = "") -> HTMLResponse:
    """The chat, with a picker of the tenant's customers (or any new customer id)."""
    customers = await list_customers(pool, staff.identity.tenant, limit=200)
    return render(request, "playground.html", staff, active="playground", customers=customers, customer=customer)


@router.post("/token", response_model=None)
async def customer_token(
    staff: Player, pool: PoolDep, customer_id: Annotated[str, Form(max_length=128)] = ""
) -> JSONResponse:
    """A token that lets this browser talk as ``customer_id`` for an hour (the mint is in the audit log)."""
    if not valid_customer_id(customer_id):
        return api_error(422, "customer_id: 1-128 of A-Z a-z 0-9 and _ . : @ + -", {"field": "customer_id"})
    tenant = staff.identity.tenant
    async with pool.connection() as conn:
        token = await issue_token_for(conn, tenant=tenant, customer_id=customer_id, ttl_s=TOKEN_TTL_S)
    await record("console.playground_token", "customer", customer_id, {"ttl_s": TOKEN_TTL_S}, actor=staff.identity)
    return JSONResponse({"customer_id": customer_id, "token": token, "expires_in": TOKEN_TTL_S})
