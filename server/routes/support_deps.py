"""What the support routers share: the verified caller, the permission check, the pool, and JSON errors.

The caller is the same ``Identity`` the LangGraph API's auth handler verifies (``identity.resolve``); the tenant
is the caller's, never a header's. Under Aegra an HTTPException's string detail becomes the same
{"error", "message", "details"} body.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from psycopg_pool import AsyncConnectionPool

from db.pool import get_pool
from identity.model import Identity
from identity.policy import Action, allowed, may_act_for
from identity.resolve import CredentialRejected
from server.errors import error_body
from server.request_facts import required_identity


async def _pool() -> AsyncConnectionPool[Any]:
    return await get_pool()


async def current_identity(request: Request) -> Identity:
    """The verified caller; 401 without a valid key, token or session."""
    try:
        return await required_identity(request.headers, method=request.method)
    except CredentialRejected as exc:
        raise HTTPException(status_code=exc.status_code, detail=exc.public_message()) from exc


IdentityDep = Annotated[Identity, Depends(current_identity)]


def _tenant(identity: IdentityDep) -> str:
    return identity.tenant


def require(action: Action) -> Any:
    """A route dependency: 403 unless the caller's role may take ``action``."""

    async def check(identity: IdentityDep) -> None:
        if not allowed(identity, action):
            raise HTTPException(status_code=403, detail=f"role {identity.role!r} may not {action}")

    return Depends(check)


def ensure_may_act_for(identity: Identity, customer_id: str) -> None:
    """404 (as if absent) when a customer asks about another customer."""
    if not may_act_for(identity, customer_id):
        raise HTTPException(status_code=404, detail=f"customer {customer_id} not found")


PoolDep = Annotated[AsyncConnectionPool[Any], Depends(_pool)]
TenantDep = Annotated[str, Depends(_tenant)]


def api_error(status: int, message: str, details: Any = None) -> JSONResponse:
    """A JSON error response in the server's error shape."""
    return JSONResponse(status_code=status, content=jsonable_encoder(error_body(status, message, details)))
