"""How each article is used: how often answers cited it, and how often those conversations then resolved.

Citations come from ``conversation_events.articles_cited`` and outcomes from ``conversation_outcomes``
(tables owned by the support room); a conversation counts as resolved when its resolution is
``confirmed`` or ``assumed``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from knowledge.store import KnowledgeBase

_USAGE_SQL = """
WITH cited AS (
    SELECT cited.article_id, e.thread_id, count(*) AS citations
    FROM conversation_events e CROSS JOIN LATERAL unnest(e.articles_cited) AS cited(article_id)
    WHERE e.tenant = %(tenant)s {only}
    GROUP BY cited.article_id, e.thread_id
)
SELECT c.article_id, a.title,
       sum(c.citations)::int AS citations,
       count(*)::int AS threads,
       (count(*) FILTER (WHERE o.resolution IN ('confirmed', 'assumed')))::int AS resolved_threads
FROM cited c
LEFT JOIN conversation_outcomes o ON o.thread_id = c.thread_id
LEFT JOIN kb_articles a ON a.collection = %(collection)s AND a.tenant = %(tenant)s AND a.article_id = c.article_id
GROUP BY c.article_id, a.title
ORDER BY threads DESC, c.article_id
LIMIT %(limit)s
"""


def _rate(row: dict[str, Any]) -> dict[str, Any]:
    threads = int(row["threads"])
    return {**row, "resolution_rate": round(row["resolved_threads"] / threads, 4) if threads else None}


async def article_usage(
    kb: KnowledgeBase, *, tenant: str, article_ids: Sequence[str] | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """Per cited article: citations, distinct threads citing it, how many of those resolved, and the rate."""
    await kb.vector_store()  # migrations (incl. the support room's tables) have run
    only = "AND cited.article_id = ANY(%(ids)s)" if article_ids is not None else ""
    rows = await kb.fetch_all(
        _USAGE_SQL.format(only=only),
        {"tenant": tenant, "collection": kb.collection, "ids": list(article_ids or []), "limit": limit},
    )
    return [_rate(row) for row in rows]


async def usage_of(kb: KnowledgeBase, article_id: str, *, tenant: str) -> dict[str, Any]:
    """Usage of one article (zeros when it was never cited)."""
    rows = await article_usage(kb, tenant=tenant, article_ids=[article_id], limit=1)
    if rows:
        return {key: rows[0][key] for key in ("citations", "threads", "resolved_threads", "resolution_rate")}
    return {"citations": 0, "threads": 0, "resolved_threads": 0, "resolution_rate": None}
