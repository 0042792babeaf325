"""Pure ASGI middleware that limits how fast runs are started (the LangGraph API's message routes).

It runs only for ``POST`` to the run-creation paths and resolves the caller itself (the auth handler runs later,
inside Aegra's route); a credential that does not verify is left for that handler to answer 401.
"""

from __future__ import annotations

import logging
import re

import psycopg
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from db.pool import get_pool
from identity.model import Identity
from identity.resolve import CredentialRejected
from server.errors import send_json_error
from server.request_facts import verified_identity
from settings import get_settings
from throttle.limits import hit, run_limits

logger = logging.getLogger(__name__)

RUN_PATHS = re.compile(r"^/(?:threads/[^/]+/)?runs(?:/stream|/wait)?/?$")


class RunRateLimit:
    """429 with ``Retry-After`` once a customer, a key or an IP starts runs faster than its limit."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Count run creations; pass everything else straight through."""
        if scope["type"] != "http" or scope["method"] != "POST" or not RUN_PATHS.match(scope["path"]):
            await self.app(scope, receive, send)
            return
        identity: Identity | None
        try:
            identity = await verified_identity(Headers(scope=scope), method="POST")
        except CredentialRejected:
            identity = None
        client = scope.get("client")
        limits = run_limits(identity, client[0] if client else "", get_settings())
        try:
            verdict = await hit(await get_pool(), limits)
        except psycopg.Error:
            # The run itself needs the database; let it fail there with the API's own error.
            logger.warning("rate limit not checked: database error", exc_info=True)
            await self.app(scope, receive, send)
            return
        if verdict.allowed:
            await self.app(scope, receive, send)
            return
        await send_json_error(
            send,
            429,
            f"too many runs started; retry after {verdict.retry_after_s} s",
            {"retry_after_s": verdict.retry_after_s, "limit": (verdict.bucket or "").split(":")[1]},
            headers=[(b"retry-after", str(verdict.retry_after_s).encode())],
        )
