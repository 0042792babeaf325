"""Plain data types the knowledge base reads, stores and returns."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class KBHit:
    """One article found by a search.

    ``score`` is the cosine similarity (0..1 for this model family) between the query and the
    article's best-matching chunk; results are *ordered* by fused rank, which also uses keywords.
    """

    article_id: str
    title: str
    snippet: str
    score: float
    category: str
    source: str
    chunk_id: str = ""


@dataclass(slots=True)
class Article:
    """A whole document as loaded from a file, an FAQ row or the API, before chunking."""

    article_id: str
    title: str
    body: str
    category: str = "general"
    tags: list[str] = field(default_factory=list)
    source: str = ""
    updated_at: datetime | None = None
    markdown: bool = True

    @property
    def content_hash(self) -> str:
        """Hash of everything that changes what is stored; equal hash means re-ingest can skip it."""
        payload = json.dumps(
            {
                "title": self.title,
                "body": self.body,
                "category": self.category,
                "tags": sorted(self.tags),
                "updated_at": self.updated_at.isoformat() if self.updated_at else None,
            },
            sort_keys=True,
        )
        return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Chunk:
    """One searchable piece of an article: what is shown, what is embedded, what is keyword-indexed."""

    index: int
    content: str
    embed_text: str
    heading: str = ""


@dataclass(frozen=True, slots=True)
class ArticleSummary:
    """An article as listed by the API (no body)."""

    article_id: str
    title: str
    category: str
    tags: list[str]
    source: str
    content_hash: str
    chunks: int
    updated_at: datetime | None
    ingested_at: datetime


@dataclass(slots=True)
class IngestSummary:
    """What an ingestion run did; ``errors`` lists (path, message) of files that were skipped."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    chunks: int = 0
    seconds: float = 0.0
    errors: list[tuple[str, str]] = field(default_factory=list)

    def __str__(self) -> str:
        """One line for logs and the terminal (`make run` printed the dataclass repr)."""
        text = (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, {self.deleted} deleted,"
            f" {self.chunks} chunks in {self.seconds:.1f}s"
        )
        return text + (f", {len(self.errors)} files skipped" if self.errors else "")

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form for the API and the CLI."""
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "deleted": self.deleted,
            "chunks": self.chunks,
            "seconds": round(self.seconds, 3),
            "errors": [{"path": path, "message": message} for path, message in self.errors],
        }
