"""What is known about the request being served (method, path, client address, verified identity).

An outer ASGI middleware sets it in a context variable, so code that only receives headers (Aegra's authenticate
handler) or nothing at all (the audit log) still knows the method, the client's address and who is calling.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from identity.model import Identity
from identity.resolve import CredentialMissing, identity_from_headers


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


async def verified_identity(headers: Mapping[Any, Any], *, method: str) -> Identity | None:
    """The caller's identity, verified once per request (the rate limit, Aegra's handler and our routes all ask).

    Raises CredentialRejected for a credential that does not verify; None when there is no credential.
    """
    facts = current_request()
    if facts is not None and facts.identity is not None:
        return facts.identity
    identity = await identity_from_headers(headers, method=method)
    if facts is not None:
        facts.identity = identity
    return identity


async def required_identity(headers: Mapping[Any, Any], *, method: str) -> Identity:
    """``verified_identity``, with CredentialMissing when the request carries no credential."""
    identity = await verified_identity(headers, method=method)
    if identity is None:
        raise CredentialMissing("no credential")
    return identity


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
