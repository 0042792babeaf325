"""Whole knowledge-base articles by id, for the prompt (search returns the best chunk; answers need the steps)."""

from __future__ import annotations

from collections.abc import Sequence


async def fetch_article_bodies(tenant: str, article_ids: Sequence[str]) -> dict[str, str]:
    """Article id -> markdown body, for the ids ``tenant`` has (others are left out)."""
    from knowledge.catalog import get_article
    from knowledge.store import get_knowledge_base

    kb = get_knowledge_base()
    bodies: dict[str, str] = {}
    for article_id in article_ids:
        article = await get_article(kb, article_id, tenant=tenant)
        if article is not None:
            bodies[article_id] = article.body
    return bodies
