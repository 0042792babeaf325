"""Fixtures for the support graph on real Postgres: a KB-seeded template database cloned per test.

Seeding the KB embeds every chunk (tens of seconds), so it happens once per session into a template;
each test gets its own copy (CREATE DATABASE ... TEMPLATE), with the checkpointer and store tables ready.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.store.postgres.aio import AsyncPostgresStore
from langgraph.types import Command, Durability

from graph.builder import SupportGraph, build_graph
from graph.memory import get_memory_writer
from settings import get_settings
from tests.conftest import create_database, drop_database
from tests.openai_stub import OpenAIStub, Reply

STUB_INTENT = Reply(json.dumps({"intent": "account_access", "confidence": 0.9}))
"""What the scripted model answers to the intent call unless a test scripts otherwise."""


def clear_model_caches() -> None:
    from graph.models import get_chat_model
    from signals.analyzer import get_analyzer

    for clear in (get_settings.cache_clear, get_chat_model.cache_clear, get_analyzer.cache_clear):
        clear()


@contextmanager
def stub_model(monkeypatch: pytest.MonkeyPatch, **env: str) -> Iterator[OpenAIStub]:
    """A scripted OpenAI-compatible server on loopback, configured as LLM_MODEL (plus ``env``) for this test."""
    with OpenAIStub() as server:
        server.defaults["intent"] = STUB_INTENT
        monkeypatch.setenv("LLM_MODEL", "openai:stub-model")
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-used")
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        clear_model_caches()
        try:
            yield server
        finally:
            clear_model_caches()


async def _prepare(url: str) -> None:
    from knowledge.ingest import seed_knowledge_base

    await seed_knowledge_base(url)
    async with AsyncPostgresSaver.from_conn_string(url) as saver, AsyncPostgresStore.from_conn_string(url) as store:
        await saver.setup()
        await store.setup()


@pytest.fixture(scope="session")
def graph_template(pg_server_url: str) -> Iterator[str]:
    """Name of a database with every migration, the seed KB, and checkpointer/store tables."""
    from db.migrations import migrate

    name, url = create_database(pg_server_url, prefix="graph_tpl")
    migrate(url)
    asyncio.run(_prepare(url))
    yield name
    drop_database(pg_server_url, name)


@pytest.fixture
def graph_db(pg_server_url: str, graph_template: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A private copy of the template for one test, as DATABASE_URL."""
    name, url = create_database(pg_server_url, prefix="g", template=graph_template)
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()
    drop_database(pg_server_url, name)


@dataclass
class Harness:
    """The compiled graph on Postgres, with helpers to talk to it as a customer or as a person in the inbox."""

    graph: SupportGraph
    store: AsyncPostgresStore
    saver: AsyncPostgresSaver
    url: str

    @staticmethod
    def config(thread: str) -> dict[str, Any]:
        return {"configurable": {"thread_id": thread}}

    async def say(
        self, thread: str, text: str, *, customer: str = "cust-1", durability: Durability = "async", **context: Any
    ) -> dict[str, Any]:
        """One customer message; returns the thread's values after the turn (background memory flushed)."""
        result = await self.graph.ainvoke(
            {"messages": [{"role": "user", "content": text}]},
            self.config(thread),  # type: ignore[arg-type]
            context={"customer_id": customer, **context},
            durability=durability,
        )
        await get_memory_writer().flush()
        return dict(result)

    async def resume(self, thread: str, value: Any, *, customer: str = "cust-1") -> dict[str, Any]:
        """A person's action from the inbox."""
        result = await self.graph.ainvoke(
            Command(resume=value),
            self.config(thread),
            context={"customer_id": customer},  # type: ignore[arg-type]
        )
        await get_memory_writer().flush()
        return dict(result)

    async def reply(self, thread: str) -> str:
        state = await self.graph.aget_state(self.config(thread))  # type: ignore[arg-type]
        return str(state.values["messages"][-1].content)


async def open_harness(url: str, model: BaseChatModel | None = None) -> AsyncIterator[Harness]:
    """Build the graph on ``url``; closes every pool it opened afterwards."""
    from db.pool import close_pools

    async with AsyncPostgresSaver.from_conn_string(url) as saver, AsyncPostgresStore.from_conn_string(url) as store:
        graph = build_graph(checkpointer=saver, store=store, model=model)
        yield Harness(graph=graph, store=store, saver=saver, url=url)
        await get_memory_writer().flush()
    await close_pools()


@pytest.fixture
async def harness(graph_db: str) -> AsyncIterator[Harness]:
    """The support graph with the real (offline) model on a private database."""
    async for opened in open_harness(graph_db):
        yield opened
