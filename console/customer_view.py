"""What staff see of one customer: the profile with memories, tickets and conversations (page and sidebar)."""

from __future__ import annotations

from typing import Any

from server.routes.support_deps import PoolDep
from support.customers import get_customer
from support.data_rights import customer_threads
from support.memories import list_memories
from support.tickets import list_tickets


async def customer_view(pool: PoolDep, tenant: str, customer_id: str, *, ticket_limit: int = 50) -> dict[str, Any]:
    """Template fields: ``customer`` (None when there is none), ``memories``, ``tickets`` and ``threads``."""
    return {
        "customer": await get_customer(pool, tenant, customer_id),
        "memories": await list_memories(pool, tenant, customer_id),
        "tickets": await list_tickets(pool, tenant, customer_id=customer_id, limit=ticket_limit),
        "threads": await customer_threads(pool, tenant, customer_id),
    }
