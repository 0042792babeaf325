"""The role table, read as identity x action -> allowed: the decisions a support team relies on."""

from __future__ import annotations

import pytest

from identity.model import Identity, Role
from identity.policy import Action, allowed, may_act_for, may_read_customer_values

ROLES: tuple[Role, ...] = ("customer", "service", "agent", "supervisor", "admin")
# Each row: the action, then whether customer, service, agent, supervisor, admin may take it.
TABLE: list[tuple[Action, tuple[bool, bool, bool, bool, bool]]] = [
    ("runs.create", (True, True, False, False, True)),
    ("threads.read_any", (False, True, True, True, True)),
    ("threads.write_any", (False, False, False, False, True)),
    ("pii.read_any", (False, True, True, True, True)),
    ("store.read_any", (False, True, True, True, True)),
    ("store.write", (False, False, False, False, True)),
    ("tickets.update", (False, False, True, True, True)),
    ("inbox.claim", (False, False, True, True, True)),
    ("inbox.reply", (False, False, True, True, True)),
    ("inbox.close", (False, False, True, True, True)),
    ("inbox.assign", (False, False, False, True, True)),
    ("kb.read", (True, True, True, True, True)),
    ("kb.edit", (False, False, False, True, True)),
    ("analytics.read", (False, False, True, True, True)),
    ("data.export", (False, False, False, True, True)),
    ("data.erase", (False, False, False, False, True)),
    ("audit.read", (False, False, False, False, True)),
    ("staff.manage", (False, False, False, False, True)),
]


def _identity(role: Role, customer_id: str | None = None) -> Identity:
    return Identity(tenant="acme", role=role, proof="api_key", subject="s", customer_id=customer_id)


@pytest.mark.parametrize(("action", "expected"), TABLE)
def test_role_table(action: Action, expected: tuple[bool, ...]) -> None:
    assert tuple(allowed(_identity(role), action) for role in ROLES) == expected


def test_a_customer_acts_only_for_themself_and_staff_for_anyone_of_their_tenant() -> None:
    assert may_act_for(_identity("customer", "ana"), "ana")
    assert not may_act_for(_identity("customer", "ana"), "ben")
    assert may_act_for(_identity("agent"), "ben")


@pytest.mark.parametrize(
    ("role", "customer_id", "thread_tenant", "expected"),
    [
        ("customer", "ana", "acme", True),  # their own thread
        ("customer", "ben", "acme", False),  # another customer's thread of the same tenant
        ("agent", None, "acme", True),
        ("supervisor", None, "acme", True),
        ("service", None, "acme", True),
        ("admin", None, "other", False),  # never another tenant's values, whatever the role
        ("customer", "ana", "other", False),
    ],
)
def test_who_reads_a_customers_own_values(
    role: Role, customer_id: str | None, thread_tenant: str, expected: bool
) -> None:
    identity = _identity(role, customer_id)
    assert may_read_customer_values(identity, thread_tenant=thread_tenant, customer_id="ana") is expected
