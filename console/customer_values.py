"""The customer's own values, not ``<PERSON_1>``, in what staff read beside a transcript (the handoff note).

The transcript itself comes restored from the API (server/pseudonym_restore.py). Only for staff who may read the
customer's values (``identity.policy.may_read_customer_values``: agent and above of the thread's tenant); everyone
else reads the placeholders.
"""

from __future__ import annotations

import psycopg

from identity.model import Identity
from identity.policy import may_read_customer_values
from server.pseudonym_restore import restore_values
from signals.pii_pseudonyms import StreamRestorer
from signals.pii_vault import VaultKeyMismatch, load_pseudonyms


async def with_customer_values[T](identity: Identity, tenant: str, customer_id: str, thread_id: str, value: T) -> T:
    """``value`` with the thread's placeholders restored when ``identity`` may read them, else as it is.

    ``tenant`` and ``customer_id`` are the thread's, as the caller read them from a tenant-scoped row.
    """
    if not may_read_customer_values(identity, thread_tenant=tenant, customer_id=customer_id):
        return value
    try:
        pseudonyms = await load_pseudonyms(thread_id)
    except (psycopg.Error, VaultKeyMismatch):
        return value  # the note still shows, with its placeholders
    restored: T = restore_values(value, StreamRestorer(pseudonyms)) if pseudonyms.values else value
    return restored
