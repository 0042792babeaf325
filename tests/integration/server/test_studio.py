"""`make studio`: the same graphs under `langgraph dev`, checkpointed to Postgres through langgraph.json."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from langgraph_sdk import get_client
from langgraph_sdk.errors import NotFoundError

from server.launcher import LangGraphDevProcess, ServerProcess

pytestmark = pytest.mark.integration


async def test_langgraph_dev_checkpoints_to_postgres(
    live_server: ServerProcess, server_config: Path, tmp_path: Path
) -> None:
    studio = LangGraphDevProcess(live_server.database_url, server_config, tmp_path / "studio.log").start(timeout_s=300)
    try:
        client = get_client(url=studio.url, headers=studio.headers)
        assert {a["graph_id"] for a in await client.assistants.search()} >= {"support", "echo"}
        thread_id = (await client.threads.create())["thread_id"]
        await client.runs.wait(thread_id, "echo", input={"messages": [{"role": "user", "content": "studio"}]})
        # A customer token works the same under `langgraph dev`: the thread is theirs, and only theirs.
        ana = get_client(url=studio.url, headers=live_server.customer_headers("studio-ana"))
        own = await ana.threads.create(metadata={"customer_id": "studio-ben"})
        assert own["metadata"]["customer_id"] == "studio-ana"
        ran = await ana.runs.wait(own["thread_id"], "echo", input={"messages": [{"role": "user", "content": "hi"}]})
        assert isinstance(ran, dict) and ran["messages"]
        ben = get_client(url=studio.url, headers=live_server.customer_headers("studio-ben"))
        with pytest.raises(NotFoundError):
            await ben.threads.get(own["thread_id"])
    finally:
        studio.stop()
    with psycopg.connect(live_server.database_url) as conn:
        row = conn.execute("SELECT count(*) FROM checkpoints WHERE thread_id = %s", (thread_id,)).fetchone()
    assert row is not None and row[0] >= 2
