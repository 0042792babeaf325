import pytest

from knowledge import catalog
from knowledge.records import Article
from knowledge.search import embed_queries
from knowledge.store import KnowledgeBase, tenant_filter
from knowledge.writer import write_articles

pytestmark = pytest.mark.integration

SYNC_ARTICLES = [
    ("sync-slow", "Sync is slow", "Sync can take a few minutes on large workspaces. Keep the app open."),
    ("sync-offline", "Working offline", "When offline, changes wait on the device and sync when you reconnect."),
    ("sync-conflicts", "Sync conflicts", "Edits on two devices create a conflicted copy you can merge."),
    ("sync-mobile", "Sync on mobile", "Mobile apps sync recent notes and favourites in the background."),
    ("sync-reset", "Reset the sync cache", "Resetting the local cache downloads everything again."),
    ("sync-attachments", "Attachments don't sync", "Large attachments sync after the note text has synced."),
    ("sync-queue", "Upload queue", "The device keeps a queue of changes. Code NN-7731 means the queue is full."),
]


async def test_hybrid_search_finds_an_exact_error_code_that_dense_search_ranks_low(kb: KnowledgeBase) -> None:
    articles = [Article(article_id=i, title=t, body=b, category="installation") for i, t, b in SYNC_ARTICLES]
    await write_articles(kb, articles, tenant="default")
    query = "my notes won't sync, the app shows NN-7731"
    [vector] = await embed_queries(kb.embeddings, [query])
    store = await kb.vector_store()
    dense = await store.asimilarity_search_with_score_by_vector(
        vector, k=20, filter=tenant_filter("default"), hybrid_search_config=None
    )
    dense_articles = list(dict.fromkeys(str(doc.metadata["article_id"]) for doc, _ in dense))
    assert dense_articles.index("sync-queue") >= 2, dense_articles  # the code means nothing to the embedding
    hits = await kb.search(query, k=3)
    assert hits[0].article_id == "sync-queue"
    assert "NN-7731" in hits[0].snippet


async def test_tenants_are_isolated(kb: KnowledgeBase) -> None:
    await write_articles(
        kb,
        [Article(article_id="refunds", title="Refund policy", body="Acme refunds within 60 days.", category="billing")],
        tenant="acme",
    )
    await write_articles(
        kb,
        [Article(article_id="refunds", title="Refund policy", body="Globex never refunds.", category="billing")],
        tenant="globex",
    )
    [acme] = await kb.search("refund policy", tenant="acme", k=5)
    [globex] = await kb.search("refund policy", tenant="globex", k=5)
    assert "60 days" in acme.snippet and "never" in globex.snippet
    assert await kb.search("refund policy", tenant="default", k=5) == []

    assert await catalog.delete_articles(kb, ["refunds"], tenant="acme") == 1
    assert await kb.search("refund policy", tenant="acme", k=5) == []
    [still] = await kb.search("refund policy", tenant="globex", k=5)
    assert "never" in still.snippet
    stored = await catalog.get_article(kb, "refunds", tenant="globex")
    assert stored is not None and stored.body == "Globex never refunds."


async def test_category_filter_limits_results(kb: KnowledgeBase) -> None:
    await write_articles(
        kb,
        [
            Article(article_id="pw", title="Reset your password", body="Use the reset link.", category="account"),
            Article(article_id="sec", title="Password security", body="Use a unique password.", category="security"),
            Article(article_id="bill", title="Billing password?", body="Billing has no password.", category="billing"),
        ],
        tenant="default",
    )
    everything = await kb.search("password", k=5)
    assert {hit.article_id for hit in everything} == {"pw", "sec", "bill"}
    only_security = await kb.search("password", k=5, category="security")
    assert [(hit.article_id, hit.category) for hit in only_security] == [("sec", "security")]


async def test_scores_are_cosine_similarities_and_unrelated_queries_score_low(kb: KnowledgeBase) -> None:
    await write_articles(
        kb,
        [Article(article_id="pw", title="Reset a forgotten password", body="Click Forgot password when signing in.")],
        tenant="default",
    )
    [good] = await kb.search("I forgot my password", k=1)
    [bad] = await kb.search("what is the capital of peru", k=1)
    assert 0.5 < good.score <= 1.0
    assert bad.score < 0.35 < good.score
