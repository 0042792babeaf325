"""Which threads erasing one customer of one tenant deletes, and which it keeps for the others who wrote there.

A thread is the customer's own when nobody else is recorded in it: not as the thread's customer, not in a
run's context, not in our events, tickets, handoffs or outcomes. Every query names the tenant.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, LiteralString

from support.connections import Db, fetch_all
from support.data_rights import customer_threads
from support.erasure_scrub import Needles
from support.threads import aegra_tables_present

# Thread and run tenants as the rest of the code reads them (support.threads, support.data_rights).
THREAD_TENANT: LiteralString = "COALESCE(metadata_json->>'tenant', substring(user_id FROM '^tenant:(.*)$'), 'default')"
RUN_TENANT: LiteralString = "COALESCE(context->>'tenant', substring(user_id FROM '^tenant:(.*)$'), 'default')"
RUN_CUSTOMER: LiteralString = "COALESCE(context->>'customer_id', config->'configurable'->>'customer_id')"

_OTHERS_OURS: LiteralString = (
    "SELECT customer_id, created_at AS at FROM conversation_events"
    " WHERE thread_id = %(t)s AND tenant = %(tenant)s AND customer_id <> %(cid)s"
    " UNION ALL SELECT customer_id, created_at FROM handoffs"
    "  WHERE thread_id = %(t)s AND tenant = %(tenant)s AND customer_id <> %(cid)s"
    " UNION ALL SELECT customer_id, created_at FROM tickets"
    "  WHERE thread_id = %(t)s AND tenant = %(tenant)s AND customer_id <> %(cid)s"
    " UNION ALL SELECT customer_id, updated_at FROM conversation_outcomes"
    "  WHERE thread_id = %(t)s AND tenant = %(tenant)s AND customer_id <> %(cid)s"
)
_OTHERS_AEGRA: LiteralString = (
    " UNION ALL SELECT metadata_json->>'customer_id', created_at FROM thread"
    "  WHERE thread_id = %(t)s AND metadata_json->>'customer_id' <> %(cid)s"
    " UNION ALL SELECT " + RUN_CUSTOMER + ", created_at FROM runs"
    "  WHERE thread_id = %(t)s AND " + RUN_CUSTOMER + " <> %(cid)s"
)


@dataclass(frozen=True)
class CustomerThreads:
    """The customer's threads in one tenant, and their runs."""

    own: list[str]
    shared: dict[str, str]
    """Thread id -> the first other customer who wrote in it (the thread's customer once this one is gone)."""
    runs: frozenset[str]
    """The customer's runs, in their own and in shared threads."""
    run_texts: list[str]
    run_message_ids: list[str]


async def _other_writer(db: Db, tenant: str, customer_id: str, thread_id: str, aegra: bool) -> str | None:
    query = "SELECT customer_id FROM (" + _OTHERS_OURS + (_OTHERS_AEGRA if aegra else "") + ") AS o ORDER BY at LIMIT 1"
    rows = await fetch_all(db, query, {"t": thread_id, "tenant": tenant, "cid": customer_id})
    return str(rows[0]["customer_id"]) if rows else None


def _input_messages(run_input: Any) -> list[dict[str, Any]]:
    messages = run_input.get("messages") if isinstance(run_input, dict) else None
    return [m for m in messages if isinstance(m, dict)] if isinstance(messages, list) else []


async def find_customer_threads(db: Db, tenant: str, customer_id: str) -> CustomerThreads:
    """Split the customer's threads into their own and shared ones, and list their runs and what they sent."""
    aegra = await aegra_tables_present(db)
    own: list[str] = []
    shared: dict[str, str] = {}
    for thread_id in await customer_threads(db, tenant, customer_id):
        other = await _other_writer(db, tenant, customer_id, thread_id, aegra)
        if other is None:
            own.append(thread_id)
        else:
            shared[thread_id] = other
    runs: list[dict[str, Any]] = []
    if aegra:
        runs = await fetch_all(
            db,
            "SELECT run_id, input FROM runs WHERE " + RUN_CUSTOMER + " = %(cid)s AND " + RUN_TENANT + " = %(tenant)s",
            {"cid": customer_id, "tenant": tenant},
        )
    texts: list[str] = []
    ids: list[str] = []
    for run in runs:
        for message in _input_messages(run["input"]):
            content = message.get("content")
            if isinstance(content, str):
                texts.append(content)
            if isinstance(message.get("id"), str):
                ids.append(message["id"])
    return CustomerThreads(own, shared, frozenset(str(r["run_id"]) for r in runs), texts, ids)


def needles_for(customer_id: str, profile: dict[str, Any] | None, threads: CustomerThreads) -> Needles:
    """The strings that identify the customer: profile name and email, and every message they sent."""
    profile = profile or {}
    return Needles.build(
        customer_id,
        profile=(profile.get("name"), profile.get("email")),
        texts=threads.run_texts,
        message_ids=threads.run_message_ids,
    )
