"""`kill -9` of the server during a run: after a restart nothing is stuck and no acknowledged message is lost."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable

import pytest
from langgraph_sdk import get_client
from langgraph_sdk.client import LangGraphClient

from server.launcher import ServerProcess
from tests.sdk_turns import ask
from tests.waiting import wait_until

pytestmark = pytest.mark.integration

JOIN_TIMEOUT_S = 180.0  # a deadline for a broken recovery, generous for a loaded machine


async def _wait_until_running(client: LangGraphClient, thread_id: str, run_id: str) -> None:
    async def running() -> bool:
        return (await client.runs.get(thread_id, run_id))["status"] == "running"

    await wait_until(running, what=f"run {run_id} is running")


async def test_killed_server_completes_interrupted_and_queued_runs(
    server_factory: Callable[..., ServerProcess],
) -> None:
    server = server_factory()
    client = get_client(url=server.url, headers=server.headers)
    thread_id = (await client.threads.create())["thread_id"]
    await client.runs.wait(thread_id, "echo", input=ask("before"))
    interrupted = await client.runs.create(thread_id, "echo", input=ask("during"), context={"delay_s": 3})
    queued = await client.runs.create(thread_id, "echo", input=ask("queued"))
    await _wait_until_running(client, thread_id, interrupted["run_id"])

    server.kill()
    restarted = server_factory(database_url=server.database_url)
    client = get_client(url=restarted.url, headers=restarted.headers)

    # The restarted server is ready only after adopting both runs, and a join waits for the stored run to finish.
    for name, run in (("interrupted", interrupted), ("queued", queued)):
        joined = await asyncio.wait_for(client.runs.join(thread_id, run["run_id"]), timeout=JOIN_TIMEOUT_S)
        status = (await client.runs.get(thread_id, run["run_id"]))["status"]
        assert status == "success", f"{name} run {run['run_id']} is {status!r} after join answered {joined!r}"
    result = await client.runs.wait(thread_id, "echo", input=ask("after"))
    assert isinstance(result, dict)
    contents = [m["content"] for m in result["messages"]]
    assert contents == [
        "before",
        "echo #1: before",
        "during",
        "echo #2: during",
        "queued",
        "echo #3: queued",
        "after",
        "echo #4: after",
    ]
    assert (await client.threads.get(thread_id))["status"] == "idle"


async def test_run_that_fails_on_recovery_is_visible_as_error(server_factory: Callable[..., ServerProcess]) -> None:
    server = server_factory()
    client = get_client(url=server.url, headers=server.headers)
    thread_id = (await client.threads.create())["thread_id"]
    doomed = await client.runs.create(thread_id, "echo", input=ask("boom"), context={"delay_s": 3})
    await _wait_until_running(client, thread_id, doomed["run_id"])
    server.kill()
    # The restarted process cannot run it (an invalid context type makes the graph fail): the client sees an error.
    restarted = server_factory(database_url=server.database_url, ECHO_FAIL="1")
    client = get_client(url=restarted.url, headers=restarted.headers)
    await asyncio.wait_for(client.runs.join(thread_id, doomed["run_id"]), timeout=JOIN_TIMEOUT_S)
    run = await client.runs.get(thread_id, doomed["run_id"])
    assert run["status"] == "error"
    # ... and the thread is not stuck: the next message is processed.
    await client.runs.wait(thread_id, "echo", input=ask("next"))
    state = await client.threads.get_state(thread_id)
    assert state["values"]["messages"][-1]["content"].endswith(": next")


def test_a_native_crash_leaves_a_traceback_in_the_log(server_factory: Callable[..., ServerProcess]) -> None:
    server = server_factory()
    assert server.process is not None
    os.kill(server.process.pid, signal.SIGSEGV)  # what a crash in a C extension delivers
    assert server.process.wait(timeout=30) != 0
    log = server.log_path.read_text()
    assert "Fatal Python error: Segmentation fault" in log
    assert 'File "' in log  # with the Python stack of the threads
