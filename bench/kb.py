"""Knowledge-base benchmark: ingestion throughput vs raw embedding, hybrid search latency, HNSW recall vs exact.

Run with `support-agent bench kb [--chunks 50000]`. It builds a temporary collection of synthetic help
articles (deterministic, no download), prints one line per measurement, then one JSON object.

To iterate on search without a long re-ingest, name a persistent collection: `--collection bench_kb_50k`
builds it once and keeps it; later runs find every article unchanged (ingest is idempotent by content
hash) and go straight to the search measurements. `--reingest` rebuilds it to measure ingest again.
"""

from __future__ import annotations

import asyncio
import json
import os
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
from knowledge.writer import existing_hashes, write_articles

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
    """Milliseconds per ``kb.search`` (query embedding included), one query at a time, after a warm-up."""
    # Warm up on other questions as many as are timed: a server has its knowledge base in memory, while
    # a reused collection after a Postgres restart starts cold (its HNSW pages are read on first touch).
    for question in synthetic_questions(len(questions), seed=99):
        await kb.search(question, tenant=TENANT, k=5)
    latencies = []
    for question in questions:
        started = time.perf_counter()
        await kb.search(question, tenant=TENANT, k=5)
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


SWEEP_LENGTHS = (100, 1_000, 8_000)
"""Message lengths of the sweep; 8,000 characters is the message limit."""


def questions_of_length(questions: list[str], length: int, count: int) -> list[str]:
    """``count`` distinct messages of ``length`` characters, each several questions joined (a rambling message)."""
    built = []
    for start in range(count):
        parts: list[str] = []
        index = start
        while sum(len(part) + 1 for part in parts) < length:
            parts.append(questions[index % len(questions)])
            index += 7
        built.append(" ".join(parts)[:length])
    return built


async def length_sweep(kb: KnowledgeBase, questions: list[str], count: int) -> dict[str, dict[str, float]]:
    """Search p50/p95 at each sweep length: the latency must not depend on how long a message is."""
    result = {}
    for length in SWEEP_LENGTHS:
        latencies = await search_latencies(kb, questions_of_length(questions, length, count))
        p50, p95 = float(np.percentile(latencies, 50)), float(np.percentile(latencies, 95))
        print(f"length {length:>5} chars: search p50 {p50:.1f} ms, p95 {p95:.1f} ms over {count} messages")
        result[str(length)] = {"p50_ms": round(p50, 2), "p95_ms": round(p95, 2)}
    return result


async def hnsw_recall(kb: KnowledgeBase, questions: list[str], k: int = 10) -> tuple[float, bool]:
    """Mean overlap of the HNSW top-k chunks with the exact top-k (same filter, index scans off).

    The approximate side runs on the store's engine, with the HNSW settings search uses. Also says
    whether the planner used the HNSW index at all (on small tables it scans exactly).
    """
    vectors = get_local_embeddings().encode(questions)
    pool = await kb.pool()
    sql = f'SELECT langchain_id FROM "{kb.table}" WHERE tenant = %(tenant)s'
    sql += f" ORDER BY embedding <=> %(v)s::vector LIMIT {k}"
    plan = await kb.fetch_search("EXPLAIN " + sql, {"tenant": TENANT, "v": _literal(vectors[0])})
    used_index = any(f"{kb.table}_hnsw" in str(next(iter(row.values()))) for row in plan)
    overlaps: list[float] = []
    async with pool.connection() as conn, conn.cursor(row_factory=tuple_row) as cur:
        for vector in vectors:
            params = {"tenant": TENANT, "v": _literal(vector)}
            approximate = {row["langchain_id"] for row in await kb.fetch_search(sql, params)}
            async with conn.transaction():
                await cur.execute(b"SET LOCAL enable_indexscan = off")
                await cur.execute(sql.encode(), params)
                exact = {row[0] for row in await cur.fetchall()}
            overlaps.append(len(approximate & exact) / k)
    return float(np.mean(overlaps)), used_index


def _literal(vector: np.ndarray[Any, Any]) -> str:
    return "[" + ",".join(map(repr, vector.tolist())) + "]"


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} CPUs"


async def _ingest(kb: KnowledgeBase, chunks: int, raw_sample: int) -> dict[str, Any]:
    """Write the corpus, timed against the raw embedding rate, unless the collection already holds it."""
    articles = synthetic_articles(chunks)
    stored = await existing_hashes(kb, TENANT)
    if all(stored.get(article.article_id) == article.content_hash for article in articles):
        print(f"ingest: skipped, collection {kb.collection!r} already holds the {len(articles)} articles")
        return {"ingested_chunks": 0}
    texts = [chunk.embed_text for article in articles for chunk in chunk_article(article)]
    print(f"corpus: {len(articles)} articles, {len(texts)} chunks")
    raw = raw_embedding_rate(texts, raw_sample)
    print(f"raw embedding: {raw:.0f} chunks/s (sample of {min(raw_sample, len(texts))})")
    started = time.perf_counter()
    written = await write_articles(kb, articles, tenant=TENANT)
    rate = written.chunks / (time.perf_counter() - started)
    print(f"ingest: {written.chunks} chunks = {rate:.0f} chunks/s ({rate / raw:.0%} of raw)")
    return {
        "ingested_chunks": written.chunks,
        "ingest_chunks_per_s": round(rate, 1),
        "raw_embed_chunks_per_s": round(raw, 1),
        "ingest_vs_raw": round(rate / raw, 3),
    }


async def run(
    url: str, chunks: int, queries: int, raw_sample: int, *, collection: str | None, reingest: bool, keep: bool
) -> dict[str, Any]:
    """All measurements on ``collection`` (kept) or a throw-away collection at ``url``."""
    print(_load())
    kb = KnowledgeBase.from_conn_string(url, collection=collection or f"bench_{uuid.uuid4().hex[:8]}")
    try:
        if collection and reingest:
            await kb.drop()
            await kb.close()
        await kb.setup()
        result = await _ingest(kb, chunks, raw_sample)
        stored = await kb.fetch_one(f'SELECT count(*) AS n FROM "{kb.table}" WHERE tenant = %s', (TENANT,))
        result["chunks"] = int(stored["n"]) if stored else 0
        print(f"collection {kb.collection!r}: {result['chunks']} chunks")
        questions = synthetic_questions(queries)
        latencies = await search_latencies(kb, questions)
        p50, p95 = np.percentile(latencies, 50), np.percentile(latencies, 95)
        print(f"hybrid search: p50 {p50:.1f} ms, p95 {p95:.1f} ms over {len(latencies)} queries")
        sweep = await length_sweep(kb, questions, min(queries, 50))
        recall, used_index = await hnsw_recall(kb, questions[:100])
        print(f"HNSW recall@10 vs exact: {recall:.3f} (planner used the HNSW index: {used_index})")
        print(_load())
    finally:
        if not (collection or keep):
            await kb.drop()
        await kb.close()
    return result | {
        "search_p50_ms": round(float(p50), 2),
        "search_p95_ms": round(float(p95), 2),
        "hnsw_recall_at_10": round(recall, 4),
        "hnsw_index_used": used_index,
        "search_by_length": sweep,
        "load_1min": round(os.getloadavg()[0], 2),
    }


def main(
    chunks: int = typer.Option(50_000, "--chunks", min=100, help="Chunks to ingest."),
    queries: int = typer.Option(300, "--queries", min=10, help="Search queries to time."),
    raw_sample: int = typer.Option(5_000, "--raw-sample", min=100, help="Texts for the raw embedding rate."),
    keep: bool = typer.Option(False, "--keep", help="Keep the throw-away benchmark collection afterwards."),
    collection: str | None = typer.Option(
        None, "--collection", help="A persistent collection: built on first use, reused (not re-ingested) later."
    ),
    reingest: bool = typer.Option(False, "--reingest", help="With --collection: rebuild it to measure ingest."),
) -> None:
    """Benchmark the knowledge base: ingest rate vs raw embedding, hybrid search p50/p95, HNSW recall@10."""
    from db.pool import close_pools
    from knowledge.ingest import resolve_database_url

    async def go() -> dict[str, Any]:
        try:
            return await run(
                resolve_database_url(), chunks, queries, raw_sample, collection=collection, reingest=reingest, keep=keep
            )
        finally:
            await close_pools()

    print(json.dumps(asyncio.run(go()), sort_keys=True))
