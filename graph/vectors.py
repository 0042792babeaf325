"""A process-wide cache of sentence vectors keyed by exact text, for texts the graph embeds again and again.

Memory facts are embedded on every turn of a returning customer and again when the writer deduplicates
them; on 2 shared cores each avoided model call is latency saved for every concurrent conversation.
"""

from __future__ import annotations

from functools import lru_cache

from knowledge.vector_cache import TextVectors


@lru_cache(maxsize=1)
def text_vectors() -> TextVectors:
    """The process-wide cache."""
    return TextVectors()
