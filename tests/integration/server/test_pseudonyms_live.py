"""Pseudonyms through the real server: the model reads <PERSON_1>, the customer reads their own values back.

The model is the scripted OpenAI-compatible server on loopback; LangSmith is a loopback capture server, so the
traces the server sends are real HTTP payloads the test can read. Nowhere -- the model's requests, any table
of the database, the traces -- holds the raw values.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import httpx
import psycopg
import pytest
from langgraph_sdk import get_client
from psycopg import sql

from server.launcher import ServerProcess
from tests.langsmith_capture import LangSmithCapture
from tests.openai_stub import OpenAIStub, Reply
from tests.sdk_turns import ask, last_reply
from tests.waiting import wait_until

pytestmark = pytest.mark.integration

NAME = "Annabel Quistorp"
EMAIL = "annabel.quistorp.pii@example.com"
PHONE = "+44 20 7946 0958"
RAW = (NAME, EMAIL, PHONE)
FIRST = f"Hi, my name is {NAME} and my email is {EMAIL}. How do I reset my password?"
SECOND = f"It's {NAME} again, you can also call me on {PHONE}, but {EMAIL} is best."
ANSWER = "Thanks <PERSON_1>, I sent the reset link to <EMAIL_1>."
RESTORED = f"Thanks {NAME}, I sent the reset link to {EMAIL}."


@pytest.fixture
def stub() -> Iterator[OpenAIStub]:
    with OpenAIStub() as server:
        server.defaults["intent"] = Reply(json.dumps({"intent": "account_access", "confidence": 0.9}))
        server.defaults["answer"] = Reply(ANSWER)
        yield server


@pytest.fixture
def capture() -> Iterator[LangSmithCapture]:
    with LangSmithCapture() as server:
        yield server


@pytest.fixture
def traced_server(
    stub: OpenAIStub, capture: LangSmithCapture, server_factory: Callable[..., ServerProcess]
) -> ServerProcess:
    return server_factory(
        LLM_MODEL="openai:stub-model",
        OPENAI_BASE_URL=stub.base_url,
        OPENAI_API_KEY="sk-test-not-used",
        LLM_TIMEOUT_S="10",
        LANGSMITH_TRACING="true",
        LANGSMITH_ENDPOINT=capture.url,
        LANGSMITH_API_KEY="lsv2-dummy-key-not-used",
        LANGSMITH_PROJECT="pseudonym-test",
    )


def _raw_values_in(text: str) -> list[str]:
    """The raw PII values found in ``text``, also hex-encoded (bytea columns cast to text)."""
    lowered = text.lower()
    return [value for value in RAW if value in text or value.encode().hex() in lowered]


def _tables_holding_raw_values(database_url: str) -> dict[str, list[str]]:
    with psycopg.connect(database_url) as conn:
        tables = conn.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')"
        ).fetchall()
        found: dict[str, list[str]] = {}
        for schema, table in tables:
            query = sql.SQL("SELECT t::text FROM {}.{} t").format(sql.Identifier(schema), sql.Identifier(table))
            dump = "\n".join(row[0] for row in conn.execute(query).fetchall())
            if leaked := _raw_values_in(dump):
                found[f"{schema}.{table}"] = leaked
    assert len(tables) > 20  # the scan saw the whole database, Aegra's tables and ours
    return found


async def test_the_model_reads_placeholders_and_the_customer_reads_values(
    traced_server: ServerProcess, stub: OpenAIStub, capture: LangSmithCapture
) -> None:
    client = get_client(url=traced_server.url, headers=traced_server.headers)
    thread_id = (await client.threads.create())["thread_id"]
    context = {"customer_id": "pseudonym-customer"}
    first = await client.runs.wait(thread_id, "support", input=ask(FIRST), context=context)
    assert last_reply(first) == RESTORED
    chunks: list[str] = []
    async for part in client.runs.stream(
        thread_id, "support", input=ask(SECOND), context=context, stream_mode=["messages-tuple", "values"]
    ):
        if part.event.startswith("messages") and isinstance(part.data, list):
            if part.data[0].get("type") in ("ai", "AIMessageChunk") and isinstance(part.data[0].get("content"), str):
                chunks.append(part.data[0]["content"])
        elif part.event == "values" and isinstance(part.data, dict):
            values = part.data
    assert "".join(chunks) == RESTORED and values["messages"][-1]["content"] == RESTORED

    # (a) The model read typed placeholders, the same ones in both turns, and never a raw value.
    answers = stub.of_kind("answer")
    assert len(answers) == 2
    sent = [json.dumps(request.body) for request in answers]
    assert "<PERSON_1>" in sent[0] and "<EMAIL_1>" in sent[0]
    second = [m["content"] for m in answers[1].body["messages"] if m["role"] == "user"][-1]
    assert second == "It's <PERSON_1> again, you can also call me on <PHONE_1>, but <EMAIL_1> is best."
    for request in stub.requests:
        assert not _raw_values_in(json.dumps(request.body)), request.kind

    # (b) The thread's state (what a customer reloading the chat reads) has the answer and the customer's own
    # message restored (this caller, an admin of the tenant, may read the customer's values).
    state = await client.threads.get_state(thread_id)
    messages = state["values"]["messages"]
    assert messages[-1]["content"] == RESTORED and messages[-2]["content"] == SECOND

    # (c) No table of the database holds a raw value: the map is stored sealed.
    assert _tables_holding_raw_values(traced_server.database_url) == {}

    # Tracing: traces reached the capture server (so the check below can fail), and hold placeholders only.
    await wait_until(
        lambda: b"<EMAIL_1>" in capture.payloads("/runs") and b"<PHONE_1>" in capture.payloads("/runs"),
        what="both turns' traces were sent to LangSmith",
        timeout_s=180,
        poll_s=0.5,
    )
    traces = capture.payloads("/runs").decode(errors="replace")
    assert _raw_values_in(traces) == []

    # Erasing the customer erases the thread's sealed map with the thread.
    assert _sealed_maps(traced_server.database_url, thread_id) == 1
    async with httpx.AsyncClient(base_url=traced_server.url, headers=traced_server.headers) as http:
        erased = await http.delete("/customers/pseudonym-customer")
    assert erased.status_code == 200, erased.text
    assert erased.json()["deleted"].get("pii_pseudonyms") == 1
    assert _sealed_maps(traced_server.database_url, thread_id) == 0


def _sealed_maps(database_url: str, thread_id: str) -> int:
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT count(*) FROM pii_pseudonyms WHERE thread_id = %s", (thread_id,)).fetchone()
    return int(row[0]) if row else 0
