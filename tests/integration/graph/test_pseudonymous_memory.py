"""Long-term memory outlives the thread, its placeholders don't: a fact is stored with bare masks (<EMAIL>)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator

import pytest

from graph.memory import memory_namespace, recall_memories
from tests.integration.graph.conftest import Harness, open_harness, stub_model
from tests.openai_stub import OpenAIStub, Reply

pytestmark = pytest.mark.integration


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[OpenAIStub]:
    with stub_model(monkeypatch) as server:
        fact = {"kind": "preference", "subject": "channel", "text": "You prefer email, at <EMAIL_1>."}
        server.defaults["memory"] = Reply(json.dumps({"facts": [fact]}))
        yield server


@pytest.fixture
async def live(graph_db: str, stub: OpenAIStub) -> AsyncIterator[Harness]:
    async for opened in open_harness(graph_db):
        yield opened


async def test_a_remembered_fact_keeps_the_type_not_the_threads_number(live: Harness, stub: OpenAIStub) -> None:
    await live.say("t1", "Please email me at <EMAIL_1> rather than calling.", customer="memo-1")
    assert stub.of_kind("memory")
    texts = [fact["text"] for fact in await recall_memories(live.store, memory_namespace("default", "memo-1"))]
    assert "You prefer email, at <EMAIL>." in texts
    assert not any("<EMAIL_1>" in text for text in texts)
