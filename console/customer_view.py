"""What staff see of one customer: the profile with memories, tickets and conversations (page and sidebar)."""

from __future__ import annotations

from typing import Any

from console.customer_values import with_customer_values
from identity.model import Identity
from server.routes.support_deps import PoolDep
from support.customers import get_customer
from support.data_rights import customer_threads
from support.memories import list_memories
from support.tickets import list_tickets


async def customer_view(
    pool: PoolDep, tenant: str, customer_id: str, *, reader: Identity, ticket_limit: int = 50
) -> dict[str, Any]:
    """Template fields: ``customer`` (None when there is none), ``memories``, ``tickets`` and ``threads``.

    A ticket opened from a conversation quotes it with the model's placeholders (``<PERSON_1>``); ``reader`` sees
    the customer's values instead when the policy lets them (console/customer_values.py).
    """
    tickets = await list_tickets(pool, tenant, customer_id=customer_id, limit=ticket_limit)
    return {
        "customer": await get_customer(pool, tenant, customer_id),
        "memories": await list_memories(pool, tenant, customer_id),
        "tickets": [
            await with_customer_values(reader, tenant, customer_id, ticket["thread_id"], ticket)
            if ticket.get("thread_id")
            else ticket
            for ticket in tickets
        ],
        "threads": await customer_threads(pool, tenant, customer_id),
    }
