"""Read and delete articles of a knowledge base by id: listing with paging, one article, stats."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from knowledge.records import Article, ArticleSummary
from knowledge.store import KnowledgeBase

_SUMMARY_COLUMNS = "article_id, title, category, tags, source, content_hash, chunks, updated_at, ingested_at"


def _summary(row: dict[str, Any]) -> ArticleSummary:
    return ArticleSummary(**{key: row[key] for key in _SUMMARY_COLUMNS.split(", ")})


async def list_articles(
    kb: KnowledgeBase, *, tenant: str, offset: int = 0, limit: int = 50, category: str | None = None
) -> tuple[list[ArticleSummary], int]:
    """One page of ``tenant``'s articles ordered by id, and the total count."""
    await kb.vector_store()
    where = "collection = %s AND tenant = %s" + (" AND category = %s" if category else "")
    params: tuple[object, ...] = (kb.collection, tenant) + ((category,) if category else ())
    total_row = await kb.fetch_one(f"SELECT count(*) AS n FROM kb_articles WHERE {where}", params)
    rows = await kb.fetch_all(
        f"SELECT {_SUMMARY_COLUMNS} FROM kb_articles WHERE {where} ORDER BY article_id LIMIT %s OFFSET %s",
        (*params, limit, offset),
    )
    return [_summary(row) for row in rows], int(total_row["n"]) if total_row else 0


async def get_article(kb: KnowledgeBase, article_id: str, *, tenant: str) -> Article | None:
    """The stored article, or None when ``tenant`` has no such article."""
    await kb.vector_store()
    row = await kb.fetch_one(
        "SELECT article_id, title, body, category, tags, source, updated_at FROM kb_articles"
        " WHERE collection = %s AND tenant = %s AND article_id = %s",
        (kb.collection, tenant, article_id),
    )
    return Article(**row) if row else None


async def delete_articles(kb: KnowledgeBase, article_ids: Sequence[str], *, tenant: str) -> int:
    """Delete articles (chunks and registry rows) of ``tenant``; returns how many existed."""
    if not article_ids:
        return 0
    await kb.vector_store()
    pool = await kb.pool()
    async with pool.connection() as conn, conn.transaction():
        await conn.execute(
            f'DELETE FROM "{kb.table}" WHERE tenant = %s AND article_id = ANY(%s)', (tenant, list(article_ids))
        )
        cur = await conn.execute(
            "DELETE FROM kb_articles WHERE collection = %s AND tenant = %s AND article_id = ANY(%s)",
            (kb.collection, tenant, list(article_ids)),
        )
        return cur.rowcount


async def articles_by_source(kb: KnowledgeBase, *, tenant: str) -> dict[str, str]:
    """article_id -> source for every article of ``tenant`` (used by ``ingest --sync``)."""
    await kb.vector_store()
    rows = await kb.fetch_all(
        "SELECT article_id, source FROM kb_articles WHERE collection = %s AND tenant = %s", (kb.collection, tenant)
    )
    return {row["article_id"]: row["source"] for row in rows}


async def stats(kb: KnowledgeBase, *, tenant: str) -> dict[str, Any]:
    """Article and chunk counts (total and per category), last ingestion time, embedding model."""
    await kb.vector_store()
    rows = await kb.fetch_all(
        "SELECT category, count(*) AS articles, sum(chunks) AS chunks, max(ingested_at) AS last"
        " FROM kb_articles WHERE collection = %s AND tenant = %s GROUP BY category ORDER BY category",
        (kb.collection, tenant),
    )
    last = max((row["last"] for row in rows), default=None)
    return {
        "collection": kb.collection,
        "tenant": tenant,
        "embedding_model": kb.spec.model if kb.spec else None,
        "dimension": kb.spec.dimension if kb.spec else None,
        "articles": sum(int(row["articles"]) for row in rows),
        "chunks": sum(int(row["chunks"]) for row in rows),
        "categories": {row["category"]: int(row["articles"]) for row in rows},
        "last_ingested_at": last.isoformat() if last else None,
    }
