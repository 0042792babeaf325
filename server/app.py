"""Our FastAPI app: Aegra serves it as ``http.app`` and adds the LangGraph API routes to it.

Its middleware wraps Aegra's routes too; its lifespan runs inside Aegra's, after Aegra's database is up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import psycopg
from fastapi import APIRouter, FastAPI

from db.migrations import migrate
from db.pool import close_pools, database_url, reconnect_promptly
from server import log_filters
from server.guards.middleware import GuardLimits, InputGuard
from server.guards.openapi_errors import document_error_responses
from server.health import ReadinessGuard, database_readiness
from server.pseudonym_restore import PseudonymRestorer
from server.request_facts import RequestFactsMiddleware
from server.run_input_guard import RunInputGuard
from server.runs.aegra_workers import aegra_workers_enabled, install_worker_guards
from server.security_headers import SecurityHeadersMiddleware
from server.state_redaction import StateRedactionGuard
from settings import get_settings
from throttle.middleware import RunRateLimit

logger = logging.getLogger(__name__)

RECOVERY_INTERVAL_S = 10.0
RESOLUTION_SWEEP_INTERVAL_S = 300.0


async def _resolution_sweeper(interval_s: float) -> None:
    """Mark silent conversations as resolved ("assumed") every ``interval_s`` seconds."""
    from support.outcomes import sweep_assumed_resolutions

    while True:
        try:
            swept = await sweep_assumed_resolutions()
        except psycopg.Error:
            logger.exception("resolution sweep failed; retrying in %.0fs", interval_s)
        else:
            if swept:
                logger.info("assumed %d conversations resolved", swept)
        await asyncio.sleep(interval_s)


def _served_by_aegra() -> bool:
    return "aegra_api.main" in sys.modules


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    """Apply our migrations, then (under Aegra) the run guards and crash recovery."""
    url = database_url()
    reconnect_promptly()
    applied = await asyncio.to_thread(migrate, url)
    if applied:
        logger.info("applied migrations %s", applied)
    background: list[asyncio.Task[None]] = []
    if _served_by_aegra() and aegra_workers_enabled():
        from server.runs.context_schema import install_context_schema_cache
        from server.runs.statement_cache import enable_statement_cache

        await enable_statement_cache()
        logger.info(log_filters.AEGRA_WORKERS)
        install_context_schema_cache()  # the models and run guards came with the app, before a worker dequeues
        background.append(asyncio.create_task(_resolution_sweeper(RESOLUTION_SWEEP_INTERVAL_S)))
    elif _served_by_aegra():
        from server.runs.admission import install_admission
        from server.runs.context_schema import install_context_schema_cache
        from server.runs.executor import install_serial_executor
        from server.runs.outage import install_outage_deferral
        from server.runs.recovery import recovery_loop, sweep
        from server.runs.statement_cache import enable_statement_cache
        from server.warmup import warm_up_models

        await enable_statement_cache()
        logger.info(log_filters.ONE_HOST_RECOVERY)
        # On this thread, blocking the loop: nothing is served yet, and loading the models in a worker thread
        # while Aegra's SQLAlchemy greenlets ran on the loop crashed the process now and then (SIGSEGV).
        warm_up_models()
        install_serial_executor()
        install_outage_deferral()
        install_admission()
        install_context_schema_cache()
        # Before the server answers: once it is ready, the runs a dead server left are already adopted.
        await sweep(url, interval_s=RECOVERY_INTERVAL_S)
        background.append(asyncio.create_task(recovery_loop(url, interval_s=RECOVERY_INTERVAL_S)))
        background.append(asyncio.create_task(_resolution_sweeper(RESOLUTION_SWEEP_INTERVAL_S)))
    try:
        yield
    finally:
        for task in background:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await database_readiness().close()
        await close_pools()


def create_app() -> FastAPI:
    """Build the app (routes of our own; Aegra adds the LangGraph API)."""
    settings = get_settings()
    if _served_by_aegra() and aegra_workers_enabled():
        from server.warmup import warm_up_models

        # Aegra's worker loops start before our lifespan: a run they dequeue must already wait for its turn, and
        # must not miss its lease heartbeats while the models load on the event loop. Aegra builds this app at
        # import, before its lifespan starts anything.
        install_worker_guards()
        warm_up_models()
    application = FastAPI(
        title="Support Agent",
        description="Customer-support agent with memory, served through the LangGraph API.",
        version="0.1.0",
        lifespan=lifespan,
    )
    # Innermost: state writes reach Aegra redacted (with the thread's pseudonyms when the maps live in our database).
    application.add_middleware(StateRedactionGuard, pii_mode=settings.pii_mode, pseudonyms=_served_by_aegra())
    application.add_middleware(
        RunInputGuard,
        max_chars=settings.max_message_chars,
        pii_mode=settings.pii_mode,
        check_threads=_served_by_aegra(),
    )
    if _served_by_aegra():  # the pseudonym maps live in our database (not under `langgraph dev`)
        application.add_middleware(PseudonymRestorer)  # threads go out with the customer's own values
    application.add_middleware(RunRateLimit)  # inside RequestFacts, before a run's body is read
    # In front of every route, ours and Aegra's, and of the run guard: a bad byte never reaches a query.
    application.add_middleware(InputGuard, limits=GuardLimits.from_settings(settings))
    # Outside the input guard, which reads the database; before authentication, which does too.
    application.add_middleware(ReadinessGuard, enabled=_served_by_aegra())
    application.add_middleware(SecurityHeadersMiddleware)
    application.add_middleware(RequestFactsMiddleware)  # outermost of ours: the auth handler reads the method
    for router in _routers():
        application.include_router(router)
    from server.routes import kb

    application.include_router(kb.router, prefix="/kb")
    from console.app import mount_console

    mount_console(application)
    document_error_responses(application)  # what the guards (and every route) may answer
    return application


def _routers() -> list[APIRouter]:
    from server import health
    from server.routes import (
        analytics,
        audit,
        conversations,
        customers,
        data_rights,
        inbox,
        memories,
        staff_auth,
        tickets,
    )

    return [
        health.router,  # before Aegra's /health, /ready and /live, which wait on its pools
        staff_auth.router,
        audit.router,
        tickets.router,
        customers.router,
        memories.router,
        data_rights.router,
        inbox.router,
        conversations.router,
        analytics.router,
    ]


log_filters.install()  # before Aegra's lifespan logs the no-Redis warning
app = create_app()
