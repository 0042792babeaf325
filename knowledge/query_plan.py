"""Turn a customer message into the sub-queries the knowledge base searches.

A short question is searched as it is. A long, rambling message is also split into its sentences
(long clauses split further), because one averaged vector of five concerns matches none of them
well. Identifiers in the message (error codes, order numbers) are searched by keyword alone: the
keyword side needs every word of a query, so "my notes won't sync, NN-4012" would match nothing,
while "NN-4012" alone matches exactly the articles that mention the code.

The work is capped so a message's length does not decide the latency (8,000 characters is the limit): the
whole-message query keeps its first ``HEAD_WORDS`` words (the encoder truncates at 256 tokens anyway, and a
keyword query that needs hundreds of words matches nothing while each word costs an index lookup), and at most
``MAX_PARTS`` sentences are searched, spread evenly over the message so a concern at its end is not dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

LONG_QUERY_WORDS = 16  # above this a message is also searched sentence by sentence
MIN_PART_WORDS = 4
MAX_PARTS = 12
HEAD_WORDS = 64  # the whole-message sub-query of a long message keeps this many words
MAX_MESSAGE_WORDS = 256  # distinct words of the message the coverage bonus weighs (see knowledge/search.py)
WINDOW_WORDS = 12  # a run-on piece longer than two windows is also read in overlapping windows
WINDOW_STRIDE = 8
MAX_IDENTIFIERS = 3
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+")
_CLAUSE_BREAK = re.compile(r",\s+(?:but|and|so|because|although|though|also)\s+|\s+(?:but also|and also)\s+")
_IDENTIFIER = re.compile(
    r"(?<![\w-])(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)*"  # NN-4012, E0042, 2FA
    r"|(?<![\w.,$])(?!(?:19|20)\d\d\b)\d{3,}(?![\w.,])"  # 429, 1234567; not years or amounts
)


@dataclass(frozen=True, slots=True)
class SubQuery:
    """One text to search; ``dense`` sub-queries are embedded, the others matched by keyword only."""

    text: str
    dense: bool = True


def identifiers(text: str) -> list[str]:
    """Code-like tokens (letters and digits, e.g. NN-4012, E0042, 2FA, 429), first few, in order."""
    return list(dict.fromkeys(_IDENTIFIER.findall(text)))[:MAX_IDENTIFIERS]


def _windows(piece: str) -> list[str]:
    words = piece.split()
    if len(words) <= 2 * WINDOW_WORDS:
        return [piece]
    starts = range(0, len(words) - WINDOW_WORDS + WINDOW_STRIDE, WINDOW_STRIDE)
    return [" ".join(words[start : start + WINDOW_WORDS]) for start in starts]


def sentences(text: str) -> list[str]:
    """The message's sentences, over-long ones cut at clause breaks, run-on ones read in overlapping windows.

    Fragments too short to carry a concern of their own are dropped.
    """
    parts: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        pieces = _CLAUSE_BREAK.split(sentence) if len(sentence.split()) > LONG_QUERY_WORDS else [sentence]
        for piece in pieces:
            parts.extend(window.strip() for window in _windows(piece) if len(window.split()) >= MIN_PART_WORDS)
    return list(dict.fromkeys(parts))


def spread(items: list[str], limit: int) -> list[str]:
    """At most ``limit`` of ``items``, evenly spaced from first to last, in order."""
    if len(items) <= limit:
        return items
    step = (len(items) - 1) / (limit - 1) if limit > 1 else 0.0
    return list(dict.fromkeys(items[round(position * step)] for position in range(limit)))


def message_words(query: str) -> str:
    """The message's distinct words, first ``MAX_MESSAGE_WORDS`` of them: what the coverage bonus reads."""
    return " ".join(list(dict.fromkeys(query.split()))[:MAX_MESSAGE_WORDS])


def plan_queries(query: str) -> list[SubQuery]:
    """The (head of the) full query first, its sentences when it is long, then identifiers as keyword-only queries."""
    query = " ".join(query.split())
    words = query.split()
    head = " ".join(words[:HEAD_WORDS])
    plan = [SubQuery(head)]
    if len(words) > LONG_QUERY_WORDS:
        plan += [SubQuery(part) for part in spread(sentences(query), MAX_PARTS) if part != head]
    plan += [SubQuery(token, dense=False) for token in identifiers(query) if token != head]
    return plan
