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
]
