"""Cross-lingual retrieval eval: recall@5 per query language through the production search, on a temporary collection.

Queries are ``{"query", "relevant_ids", "language"?}`` (no language = English): the dev queries and their machine
translations. Every query goes through ``KnowledgeBase.search`` as a customer's would (the language is detected).
English queries are also run through the e5 path, for the calibration fit (MiniLM's score of an article against
e5's similarity, same query) and for the e5 path's own English recall. Prints recall@5 per language, the lowest
ratio to English, e5 search latency p50/p95 (ms), the fitted calibration and n as the last stdout line.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import typer

from evals.jsonl import emit_metrics, progress, read_jsonl
from evals.retrieval import EVAL_TENANT, load_docs
from knowledge import multilingual
from knowledge.records import Article
from knowledge.store import KnowledgeBase

K = 5


def recall(ranked: Sequence[str], relevant: Sequence[str], k: int = K) -> float:
    """Share of the relevant articles among the first ``k``."""
    return len(set(relevant) & set(ranked[:k])) / len(set(relevant))


async def evaluate_crosslingual(url: str, docs: Sequence[Article], queries: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Build a throw-away collection with both vectors, run ``queries``, drop it, return the metrics."""
    from knowledge.writer import write_articles

    kb = KnowledgeBase.from_conn_string(url, collection=f"eval_{uuid.uuid4().hex[:10]}")
    by_language: dict[str, list[float]] = defaultdict(list)
    xl_english: list[float] = []
    latencies: list[float] = []
    pairs: tuple[list[float], list[float]] = ([], [])
    try:
        started = time.perf_counter()
        written = await write_articles(kb, docs, tenant=EVAL_TENANT)
        await multilingual.backfill(kb, tenant=EVAL_TENANT)
        progress(
            f"indexed {len(docs)} docs as {written.chunks} chunks (two vectors) {time.perf_counter() - started:.1f}s"
        )
        await multilingual.rank_by_xl(kb, "warm-up", tenant=EVAL_TENANT, k=K)
        for row in queries:
            language = str(row.get("language") or multilingual.SOURCE_LANGUAGE)
            hits = await kb.search(str(row["query"]), tenant=EVAL_TENANT, k=K)
            by_language[language].append(recall([hit.article_id for hit in hits], row["relevant_ids"]))
            if language != multilingual.SOURCE_LANGUAGE:
                continue
            started = time.perf_counter()
            ranked = await multilingual.rank_by_xl(kb, str(row["query"]), tenant=EVAL_TENANT, k=K)
            latencies.append((time.perf_counter() - started) * 1000)
            xl_english.append(recall([article_id for article_id, _ in ranked], row["relevant_ids"]))
            similarity = {article_id: evidence.best_cosine for article_id, evidence in ranked}
            for hit in hits:
                if hit.article_id in similarity:
                    pairs[0].append(similarity[hit.article_id])
                    pairs[1].append(hit.score)
    finally:
        await kb.drop()
        await kb.close()
    figures = {
        f"recall@{K}_{language}": round(float(np.mean(values)), 4) for language, values in sorted(by_language.items())
    }
    english = figures.get(f"recall@{K}_{multilingual.SOURCE_LANGUAGE}")
    others = [value for name, value in figures.items() if not name.endswith(f"_{multilingual.SOURCE_LANGUAGE}")]
    metrics: dict[str, Any] = dict(figures)
    metrics["min_ratio_to_english"] = round(min(others) / english, 4) if english and others else None
    metrics[f"xl_recall@{K}_en"] = round(float(np.mean(xl_english)), 4) if xl_english else None
    if latencies:
        metrics.update(
            xl_p50_ms=round(float(np.percentile(latencies, 50)), 1),
            xl_p95_ms=round(float(np.percentile(latencies, 95)), 1),
        )
    if len(pairs[0]) >= 10:
        fit = multilingual.fit_calibration(*pairs)
        metrics["calibration"] = {"slope": fit.slope, "intercept": fit.intercept, "pairs": len(pairs[0])}
    metrics["n"] = sum(len(values) for values in by_language.values())
    return metrics


def main(
    docs: Path = typer.Option(..., "--docs", help='JSONL of {"id", "title", "text"}, or a folder of documents.'),  # noqa: B008
    queries: list[Path] = typer.Option(..., "--queries", help='JSONL of {"query", "relevant_ids", "language"?}.'),  # noqa: B008
    limit: int = typer.Option(0, "--limit", min=0, help="Use only the first N queries of each file (0 = all)."),
) -> None:
    """Cross-lingual retrieval eval: recall@5 per query language, ratio to English, e5 latency and calibration.

    ``--queries`` may be given several times (the English dev queries and each translation).
    """
    from db.pool import close_pools
    from knowledge.ingest import resolve_database_url

    articles = load_docs(docs)
    rows = [row for path in queries for row in read_jsonl(path, required=("query", "relevant_ids"))[: limit or None]]

    async def run() -> dict[str, Any]:
        try:
            return await evaluate_crosslingual(resolve_database_url(), articles, rows)
        finally:
            await close_pools()

    emit_metrics(asyncio.run(run()))
