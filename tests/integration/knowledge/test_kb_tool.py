from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.messages import AIMessage, ToolMessage
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode

from graph.state import Context
from knowledge.records import Article
from knowledge.store import KnowledgeBase
from knowledge.writer import write_articles
from tools.knowledge import search_knowledge_base

pytestmark = pytest.mark.integration


@pytest.fixture
def database_env(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    from settings import get_settings

    monkeypatch.setenv("DATABASE_URL", pg_url)
    get_settings.cache_clear()
    yield pg_url
    get_settings.cache_clear()


async def _call_tool(args: dict[str, Any], tenant: str) -> ToolMessage:
    builder = StateGraph(MessagesState, context_schema=Context)
    builder.add_node("tools", ToolNode([search_knowledge_base]))
    builder.add_edge(START, "tools")
    request = AIMessage(content="", tool_calls=[{"name": "search_knowledge_base", "args": args, "id": "call-1"}])
    result = await builder.compile().ainvoke({"messages": [request]}, context=Context(tenant=tenant))
    [message] = [m for m in result["messages"] if isinstance(m, ToolMessage)]
    return message


async def test_the_tenant_comes_from_the_run_context_never_from_model_arguments(
    database_env: str, kb: KnowledgeBase
) -> None:
    secret = Article(article_id="vip-refunds", title="Refund policy", body="Acme VIPs get refunds for 90 days.")
    public = Article(article_id="refunds", title="Refund policy", body="Refunds within 14 days of purchase.")
    await write_articles(kb, [secret], tenant="acme")
    await write_articles(kb, [public], tenant="default")

    message = await _call_tool({"query": "what is the refund policy", "tenant": "acme"}, tenant="default")
    assert message.status != "error"
    assert [hit["article_id"] for hit in message.artifact["hits"]] == ["refunds"]
    assert "90 days" not in str(message.content)

    in_acme = await _call_tool({"query": "what is the refund policy"}, tenant="acme")
    assert [hit["article_id"] for hit in in_acme.artifact["hits"]] == ["vip-refunds"]
    assert "Acme VIPs get refunds for 90 days." in str(in_acme.content)
    assert in_acme.artifact["low_confidence"] is False


async def test_low_confidence_and_a_wrong_category_guess(database_env: str, kb: KnowledgeBase) -> None:
    await write_articles(
        kb,
        [Article(article_id="ship", title="Shipping times", body="US orders arrive in 3-5 days.", category="shipping")],
        tenant="default",
    )
    unrelated = await _call_tool({"query": "recipe for banana bread"}, tenant="default")
    assert unrelated.artifact["low_confidence"] is True
    assert str(unrelated.content).startswith("LOW CONFIDENCE")
    wrong_category = await _call_tool({"query": "how long does shipping take", "category": "billing"}, "default")
    assert [hit["article_id"] for hit in wrong_category.artifact["hits"]] == ["ship"]
