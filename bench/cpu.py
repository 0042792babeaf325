"""CPU time of the server processes, Postgres (and Redis) and this benchmark client while turns are measured.

It shows where a turn's cost goes and how close the load is to what the machine's cores can do. Postgres is
found through the embedded server's ``postmaster.pid`` (the socket directory in the database URL); with an
external ``DATABASE_URL`` its share is not measured. Backends that start and exit inside the span are missed.
"""

from __future__ import annotations

import resource
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import psutil


def _cpu_seconds(processes: list[psutil.Process]) -> dict[int, float]:
    seconds: dict[int, float] = {}
    for process in processes:
        try:
            times = process.cpu_times()
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        seconds[process.pid] = times.user + times.system
    return seconds


def _tree(pid: int | Sequence[int] | None) -> list[psutil.Process]:
    if pid is None:
        return []
    if not isinstance(pid, int):  # several servers (replicas): every tree
        return [process for one in pid for process in _tree(one)]
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def postmaster_pid(database_url: str) -> int | None:
    """The embedded Postgres server's PID, from ``postmaster.pid`` in the URL's socket directory."""
    hosts = parse_qs(urlparse(database_url).query).get("host", [])
    pid_file = Path(hosts[0]) / "postmaster.pid" if hosts else None
    if pid_file is None or not pid_file.exists():
        return None
    return int(pid_file.read_text().split()[0])


def _client_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class CpuMeter:
    """Start with :meth:`start`, then :meth:`per_turn` gives milliseconds of CPU per turn by party.

    ``server_pid`` may list several servers (replicas); ``redis_pid`` is measured when given.
    """

    server_pid: int | Sequence[int] | None
    postgres_pid: int | None
    redis_pid: int | None = None
    _server: dict[int, float] = field(default_factory=dict)
    _postgres: dict[int, float] = field(default_factory=dict)
    _redis: dict[int, float] = field(default_factory=dict)
    _client: float = 0.0

    def start(self) -> CpuMeter:
        """Remember every process's CPU time now."""
        self._server = _cpu_seconds(_tree(self.server_pid))
        self._postgres = _cpu_seconds(_tree(self.postgres_pid))
        self._redis = _cpu_seconds(_tree(self.redis_pid))
        self._client = _client_seconds()
        return self

    def per_turn(self, turns: int) -> dict[str, float]:
        """CPU ms per turn since :meth:`start` for the server (all workers), Postgres (if found) and this client."""

        def spent(before: dict[int, float], pid: int | Sequence[int] | None) -> float:
            now = _cpu_seconds(_tree(pid))
            return sum(seconds - before.get(process, 0.0) for process, seconds in now.items())

        def ms(seconds: float) -> float:
            return round(1000 * seconds / max(turns, 1), 1)

        figures = {
            "server_cpu_ms_per_turn": ms(spent(self._server, self.server_pid)),
            "client_cpu_ms_per_turn": ms(_client_seconds() - self._client),
        }
        if self.postgres_pid is not None:
            figures["postgres_cpu_ms_per_turn"] = ms(spent(self._postgres, self.postgres_pid))
        if self.redis_pid is not None:
            figures["redis_cpu_ms_per_turn"] = ms(spent(self._redis, self.redis_pid))
        return figures
