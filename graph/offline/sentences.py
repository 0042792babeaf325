"""Sentence-level view of KB chunks for the offline responder: split into answerable units, embed once, cache.

A numbered or bulleted list item is one unit (a step); prose is split into sentences; headings are dropped.
Embeddings are cached by chunk id and content hash, so a chunk is embedded once per process, however often
it is retrieved.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from knowledge.lru import Lru

Matrix = np.ndarray[Any, np.dtype[np.float32]]
Encoder = Callable[[list[str]], Matrix]

_HEADING = re.compile(r"^\s{0,3}#{1,6}\s")
_STEP = re.compile(r"^\s*(?:\d+[.)]|[-*+•])\s+")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?!\s)([^*\n]+?)(?<!\s)\*(?![\w*])")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])")
_MIN_CHARS = 12
_MAX_UNITS = 60


@dataclass(frozen=True, slots=True)
class Unit:
    """One sentence or list step of a chunk, in document order."""

    text: str
    is_step: bool
    numbered: bool
    """A numbered step: part of a procedure, not just a list of facts."""
    block: int
    """Index of the paragraph or list the unit belongs to (steps of one list share it)."""


def split_units(text: str) -> list[Unit]:
    """The chunk's sentences and steps, markdown emphasis and headings removed.

    Blocks are numbered consecutively: a paragraph, then the list after it, are blocks n and n + 1
    whatever blank lines or headings separate them.
    """
    units: list[Unit] = []
    block = 0
    kind: str | None = None  # what the current block is: "list", "prose" or None after a break
    for raw in text.splitlines():
        line = raw.strip()
        if not line or _HEADING.match(line):
            kind = None
            continue
        line_kind = "list" if _STEP.match(line) else "prose"
        if line_kind != kind:
            block += 1
            kind = line_kind
        clean = _EMPHASIS.sub(r"\1", line.replace("**", "").replace("`", ""))
        if line_kind == "list":
            if len(clean) >= _MIN_CHARS:
                units.append(Unit(clean, True, bool(_NUMBERED.match(line)), block))
            continue
        for sentence in _SENTENCE_BREAK.split(clean):
            sentence = sentence.strip()
            if len(sentence) >= _MIN_CHARS:
                units.append(Unit(sentence, False, False, block))
    return units[:_MAX_UNITS]


class SentenceCache(Lru[str, tuple[list[Unit], Matrix]]):
    """Chunk id + content hash -> (units, unit embeddings); least recently used chunks are evicted."""

    def __init__(self, *, max_chunks: int = 4096) -> None:
        super().__init__(max_chunks)

    @staticmethod
    def key(chunk_id: str, text: str) -> str:
        """Cache key: the id alone is not enough, since an updated article keeps its chunk ids."""
        return f"{chunk_id}:{hashlib.blake2b(text.encode(), digest_size=8).hexdigest()}"


def embed_with_cache(
    encode: Encoder,
    cache: SentenceCache,
    chunks: list[tuple[str, str]],
    extra: list[str],
) -> tuple[list[tuple[list[Unit], Matrix]], Matrix]:
    """Units and vectors for each ``(chunk_id, text)``, plus vectors for ``extra`` texts, in ONE encoder call.

    Only chunks missing from the cache are embedded; ``extra`` (the question, memory facts) always is.
    """
    keys = [SentenceCache.key(chunk_id, text) for chunk_id, text in chunks]
    cached = [cache.get(key) for key in keys]
    pending: list[tuple[int, list[Unit]]] = []
    texts: list[str] = list(extra)
    for index, ((_, text), hit) in enumerate(zip(chunks, cached, strict=True)):
        if hit is None:
            units = split_units(text)
            pending.append((index, units))
            texts.extend(unit.text for unit in units)
    matrix = encode(texts) if texts else np.zeros((0, 0), dtype=np.float32)
    extra_vectors = matrix[: len(extra)]
    offset = len(extra)
    results: list[tuple[list[Unit], Matrix] | None] = list(cached)
    for index, units in pending:
        vectors = matrix[offset : offset + len(units)]
        offset += len(units)
        cache.put(keys[index], (units, vectors))
        results[index] = (units, vectors)
    return [entry for entry in results if entry is not None], extra_vectors
