"""Raw PII in a customer's message never reaches the runs table, the thread or any checkpoint."""

from __future__ import annotations

import psycopg
import pytest
from langgraph_sdk import get_client

from server.launcher import ServerProcess

pytestmark = pytest.mark.integration

EMAIL = "jane.doe.pii@example.com"
CARD = "4111 1111 1111 1111"


async def test_pii_is_redacted_before_storage(live_server: ServerProcess) -> None:
    client = get_client(url=live_server.url, headers=live_server.headers)
    thread_id = (await client.threads.create())["thread_id"]
    message = f"I was charged twice on card {CARD}, please email me at {EMAIL}"
    result = await client.runs.wait(
        thread_id,
        "support",
        input={"messages": [{"role": "user", "content": message}]},
        context={"customer_id": "pii-customer"},
    )
    assert isinstance(result, dict)
    first = result["messages"][0]["content"]
    assert EMAIL not in first and "4111" not in first and "charged twice" in first
    with psycopg.connect(live_server.database_url) as conn:
        for table in ("runs", "thread", "checkpoints", "checkpoint_writes", "checkpoint_blobs"):
            rows = conn.execute(f"SELECT t::text FROM {table} t").fetchall()  # noqa: S608 - fixed table names
            dump = "\n".join(row[0] for row in rows)
            assert EMAIL not in dump, table
            assert CARD not in dump and "4111111111111111" not in dump, table
        blobs = conn.execute("SELECT blob FROM checkpoint_blobs WHERE thread_id = %s", (thread_id,)).fetchall()
        for (blob,) in blobs:
            if blob is not None:
                assert EMAIL.encode() not in bytes(blob)
