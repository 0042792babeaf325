"""Knowledge-base benchmark: ingestion throughput vs raw embedding, hybrid search latency, HNSW recall vs exact.

Run with `support-agent bench kb [--chunks 50000]`. It builds a temporary collection of synthetic help
articles (deterministic, no download), prints one line per measurement, then one JSON object.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from typing import Any

import numpy as np
import typer
from psycopg.rows import tuple_row

from bench.kb_corpus import synthetic_articles, synthetic_questions
from knowledge.chunking import chunk_article
from knowledge.embeddings import get_local_embeddings
from knowledge.store import KnowledgeBase
from knowledge.writer import write_articles

TENANT = "bench"


def raw_embedding_rate(texts: list[str], sample: int) -> float:
    """Texts per second of the bare model on an evenly spread sample of the texts the ingest embeds."""
    model = get_local_embeddings()
    step = max(1, len(texts) // sample)
    chosen = texts[::step][:sample]
    model.encode(chosen[:64])  # warm-up
    started = time.perf_counter()
    model.encode(chosen)
    return len(chosen) / (time.perf_counter() - started)


async def search_latencies(kb: KnowledgeBase, questions: list[str]) -> list[float]:
    """Milliseconds per ``kb.search`` (query embedding included), one query at a time."""
    await kb.search("warm-up question", tenant=TENANT, k=5)
    latencies = []
    for question in questions:
        started = time.perf_counter()
        await kb.search(question, tenant=TENANT, k=5)
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


async def hnsw_recall(kb: KnowledgeBase, questions: list[str], k: int = 10) -> tuple[float, bool]:
    """Mean overlap of the HNSW top-k chunks with the exact top-k (same filter, index scans off).

    Also says whether the planner used the HNSW index at all (on small tables it scans exactly).
    """
    vectors = get_local_embeddings().encode(questions)
    pool = await kb.pool()
    sql = (
        f'SELECT langchain_id FROM "{kb.table}" WHERE tenant = %s ORDER BY embedding <=> %s::vector LIMIT {k}'
    ).encode()
    overlaps: list[float] = []
    used_index = False
    async with pool.connection() as conn, conn.cursor(row_factory=tuple_row) as cur:
        for vector in vectors:
            literal = "[" + ",".join(map(repr, vector.tolist())) + "]"
            async with conn.transaction():
                await cur.execute(b"SET LOCAL hnsw.ef_search = 100")
                await cur.execute(b"SET LOCAL hnsw.iterative_scan = relaxed_order")
                if not overlaps:
                    await cur.execute(b"EXPLAIN " + sql, (TENANT, literal))
                    used_index = any(f"{kb.table}_hnsw" in str(row[0]) for row in await cur.fetchall())
                await cur.execute(sql, (TENANT, literal))
                approximate = {row[0] for row in await cur.fetchall()}
            async with conn.transaction():
                await cur.execute(b"SET LOCAL enable_indexscan = off")
                await cur.execute(sql, (TENANT, literal))
                exact = {row[0] for row in await cur.fetchall()}
            overlaps.append(len(approximate & exact) / k)
    return float(np.mean(overlaps)), used_index


async def run(url: str, chunks: int, queries: int, raw_sample: int, keep: bool) -> dict[str, Any]:
    """All measurements on a throw-away collection at ``url``."""
    articles = synthetic_articles(chunks)
    texts = [chunk.embed_text for article in articles for chunk in chunk_article(article)]
    print(f"corpus: {len(articles)} articles, {len(texts)} chunks")
    raw = raw_embedding_rate(texts, raw_sample)
    print(f"raw embedding: {raw:.0f} chunks/s (sample of {min(raw_sample, len(texts))})")
    kb = KnowledgeBase.from_conn_string(url, collection=f"bench_{uuid.uuid4().hex[:8]}")
    try:
        await kb.setup()
        started = time.perf_counter()
        written = await write_articles(kb, articles, tenant=TENANT)
        ingest_s = time.perf_counter() - started
        rate = written.chunks / ingest_s
        print(f"ingest: {written.chunks} chunks in {ingest_s:.1f}s = {rate:.0f} chunks/s ({rate / raw:.0%} of raw)")
        questions = synthetic_questions(queries)
        latencies = await search_latencies(kb, questions)
        p50, p95 = np.percentile(latencies, 50), np.percentile(latencies, 95)
        print(f"hybrid search: p50 {p50:.1f} ms, p95 {p95:.1f} ms over {len(latencies)} queries")
        recall, used_index = await hnsw_recall(kb, questions[:100])
        print(f"HNSW recall@10 vs exact: {recall:.3f} (planner used the HNSW index: {used_index})")
    finally:
        if not keep:
            await kb.drop()
        await kb.close()
    return {
        "chunks": written.chunks,
        "ingest_chunks_per_s": round(rate, 1),
        "raw_embed_chunks_per_s": round(raw, 1),
        "ingest_vs_raw": round(rate / raw, 3),
        "search_p50_ms": round(float(p50), 2),
        "search_p95_ms": round(float(p95), 2),
        "hnsw_recall_at_10": round(recall, 4),
        "hnsw_index_used": used_index,
    }


def main(
    chunks: int = typer.Option(50_000, "--chunks", min=100, help="Chunks to ingest."),
    queries: int = typer.Option(300, "--queries", min=10, help="Search queries to time."),
    raw_sample: int = typer.Option(5_000, "--raw-sample", min=100, help="Texts for the raw embedding rate."),
    keep: bool = typer.Option(False, "--keep", help="Keep the benchmark collection afterwards."),
) -> None:
    """Benchmark the knowledge base: ingest rate vs raw embedding, hybrid search p50/p95, HNSW recall@10."""
    from db.pool import close_pools
    from knowledge.ingest import resolve_database_url

    async def go() -> dict[str, Any]:
        try:
            return await run(resolve_database_url(), chunks, queries, raw_sample, keep)
        finally:
            await close_pools()

    print(json.dumps(asyncio.run(go()), sort_keys=True))
