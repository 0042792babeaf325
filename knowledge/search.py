"""Hybrid retrieval over one collection: candidates from PGVectorStore's hybrid search, then exact article scores.

1. Each dense sub-query (see `knowledge.query_plan`) runs PGVectorStore's hybrid search: HNSW vector
   search plus tsvector keyword search, fused by the library's reciprocal-rank fusion. Identifiers run
   keyword-only. The union of the articles found is the candidate set.
2. For every candidate article one SQL statement computes, per sub-query, the best cosine similarity
   over the article's chunks (title vector included) and whether all words of a sub-query occur in one
   of its chunks; it also returns each chunk's text, so the hits need no further query.
3. Articles rank by a soft maximum of their cosines over the sub-queries, so a rambling message is
   answered sentence by sentence, plus a bonus for keyword and identifier matches.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from langchain_core.embeddings import Embeddings

from knowledge.embeddings import LocalEmbeddings
from knowledge.query_plan import SubQuery, plan_queries
from knowledge.records import KBHit

if TYPE_CHECKING:
    from knowledge.store import KnowledgeBase

RRF_K = 60
SOFTMAX_TEMPERATURE = 10.0  # 1/T is how much better another sentence's match must be to count
KEYWORD_BONUS = 0.03  # all words of a (sentence) query occur in one chunk of the article
IDENTIFIER_BONUS = 0.35  # the article mentions an error code / identifier from the message: near-certain intent


@dataclass(slots=True)
class Evidence:
    """What the scoring query found about one candidate article."""

    cosines: list[float] = field(default_factory=list)
    keyword: bool = False
    identifier: bool = False
    best_chunk: dict[str, Any] = field(default_factory=dict)  # the row of the chunk with the best cosine
    best_cosine: float = -1.0

    def rank_score(self) -> float:
        """Soft maximum of the per-sub-query cosines plus the keyword and identifier bonuses."""
        top = max(self.cosines, default=-1.0)
        spread = sum(math.exp(SOFTMAX_TEMPERATURE * (cosine - top)) for cosine in self.cosines) or 1.0
        soft = top + math.log(spread) / SOFTMAX_TEMPERATURE
        return soft + KEYWORD_BONUS * self.keyword + IDENTIFIER_BONUS * self.identifier


async def embed_queries(embeddings: Embeddings, texts: list[str]) -> list[list[float]]:
    """Query vectors, batched in one model call off the event loop for the local model."""
    if not texts:
        return []
    if isinstance(embeddings, LocalEmbeddings):
        matrix = await asyncio.to_thread(embeddings.encode, texts)
        return [[float(x) for x in row] for row in matrix]
    return list(await asyncio.gather(*(embeddings.aembed_query(text) for text in texts)))


def _literal(vector: Sequence[float]) -> str:
    return "[" + ",".join(repr(float(x)) for x in vector) + "]"


async def candidates(
    kb: KnowledgeBase,
    plan: list[SubQuery],
    vectors: list[list[float]],
    *,
    tenant: str,
    category: str | None,
    fetch: int,
) -> list[str]:
    """Article ids found by the library's hybrid search (RRF of vector and keyword) for any sub-query."""
    from knowledge.store import tenant_filter

    store = await kb.vector_store()
    where = tenant_filter(tenant, category)
    dense_vectors = iter(vectors)

    async def one(sub: SubQuery, vector: list[float]) -> list[str]:
        config = replace(
            kb.hybrid,  # a copy per call: the library writes the query into the config it is given
            fts_query=sub.text,
            primary_top_k=fetch if sub.dense else 0,  # identifiers: keyword candidates only
            secondary_top_k=fetch,
            fusion_function_parameters={"rrf_k": RRF_K},
        )
        found = await store.asimilarity_search_with_score_by_vector(
            vector, k=fetch, filter=where, hybrid_search_config=config
        )
        return [str(doc.metadata["article_id"]) for doc, _ in found]

    jobs = [one(sub, next(dense_vectors) if sub.dense else vectors[0]) for sub in plan]
    return list(dict.fromkeys(article_id for found in await asyncio.gather(*jobs) for article_id in found))


async def gather_evidence(
    kb: KnowledgeBase, plan: list[SubQuery], vectors: list[list[float]], *, tenant: str, article_ids: list[str]
) -> dict[str, Evidence]:
    """Per candidate article: best cosine per dense sub-query, keyword and identifier matches, best chunk."""
    from knowledge.store import TSV_LANG

    dense_vectors = iter(vectors)
    literals = [_literal(next(dense_vectors)) if sub.dense else None for sub in plan]
    rows = await kb.fetch_all(
        f"SELECT c.langchain_id::text AS chunk_id, c.article_id, c.title, c.content, c.category, c.source,"
        " array_agg(1 - (c.embedding <=> q.v) ORDER BY q.i) FILTER (WHERE q.v IS NOT NULL) AS cosines,"
        f" bool_or(c.content_tsv @@ plainto_tsquery('{TSV_LANG}', q.t)) FILTER (WHERE q.v IS NOT NULL) AS kw,"
        f" bool_or(c.content_tsv @@ plainto_tsquery('{TSV_LANG}', q.t)) FILTER (WHERE q.v IS NULL) AS ident"
        f' FROM "{kb.table}" c CROSS JOIN unnest(%s::text[]::vector[], %s::text[]) WITH ORDINALITY AS q(v, t, i)'
        " WHERE c.tenant = %s AND c.article_id = ANY(%s) GROUP BY c.langchain_id, c.article_id",
        (literals, [sub.text for sub in plan], tenant, article_ids),
    )
    found: dict[str, Evidence] = {}
    for row in rows:
        evidence = found.setdefault(row["article_id"], Evidence())
        cosines = [float(c) for c in row["cosines"]]
        if evidence.cosines:
            evidence.cosines = [max(pair) for pair in zip(evidence.cosines, cosines, strict=True)]
        else:
            evidence.cosines = cosines
        evidence.keyword |= bool(row["kw"])
        evidence.identifier |= bool(row["ident"])
        if max(cosines) > evidence.best_cosine:
            evidence.best_cosine, evidence.best_chunk = max(cosines), row
    return found


def _hit(article_id: str, evidence: Evidence) -> KBHit:
    best = evidence.best_chunk
    return KBHit(
        article_id=article_id,
        title=best["title"],
        snippet=best["content"],
        score=round(max(0.0, evidence.best_cosine), 4),
        category=best["category"],
        source=best["source"],
        chunk_id=best["chunk_id"],
    )


async def hybrid_search(
    kb: KnowledgeBase, query: str, *, tenant: str, k: int, category: str | None = None
) -> list[KBHit]:
    """The top ``k`` articles for ``query`` within ``tenant`` (and ``category`` if given)."""
    query = query.strip()
    if not query or k <= 0:
        return []
    plan = plan_queries(query)
    vectors = await embed_queries(kb.embeddings, [sub.text for sub in plan if sub.dense])
    found = await candidates(kb, plan, vectors, tenant=tenant, category=category, fetch=max(4 * k, 20))
    if not found:
        return []
    evidence = await gather_evidence(kb, plan, vectors, tenant=tenant, article_ids=found)
    top = sorted(evidence, key=lambda article_id: (-evidence[article_id].rank_score(), article_id))[:k]
    return [_hit(article_id, evidence[article_id]) for article_id in top]
