"""What each role may do: one table, read by the LangGraph API handlers and by our routes alike."""

from __future__ import annotations

from typing import Literal

from identity.model import Identity, Role

Action = Literal[
    "runs.create",  # talk to the agent: a customer as themself, a service or admin for any customer of the tenant
    "threads.read_any",  # every conversation of the tenant through the LangGraph API
    "threads.write_any",  # change another's thread state or metadata, delete threads
    "pii.read_any",  # a customer's own values where the model saw <PERSON_1> (any conversation of the tenant)
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
        "pii.read_any",  # the tenant's backend sent those values for its customer in the first place
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
        "pii.read_any",  # whoever answers a customer needs their name and address; tenant-scoped like the threads
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


def may_read_customer_values(identity: Identity, *, thread_tenant: str | None, customer_id: str | None) -> bool:
    """Whether ``identity`` reads a thread's pseudonyms restored to the customer's values (else the placeholders).

    Only within the thread's tenant: its customer, and the roles with ``pii.read_any`` (service, agent and above).
    """
    if thread_tenant != identity.tenant:
        return False
    if identity.is_customer:
        return customer_id is not None and identity.customer_id == customer_id
    return allowed(identity, "pii.read_any")


def may_act_for(identity: Identity, customer_id: str) -> bool:
    """Whether ``identity`` may see or act on ``customer_id``'s data (within its own tenant)."""
    if identity.is_customer:
        return identity.customer_id == customer_id
    return True
