"""Probes that mean what they say, and a guard that refuses requests while Postgres is unreachable.

``/live``: the process runs (never touches the database). ``/ready``: the process can serve, i.e. Postgres answers
a ``SELECT 1`` within :data:`PROBE_TIMEOUT_S`; the answer is cached for :data:`READY_TTL_S` so probes and the guard
cost one query per fraction of a second. ``/health`` says the same with a component breakdown. Aegra serves these
paths too, but its ``/ready`` and ``/health`` wait on its connection pools (tens of seconds while Postgres is down);
ours are registered on our app, whose routes come before Aegra's.

Every credential is checked against Postgres, so while it is unreachable nothing but the probes can be served:
:class:`ReadinessGuard` answers 503 with ``Retry-After`` before authentication (a 401 would be a lie) and before
a run is accepted, so no message is acknowledged that could not be stored.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Final

import psycopg
from fastapi import APIRouter
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from server.errors import error_body

logger = logging.getLogger(__name__)

PROBE_TIMEOUT_S: Final = 0.8
READY_TTL_S: Final = 0.5
RETRY_AFTER_S: Final = 2
PROBE_PATHS: Final = frozenset({"/live", "/ready", "/health", "/info", "/metrics"})
_DOC_PATHS: Final = frozenset({"/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"})

router = APIRouter(tags=["Health"])


class DatabaseReadiness:
    """A cached, time-bounded ``SELECT 1`` on one probe session of its own (reconnected when it breaks)."""

    def __init__(self, url: str, *, timeout_s: float = PROBE_TIMEOUT_S, ttl_s: float = READY_TTL_S) -> None:
        """Probe ``url``; nothing connects until the first :meth:`ready`."""
        self.url = url
        self.timeout_s = timeout_s
        self.ttl_s = ttl_s
        self._conn: psycopg.AsyncConnection[Any] | None = None
        self._lock: asyncio.Lock | None = None
        self._ready = False
        self._checked_at = float("-inf")

    async def ready(self) -> bool:
        """Whether the database answered within the timeout, at most ``ttl_s`` ago."""
        if time.monotonic() - self._checked_at < self.ttl_s:
            return self._ready
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:  # one probe in flight; concurrent callers share its answer
            if time.monotonic() - self._checked_at >= self.ttl_s:
                self._ready = await self._probe()
                self._checked_at = time.monotonic()
        return self._ready

    async def _probe(self) -> bool:
        try:
            async with asyncio.timeout(self.timeout_s):
                if self._conn is not None and not self._conn.closed:
                    try:
                        await self._conn.execute("SELECT 1")
                        return True
                    except psycopg.Error:
                        await self._discard()  # a session from before a restart: try a new one at once
                self._conn = await psycopg.AsyncConnection.connect(self.url, autocommit=True)
                await self._conn.execute("SELECT 1")
                return True
        except (psycopg.Error, OSError, TimeoutError) as exc:
            logger.debug("database not ready: %s", exc)
            await self._discard()
            return False

    async def _discard(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            await conn.close()

    async def close(self) -> None:
        """Close the probe session."""
        await self._discard()


_readiness: DatabaseReadiness | None = None


def database_readiness() -> DatabaseReadiness:
    """The process's readiness probe of DATABASE_URL."""
    global _readiness
    if _readiness is None:
        from db.pool import database_url

        _readiness = DatabaseReadiness(database_url())
    return _readiness


def _not_ready() -> JSONResponse:
    body = error_body(503, "not ready: the database is unreachable")
    return JSONResponse(body, status_code=503, headers={"Retry-After": str(RETRY_AFTER_S)})


@router.get("/live")
async def live() -> dict[str, str]:
    """200 while the process runs; checks nothing else."""
    return {"status": "alive"}


@router.get("/ready", response_model=None)
async def ready() -> dict[str, str] | JSONResponse:
    """200 when Postgres answers within the probe timeout, else 503 (within about a second)."""
    if await database_readiness().ready():
        return {"status": "ready"}
    return _not_ready()


_COMPONENTS = ("database", "langgraph_checkpointer", "langgraph_store")


@router.get("/health", response_model=None)
async def health() -> dict[str, str] | JSONResponse:
    """``/ready`` with the component named: the one database behind runs, checkpoints, the store and ours."""
    # One database holds runs, checkpoints and the store, so its state is each component's (Aegra's documented shape).
    if await database_readiness().ready():
        return {"status": "healthy", **dict.fromkeys(_COMPONENTS, "connected")}
    body = {"status": "unhealthy", **dict.fromkeys(_COMPONENTS, "unreachable")}
    return JSONResponse(body, status_code=503, headers={"Retry-After": str(RETRY_AFTER_S)})


class ReadinessGuard:
    """Pure ASGI middleware: 503 + ``Retry-After`` for every request but the probes while the database is down."""

    def __init__(self, app: ASGIApp, *, enabled: bool = True) -> None:
        """Wrap ``app``; ``enabled`` is off under `langgraph dev`, which keeps its state in memory."""
        self.app = app
        self.enabled = enabled

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse the request when the database is unreachable; otherwise pass it on untouched."""
        if (
            not self.enabled
            or scope["type"] != "http"
            or scope["method"] == "OPTIONS"
            or scope["path"] in PROBE_PATHS
            or scope["path"] in _DOC_PATHS
            or await database_readiness().ready()
        ):
            await self.app(scope, receive, send)
            return
        await _not_ready()(scope, receive, send)
