"""What the support routers share: the tenant header, the staff key check, the pool, and JSON errors.

Under Aegra an HTTPException's string detail becomes the same {"error", "message", "details"} body.
"""

from __future__ import annotations

import re
import secrets
from typing import Annotated, Any

from fastapi import Depends, Header, HTTPException
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from psycopg_pool import AsyncConnectionPool

from db.pool import get_pool
from server.errors import error_body
from settings import get_settings


async def _pool() -> AsyncConnectionPool[Any]:
    return await get_pool()


_TENANT = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def _tenant(x_tenant: Annotated[str | None, Header()] = None) -> str:
    tenant = (x_tenant or "default").strip() or "default"
    if not _TENANT.match(tenant):
        raise HTTPException(status_code=400, detail="X-Tenant must be 1-64 of A-Z a-z 0-9 _ . -")
    return tenant


def require_staff(x_api_key: Annotated[str | None, Header()] = None) -> None:
    """When API_KEY is set, staff routes need the same value in X-API-Key."""
    expected = get_settings().api_key
    if expected and not (x_api_key and secrets.compare_digest(x_api_key, expected)):
        raise HTTPException(status_code=401, detail="missing or wrong X-API-Key")


PoolDep = Annotated[AsyncConnectionPool[Any], Depends(_pool)]
TenantDep = Annotated[str, Depends(_tenant)]
STAFF = [Depends(require_staff)]


def api_error(status: int, message: str, details: Any = None) -> JSONResponse:
    """A JSON error response in the server's error shape."""
    return JSONResponse(status_code=status, content=jsonable_encoder(error_body(status, message, details)))
