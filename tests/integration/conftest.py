"""Integration fixtures: the real server as a subprocess on a real Postgres database."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from server.launcher import ServerProcess, write_config
from tests.conftest import create_database

# Every server the tests start is called from one address, mostly with one admin key, and the rate counters live in
# the shared database: the fuzzer alone starts hundreds of runs a minute. So the per-address and per-key run limits
# are raised for the test servers (tests/integration/throttle checks the limits themselves on a server of its own).
os.environ.setdefault("RATE_LIMIT_MESSAGES_PER_IP_PER_MINUTE", "100000")
os.environ.setdefault("RATE_LIMIT_MESSAGES_PER_KEY_PER_MINUTE", "100000")


@pytest.fixture(scope="session")
def server_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    echo = Path(__file__).resolve().parent / "graphs" / "echo_graph.py"
    return write_config(tmp_path_factory.mktemp("config"), extra_graphs={"echo": f"{echo}:graph"})


@pytest.fixture(scope="session")
def live_server(
    pg_server_url: str, server_config: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    """One real server for the session, on its own database, seeded with the KB and demo customers."""
    _, database_url = create_database(pg_server_url, prefix="srv")
    logs = tmp_path_factory.mktemp("logs")
    server = ServerProcess(database_url, server_config, logs / "live_server.log", seed=True).start(timeout_s=300)
    yield server
    server.stop()


@pytest.fixture
def server_factory(pg_server_url: str, server_config: Path, tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    """Start extra servers (restarts, several processes, crashes); all are stopped after the test.

    Call it with ``database_url=`` to share a database, otherwise each call gets a new one.
    """
    started: list[ServerProcess] = []

    def start(
        *, database_url: str | None = None, seed: bool = False, workers: int = 1, **extra_env: str
    ) -> ServerProcess:
        url = database_url or create_database(pg_server_url, prefix="srv")[1]
        log = tmp_path / f"server{len(started)}.log"
        server = ServerProcess(url, server_config, log, seed=seed, workers=workers, extra_env=extra_env)
        server.start(timeout_s=300)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
