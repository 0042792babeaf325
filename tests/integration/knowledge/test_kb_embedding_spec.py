import pytest

from db.migrations import migrate
from knowledge.store import EmbeddingSpecMismatch, KnowledgeBase

pytestmark = pytest.mark.integration


async def test_opening_a_collection_built_with_another_model_names_both(pg_url: str) -> None:
    import psycopg

    from db.pool import close_pools

    migrate(pg_url)
    with psycopg.connect(pg_url, autocommit=True) as conn:  # as left behind by a server configured for OpenAI
        conn.execute(
            "INSERT INTO kb_collections (name, embedding_model, dimension)"
            " VALUES ('kb', 'openai:text-embedding-3-large', 3072)"
        )
    kb = KnowledgeBase.from_conn_string(pg_url, collection="kb")
    with pytest.raises(EmbeddingSpecMismatch) as caught:
        await kb.setup()
    message = str(caught.value)
    assert "openai:text-embedding-3-large (3072-d" in message
    assert "local:all-MiniLM-L6-v2 (384-d" in message
    fresh = KnowledgeBase.from_conn_string(pg_url, collection="kb_minilm")
    await fresh.setup()  # another collection with the local model is fine
    assert fresh.spec is not None and fresh.spec.dimension == 384
    await fresh.setup()  # and opening it again checks out
    await fresh.close()
    await kb.close()
    await close_pools()
