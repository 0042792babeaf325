"""Signing in and out of the console: the staff sign-in API behind an HTML form."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from console.access import StaffDep
from console.pages import render
from server.routes import staff_auth
from server.routes.support_deps import PoolDep

router = APIRouter()


def _safe_next(target: str | None) -> str:
    """Only console paths of this site (never another origin) are followed after sign-in."""
    if target and target.startswith("/console") and "//" not in target:
        return target
    return "/console/inbox"


@router.get("/signin", response_class=HTMLResponse)
async def signin_page(request: Request, next: str | None = None) -> HTMLResponse:
    """The sign-in form."""
    return render(request, "signin.html", None, next=_safe_next(next), tenant="default", email="", error=None)


@router.post("/signin", response_model=None)
async def signin(request: Request, pool: PoolDep) -> Response:
    """Check the form's credentials with the sign-in API; on success set its cookie and go on."""
    form = await request.form()
    answer = await staff_auth.login(request, pool)
    if answer.status_code != 200:
        message = {401: staff_auth.REFUSED, 429: "too many sign-in attempts; wait a moment and try again"}
        error = message.get(answer.status_code, "fill in organisation, email and password")
        return render(
            request,
            "signin.html",
            None,
            status_code=answer.status_code,
            next=_safe_next(str(form.get("next") or "")),
            tenant=str(form.get("tenant") or "default"),
            email=str(form.get("email") or ""),
            error=error,
        )
    done = RedirectResponse(_safe_next(str(form.get("next") or "")), status_code=303)
    for value in answer.headers.getlist("set-cookie"):
        done.headers.append("set-cookie", value)
    return done


@router.post("/signout", response_model=None)
async def signout(request: Request, staff: StaffDep, pool: PoolDep) -> Response:
    """End the session and return to the sign-in form."""
    answer = await staff_auth.logout(request, staff.identity, pool)
    done = Response(status_code=204, headers={"HX-Redirect": "/console/signin"})
    for value in answer.headers.getlist("set-cookie"):
        done.headers.append("set-cookie", value)
    return done
