"""What each role may do: one table, read by the LangGraph API handlers and by our routes alike."""

from __future__ import annotations

from typing import Literal

from identity.model import Identity, Role

Action = Literal[
    "runs.create",  # talk to the agent: a customer as themself, a service or admin for any customer of the tenant
    "threads.read_any",  # every conversation of the tenant through the LangGraph API
    "threads.write_any",  # change another's thread state or metadata, delete threads
    "store.read_any",  # every customer's memories of the tenant
    "store.write",  # write or delete memories directly
    "assistants.write",
    "crons.write",
    "tickets.read_any",
    "tickets.create",
    "tickets.update",
    "customers.read",
    "customers.update",
    "inbox.read",
    "inbox.claim",
    "inbox.reply",
    "inbox.close",
    "inbox.assign",
    "conversations.read",
    "conversations.end",
    "kb.read",
    "kb.edit",
    "analytics.read",
    "data.export",
    "data.erase",
    "audit.read",
    "staff.manage",
]

_CUSTOMER: frozenset[Action] = frozenset({"runs.create", "kb.read", "conversations.end"})
_SERVICE: frozenset[Action] = frozenset(
    {
        "runs.create",
        "threads.read_any",
        "store.read_any",
        "tickets.read_any",
        "tickets.create",
        "customers.read",
        "customers.update",
        "conversations.read",
        "conversations.end",
        "kb.read",
    }
)
_AGENT: frozenset[Action] = frozenset(
    {
        "threads.read_any",
        "store.read_any",
        "tickets.read_any",
        "tickets.create",
        "tickets.update",
        "customers.read",
        "inbox.read",
        "inbox.claim",
        "inbox.reply",
        "inbox.close",
        "conversations.read",
        "conversations.end",
        "kb.read",
        "analytics.read",
    }
)
_SUPERVISOR: frozenset[Action] = _AGENT | {
    "inbox.assign",
    "kb.edit",
    "customers.update",
    "data.export",
}
_ADMIN: frozenset[Action] = (
    _SUPERVISOR
    | _SERVICE
    | {
        "threads.write_any",
        "store.write",
        "assistants.write",
        "crons.write",
        "data.erase",
        "audit.read",
        "staff.manage",
    }
)

PERMISSIONS: dict[Role, frozenset[Action]] = {
    "customer": _CUSTOMER,
    "service": _SERVICE,
    "agent": _AGENT,
    "supervisor": _SUPERVISOR,
    "admin": _ADMIN,
}


def allowed(identity: Identity, action: Action) -> bool:
    """Whether ``identity``'s role may take ``action`` (ownership is checked where the object is read)."""
    return action in PERMISSIONS[identity.role]


def may_act_for(identity: Identity, customer_id: str) -> bool:
    """Whether ``identity`` may see or act on ``customer_id``'s data (within its own tenant)."""
    if identity.is_customer:
        return identity.customer_id == customer_id
    return True
