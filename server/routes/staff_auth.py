"""Staff sign-in: a password gives a session cookie (HttpOnly, SameSite=Strict) and its CSRF token.

Every refusal is the same 401, whether the email is unknown, the password wrong, or the account locked or
disabled, so the answer never tells which accounts exist; the audit log keeps the real reason.
"""

from __future__ import annotations

import ipaddress
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from audit.log import record
from identity.model import TENANT_PATTERN
from identity.resolve import SESSION_COOKIE, session_cookie
from server.request_facts import current_request
from server.routes.support_deps import IdentityDep, PoolDep, api_error
from settings import get_settings
from staff.accounts import sign_in
from staff.passwords import MAX_PASSWORD_CHARS, LockoutPolicy
from staff.sessions import Session, create_session, end_session, lookup_session
from throttle.limits import hit, login_limits

router = APIRouter(prefix="/auth", tags=["staff sign-in"])

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
REFUSED = "sign-in failed: wrong email or password, or the account is locked or disabled"


class Login(BaseModel):
    """A staff member's credentials (JSON or form fields of the same names)."""

    model_config = ConfigDict(extra="ignore")
    tenant: str = Field(min_length=1, max_length=64, pattern=TENANT_PATTERN.pattern)
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_CHARS)


async def _read_login(request: Request) -> Login | JSONResponse:
    """The credentials from a JSON or form body; a 422 naming the bad fields (never echoing a value) otherwise."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    raw: Any
    try:
        if content_type in FORM_TYPES:
            raw = {name: value for name, value in (await request.form()).items() if isinstance(value, str)}
        else:
            raw = await request.json()
    except ValueError:
        return api_error(422, "body must be JSON {tenant, email, password} or a form with those fields")
    if not isinstance(raw, dict):
        return api_error(422, "body must be an object with tenant, email and password")
    try:
        return Login.model_validate(raw)
    except ValidationError as exc:
        problems = [{"field": ".".join(map(str, error["loc"])), "message": error["msg"]} for error in exc.errors()]
        names = ", ".join(problem["field"] for problem in problems)
        return api_error(422, f"invalid sign-in fields: {names}", problems)


def _secure_cookie(request: Request) -> bool:
    """Secure, except over plain http to a loopback host (local development and tests)."""
    if request.url.scheme == "https":
        return True
    host = (request.url.hostname or "").strip("[]")
    if host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True


def _client_ip(request: Request) -> str:
    facts = current_request()
    if facts is not None:
        return facts.client_ip
    return request.client.host if request.client else ""


@router.post("/login", response_model=None)
async def login(request: Request, pool: PoolDep) -> JSONResponse:
    """Sign in with ``{tenant, email, password}``; sets the ``sa_session`` cookie and returns the CSRF token."""
    body = await _read_login(request)
    if isinstance(body, JSONResponse):
        return body
    settings = get_settings()
    email = body.email.strip().lower()
    client_ip = _client_ip(request)
    verdict = await hit(pool, login_limits(body.tenant, email, client_ip, settings))
    if not verdict.allowed:
        wait_s = verdict.retry_after_s
        refused = api_error(429, f"too many sign-in attempts; retry after {wait_s} s", {"retry_after_s": wait_s})
        refused.headers["Retry-After"] = str(wait_s)
        return refused
    policy = LockoutPolicy(settings.staff_lockout_attempts, timedelta(minutes=settings.staff_lockout_minutes))
    async with pool.connection() as conn:
        attempt = await sign_in(conn, tenant=body.tenant, email=email, password=body.password, policy=policy)
        if attempt.account is None:
            details = {"email": email, "reason": attempt.outcome}
            await record("auth.login_failed", "staff_account", None, details, tenant=body.tenant)
            return api_error(401, REFUSED)
        session = await create_session(conn, attempt.account, client_ip=client_ip)
    identity = Session(attempt.account, session.csrf_token).identity()
    facts = current_request()
    if facts is not None:
        facts.identity = identity
    await record("auth.login", "staff_account", attempt.account.id, {"email": email}, actor=identity)
    response = JSONResponse({"staff": attempt.account.public(), "csrf_token": session.csrf_token})
    response.set_cookie(
        SESSION_COOKIE,
        session.token,
        max_age=session.max_age_s,
        path="/",
        secure=_secure_cookie(request),
        httponly=True,
        samesite="strict",
    )
    return response


@router.post("/logout", response_model=None)
async def logout(request: Request, identity: IdentityDep, pool: PoolDep) -> JSONResponse:
    """End the caller's session (the cookie stops working at once) and clear the cookie."""
    token = session_cookie(request.headers)
    if identity.proof != "staff_session" or token is None:
        return api_error(400, "only a session cookie signs out; revoke a key instead")
    async with pool.connection() as conn:
        await end_session(conn, token)
    await record("auth.logout", "staff_account", identity.subject)
    response = JSONResponse({"signed_out": True})
    response.delete_cookie(SESSION_COOKIE, path="/", secure=_secure_cookie(request), httponly=True, samesite="strict")
    return response


@router.get("/me")
async def me(request: Request, identity: IdentityDep, pool: PoolDep) -> dict[str, Any]:
    """The caller's identity; for a session also the staff account and the CSRF token to send back."""
    staff: dict[str, Any] | None = None
    csrf_token: str | None = None
    token = session_cookie(request.headers)
    if identity.proof == "staff_session" and token is not None:
        async with pool.connection() as conn:
            session = await lookup_session(conn, token)
        if session is not None:
            staff, csrf_token = session.account.public(), session.csrf_token
    return {
        "identity": {
            "tenant": identity.tenant,
            "role": identity.role,
            "proof": identity.proof,
            "subject": identity.subject,
            "customer_id": identity.customer_id,
            "display_name": identity.display_name,
        },
        "staff": staff,
        "csrf_token": csrf_token,
    }
