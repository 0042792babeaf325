"""Long-term memory on the real Postgres store: upsert by key, similarity dedupe, forgetting, the cap."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from langgraph.store.postgres.aio import AsyncPostgresStore

from graph.facts import Extraction, Fact
from graph.memory import apply_extraction, memory_namespace, recall_memories
from knowledge.embeddings import get_local_embeddings

pytestmark = pytest.mark.integration
NS = memory_namespace("acme", "jane.doe@example.com")
T0 = datetime(2025, 5, 1, tzinfo=UTC)


@pytest.fixture
async def store(pg_url: str) -> AsyncIterator[AsyncPostgresStore]:
    async with AsyncPostgresStore.from_conn_string(pg_url) as opened:
        await opened.setup()
        yield opened


async def _apply(
    store: AsyncPostgresStore, *facts: Fact, forget: tuple[str, ...] = (), at: datetime = T0, max_facts: int = 40
) -> list[str]:
    extraction = Extraction(facts=list(facts), forget=list(forget))
    return await apply_extraction(
        store, NS, extraction, now=at, encode=get_local_embeddings().encode, max_facts=max_facts
    )


async def test_same_key_updates_instead_of_appending(store: AsyncPostgresStore) -> None:
    await _apply(store, Fact("plan", "plan", "You're on the Pro plan."))
    await _apply(store, Fact("plan", "plan", "You're on the Business plan."), at=T0 + timedelta(days=2))
    facts = await recall_memories(store, NS)
    assert [(f["key"], f["text"]) for f in facts] == [("plan:plan", "You're on the Business plan.")]
    item = await store.aget(NS, "plan:plan")
    assert item is not None and item.value["mentions"] == 2 and item.value["created_at"] == T0.isoformat()


async def test_rewording_of_a_known_fact_is_merged_by_similarity(store: AsyncPostgresStore) -> None:
    await _apply(store, Fact("product", "Nimbus Scribe", "You use Nimbus Scribe."))
    written = await _apply(store, Fact("product", "the Nimbus Scribe pen", "You use the Nimbus Scribe."))
    assert written == ["product:nimbus-scribe"]
    await _apply(store, Fact("product", "Android", "You use Android."))
    assert {f["key"] for f in await recall_memories(store, NS)} == {"product:nimbus-scribe", "product:android"}


async def test_first_wording_of_an_issue_is_kept(store: AsyncPostgresStore) -> None:
    await _apply(store, Fact("open_issue", "account_access", "You told us: cannot log in", replace_text=False))
    await _apply(
        store,
        Fact("open_issue", "account_access", "You told us: yes I tried", replace_text=False),
        at=T0 + timedelta(hours=1),
    )
    [fact] = await recall_memories(store, NS)
    assert fact["text"] == "You told us: cannot log in" and fact["updated_at"] == (T0 + timedelta(hours=1)).isoformat()


async def test_resolved_issues_are_forgotten_and_the_oldest_facts_go_past_the_cap(store: AsyncPostgresStore) -> None:
    await _apply(store, Fact("open_issue", "billing", "Invoice is wrong"))
    await _apply(store, Fact("resolution", "billing", "Fixed by re-issuing"), forget=("open_issue:billing",))
    assert [f["key"] for f in await recall_memories(store, NS)] == ["resolution:billing"]
    for day in range(5):
        await _apply(
            store, Fact("attempt", f"topic {day}", f"Tried {day}"), at=T0 + timedelta(days=day + 1), max_facts=3
        )
    assert [f["text"] for f in await recall_memories(store, NS)] == ["Tried 4", "Tried 3", "Tried 2"]


async def test_customers_do_not_see_each_others_facts(store: AsyncPostgresStore) -> None:
    await _apply(store, Fact("plan", "plan", "You're on the Pro plan."))
    assert await recall_memories(store, memory_namespace("acme", "jane")) == []
    assert await recall_memories(store, memory_namespace("other", "jane.doe@example.com")) == []
