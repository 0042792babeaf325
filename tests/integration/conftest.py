"""Integration fixtures: the real server as a subprocess on a real Postgres database."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from server.launcher import ServerProcess, write_config
from tests.conftest import create_database
from tests.killable_postgres import KillablePostgres
from tests.waiting import SERVER_START_TIMEOUT_S

# Every server the tests start is called from one address, mostly with one admin key, and the rate counters live in
# the shared database: the fuzzer alone starts hundreds of runs a minute. So the per-address and per-key run limits
# are raised for the test servers (tests/integration/throttle checks the limits themselves on a server of its own).
os.environ.setdefault("RATE_LIMIT_MESSAGES_PER_IP_PER_MINUTE", "100000")
os.environ.setdefault("RATE_LIMIT_MESSAGES_PER_KEY_PER_MINUTE", "100000")

LOG_TAIL_CHARS = 6000
# The servers a test used, so a failing test's report carries their logs (a flaky failure is seen once).
_SERVERS = pytest.StashKey[list[ServerProcess]]()


def _use(node: pytest.Item | pytest.Session, server: ServerProcess) -> None:
    node.stash.setdefault(_SERVERS, []).append(server)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[pytest.TestReport]:
    """Attach the tail of each server log the test used to its report when it failed."""
    report: pytest.TestReport = yield
    if report.failed:
        servers = list(item.stash.get(_SERVERS, []))
        if "live_server" in getattr(item, "fixturenames", ()):
            servers += item.session.stash.get(_SERVERS, [])
        for server in servers:
            if server.log_path.exists():
                tail = server.log_path.read_text(errors="replace")[-LOG_TAIL_CHARS:]
                report.sections.append((f"server log tail: {server.log_path}", tail))
    return report


@pytest.fixture(scope="session")
def server_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    echo = Path(__file__).resolve().parent / "graphs" / "echo_graph.py"
    return write_config(tmp_path_factory.mktemp("config"), extra_graphs={"echo": f"{echo}:graph"})


@pytest.fixture(scope="session")
def live_server(
    pg_server_url: str, server_config: Path, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[ServerProcess]:
    """One real server for the session, on its own database, seeded with the KB and demo customers."""
    _, database_url = create_database(pg_server_url, prefix="srv")
    logs = tmp_path_factory.mktemp("logs")
    server = ServerProcess(database_url, server_config, logs / "live_server.log", seed=True)
    _use(request.session, server)
    server.start(timeout_s=SERVER_START_TIMEOUT_S)
    yield server
    server.stop()


@pytest.fixture
def server_factory(
    pg_server_url: str, server_config: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[..., ServerProcess]]:
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
        _use(request.node, server)
        server.start(timeout_s=SERVER_START_TIMEOUT_S)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def killable_pg() -> Iterator[KillablePostgres]:
    """A Postgres of the test's own that it may crash and restart (``tests/killable_postgres.py``)."""
    data_dir = Path("/tmp") / f"sa-outage-{uuid.uuid4().hex[:8]}"
    pg = KillablePostgres(data_dir)
    yield pg
    pg.stop()
    shutil.rmtree(data_dir, ignore_errors=True)
