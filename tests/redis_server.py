"""A throwaway ``redis-server`` for tests: on a free loopback port, in a temporary directory, never the system one."""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import redis

from server.launcher import free_port

START_TIMEOUT_S = 60.0


@dataclass
class RedisProcess:
    """One ``redis-server`` without persistence; :meth:`start` again after :meth:`kill` restarts it, empty."""

    directory: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The ``REDIS_URL`` of this server."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisProcess:
        """Start the server and wait until it answers PING."""
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        log = (self.directory / "redis.log").open("ab")
        command = [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory)]
        command += ["--save", "", "--appendonly", "no", "--protected-mode", "yes"]
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_S
        client = redis.Redis.from_url(self.url, socket_timeout=1.0)
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode}")
            try:
                if client.ping():
                    return self
            except redis.ConnectionError:
                pass
            if time.monotonic() >= deadline:
                self.kill()
                raise TimeoutError(f"redis-server did not answer within {START_TIMEOUT_S}s")
            time.sleep(0.1)

    def kill(self) -> None:
        """SIGKILL: every key (the job queue too) is gone."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
