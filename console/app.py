"""Mount the console on the server's FastAPI app: its pages under ``/console`` and its static files."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from console.access import StaffDep
from console.pages import EXCEPTION_HANDLERS, STATIC_DIR


async def home(staff: StaffDep) -> RedirectResponse:
    """The console opens on the inbox (or the sign-in form, without a session)."""
    del staff
    return RedirectResponse("/console/inbox", status_code=303)


def console_router() -> APIRouter:
    """Every console page, one router per feature."""
    from console import (
        analytics_pages,
        conversations_pages,
        customers_pages,
        inbox_pages,
        kb_pages,
        notes,
        playground,
        signin,
    )

    router = APIRouter(prefix="/console", include_in_schema=False)
    router.add_api_route("", home, methods=["GET"], response_model=None)
    features = (
        signin.router,
        inbox_pages.router,
        notes.router,
        conversations_pages.router,
        customers_pages.router,
        kb_pages.router,
        analytics_pages.router,
        playground.router,
    )
    for feature in features:
        router.include_router(feature)
    return router


def mount_console(app: FastAPI) -> None:
    """Add the console's routes, static files and its sign-in redirect and 403 page to ``app``."""
    app.include_router(console_router())
    app.mount("/console/static", StaticFiles(directory=STATIC_DIR), name="console-static")
    for exception, handler in EXCEPTION_HANDLERS.items():
        app.add_exception_handler(exception, handler)
