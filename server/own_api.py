"""A LangGraph SDK client to this server's own API that carries the caller's credentials.

The API checks them again, so a route that acts through the API (resume a thread, read its state) can do only
what its caller may. The SDK refuses ``x-api-key`` among free headers: an API key goes in as ``api_key``.
"""

from __future__ import annotations

from fastapi import Request
from langgraph_sdk import get_client
from langgraph_sdk.client import LangGraphClient

FORWARDED = ("authorization", "cookie", "x-csrf-token")


def client_as_caller(request: Request) -> LangGraphClient:
    """A client of this server's API with the request's bearer token, session cookie and CSRF token or API key."""
    headers = {name: request.headers[name] for name in FORWARDED if name in request.headers}
    return get_client(url=str(request.base_url).rstrip("/"), api_key=request.headers.get("x-api-key"), headers=headers)
