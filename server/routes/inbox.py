"""Staff API for the handoff inbox: list, claim, reply, hand back, close (each resumes the paused thread).

While a handoff is open (support/handoff_lifecycle.py) its thread is paused in ``interrupt()``. Every
action resumes it through this server's own LangGraph API with ``Command(resume=...)``, so the person's
words reach the customer and are checkpointed in the thread like any other message.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any, Literal

import httpx
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from langgraph_sdk.errors import APIError
from pydantic import BaseModel, ConfigDict, Field

from audit.log import record
from server.own_api import client_as_caller
from server.routes.support_deps import IdentityDep, PoolDep, TenantDep, api_error, require
from support import inbox

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/inbox", tags=["inbox"], dependencies=[require("inbox.read")])

ASSISTANT_ID = "support"
StatusField = Literal["waiting", "claimed", "answered", "handed_back", "closed"]


class Claim(BaseModel):
    """Who takes the conversation."""

    model_config = ConfigDict(extra="forbid")
    agent: str = Field(min_length=1, max_length=100)


class Reply(Claim):
    """The person's answer to the customer."""

    text: str = Field(min_length=1, max_length=8000)


class Handback(Claim):
    """Give the conversation back to the bot, with an optional note to the customer."""

    text: str = Field(default="", max_length=8000)


class Close(Claim):
    """End the handoff with a resolution (e.g. "refund issued", "confirmed", "unresolved")."""

    resolution: str = Field(min_length=1, max_length=2000)
    text: str = Field(default="", max_length=8000)


def _not_found(handoff_id: int) -> JSONResponse:
    return api_error(404, f"handoff {handoff_id} not found", {"handoff_id": handoff_id})


def _conflict(error: inbox.HandoffConflictError) -> JSONResponse:
    return api_error(
        409,
        str(error),
        {
            "handoff_id": error.handoff_id,
            "status": error.status,
            "claimed_by": error.claimed_by,
            "allowed_actions": error.allowed,
        },
    )


@router.get("")
async def list_inbox(
    pool: PoolDep,
    tenant: TenantDep,
    team: str | None = None,
    status: Annotated[list[StatusField] | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """Threads waiting for a person (or in ``status``), most urgent then longest waiting first."""
    statuses = tuple(status) if status else inbox.PAUSED
    return {"items": await inbox.list_inbox(pool, tenant, statuses=statuses, team=team, limit=limit)}


@router.get("/{handoff_id}", response_model=None)
async def get_handoff(handoff_id: int, pool: PoolDep, tenant: TenantDep) -> dict[str, Any] | JSONResponse:
    """One handoff with the transcript tail and the summary."""
    try:
        return await inbox.get_handoff(pool, tenant, handoff_id)
    except inbox.HandoffNotFoundError:
        return _not_found(handoff_id)


@router.post("/{handoff_id}/claim", response_model=None, dependencies=[require("inbox.claim")])
async def claim(handoff_id: int, body: Claim, pool: PoolDep, tenant: TenantDep) -> dict[str, Any] | JSONResponse:
    """Take a waiting handoff; a second claim gets 409."""
    try:
        claimed = await inbox.claim_handoff(pool, tenant, handoff_id, body.agent)
    except inbox.HandoffNotFoundError:
        return _not_found(handoff_id)
    except inbox.HandoffConflictError as error:
        return _conflict(error)
    await record("inbox.claim", "handoff", handoff_id, {"agent": body.agent})
    return claimed


@router.post("/{handoff_id}/assign", response_model=None, dependencies=[require("inbox.assign")])
async def assign(
    handoff_id: int, body: Claim, pool: PoolDep, tenant: TenantDep, identity: IdentityDep
) -> dict[str, Any] | JSONResponse:
    """A supervisor gives an open handoff to a person (reassigning it if someone has it); ended ones get 409."""
    try:
        assigned = await inbox.assign_handoff(pool, tenant, handoff_id, body.agent, by=f"staff:{identity.subject}")
    except inbox.HandoffNotFoundError:
        return _not_found(handoff_id)
    except inbox.HandoffConflictError as error:
        return _conflict(error)
    await record("inbox.assign", "handoff", handoff_id, {"agent": body.agent})
    return assigned


async def _act(
    request: Request,
    pool: PoolDep,
    tenant: str,
    handoff_id: int,
    action: inbox.Action,
    agent: str,
    text: str,
    resolution: str | None,
) -> dict[str, Any] | JSONResponse:
    try:
        previous, handoff = await inbox.begin_action(pool, tenant, handoff_id, action, agent)
    except inbox.HandoffNotFoundError:
        return _not_found(handoff_id)
    except inbox.HandoffConflictError as error:
        return _conflict(error)
    run_output: Any = None
    if previous in inbox.PAUSED:
        resume = {"action": action, "agent": agent, "text": text, "resolution": resolution}
        failure: str | None = None
        busy = False
        try:
            async with client_as_caller(request) as client:
                run_output = await client.runs.wait(
                    handoff["thread_id"],
                    ASSISTANT_ID,
                    command={"resume": resume},
                    raise_error=False,
                    context={"customer_id": handoff["customer_id"], "tenant": tenant},
                )
        except (APIError, httpx.HTTPError) as error:
            failure = str(error)
            busy = isinstance(error, httpx.HTTPStatusError) and error.response.status_code == 409
        if failure is None and isinstance(run_output, dict) and isinstance(run_output.get("__error__"), dict):
            failure = str(run_output["__error__"].get("message") or run_output["__error__"])
        if failure is not None:
            # Nothing reached the customer: put the handoff back so the person can try again.
            await inbox.undo_action(pool, tenant, handoff_id, previous)
            logger.warning("resuming thread %s failed: %s", handoff["thread_id"], failure)
            if busy:  # the customer's own message is being answered right now: act again in a moment
                return api_error(
                    409,
                    f"thread {handoff['thread_id']} is busy with the customer's message; try again",
                    {"handoff_id": handoff_id, "retry": True},
                )
            return api_error(
                502, f"could not resume thread {handoff['thread_id']}: {failure}", {"handoff_id": handoff_id}
            )
    finished = await inbox.finish_action(pool, handoff, action, agent=agent, text=text or None, resolution=resolution)
    await record(f"inbox.{action}", "handoff", handoff_id, {"agent": agent, "thread_id": handoff["thread_id"]})
    messages = run_output.get("messages", []) if isinstance(run_output, dict) else []
    return {
        "handoff": finished,
        "resumed": previous in inbox.PAUSED,
        "last_message": messages[-1] if messages else None,
    }


@router.post("/{handoff_id}/reply", response_model=None, dependencies=[require("inbox.reply")])
async def reply(
    handoff_id: int, body: Reply, request: Request, pool: PoolDep, tenant: TenantDep
) -> dict[str, Any] | JSONResponse:
    """Answer the customer: the paused thread resumes with the person's words."""
    return await _act(request, pool, tenant, handoff_id, "reply", body.agent, body.text, None)


@router.post("/{handoff_id}/handback", response_model=None, dependencies=[require("inbox.reply")])
async def handback(
    handoff_id: int, body: Handback, request: Request, pool: PoolDep, tenant: TenantDep
) -> dict[str, Any] | JSONResponse:
    """Give the conversation back to the bot."""
    return await _act(request, pool, tenant, handoff_id, "handback", body.agent, body.text, None)


@router.post("/{handoff_id}/close", response_model=None, dependencies=[require("inbox.close")])
async def close(
    handoff_id: int, body: Close, request: Request, pool: PoolDep, tenant: TenantDep
) -> dict[str, Any] | JSONResponse:
    """Close with a resolution; the ticket is resolved (or closed when unresolved)."""
    return await _act(request, pool, tenant, handoff_id, "close", body.agent, body.text, body.resolution)
