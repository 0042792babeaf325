"""Rendering console pages: one Jinja2 environment, the page frame's facts, and the error pages."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from console.access import ConsoleForbidden, SignInRequired, Staff

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
HTMX = "htmx-2.0.11.min.js"
NAV = (
    ("inbox", "Inbox", "inbox.read"),
    ("conversations", "Conversations", "conversations.read"),
    ("customers", "Customers", "customers.read"),
    ("kb", "Knowledge base", "kb.read"),
    ("analytics", "Analytics", "analytics.read"),
    ("playground", "Playground", "customers.read"),
)

templates = Jinja2Templates(directory=str(HERE / "templates"))


def clock(seconds: Any) -> str:
    """A waiting time as people read it: 45s, 12m, 3h 05m, 2d 4h."""
    total = int(seconds or 0)
    if total < 60:
        return f"{total}s"
    if total < 3600:
        return f"{total // 60}m"
    if total < 86400:
        return f"{total // 3600}h {total % 3600 // 60:02d}m"
    return f"{total // 86400}d {total % 86400 // 3600}h"


def when(value: Any) -> str:
    """A timestamp in UTC to the minute; empty when missing."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
    return str(value or "")[:16].replace("T", " ")


templates.env.filters["clock"] = clock
templates.env.filters["when"] = when


def render(request: Request, name: str, staff: Staff | None, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    """The template ``name`` with the page frame's facts (who is signed in, the navigation they may use)."""
    nav = [(slug, label) for slug, label, action in NAV if staff is not None and staff.may(action)]  # type: ignore[arg-type]
    frame = {"staff": staff, "nav": nav, "htmx": HTMX, "fragment": request.headers.get("hx-request") == "true"}
    return templates.TemplateResponse(request, name, {**frame, **context}, status_code=status_code)


async def sign_in_required(request: Request, _exc: Exception) -> Response:
    """A page without a session goes to the sign-in form; an htmx call is told to reload there."""
    target = "/console/signin"
    if request.headers.get("hx-request") == "true":
        return Response(status_code=401, headers={"HX-Redirect": target})
    return RedirectResponse(f"{target}?next={request.url.path}", status_code=303)


async def forbidden(request: Request, exc: Exception) -> Response:
    """403 with the reason, as a page or (for htmx) as a message fragment."""
    assert isinstance(exc, ConsoleForbidden)
    return render(request, "forbidden.html", None, status_code=403, reason=str(exc))


EXCEPTION_HANDLERS = {SignInRequired: sign_in_required, ConsoleForbidden: forbidden}
