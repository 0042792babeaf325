"""Which replica executes a run: Aegra's lease in Postgres names the worker (``host-pid-worker-N``)."""

from __future__ import annotations

import psycopg

from server.launcher import ServerProcess
from tests.waiting import wait_until


def _claimed_by(database_url: str, run_id: str) -> str | None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute("SELECT claimed_by FROM runs WHERE run_id = %s", (run_id,)).fetchone()
    return None if row is None else row[0]


async def executing_replica(replicas: list[ServerProcess], run_id: str) -> ServerProcess:
    """The replica whose worker holds the run's lease, once one does."""

    def owner() -> ServerProcess | None:
        claimed = _claimed_by(replicas[0].database_url, run_id) or ""
        for server in replicas:
            if server.process is not None and f"-{server.process.pid}-worker-" in claimed:
                return server
        return None

    return await wait_until(owner, what=f"a replica holds the lease of run {run_id}")


def other_replica(replicas: list[ServerProcess], server: ServerProcess) -> ServerProcess:
    """A replica other than ``server``."""
    return next(replica for replica in replicas if replica is not server)
