"""Retrieval eval: index the docs in a temporary collection, search each query through the production hybrid search.

Prints recall@1/5/10, MRR@10, nDCG@10, latency p50/p95 (ms) and n as the last stdout line.
"""

from __future__ import annotations

import asyncio
import math
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import typer

from evals.jsonl import emit_metrics, progress, read_jsonl
from knowledge.loaders import article_from_fields
from knowledge.records import Article
from knowledge.store import KnowledgeBase

EVAL_TENANT = "eval"


def docs_to_articles(rows: Sequence[dict[str, Any]]) -> list[Article]:
    """Eval docs ``{"id", "title", "text"}`` as plain-text articles."""
    return [
        article_from_fields(row, default_id=str(row["id"]), source=f"eval:{row['id']}", markdown=False) for row in rows
    ]


def score_ranking(ranked: Sequence[str], relevant: set[str], k: int) -> dict[str, float]:
    """recall@1/5/k, reciprocal rank within k and binary nDCG@k for one query."""
    hits = [article_id in relevant for article_id in ranked[:k]]
    dcg = sum(1.0 / math.log2(rank + 2) for rank, hit in enumerate(hits) if hit)
    ideal = sum(1.0 / math.log2(rank + 2) for rank in range(min(len(relevant), k)))
    first = next((rank for rank, hit in enumerate(hits) if hit), None)
    return {
        "recall@1": len(relevant & set(ranked[:1])) / len(relevant),
        "recall@5": len(relevant & set(ranked[:5])) / len(relevant),
        f"recall@{k}": len(relevant & set(ranked[:k])) / len(relevant),
        f"mrr@{k}": 1.0 / (first + 1) if first is not None else 0.0,
        f"ndcg@{k}": dcg / ideal if ideal else 0.0,
    }


def load_docs(path: Path) -> list[Article]:
    """Eval docs from a JSONL file, or a folder of documents read like ``support-agent ingest`` does."""
    if not path.is_dir():
        return docs_to_articles(read_jsonl(path, required=("id", "title", "text")))
    from knowledge.loaders import discover, load_file

    return [article for file in discover([path]) for article in load_file(file)]


async def evaluate_retrieval(
    url: str, docs: Sequence[Article], queries: Sequence[dict[str, Any]], *, k: int = 10
) -> dict[str, Any]:
    """Build a throw-away collection on ``url`` from ``docs``, run ``queries``, drop it, return the metrics."""
    kb = KnowledgeBase.from_conn_string(url, collection=f"eval_{uuid.uuid4().hex[:10]}")
    try:
        from knowledge.writer import write_articles

        started = time.perf_counter()
        written = await write_articles(kb, docs, tenant=EVAL_TENANT)
        progress(f"indexed {len(docs)} docs as {written.chunks} chunks in {time.perf_counter() - started:.1f}s")
        await kb.search("warm-up", tenant=EVAL_TENANT, k=k)
        per_query: list[dict[str, float]] = []
        latencies: list[float] = []
        for row in queries:
            started = time.perf_counter()
            hits = await kb.search(str(row["query"]), tenant=EVAL_TENANT, k=k)
            latencies.append((time.perf_counter() - started) * 1000)
            per_query.append(score_ranking([hit.article_id for hit in hits], set(row["relevant_ids"]), k))
    finally:
        await kb.drop()
        await kb.close()
    metrics: dict[str, Any] = {
        name: round(float(np.mean([scores[name] for scores in per_query])), 4) for name in per_query[0]
    }
    metrics.update(
        p50_ms=round(float(np.percentile(latencies, 50)), 1),
        p95_ms=round(float(np.percentile(latencies, 95)), 1),
        n=len(per_query),
    )
    return metrics


def main(
    docs: Path = typer.Option(..., "--docs", help='JSONL of {"id", "title", "text"}, or a folder of documents.'),  # noqa: B008
    queries: Path = typer.Option(..., "--queries", help='JSONL of {"query", "relevant_ids"}.'),  # noqa: B008
    k: int = typer.Option(10, "--k", min=1, help="Results per query (recall@k, mrr@k, ndcg@k)."),
) -> None:
    """Retrieval eval: recall@1/5/k, MRR, nDCG and latency of the hybrid KB search on a docs/queries set."""
    from db.pool import close_pools
    from knowledge.ingest import resolve_database_url

    articles = load_docs(docs)
    query_rows = read_jsonl(queries, required=("query", "relevant_ids"))

    async def run() -> dict[str, Any]:
        try:
            return await evaluate_retrieval(resolve_database_url(), articles, query_rows, k=k)
        finally:
            await close_pools()

    emit_metrics(asyncio.run(run()))
