"""Knowledge-base tables beside PGVectorStore's chunk tables: collections and the article registry.

A collection row keeps the embedding spec it was built with; the registry keeps one row per article
(content hash for idempotent re-ingest, source for ``--sync``).
"""

from __future__ import annotations

from db.migrations import Migration

MIGRATIONS: list[Migration] = [
    Migration(
        id="knowledge_0001_collections_and_articles",
        sql="""
CREATE TABLE IF NOT EXISTS kb_collections (
    name text PRIMARY KEY,
    embedding_model text NOT NULL,
    dimension integer NOT NULL CHECK (dimension > 0),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS kb_articles (
    collection text NOT NULL REFERENCES kb_collections (name) ON DELETE CASCADE,
    tenant text NOT NULL,
    article_id text NOT NULL,
    title text NOT NULL,
    body text NOT NULL,
    category text NOT NULL,
    tags text[] NOT NULL DEFAULT '{}',
    source text NOT NULL,
    content_hash text NOT NULL,
    chunks integer NOT NULL,
    updated_at timestamptz,
    ingested_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (collection, tenant, article_id)
);
CREATE INDEX IF NOT EXISTS kb_articles_by_source ON kb_articles (collection, tenant, source);
CREATE INDEX IF NOT EXISTS kb_articles_by_category ON kb_articles (collection, tenant, category);
""",
    ),
    Migration(
        id="knowledge_0002_multilingual_vectors",
        # Chunk tables are PGVectorStore's, one per collection: existing ones get the column here, new ones when
        # the knowledge base sets itself up (knowledge.multilingual.ensure_column). Rows are filled by a backfill.
        sql="""
DO $$
DECLARE chunk_table text;
BEGIN
  FOR chunk_table IN SELECT name || '_chunks' FROM kb_collections
                     WHERE to_regclass(quote_ident(name || '_chunks')) IS NOT NULL
  LOOP
    EXECUTE format('ALTER TABLE %I ADD COLUMN IF NOT EXISTS embedding_xl vector(384)', chunk_table);
  END LOOP;
END $$;
""",
    ),
]
