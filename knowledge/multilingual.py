"""Cross-lingual KB search: a question in another language than the (English) articles is searched with e5 vectors.

all-MiniLM-L6-v2 is English-only: "¿Cómo restablezco mi contraseña?" scores about 0.2 against the article that
answers it, below the answer threshold. Every chunk therefore also gets a multilingual-e5-small vector in the
``embedding_xl`` column (``knowledge.e5_encoder``). A query detected as not English is ranked by that vector, and
its cosine mapped to the MiniLM scale (e5's cosines crowd into 0.75-0.95) so that the confidence threshold and the
answer rules keep their meaning. English queries take the hybrid search unchanged.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from knowledge.chunking import chunk_embed_text
from knowledge.query_plan import plan_queries
from knowledge.records import KBHit
from knowledge.search import Evidence
from knowledge.vector_cache import DiskVectors, Matrix, TextVectors

if TYPE_CHECKING:
    from knowledge.e5_encoder import E5Encoder
    from knowledge.store import KnowledgeBase

logger = logging.getLogger(__name__)

XL_COLUMN = "embedding_xl"
XL_DIMENSION = 384
SOURCE_LANGUAGE = "en"  # the language the articles are written in, and that MiniLM reads
BACKFILL_BATCH = 256


@dataclass(frozen=True, slots=True)
class Calibration:
    """score = slope * e5 cosine + intercept, clipped to [0, 1]: an e5 cosine on MiniLM's scale."""

    slope: float
    intercept: float

    def score(self, cosine: float) -> float:
        """The calibrated score of one cosine."""
        return min(1.0, max(0.0, self.slope * cosine + self.intercept))


CALIBRATION = Calibration(slope=5.141, intercept=-3.97)
"""Fitted by least squares on the StackFAQ dev set (1,249 English queries, 3,732 pairs): MiniLM's score of each
article in a query's top 5 against e5's similarity for the same query and article (`support-agent eval
crosslingual` prints the fit). 0.35, the low-confidence threshold, is an e5 similarity of 0.84."""


SENTENCE_CALIBRATION = Calibration(slope=5.839, intercept=-4.59)
"""The same for one KB sentence against a question (the offline composer's thresholds), fitted on StackFAQ
(40 English queries, the sentences of the relevant and two other documents): the line through the means with
the ratio of the spreads as slope, so that a share of sentences above a threshold stays the same; least squares
would shrink every score towards the mean (the correlation is about 0.7) and no sentence would reach 0.5."""


def enabled() -> bool:
    """Whether cross-lingual search and indexing are on (setting ``kb_multilingual``)."""
    from settings import get_settings

    return get_settings().kb_multilingual


@lru_cache(maxsize=1)
def xl_encoder() -> E5Encoder:
    """The process's e5 encoder (its ONNX graph is built once under the data directory)."""
    from knowledge.e5_encoder import E5Encoder
    from settings import get_settings

    return E5Encoder(get_settings().data_dir / "models")


@lru_cache(maxsize=1)
def _passage_cache() -> DiskVectors:
    from knowledge.e5_encoder import graph_path, packed_model_path
    from settings import get_settings

    model = graph_path(get_settings().kb_vector_cache_dir, packed_model_path()).stem
    return DiskVectors(get_settings().kb_vector_cache_dir / model / "passages")


def passage_vectors(texts: list[str]) -> Matrix:
    """e5 vectors of chunk texts; cached on disk, so the seed KB is encoded once per machine, not per database."""
    return _passage_cache().encode(lambda missing: xl_encoder().passages(missing), texts)  # no model load on hits


def query_language(query: str) -> str:
    """The query's language as the signals detect it (English when too short to tell)."""
    from signals.language import detect_language

    return detect_language(query, known_language=SOURCE_LANGUAGE)


def column_sql(table: str) -> str:
    """Add the e5 column and its HNSW index to a chunk table; safe to run again."""
    return (
        f'ALTER TABLE "{table}" ADD COLUMN IF NOT EXISTS {XL_COLUMN} vector({XL_DIMENSION});'
        f'ALTER TABLE "{table}" ALTER COLUMN {XL_COLUMN} SET STORAGE PLAIN;'
        f'CREATE INDEX IF NOT EXISTS "{table}_xl_hnsw" ON "{table}" USING hnsw ({XL_COLUMN} vector_cosine_ops)'
        " WITH (m = 16, ef_construction = 64);"
    )


async def ensure_column(kb: KnowledgeBase) -> None:
    """Give the collection's chunk table the e5 column (tables created after the migration get it here)."""
    pool = await kb.pool()
    async with pool.connection() as conn:
        await conn.execute(column_sql(kb.table).encode())


def _literal(vector: Any) -> str:
    return "[" + ",".join(repr(float(x)) for x in vector) + "]"


async def backfill(kb: KnowledgeBase, *, tenant: str | None = None) -> int:
    """Give every chunk without an e5 vector one (only ``tenant``'s if given); returns how many were filled."""
    await kb.vector_store()
    filled = 0
    where = f"{XL_COLUMN} IS NULL" + (" AND tenant = %(tenant)s" if tenant is not None else "")
    while True:
        rows = await kb.fetch_all(
            f'SELECT langchain_id, title, heading, content, chunk_index FROM "{kb.table}" WHERE {where}'
            " ORDER BY langchain_id LIMIT %(limit)s",
            {"tenant": tenant, "limit": BACKFILL_BATCH},
        )
        if not rows:
            return filled
        texts = [chunk_embed_text(r["title"], r["heading"] or "", r["content"], r["chunk_index"]) for r in rows]
        vectors = await asyncio.to_thread(passage_vectors, texts)
        pool = await kb.pool()
        async with pool.connection() as conn, conn.cursor() as cur:
            await cur.executemany(
                f'UPDATE "{kb.table}" SET {XL_COLUMN} = %s::vector WHERE langchain_id = %s',
                [(_literal(vector), row["langchain_id"]) for vector, row in zip(vectors, rows, strict=True)],
            )
        filled += len(rows)


def search_statement(kb: KnowledgeBase, *, category: bool) -> str:
    """Every chunk (with its e5 cosine) of the articles that own the ``fetch`` chunks nearest to the query vector."""
    where = "tenant = %(tenant)s" + (" AND category = %(category)s" if category else "")
    return f"""
WITH nearest AS (
  SELECT article_id FROM "{kb.table}" WHERE {where} AND {XL_COLUMN} IS NOT NULL
  ORDER BY {XL_COLUMN} <=> %(vector)s::vector LIMIT %(fetch)s)
SELECT c.article_id, c.langchain_id::text AS chunk_id, c.chunk_index, c.title, c.content, c.category, c.source,
  1 - (c.{XL_COLUMN} <=> %(vector)s::vector) AS cosine
FROM "{kb.table}" c
WHERE c.tenant = %(tenant)s AND c.{XL_COLUMN} IS NOT NULL AND c.article_id IN (SELECT article_id FROM nearest)"""


async def cross_lingual_search(
    kb: KnowledgeBase,
    query: str,
    *,
    tenant: str,
    k: int,
    category: str | None = None,
    language: str | None = None,
) -> list[KBHit] | None:
    """The top ``k`` articles by e5 similarity for a query not in English; None for English (or when off).

    ``language`` is the query's, detected when not given.
    """
    if not enabled():
        return None
    # lingua and the encoder load their models on first use: off the event loop
    if (language or await asyncio.to_thread(query_language, query)) == SOURCE_LANGUAGE:
        return None
    ranked = await rank_by_xl(kb, query, tenant=tenant, k=k, category=category)
    if not ranked:
        return None  # no e5 vectors yet (a backfill is pending): the English search is better than nothing
    return [_hit(article_id, evidence) for article_id, evidence in ranked]


async def rank_by_xl(
    kb: KnowledgeBase, query: str, *, tenant: str, k: int, category: str | None = None
) -> list[tuple[str, Evidence]]:
    """The top ``k`` articles with their e5 evidence (``best_cosine`` is the uncalibrated similarity).

    An article's similarity to a (sentence of the) query is
    the mean of its best chunk's cosine and its title's: e5-small alone ranks an article that mentions passwords in
    passing over the one titled "Reset your password" for "Comment réinitialiser mon mot de passe ?". As in the
    English search, the whole message and each of its sentences are matched and an article ranks by a soft
    maximum over them.
    """
    texts = list(dict.fromkeys([query, *(sub.text for sub in plan_queries(query) if sub.dense)]))
    vectors = await asyncio.to_thread(lambda: xl_encoder().queries(texts))
    statement = search_statement(kb, category=bool(category))
    found: dict[str, Evidence] = {}
    for index, vector in enumerate(vectors):
        params = {"vector": _literal(vector), "tenant": tenant, "category": category, "fetch": max(8 * k, 40)}
        best: dict[str, dict[str, Any]] = {}
        title: dict[str, float] = {}
        for row in await kb.fetch_search(statement, params):
            article_id, cosine = row["article_id"], float(row["cosine"])
            if row["chunk_index"] == 0:
                title[article_id] = cosine
            if article_id not in best or cosine > float(best[article_id]["cosine"]):
                best[article_id] = row
        for article_id, row in best.items():
            similarity = (float(row["cosine"]) + title.get(article_id, float(row["cosine"]))) / 2
            evidence = found.setdefault(article_id, Evidence(cosines=[-1.0] * len(vectors)))
            evidence.cosines[index] = similarity
            if similarity > evidence.best_cosine:
                evidence.best_cosine, evidence.best_chunk = similarity, row
    ranked = sorted(found, key=lambda article_id: (-found[article_id].rank_score(), article_id))[:k]
    return [(article_id, found[article_id]) for article_id in ranked]


def _hit(article_id: str, evidence: Evidence) -> KBHit:
    row = evidence.best_chunk
    return KBHit(
        article_id=article_id,
        title=row["title"],
        snippet=row["content"],
        score=round(CALIBRATION.score(evidence.best_cosine), 4),
        category=row["category"],
        source=row["source"],
        chunk_id=row["chunk_id"],
    )


@lru_cache(maxsize=1)
def _sentence_cache() -> TextVectors:
    return TextVectors(max_texts=20_000)


def sentence_scores(question: str, sentences: list[str], *, article_score: float) -> Matrix:
    """Scores on MiniLM's scale of an article's sentences against a question in another language.

    For the offline answer composer, whose thresholds are MiniLM cosines: MiniLM cannot tell which English sentence
    answers a Spanish question. e5 can rank the sentences, but its cosine across languages runs below its cosine
    within English by an amount that only translated data could fit. So the best sentence gets the article's
    (calibrated) retrieval score, and the others fall below it by their e5 distance to it, scaled by the sentence
    calibration's slope. Sentences are cached in memory: the same articles come back turn after turn.
    """
    if not sentences:
        return np.zeros(0, dtype=np.float32)
    encoder = xl_encoder()
    vectors = _sentence_cache().encode(encoder.passages, sentences)
    cosines = vectors @ encoder.queries([question])[0]
    below = SENTENCE_CALIBRATION.slope * (cosines.max() - cosines)
    scores: Matrix = np.clip(article_score - below, 0.0, 1.0).astype(np.float32)
    return scores


def fit_calibration(xl_cosines: list[float], minilm_scores: list[float]) -> Calibration:
    """Least-squares line from e5 cosines to MiniLM scores of the same (query, article) pairs."""
    slope, intercept = np.polyfit(np.asarray(xl_cosines), np.asarray(minilm_scores), 1)
    return Calibration(slope=round(float(slope), 3), intercept=round(float(intercept), 3))
