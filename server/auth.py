"""Who is calling the LangGraph API: the tenant (``X-Tenant`` header, default ``default``).

Each tenant is its own Aegra user, so its threads and runs are isolated from other tenants', and the
user carries a ``tenant`` attribute that scopes store namespaces starting with ``customers`` (see
``store.scopes`` in langgraph.json). Aegra calls the handler with one headers dict; `langgraph dev`
passes ``headers`` by name with bytes keys: both work.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from langgraph_sdk import Auth

auth = Auth()
_TENANT = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


def _header(headers: Mapping[str | bytes, str | bytes], name: str) -> str | None:
    for key, value in headers.items():
        text_key = key.decode() if isinstance(key, bytes) else key
        if text_key.lower() == name:
            return value.decode() if isinstance(value, bytes) else value
    return None


def tenant_identity(tenant: str) -> str:
    """The Aegra user identity that owns a tenant's threads and runs."""
    return f"tenant:{tenant}"


@auth.authenticate
async def authenticate(headers: Mapping[str | bytes, str | bytes]) -> Auth.types.MinimalUserDict:
    """Map the request to its tenant; a malformed X-Tenant is refused with 400."""
    tenant = (_header(headers, "x-tenant") or "default").strip() or "default"
    if not _TENANT.match(tenant):
        raise Auth.exceptions.HTTPException(status_code=400, detail="X-Tenant must be 1-64 of A-Z a-z 0-9 _ . -")
    user: Auth.types.MinimalUserDict = {
        "identity": tenant_identity(tenant),
        "display_name": f"tenant {tenant}",
        "is_authenticated": True,
    }
    user["tenant"] = tenant  # type: ignore[typeddict-unknown-key]
    return user
