"""`serve --workers N`: every worker accepts connections, a dead worker is replaced, all exit with the supervisor."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import psutil
import pytest
from langgraph_sdk import get_client

from server.launcher import ServerProcess
from tests.conftest import create_database
from tests.waiting import SERVER_START_TIMEOUT_S, wait_until

pytestmark = pytest.mark.integration


def _workers(server: ServerProcess) -> list[psutil.Process]:
    assert server.process is not None
    children = psutil.Process(server.process.pid).children()
    return [child for child in children if _listens(child, server.port)]


def _listens(process: psutil.Process, port: int) -> bool:
    # A worker killed (or exiting) between the listing of children and this read is not listening: the check
    # must say so, not raise (it raised NoSuchProcess on the killed worker in 1 of 4 loop runs under load).
    try:
        connections = process.net_connections()
    except psutil.NoSuchProcess:  # ZombieProcess included
        return False
    return any(c.status == psutil.CONN_LISTEN and c.laddr.port == port for c in connections)


def _connections_held(process: psutil.Process, port: int) -> int:
    return sum(c.status == psutil.CONN_ESTABLISHED and c.laddr.port == port for c in process.net_connections())


async def _hold_connections(url: str, count: int) -> list[httpx.AsyncClient]:
    # Opened in one burst, as clients arrive at a busy server: uvicorn's shared socket handed nearly all of such a
    # burst to whichever worker woke first.
    clients = [httpx.AsyncClient(base_url=url) for _ in range(count)]
    responses = await asyncio.gather(*(client.get("/health") for client in clients))
    assert all(response.status_code == 200 for response in responses)
    return clients


async def test_workers_share_connections_replace_the_dead_and_exit_with_the_supervisor(
    server_factory: Callable[..., ServerProcess],
) -> None:
    server = server_factory(workers=2)
    workers = _workers(server)
    assert len(workers) == 2  # each worker listens on its own socket

    clients = await _hold_connections(server.url, 16)
    try:
        held = [_connections_held(worker, server.port) for worker in workers]
        assert sum(held) == 16
        assert min(held) >= 1  # all 16 on one worker: probability 2**-15 when the kernel spreads them
    finally:
        await asyncio.gather(*(client.aclose() for client in clients))

    dead = workers[0].pid
    workers[0].kill()

    def replaced() -> bool:
        pids = {worker.pid for worker in _workers(server)}
        return len(pids) == 2 and dead not in pids

    await wait_until(replaced, timeout_s=240, what=f"worker {dead} is replaced by a new listening worker")
    sdk = get_client(url=server.url, headers=server.headers)
    thread_id = (await sdk.threads.create())["thread_id"]
    message: dict[str, object] = {"messages": [{"role": "user", "content": "still here"}]}
    result = await sdk.runs.wait(thread_id, "echo", input=message)
    assert isinstance(result, dict)
    assert result["messages"][-1]["content"] == "echo #1: still here"

    workers = _workers(server)
    server.kill()  # SIGKILL: the supervisor cannot tell its workers to stop

    def gone() -> bool:
        return not any(w.is_running() and w.status() != psutil.STATUS_ZOMBIE for w in workers)

    await wait_until(gone, what="every worker has exited after the supervisor was killed")
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{server.url}/health", timeout=2.0)


def test_a_worker_that_cannot_start_stops_the_server(pg_server_url: str, server_config: Path, tmp_path: Path) -> None:
    config = json.loads(server_config.read_text())
    config["graphs"]["broken"] = f"{tmp_path / 'missing_graph.py'}:graph"
    broken = tmp_path / "langgraph.broken.json"
    broken.write_text(json.dumps(config))
    _, database_url = create_database(pg_server_url, prefix="srv")
    server = ServerProcess(database_url, broken, tmp_path / "broken.log", workers=2)
    with pytest.raises(RuntimeError, match="server exited with 1"):
        server.start(timeout_s=SERVER_START_TIMEOUT_S)
    assert "before serving; stopping" in (tmp_path / "broken.log").read_text()


def test_workers_refuse_a_port_another_server_listens_on(pg_url: str) -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        command = [str(Path(sys.executable).parent / "support-agent"), "serve", "--workers", "2", "--port", str(port)]
        done = subprocess.run(
            [*command, "--no-seed"], env={**os.environ, "DATABASE_URL": pg_url}, capture_output=True, text=True
        )
    assert done.returncode == 1
    assert f"127.0.0.1:{port} is already in use" in done.stderr
