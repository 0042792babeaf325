"""The load benchmark's measurement against the real server: every turn answered, memory and sessions measured."""

from __future__ import annotations

import pytest

from bench.load import _listening_pid, _measure, pool_bounds
from server.launcher import ServerProcess

pytestmark = pytest.mark.integration


async def test_measure_answers_every_turn_and_sees_the_servers_memory_and_sessions(live_server: ServerProcess) -> None:
    assert live_server.process is not None
    assert _listening_pid(live_server.port) == live_server.process.pid  # how --url finds the server to measure
    figures = await _measure(
        live_server.url,
        live_server.headers,
        live_server.database_url,
        live_server.process.pid,
        conversations=3,
        turns=2,
    )
    assert (figures["turns"], figures["errors"]) == (6, 0)
    assert figures["rss_before_mb"] > 100  # the server with its models, not this client
    assert 0 < figures["peak_pg_sessions"] <= pool_bounds()["per_process"]
