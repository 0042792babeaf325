"""The verified caller: one Identity per request, whatever credential proved it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

Role = Literal["customer", "service", "agent", "supervisor", "admin"]
Proof = Literal["customer_token", "api_key", "staff_session", "studio"]
KeyScope = Literal["service", "staff", "admin"]

STAFF_ROLES: frozenset[Role] = frozenset({"agent", "supervisor", "admin"})
KEY_SCOPE_ROLES: dict[KeyScope, Role] = {"service": "service", "staff": "supervisor", "admin": "admin"}
"""A key's scope becomes the role it acts with: a staff key is a supervisor's integration, not a person."""

TENANT_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
"""No dots: a store namespace label may not hold one (Aegra splits labels on dots)."""
CUSTOMER_ID_PATTERN = re.compile(r"^[A-Za-z0-9_.:@+-]{1,128}$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Identity:
    """A caller whose credential was verified.

    ``customer_id`` is set only for end customers (from a signed token's ``sub``); ``subject`` names the
    credential's holder: the customer id, the key id or the staff account.
    """

    tenant: str
    role: Role
    proof: Proof
    subject: str
    customer_id: str | None = None
    display_name: str = ""
    scopes: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_customer(self) -> bool:
        """An end customer, who sees only their own conversations, tickets and memories."""
        return self.role == "customer"

    @property
    def is_staff(self) -> bool:
        """A person or integration of the support organisation."""
        return self.role in STAFF_ROLES

    @property
    def aegra_identity(self) -> str:
        """Aegra's owner of threads and runs: the tenant, so that tenants never see each other's rows.

        Customers share their tenant's Aegra identity; our ``@auth.on`` handlers narrow them to their own
        threads and store namespace.
        """
        return f"tenant:{self.tenant}"

    def actor(self) -> str:
        """A short label for audit records and ticket histories: ``role:subject``."""
        return f"{self.role}:{self.subject}"


def valid_tenant(tenant: str) -> bool:
    """Tenants are 1-64 of A-Z a-z 0-9 _ -."""
    return bool(TENANT_PATTERN.match(tenant))


def valid_customer_id(customer_id: str) -> bool:
    """Customer ids are 1-128 of A-Z a-z 0-9 and _ . : @ + -."""
    return bool(CUSTOMER_ID_PATTERN.match(customer_id))
