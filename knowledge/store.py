"""The knowledge base: a PGVectorStore collection (HNSW + tsvector, hybrid search) with its article registry."""

from __future__ import annotations

import asyncio
import re
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from langchain_core.embeddings import Embeddings
from langchain_postgres import Column, PGEngine, PGVectorStore
from langchain_postgres.v2.hybrid_search_config import HybridSearchConfig, reciprocal_rank_fusion
from langchain_postgres.v2.indexes import HNSWIndex
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from db.pool import get_pool
from knowledge.embeddings import EmbeddingSpec, embedding_spec, get_embeddings
from knowledge.records import KBHit

TSV_LANG = "pg_catalog.english"
_COLLECTION_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,40}$")
_LOCK_KEY = 0x4B_42_5E  # serialises chunk-table creation across processes
METADATA_COLUMNS = ["article_id", "tenant", "category", "title", "source", "chunk_index", "heading"]


class EmbeddingSpecMismatch(RuntimeError):
    """The collection was built with another embedding model or dimension than the one configured."""

    def __init__(self, collection: str, stored: EmbeddingSpec, configured: EmbeddingSpec) -> None:
        super().__init__(
            f"knowledge base collection {collection!r} was built with {stored.model} ({stored.dimension}-d vectors) "
            f"but the configured embeddings are {configured.model} ({configured.dimension}-d); vectors from "
            f"different models are not comparable. Set EMBEDDINGS_MODEL={stored.model}, or ingest into a new "
            f"collection (KB_COLLECTION) with the new model."
        )
        self.stored = stored
        self.configured = configured


# HNSW search settings for every connection of the store's engine, sent as libpq startup options.
# The library would otherwise wrap each vector query in BEGIN, one SET LOCAL per option, and ROLLBACK:
# four extra round trips per query, which cost more than the query itself on a busy machine.
# ef_search 100 keeps HNSW recall@10 >= 0.95; the iterative scan makes a tenant/category filter still yield k rows.
# psycopg prepares a statement after a few runs, and Postgres may then switch to a generic plan, which cannot see
# the query vector or the LIMIT and scans the table instead of the HNSW index: custom plans only.
HNSW_SESSION_OPTIONS = "-c hnsw.ef_search=100 -c hnsw.iterative_scan=relaxed_order -c plan_cache_mode=force_custom_plan"


def sqlalchemy_url(url: str) -> str:
    """The libpq URL (unix-socket ``?host=`` included) for SQLAlchemy's async psycopg driver."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in ("postgres", "postgresql", "postgresql+psycopg"):
        raise ValueError(f"not a postgres URL: {url.split('@')[-1]!r}")
    return f"postgresql+psycopg://{rest}"


class KnowledgeBase:
    """One collection of articles, per tenant; build with `from_conn_string`, then `await setup()`.

    An instance belongs to the event loop it is first used in (its connection pools do).
    """

    def __init__(self, url: str, *, embeddings: Embeddings, collection: str) -> None:
        if not _COLLECTION_NAME.match(collection):
            raise ValueError(f"collection name {collection!r} must match {_COLLECTION_NAME.pattern}")
        self.url = url
        self.embeddings = embeddings
        self.collection = collection
        self.table = f"{collection}_chunks"
        self.spec: EmbeddingSpec | None = None
        self.hybrid = HybridSearchConfig(
            tsv_column="content_tsv",
            tsv_lang=TSV_LANG,
            fusion_function=reciprocal_rank_fusion,
            fusion_function_parameters={"rrf_k": 60},
            index_name=f"{self.table}_tsv_idx",
        )
        self._engine: PGEngine | None = None
        self._sql_engine: AsyncEngine | None = None  # the engine under _engine, for our own search statement
        self._store: PGVectorStore | None = None
        self._setup_lock = asyncio.Lock()

    @classmethod
    def from_conn_string(
        cls, url: str, *, embeddings: Embeddings | None = None, collection: str | None = None
    ) -> KnowledgeBase:
        """A knowledge base on ``url``; embeddings and collection default to the settings."""
        from settings import get_settings

        return cls(
            url,
            embeddings=embeddings if embeddings is not None else get_embeddings(),
            collection=collection or get_settings().kb_collection,
        )

    async def pool(self) -> AsyncConnectionPool:
        """The psycopg pool (dict rows, autocommit) for the registry tables and bulk writes."""
        return await get_pool(self.url)

    async def fetch_all(self, sql: str, params: Sequence[object] | Mapping[str, object] = ()) -> list[dict[str, Any]]:
        """Rows of one query on the registry pool, as dicts."""
        pool = await self.pool()
        async with pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(sql.encode(), params)
            return await cur.fetchall()

    async def fetch_one(self, sql: str, params: Sequence[object] | Mapping[str, object] = ()) -> dict[str, Any] | None:
        """The first row of one query, or None."""
        rows = await self.fetch_all(sql, params)
        return rows[0] if rows else None

    async def fetch_search(self, sql: str, params: Mapping[str, object]) -> list[dict[str, Any]]:
        """Rows of one search statement, run on the vector store's engine: its connections carry the HNSW settings."""
        await self.vector_store()
        assert self._sql_engine is not None
        async with self._sql_engine.connect() as conn:
            result = await conn.exec_driver_sql(sql, dict(params))
            return [dict(row) for row in result.mappings()]

    async def setup(self) -> None:
        """Create tables and indexes if missing and check the embedding spec; safe to call again."""
        async with self._setup_lock:
            if self._store is not None:
                return
            from db.migrations import migrate

            await asyncio.to_thread(migrate, self.url)
            self.spec = await embedding_spec(self.embeddings)
            await self._check_spec(self.spec)
            self._sql_engine = self._create_engine()
            self._engine = PGEngine.from_engine(self._sql_engine)
            await self._create_table(self.spec.dimension)
            store = await PGVectorStore.create(
                self._engine,
                self.embeddings,
                self.table,
                metadata_columns=METADATA_COLUMNS,
                hybrid_search_config=replace(self.hybrid),
            )
            await self._create_indexes(store)
            from knowledge import multilingual

            if multilingual.enabled():
                await multilingual.ensure_column(self)
            self._store = store

    def _create_engine(self) -> AsyncEngine:
        """The SQLAlchemy engine PGVectorStore runs on, tuned so that one search statement is one round trip.

        Autocommit: the library's statements are single reads and DDL, and a transaction per read would
        cost a BEGIN and a ROLLBACK round trip each. No pre-ping: it costs a round trip per checkout; like
        the psycopg pool (db.pool), a connection broken by a server restart fails one query and is replaced.
        """
        return create_async_engine(
            sqlalchemy_url(self.url),
            isolation_level="AUTOCOMMIT",
            connect_args={"options": HNSW_SESSION_OPTIONS},
        )

    async def _check_spec(self, spec: EmbeddingSpec) -> None:
        row = await self.fetch_one(
            "WITH added AS (INSERT INTO kb_collections (name, embedding_model, dimension) VALUES (%s, %s, %s)"
            " ON CONFLICT (name) DO NOTHING RETURNING embedding_model, dimension)"
            " SELECT embedding_model, dimension FROM added"
            " UNION ALL SELECT embedding_model, dimension FROM kb_collections WHERE name = %s",
            (self.collection, spec.model, spec.dimension, self.collection),
        )
        assert row is not None
        stored = EmbeddingSpec(model=row["embedding_model"], dimension=row["dimension"])
        if stored != spec:
            raise EmbeddingSpecMismatch(self.collection, stored, spec)

    async def _create_table(self, dimension: int) -> None:
        assert self._engine is not None
        pool = await self.pool()
        async with pool.connection() as conn:
            await conn.execute("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
            try:
                if not await self._exists(self.table):
                    await self._engine.ainit_vectorstore_table(
                        self.table,
                        dimension,
                        metadata_columns=[
                            Column("article_id", "TEXT", nullable=False),
                            Column("tenant", "TEXT", nullable=False),
                            Column("category", "TEXT", nullable=False),
                            Column("title", "TEXT", nullable=False),
                            Column("source", "TEXT", nullable=False),
                            Column("chunk_index", "INTEGER", nullable=False),
                            Column("heading", "TEXT"),
                        ],
                        hybrid_search_config=replace(self.hybrid),
                    )
                    # keep vectors inline (pgvector's advice): exact scans and small tables read no TOAST
                    await conn.execute(f'ALTER TABLE "{self.table}" ALTER COLUMN embedding SET STORAGE PLAIN')
            finally:
                await conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))

    async def _exists(self, relation: str) -> bool:
        row = await self.fetch_one("SELECT to_regclass(%s) IS NOT NULL AS found", (f"public.{relation}",))
        return bool(row and row["found"])

    async def _create_indexes(self, store: PGVectorStore) -> None:
        if not await store.ais_valid_index(f"{self.table}_hnsw"):
            await store.aapply_vector_index(HNSWIndex(name=f"{self.table}_hnsw", m=16, ef_construction=64))
        if not await self._exists(str(self.hybrid.index_name)):
            await store.aapply_hybrid_search_index()
        pool = await self.pool()
        async with pool.connection() as conn:
            await conn.execute(
                f'CREATE INDEX IF NOT EXISTS "{self.table}_article" ON "{self.table}" (tenant, article_id)'
            )

    async def vector_store(self) -> PGVectorStore:
        """The underlying PGVectorStore, setting the knowledge base up on first use."""
        if self._store is None:
            await self.setup()
        assert self._store is not None
        return self._store

    async def search(
        self, query: str, *, tenant: str = "default", k: int = 5, category: str | None = None
    ) -> list[KBHit]:
        """The ``k`` articles of ``tenant`` that best answer ``query`` (hybrid search, one hit per article)."""
        from knowledge.search import hybrid_search

        return await hybrid_search(self, query, tenant=tenant, k=k, category=category)

    async def drop(self) -> None:
        """Remove the whole collection: its chunk table and its registry rows."""
        await self.vector_store()
        assert self._engine is not None
        await self._engine.adrop_table(self.table)
        pool = await self.pool()
        async with pool.connection() as conn:
            await conn.execute("DELETE FROM kb_collections WHERE name = %s", (self.collection,))
        self._store = None

    async def close(self) -> None:
        """Dispose of the SQLAlchemy engine (the psycopg pool is shared and closed by db.pool)."""
        if self._engine is not None:
            await self._engine.close()
        self._engine = None
        self._sql_engine = None
        self._store = None


_instances: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[str, str], KnowledgeBase]] = (
    weakref.WeakKeyDictionary()
)


def get_knowledge_base(url: str | None = None, *, collection: str | None = None) -> KnowledgeBase:
    """The process's knowledge base for DATABASE_URL, one per event loop; it sets itself up on first use."""
    from db.pool import database_url
    from settings import get_settings

    url = url or database_url()
    collection = collection or get_settings().kb_collection
    per_loop = _instances.setdefault(asyncio.get_running_loop(), {})
    kb = per_loop.get((url, collection))
    if kb is None:
        kb = per_loop[(url, collection)] = KnowledgeBase.from_conn_string(url, collection=collection)
    return kb


def tenant_filter(
    tenant: str, category: str | None = None, article_ids: Sequence[str] | None = None
) -> dict[str, object]:
    """A PGVectorStore metadata filter that always pins the tenant."""
    clauses: list[dict[str, object]] = [{"tenant": {"$eq": tenant}}]
    if category:
        clauses.append({"category": {"$eq": category}})
    if article_ids is not None:
        clauses.append({"article_id": {"$in": list(article_ids)}})
    return {"$and": clauses} if len(clauses) > 1 else clauses[0]
