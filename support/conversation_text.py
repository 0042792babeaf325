"""Every message's words, indexed for the console's conversation search: the customer's, the bot's and staff's.

The graph's remember node calls :func:`index_messages` at the end of every step that added messages (a customer
turn, a person's reply, a hand-back or a close), so a thread is searchable by anything said in it. A full-text
index (``simple`` configuration: any language, no stemming) finds the candidate messages; the search then checks
the exact words against the text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from support.connections import Db, acquire

_WORD = re.compile(r"[^\W_]+")
MAX_BODY_CHARS = 8000


async def index_messages(
    *, tenant: str, thread_id: str, customer_id: str, messages: Sequence[tuple[str, str, str]], db: Db | None = None
) -> None:
    """Keep ``(message id, role, text)`` of each message for search (role: customer, bot or staff).

    A message already kept (same thread and id) is left as it is, so a step may pass messages seen before.
    """
    rows = [(mid, role, body[:MAX_BODY_CHARS]) for mid, role, body in messages if body.strip() and mid]
    if not rows or not thread_id:
        return
    async with acquire(db) as conn, conn.cursor() as cur:
        await cur.executemany(
            "INSERT INTO conversation_messages (tenant, thread_id, customer_id, message_id, role, body)"
            " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (thread_id, message_id) DO NOTHING",
            [(tenant, thread_id, customer_id, *row) for row in rows],
        )


def words_query(text: str) -> str | None:
    """A ``to_tsquery('simple', ...)`` of every word of ``text`` as a prefix (None when it has no words)."""
    words = _WORD.findall(text.lower())[:32]
    return " & ".join(f"{word}:*" for word in words) or None
