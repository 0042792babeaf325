"""Postgres killed mid-traffic, twice: no acknowledged message is lost, nothing stays active, probes tell the truth."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from langgraph_sdk import get_client

from server.launcher import ServerProcess
from tests.conftest import create_database
from tests.killable_postgres import KillablePostgres
from tests.waiting import SERVER_START_TIMEOUT_S, wait_until

pytestmark = pytest.mark.integration

CONVERSATIONS = 6
OUTAGES = 2


@dataclass
class Traffic:
    """What the clients saw: acknowledged messages (thread, run, text) and refusals during outages."""

    acknowledged: list[tuple[str, str, str]] = field(default_factory=list)
    refused_503: int = 0
    other_failures: list[str] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)


async def _converse(server: ServerProcess, index: int, traffic: Traffic) -> None:
    client = get_client(url=server.url, headers=server.headers)
    thread_id = (await client.threads.create())["thread_id"]
    turn = 0
    while not traffic.stop.is_set():
        text = f"conversation {index} message {turn}"
        turn += 1
        try:
            run = await client.runs.create(
                thread_id, "echo", input={"messages": [{"role": "user", "content": text}]}, context={"delay_s": 0.5}
            )
        except httpx.HTTPStatusError as exc:
            if exc.response.status_code != 503:
                traffic.other_failures.append(f"{exc.response.status_code}: {exc.response.text[:200]}")
            else:
                traffic.refused_503 += 1
                # A client honours Retry-After (capped, so the test keeps pace with the outage).
                await asyncio.sleep(min(float(exc.response.headers["Retry-After"]), 0.5))
            continue
        except httpx.TransportError as exc:
            traffic.other_failures.append(repr(exc))
            continue
        traffic.acknowledged.append((thread_id, run["run_id"], text))
        # The next message once this one is answered; a join cut short by an outage just moves on.
        try:
            await asyncio.wait_for(client.runs.join(thread_id, run["run_id"]), timeout=5)
        except (httpx.HTTPError, TimeoutError):
            pass


async def _timed_get(http: httpx.AsyncClient, path: str) -> tuple[int, float]:
    started = time.monotonic()
    response = await http.get(path, timeout=5.0)
    return response.status_code, time.monotonic() - started


async def _probe_outage(server: ServerProcess, http: httpx.AsyncClient, thread_id: str) -> None:
    """While Postgres is down: /live at once, /ready 503 within 1 s, a new message 503 + Retry-After, no 401."""
    live, live_s = await _timed_get(http, "/live")
    ready, ready_s = await _timed_get(http, "/ready")
    assert (live, ready) == (200, 503)
    assert live_s < 1.0 and ready_s < 1.0, (live_s, ready_s)
    response = await http.post(
        f"/threads/{thread_id}/runs",
        json={"assistant_id": "echo", "input": {"messages": [{"role": "user", "content": "during the outage"}]}},
        headers=server.headers,
    )
    assert response.status_code == 503 and int(response.headers["Retry-After"]) > 0
    unauthenticated = await http.post(f"/threads/{thread_id}/runs", json={"assistant_id": "echo"})
    assert unauthenticated.status_code == 503  # refused before authentication, which needs the database


async def _classify(server: ServerProcess, traffic: Traffic) -> dict[str, int]:
    """Counts of acknowledged messages: answered, failed visibly (run error, message kept) and lost."""
    client = get_client(url=server.url, headers=server.headers)
    counts = {"acknowledged": len(traffic.acknowledged), "answered": 0, "failed_visibly": 0, "lost": 0}
    threads: dict[str, list[Any]] = {}
    for thread_id, run_id, text in traffic.acknowledged:
        if thread_id not in threads:
            threads[thread_id] = (await client.threads.get_state(thread_id))["values"].get("messages", [])
        messages = threads[thread_id]
        contents = [m["content"] for m in messages]
        assert contents.count(text) <= 1, f"{text!r} stored twice"
        status = (await client.runs.get(thread_id, run_id))["status"]
        at = contents.index(text) if text in contents else -1
        answered = 0 <= at < len(messages) - 1 and messages[at + 1]["type"] == "ai"
        if status == "success" and answered and contents[at + 1].endswith(f": {text}"):
            counts["answered"] += 1
        elif status == "error" and at >= 0:
            counts["failed_visibly"] += 1
        else:
            counts["lost"] += 1
    return counts


async def test_acknowledged_messages_survive_postgres_killed_twice(
    killable_pg: KillablePostgres, server_config: Path, tmp_path: Path
) -> None:
    _, database_url = create_database(killable_pg.url, prefix="srv")
    server = ServerProcess(database_url, server_config, tmp_path / "server.log").start(timeout_s=SERVER_START_TIMEOUT_S)
    traffic = Traffic()
    client = get_client(url=server.url, headers=server.headers)
    probe_thread = (await client.threads.create())["thread_id"]
    try:
        async with httpx.AsyncClient(base_url=server.url) as http:
            conversations = [asyncio.create_task(_converse(server, i, traffic)) for i in range(CONVERSATIONS)]

            seen_running: list[tuple[str, str]] = []  # the run last seen running, just before each kill

            async def a_run_is_running() -> bool:
                thread_id, run_id, _ = traffic.acknowledged[-1] if traffic.acknowledged else ("", "", "")
                running = bool(run_id) and (await client.runs.get(thread_id, run_id))["status"] == "running"
                if running:
                    seen_running[:] = [(thread_id, run_id)]
                return running

            in_flight_at_kill: list[tuple[str, str]] = []

            for outage in range(OUTAGES):
                before = len(traffic.acknowledged)

                async def traffic_flowed(before: int = before) -> bool:
                    return len(traffic.acknowledged) >= before + CONVERSATIONS and await a_run_is_running()

                await wait_until(traffic_flowed, what=f"traffic flows before outage {outage + 1}")
                refused = traffic.refused_503
                in_flight_at_kill += seen_running
                killable_pg.kill()
                await wait_until(lambda: _status_is(http, "/ready", 503), what="/ready says 503")
                await _probe_outage(server, http, probe_thread)

                async def clients_refused(refused: int = refused) -> bool:
                    return traffic.refused_503 >= refused + 2 * CONVERSATIONS  # an outage of a few seconds

                await wait_until(clients_refused, what="the clients are refused with 503")
                killable_pg.restart()
                await wait_until(lambda: _status_is(http, "/ready", 200), what="/ready says 200 after the restart")
            traffic.stop.set()
            await asyncio.gather(*conversations)

        async def nothing_active() -> bool:
            for thread_id, run_id, _ in traffic.acknowledged:
                if (await client.runs.get(thread_id, run_id))["status"] in ("pending", "running"):
                    return False
            return True

        await wait_until(nothing_active, timeout_s=180, what="every acknowledged run has finished")
        counts = await _classify(server, traffic)
        # The lead reports these figures (run with -s).
        print(f"\noutage counts ({OUTAGES} Postgres kills): {counts}, refused: {traffic.refused_503}")  # noqa: T201
        assert counts["lost"] == 0, counts
        assert counts["answered"] + counts["failed_visibly"] == counts["acknowledged"]
        print(f"other client failures (not acknowledged): {traffic.other_failures}")  # noqa: T201
        # Each kill came while a run was running, and that run ended answered or visibly failed. Whether a kill
        # also cut one of its database writes (a retry in the log) depends on timing: reported, not asserted. It
        # was asserted until a loaded fresh-clone run had 23 of 23 answered and no write cut (stop 25).
        assert len(in_flight_at_kill) == OUTAGES
        for thread_id, run_id in in_flight_at_kill:
            assert (await client.runs.get(thread_id, run_id))["status"] in ("success", "error"), run_id
        log = server.log_path.read_text()
        retried = log.count("will be retried") + log.count("database unreachable on attempt")
        print(f"runs in flight at the kills: {in_flight_at_kill}; database writes cut and retried: {retried}")  # noqa: T201
    finally:
        server.stop()


async def _status_is(http: httpx.AsyncClient, path: str, status: int) -> bool:
    try:
        return (await http.get(path, timeout=2.0)).status_code == status
    except httpx.HTTPError:
        return False
