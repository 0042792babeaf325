"""Hybrid retrieval: per (sub)query dense + keyword search fused by RRF in PGVectorStore, then per-article fusion.

A short question is searched as it is. A long, rambling message is also split into its sentences,
each searched on its own, because one averaged vector of five concerns matches none of them well.
Identifiers in the message (error codes, order numbers) are also searched by keyword alone: the
library's keyword side needs every word of a query, so "my notes won't sync, NN-4012" would match
nothing by keyword, while "NN-4012" alone matches exactly the articles that mention the code.
"""

from __future__ import annotations

import asyncio
import re
from collections import defaultdict
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings

from knowledge.embeddings import LocalEmbeddings
from knowledge.records import KBHit

if TYPE_CHECKING:
    from knowledge.store import KnowledgeBase

RRF_K = 60
LONG_QUERY_WORDS = 24  # above this a message is split into sentence sub-queries
MIN_PART_WORDS = 4
MAX_PARTS = 8
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+")
_CLAUSE_BREAK = re.compile(r",\s+(?:but|and|so|because|although|though|also)\s+|\s+(?:but also|and also)\s+")
_IDENTIFIER = re.compile(
    r"(?<![\w-])(?=[\w-]*\d)(?=[\w-]*[A-Za-z])[A-Za-z0-9]+(?:[-_][A-Za-z0-9]+)*|(?<![\w.,$])\d{3,}(?![\w.,])"
)
MAX_IDENTIFIERS = 3


@dataclass(frozen=True, slots=True)
class SubQuery:
    """One text to search and how much its ranking counts in the fusion."""

    text: str
    weight: float
    dense: bool = True


def plan_queries(query: str) -> list[SubQuery]:
    """The full query; identifiers as keyword-only sub-queries; sentences (clauses) when the query is long."""
    query = " ".join(query.split())
    identifiers = list(dict.fromkeys(_IDENTIFIER.findall(query)))[:MAX_IDENTIFIERS]
    keyword_only = [SubQuery(identifier, 1.0, dense=False) for identifier in identifiers if identifier != query]
    if len(query.split()) <= LONG_QUERY_WORDS:
        return [SubQuery(query, 1.0), *keyword_only]
    parts: list[str] = []
    for sentence in _SENTENCE_END.split(query):
        pieces = _CLAUSE_BREAK.split(sentence) if len(sentence.split()) > LONG_QUERY_WORDS else [sentence]
        parts.extend(piece.strip() for piece in pieces if len(piece.split()) >= MIN_PART_WORDS)
    unique = [part for index, part in enumerate(parts) if part not in parts[:index] and part != query]
    return [SubQuery(query, 1.0), *keyword_only, *(SubQuery(part, 1.0) for part in unique[:MAX_PARTS])]


async def embed_queries(embeddings: Embeddings, texts: list[str]) -> list[list[float]]:
    """Query vectors, batched in one model call off the event loop for the local model."""
    if isinstance(embeddings, LocalEmbeddings):
        matrix = await asyncio.to_thread(embeddings.encode, texts)
        return [[float(x) for x in row] for row in matrix]
    return list(await asyncio.gather(*(embeddings.aembed_query(text) for text in texts)))


def fuse_articles(ranked_lists: list[tuple[float, list[Document]]]) -> tuple[list[str], dict[str, Document]]:
    """Article ids ordered by weighted reciprocal-rank fusion of per-query chunk rankings.

    A chunk list is first collapsed to articles (an article ranks where its best chunk ranks).
    Returns the order and, per article, the best chunk of the most heavily weighted list it appeared in.
    """
    scores: dict[str, float] = defaultdict(float)
    best: dict[str, Document] = {}
    for weight, docs in ranked_lists:
        seen: list[str] = []
        for doc in docs:
            article_id = str(doc.metadata["article_id"])
            if article_id in seen:
                continue
            seen.append(article_id)
            scores[article_id] += weight / (RRF_K + len(seen))
            best.setdefault(article_id, doc)
    order = sorted(scores, key=lambda article_id: scores[article_id], reverse=True)
    return order, best


async def _article_scores(kb: KnowledgeBase, vector: list[float], tenant: str, ids: list[str]) -> dict[str, float]:
    """Cosine similarity of the query to each article's closest chunk (exact, over a handful of rows)."""
    if not ids:
        return {}
    literal = "[" + ",".join(repr(x) for x in vector) + "]"
    rows = await kb.fetch_all(
        f'SELECT article_id, max(1 - (embedding <=> %s::vector)) AS score FROM "{kb.table}"'
        " WHERE tenant = %s AND article_id = ANY(%s) GROUP BY article_id",
        (literal, tenant, ids),
    )
    return {row["article_id"]: float(row["score"]) for row in rows}


async def hybrid_search(
    kb: KnowledgeBase, query: str, *, tenant: str, k: int, category: str | None = None
) -> list[KBHit]:
    """The top ``k`` articles for ``query`` within ``tenant`` (and ``category`` if given)."""
    from knowledge.store import tenant_filter

    query = query.strip()
    if not query or k <= 0:
        return []
    store = await kb.vector_store()
    plan = plan_queries(query)
    dense_plan = [sub for sub in plan if sub.dense]
    dense_vectors = dict(
        zip(dense_plan, await embed_queries(kb.embeddings, [sub.text for sub in dense_plan]), strict=True)
    )
    full_vector = dense_vectors[plan[0]]
    fetch = max(4 * k, 20)
    where = tenant_filter(tenant, category)

    async def one(sub: SubQuery, vector: list[float]) -> tuple[float, list[Document]]:
        config = replace(
            kb.hybrid,  # a copy per call: the library writes the query into the config it is given
            fts_query=sub.text,
            primary_top_k=fetch if sub.dense else 0,  # keyword-only: no vector candidates
            secondary_top_k=fetch,
            fusion_function_parameters={"rrf_k": RRF_K},
        )
        found = await store.asimilarity_search_with_score_by_vector(
            vector, k=fetch, filter=where, hybrid_search_config=config
        )
        return sub.weight, [doc for doc, _ in found]

    ranked = await asyncio.gather(*(one(sub, dense_vectors.get(sub, full_vector)) for sub in plan))
    order, best = fuse_articles(list(ranked))
    top = order[:k]
    scores = await _article_scores(kb, full_vector, tenant, top)
    return [
        KBHit(
            article_id=article_id,
            title=str(best[article_id].metadata["title"]),
            snippet=best[article_id].page_content,
            score=round(scores.get(article_id, 0.0), 4),
            category=str(best[article_id].metadata["category"]),
            source=str(best[article_id].metadata["source"]),
            chunk_id=str(best[article_id].id or ""),
        )
        for article_id in top
    ]
