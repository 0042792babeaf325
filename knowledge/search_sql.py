"""The search statements: bounded per-sub-query candidates from each index, then the shown chunks' details.

One CTE per retriever, each a LATERAL top-``fetch`` per sub-query that the planner runs as an index scan (HNSW for
a vector column, GIN for the tsvector), so the work grows with the candidate budget, not with the collection or
the message. Their rows share one shape, ``(i, langchain_id, article_id, cosine)`` (``cosine`` NULL for keyword
rows), and `found` is their union: another vector column adds one `dense_cte` and one ``UNION ALL``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from knowledge.store import KnowledgeBase


def _where(category: bool) -> str:
    return "tenant = %(tenant)s" + (" AND category = %(category)s" if category else "")


def dense_cte(kb: KnowledgeBase, *, name: str, column: str, vector: str, category: bool) -> str:
    """Top ``fetch`` chunks by cosine distance on ``column`` for each sub-query with a ``vector`` (an HNSW scan)."""
    return f"""{name} AS (
  SELECT q.i, d.langchain_id, d.article_id, 1 - d.distance AS cosine
  FROM q CROSS JOIN LATERAL (
    SELECT langchain_id, article_id, {column} <=> q.{vector} AS distance FROM "{kb.table}"
    WHERE {_where(category)} ORDER BY {column} <=> q.{vector} LIMIT %(fetch)s) d
  WHERE q.{vector} IS NOT NULL)"""


def keyword_cte(kb: KnowledgeBase, *, category: bool) -> str:
    """Top ``fetch`` chunks containing every word of each sub-query, by ``ts_rank_cd`` (a GIN scan)."""
    tsv, tsquery = kb.hybrid.tsv_column, f"plainto_tsquery('{kb.hybrid.tsv_lang}', q.t)"
    return f"""keyword AS (
  SELECT q.i, s.langchain_id, s.article_id, NULL::float8 AS cosine
  FROM q CROSS JOIN LATERAL (
    SELECT langchain_id, article_id FROM "{kb.table}"
    WHERE {tsv} @@ {tsquery} AND {_where(category)} ORDER BY ts_rank_cd({tsv}, {tsquery}) DESC LIMIT %(fetch)s) s)"""


def candidates_statement(kb: KnowledgeBase, *, category: bool) -> str:
    """Candidate chunks of every sub-query, each with the message's words it contains; row ``i = 0`` is the message.

    Rows: ``i`` (the sub-query, 1-based), ``chunk_id``, ``article_id``, ``cosine`` (NULL: a keyword match),
    ``lexemes``. The message's own lexemes come as the row with ``i = 0``.
    """
    tsv, lang = kb.hybrid.tsv_column, kb.hybrid.tsv_lang
    ctes = [
        "q AS (SELECT v, t, i FROM unnest(%(vectors)s::text[]::vector[], %(texts)s::text[])"
        " WITH ORDINALITY AS q(v, t, i))",
        dense_cte(kb, name="dense", column="embedding", vector="v", category=category),
        keyword_cte(kb, category=category),
        "found AS (SELECT * FROM dense UNION ALL SELECT * FROM keyword)",
        f"m AS (SELECT tsvector_to_array(to_tsvector('{lang}', %(message)s)) AS lex)",
        # The chunk's words less those not in the message: an intersection in two C calls, no set operation.
        f"""words AS (
  SELECT c.langchain_id, tsvector_to_array(ts_delete(c.{tsv}, tsvector_to_array(ts_delete(c.{tsv}, m.lex))))
    AS lexemes
  FROM "{kb.table}" c CROSS JOIN m WHERE c.langchain_id IN (SELECT DISTINCT langchain_id FROM found))""",
    ]
    return f"""WITH {",\n".join(ctes)}
SELECT f.i, f.langchain_id::text AS chunk_id, f.article_id, f.cosine, w.lexemes
FROM found f JOIN words w USING (langchain_id)
UNION ALL SELECT 0, NULL, NULL, NULL, m.lex FROM m"""


def details_statement(kb: KnowledgeBase) -> str:
    """What a hit shows of its best chunk, by chunk id."""
    return f"""SELECT langchain_id::text AS chunk_id, article_id, title, content, category, source
FROM "{kb.table}" WHERE langchain_id = ANY(%(ids)s::text[]::uuid[])"""
