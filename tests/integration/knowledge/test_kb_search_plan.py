"""The search statement's plan: each sub-query reads the HNSW and GIN indexes with a bounded LIMIT, even prepared."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bench.kb_corpus import synthetic_articles, synthetic_questions
from knowledge.query_plan import message_words, plan_queries
from knowledge.search import _literal, embed_queries, per_query_budget
from knowledge.search_sql import candidates_statement
from knowledge.store import KnowledgeBase
from knowledge.writer import write_articles

pytestmark = pytest.mark.integration
COPIES = 40


def nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """Every node of an EXPLAIN (FORMAT JSON) plan tree."""
    found = [plan]
    for child in plan.get("Plans", []):
        found += nodes(child)
    return found


async def test_every_sub_query_is_an_index_scan_with_a_bounded_limit(kb: KnowledgeBase) -> None:
    await write_articles(kb, synthetic_articles(200), tenant="acme")
    # The planner scans a few hundred rows exactly; the indexes matter at production sizes. Copies of the real
    # chunks under other article ids, with slightly moved vectors, make the table that large without embedding.
    pool = await kb.pool()
    async with pool.connection() as conn:
        await conn.execute(
            f"""INSERT INTO "{kb.table}" (langchain_id, content, embedding, content_tsv, article_id, tenant, category,
                title, source, chunk_index)
            SELECT gen_random_uuid(), content,
                (SELECT array_agg(x + (random() - 0.5) * 0.02) FROM unnest(embedding::real[]) x)::vector,
                content_tsv, article_id || '-' || copy, tenant, category, title, source, chunk_index
            FROM "{kb.table}", generate_series(1, {COPIES}) copy""".encode()
        )
        await conn.execute(f'ANALYZE "{kb.table}"'.encode())
    message = " ".join(f"{question}." for question in synthetic_questions(12, seed=5))
    plan = plan_queries(message)
    assert len(plan) > 5
    vectors = await embed_queries(kb.embeddings, [sub.text for sub in plan if sub.dense])
    dense = iter(vectors)
    params = {
        "vectors": [_literal(next(dense)) if sub.dense else None for sub in plan],
        "texts": [sub.text for sub in plan],
        "tenant": "acme",
        "category": None,
        "fetch": per_query_budget(plan, 10),
        "message": message_words(message),
    }
    sql = candidates_statement(kb, category=False)
    # psycopg prepares a statement after five runs; a generic plan of it would not use the vector index
    for _ in range(7):
        await kb.fetch_search(sql, params)
    [row] = await kb.fetch_search("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
    explained = next(iter(row.values()))
    tree = (json.loads(explained) if isinstance(explained, str) else explained)[0]["Plan"]
    scans = {(node["Node Type"], node.get("Index Name")) for node in nodes(tree)}
    assert ("Index Scan", f"{kb.table}_hnsw") in scans, scans
    assert ("Bitmap Index Scan", kb.hybrid.index_name) in scans, scans
    assert not any(node["Node Type"] == "Seq Scan" and node.get("Relation Name") == kb.table for node in nodes(tree))
    limits = [node for node in nodes(tree) if node["Node Type"] == "Limit"]
    assert limits and all(node["Actual Rows"] <= params["fetch"] for node in limits)
    assert per_query_budget(plan, 10) * len(plan) <= max(160, 10 * len(plan))  # a shared budget, not per query
