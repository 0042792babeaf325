"""Who is looking at a console page: the signed-in staff member, and what their role may do.

Every page and action checks the role table itself (``identity.policy``), so a hidden button is never the only
guard: an action the role may not take answers 403 even when called directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from db.pool import get_pool
from identity.model import Identity
from identity.policy import Action, allowed
from identity.resolve import SESSION_COOKIE, CredentialRejected, session_cookie
from server.request_facts import required_identity
from staff.accounts import StaffAccount
from staff.sessions import lookup_session

STAFF_ROLES = ("agent", "supervisor", "admin")


class SignInRequired(Exception):
    """No live staff session: the page sends the browser to the sign-in form."""


class ConsoleForbidden(Exception):
    """The staff member's role may not open this page or take this action (403)."""

    def __init__(self, role: str, action: str) -> None:
        super().__init__(f"role {role!r} may not {action}")
        self.role = role
        self.action = action


@dataclass(frozen=True, slots=True)
class Staff:
    """The signed-in staff member, their verified identity and the session's CSRF token."""

    account: StaffAccount
    identity: Identity
    csrf_token: str

    def may(self, action: Action) -> bool:
        """Whether the role may take ``action`` (templates show only what may be done)."""
        return allowed(self.identity, action)

    @property
    def agent_name(self) -> str:
        """The name a handoff records for this person."""
        return self.account.email


async def current_staff(request: Request) -> Staff:
    """The staff member behind the session cookie; SignInRequired without one (keys and tokens are not staff)."""
    token = session_cookie(request.headers)
    if token is None:
        raise SignInRequired
    try:
        identity = await required_identity(request.headers, method=request.method)
    except CredentialRejected as exc:
        if exc.status_code == 403:
            raise ConsoleForbidden("staff", "write without the session's CSRF token") from exc
        raise SignInRequired from exc
    if identity.proof != "staff_session" or identity.role not in STAFF_ROLES:
        raise SignInRequired
    pool = await get_pool()
    async with pool.connection() as conn:
        session = await lookup_session(conn, token)
    if session is None:
        raise SignInRequired
    return Staff(account=session.account, identity=identity, csrf_token=session.csrf_token)


StaffDep = Annotated[Staff, Depends(current_staff)]


def need(action: Action) -> Any:
    """A route dependency: the signed-in staff member, 403 unless their role may take ``action``."""

    async def check(staff: StaffDep) -> Staff:
        if not staff.may(action):
            raise ConsoleForbidden(staff.identity.role, action)
        return staff

    return Depends(check)


__all__ = ["SESSION_COOKIE", "ConsoleForbidden", "SignInRequired", "Staff", "StaffDep", "current_staff", "need"]
