"""`make studio`: the same graphs under `langgraph dev`, checkpointed to Postgres through langgraph.json.

It runs `support-agent studio`, so blocking calls on the event loop are refused (blockbuster) as in Studio: the
real support graph must answer, escalate and resume without one.
"""

from __future__ import annotations

from pathlib import Path

import psutil
import psycopg
import pytest
from langgraph_sdk import get_client
from langgraph_sdk.errors import NotFoundError

from server.launcher import ServerProcess, StudioProcess
from tests.waiting import SERVER_START_TIMEOUT_S, wait_until

pytestmark = pytest.mark.integration


async def test_langgraph_dev_checkpoints_to_postgres(
    live_server: ServerProcess, server_config: Path, tmp_path: Path
) -> None:
    studio = StudioProcess(live_server.database_url, server_config, tmp_path / "studio.log").start(
        timeout_s=SERVER_START_TIMEOUT_S
    )
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
        await _support_graph_turns(studio, live_server)
        await _sigterm_stops_langgraph_dev(studio)
    finally:
        studio.stop()
    log = (tmp_path / "studio.log").read_text(errors="replace")
    assert "BlockingError" not in log and "Blocking call" not in log, log[-4000:]
    with psycopg.connect(live_server.database_url) as conn:
        row = conn.execute("SELECT count(*) FROM checkpoints WHERE thread_id = %s", (thread_id,)).fetchone()
    assert row is not None and row[0] >= 2


async def _sigterm_stops_langgraph_dev(studio: ServerProcess) -> None:
    """A process manager's SIGTERM to `support-agent studio` reaches `langgraph dev`: nothing outlives it."""
    assert studio.process is not None
    children = psutil.Process(studio.process.pid).children(recursive=True)
    assert children, "support-agent studio runs `langgraph dev` as its child"
    studio.process.terminate()
    studio.process.wait(timeout=60)

    def gone() -> bool:
        return not any(child.is_running() and child.status() != psutil.STATUS_ZOMBIE for child in children)

    await wait_until(gone, what="every child of `support-agent studio` has exited after its SIGTERM")


def _last_text(values: object) -> str:
    assert isinstance(values, dict) and values.get("messages"), values
    return str(values["messages"][-1]["content"])


async def _support_graph_turns(studio: ServerProcess, live_server: ServerProcess) -> None:
    """A KB answer, a turn that escalates, and a person's reply resuming it, on the real `support` graph."""
    cara = get_client(url=studio.url, headers=live_server.customer_headers("studio-cara"))
    asked = (await cara.threads.create())["thread_id"]
    answer = await cara.runs.wait(
        asked, "support", input={"messages": [{"role": "user", "content": "How do I reset my password?"}]}
    )
    assert "password" in _last_text(answer).lower() and "Sources:" in _last_text(answer)

    escalated = (await cara.threads.create())["thread_id"]
    await cara.runs.wait(
        escalated, "support", input={"messages": [{"role": "user", "content": "Please let me talk to a human agent."}]}
    )
    waiting = await cara.threads.get_state(escalated)
    assert waiting["next"] == ["await_human"], waiting
    assert waiting["values"]["escalation"]["status"] == "pending"

    staff = get_client(url=studio.url, headers=studio.headers)
    reply = "Hi, this is Sam. I have reset the account for you."
    resumed = await staff.runs.wait(
        escalated, "support", command={"resume": {"action": "reply", "agent": "sam", "text": reply}}
    )
    assert reply in _last_text(resumed)
    after = await cara.threads.get_state(escalated)
    assert after["values"]["escalation"]["status"] == "replied"  # the person stays in charge (handoff lifecycle)
