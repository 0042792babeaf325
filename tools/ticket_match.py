"""Which of the customer's tickets a description ("my double charge") is about, by sentence-embedding similarity.

The encoder is the one retrieval and the intent router use (knowledge/embeddings.py); a ticket is represented by
its subject and description. Keyword rules would miss "double charge" for "Charged twice for March".
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from support.connections import Row

Encode = Callable[[list[str]], np.ndarray[Any, np.dtype[np.float32]]]

MATCH_MIN = 0.45
"""Cosine (all-MiniLM-L6-v2) a ticket needs to be the one meant. Measured on the demo tickets: questions that name
a ticket's problem score 0.48-0.61 on it, generic status questions ("what's the status of my ticket?") at most 0.37."""
MATCH_MARGIN = 0.10
"""The best ticket must lead the next one by this much; otherwise the question is ambiguous and all are listed."""


def ticket_text(ticket: Row) -> str:
    """What a ticket is about, as one text to embed."""
    return f"{ticket['subject']}. {ticket['description'] or ''}".strip()


def closest_ticket(about: str, tickets: Sequence[Row], encode: Encode) -> Row | None:
    """The ticket ``about`` describes, or None when none is clearly meant."""
    if not tickets or not about.strip():
        return None
    vectors = encode([about, *(ticket_text(ticket) for ticket in tickets)])
    sims = vectors[1:] @ vectors[0]
    order = np.argsort(-sims)
    best = float(sims[order[0]])
    runner_up = float(sims[order[1]]) if len(order) > 1 else -1.0
    if best < MATCH_MIN or best - runner_up < MATCH_MARGIN:
        return None
    return tickets[int(order[0])]


async def find_closest_ticket(about: str, tickets: Sequence[Row]) -> Row | None:
    """:func:`closest_ticket` with the local encoder, off the event loop (encoding is CPU-bound)."""
    from knowledge.embeddings import get_local_embeddings

    return await asyncio.to_thread(closest_ticket, about, tickets, get_local_embeddings().encode)
