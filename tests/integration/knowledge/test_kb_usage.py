import pytest

from knowledge.records import Article
from knowledge.store import KnowledgeBase
from knowledge.usage import article_usage, usage_of
from knowledge.writer import write_articles

pytestmark = pytest.mark.integration


async def test_usage_counts_citations_threads_and_resolutions(kb: KnowledgeBase) -> None:
    await write_articles(
        kb,
        [Article(article_id="refund-policy", title="Refund policy", body="14 days."),
         Article(article_id="invoices", title="Invoices", body="Under Billing.")],
        tenant="default",
    )  # fmt: skip
    pool = await kb.pool()
    async with pool.connection() as conn:
        for thread, turn, cited, tenant in [
            ("t1", 1, ["refund-policy"], "default"),
            ("t1", 2, ["refund-policy", "invoices"], "default"),
            ("t2", 1, ["refund-policy"], "default"),
            ("t3", 1, ["refund-policy"], "default"),
            ("t4", 1, ["refund-policy"], "other"),
        ]:
            await conn.execute(
                "INSERT INTO conversation_events (tenant, thread_id, customer_id, turn, articles_cited)"
                " VALUES (%s, %s, 'c1', %s, %s)",
                (tenant, thread, turn, cited),
            )
        for thread, resolution in [("t1", "confirmed"), ("t2", "unresolved"), ("t3", "assumed")]:
            await conn.execute(
                "INSERT INTO conversation_outcomes (thread_id, resolution) VALUES (%s, %s)", (thread, resolution)
            )
    rows = {row["article_id"]: row for row in await article_usage(kb, tenant="default")}
    assert rows["refund-policy"]["citations"] == 4
    assert rows["refund-policy"]["threads"] == 3
    assert rows["refund-policy"]["resolved_threads"] == 2
    assert rows["refund-policy"]["resolution_rate"] == pytest.approx(2 / 3, abs=1e-4)
    assert rows["refund-policy"]["title"] == "Refund policy"
    assert (rows["invoices"]["threads"], rows["invoices"]["resolved_threads"]) == (1, 1)
    assert list(rows) == ["refund-policy", "invoices"]  # most used first
    assert await usage_of(kb, "never-cited", tenant="default") == {
        "citations": 0, "threads": 0, "resolved_threads": 0, "resolution_rate": None,
    }  # fmt: skip
