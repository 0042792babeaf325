"""What is known about the request being served (method, path, client address, verified identity).

An outer ASGI middleware sets it in a context variable, so code that only receives headers (Aegra's authenticate
handler) or nothing at all (the audit log) still knows the method, the client's address and who is calling.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

from starlette.types import ASGIApp, Receive, Scope, Send

from identity.model import Identity


@dataclass(slots=True)
class RequestFacts:
    """One request's method, path and client address; ``identity`` once a credential has been verified."""

    method: str
    path: str
    client_ip: str
    identity: Identity | None = None


_current: ContextVar[RequestFacts | None] = ContextVar("support_request_facts", default=None)


def current_request() -> RequestFacts | None:
    """The facts of the request being served, or None outside a request."""
    return _current.get()


class RequestFactsMiddleware:
    """Pure ASGI middleware that records the request's facts for the code it calls."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Set the facts, call the app, then clear them."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        facts = RequestFacts(method=scope["method"], path=scope["path"], client_ip=client[0] if client else "")
        token = _current.set(facts)
        try:
            await self.app(scope, receive, send)
        finally:
            _current.reset(token)
