"""Replicas of the server on one Postgres database and one Redis, each on its own loopback port."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from server.launcher import ServerProcess
from tests.conftest import create_database
from tests.integration.conftest import _use
from tests.redis_server import RedisProcess
from tests.waiting import SERVER_START_TIMEOUT_S

# Aegra's lease timings, shortened so a dead replica's run is re-queued within seconds instead of ~45 s; the lease
# still outlives three missed heartbeats.
LEASE_ENV = {
    "LEASE_DURATION_SECONDS": "10",
    "HEARTBEAT_INTERVAL_SECONDS": "3",
    "REAPER_INTERVAL_SECONDS": "2",
    "STUCK_PENDING_THRESHOLD_SECONDS": "10",
    "POSTGRES_POLL_INTERVAL_SECONDS": "1",
}


def _start(
    count: int, *, database_url: str, config: Path, logs: Path, redis: RedisProcess, node: pytest.Item | pytest.Session
) -> list[ServerProcess]:
    """Start ``count`` replicas one after the other (the first creates Aegra's tables alone)."""
    servers: list[ServerProcess] = []
    for _ in range(count):
        log = logs / f"replica{len(list(logs.glob('replica*.log')))}.log"
        env = {"REDIS_URL": redis.url, **LEASE_ENV}
        server = ServerProcess(database_url, config, log, extra_env=env)
        _use(node, server)
        servers.append(server.start(timeout_s=SERVER_START_TIMEOUT_S))
    return servers


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisProcess]:
    """A Redis of this test module's own."""
    server = RedisProcess(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.kill()


@pytest.fixture(scope="module")
def replicas(
    pg_server_url: str,
    server_config: Path,
    redis_server: RedisProcess,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Iterator[list[ServerProcess]]:
    """Two replicas shared by the tests of a module that leave them running."""
    _, database_url = create_database(pg_server_url, prefix="rep")
    logs = tmp_path_factory.mktemp("replica-logs")
    servers = _start(
        2, database_url=database_url, config=server_config, logs=logs, redis=redis_server, node=request.session
    )
    yield servers
    for server in servers:
        server.stop()


@pytest.fixture
def start_replicas(
    pg_server_url: str, server_config: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[..., tuple[list[ServerProcess], RedisProcess]]]:
    """Start replicas on a new database and a Redis of their own, for a test that kills one of them.

    Call it with ``database_url=`` to put them on a database of the test's own (a Postgres it restarts).
    """
    started: list[ServerProcess] = []
    redis_servers: list[RedisProcess] = []

    def start(count: int = 2, *, database_url: str | None = None) -> tuple[list[ServerProcess], RedisProcess]:
        redis = RedisProcess(tmp_path).start()
        redis_servers.append(redis)
        database_url = database_url or create_database(pg_server_url, prefix="rep")[1]
        servers = _start(
            count, database_url=database_url, config=server_config, logs=tmp_path, redis=redis, node=request.node
        )
        started.extend(servers)
        return servers, redis

    yield start
    for server in started:
        server.stop()
    for redis in redis_servers:
        redis.kill()
