"""The turn benchmark's driver and CPU meter against the real server: every turn answered and accounted for."""

from __future__ import annotations

import pytest

from bench.cpu import CpuMeter, postmaster_pid
from bench.turns import drive
from server.launcher import ServerProcess

pytestmark = pytest.mark.integration


async def test_drive_counts_every_turn_and_meters_server_and_postgres_cpu(live_server: ServerProcess) -> None:
    assert live_server.process is not None
    meter = CpuMeter(live_server.process.pid, postmaster_pid(live_server.database_url)).start()
    result = await drive(live_server.url, conversations=3, turns=2, headers=live_server.headers)
    cpu = meter.per_turn(len(result.latencies))
    summary = result.summary()
    assert (summary["turns"], summary["errors"]) == (6, 0)
    assert 0 < summary["p50_ms"] <= summary["p95_ms"]
    assert cpu["server_cpu_ms_per_turn"] > 0  # the graph ran in the server process, not here
    assert cpu["postgres_cpu_ms_per_turn"] > 0  # the embedded Postgres was found and did work


def test_postmaster_pid_only_for_a_local_socket_directory() -> None:
    assert postmaster_pid("postgresql://user:pw@db.example.com:5432/support") is None
    assert postmaster_pid("postgresql://postgres:@/support?host=/nonexistent/socket/dir") is None
