"""Start and stop real server processes: ours (`support-agent serve`) and `langgraph dev`, for tests and benchmarks."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from db.oneshot import on_database
from db.oneshot import run_coroutine as run_coroutine  # tests start work on a server's database with it
from identity.model import KeyScope

ROOT = Path(__file__).resolve().parents[1]


def create_api_key(database_url: str, *, tenant: str = "default", scope: KeyScope = "admin", name: str = "") -> str:
    """Migrate the database and create a service key on it; returns the key's plaintext."""
    from identity.keys import create_key

    async def create(conn: Any) -> str:
        issued = await create_key(conn, tenant=tenant, scope=scope, name=name or f"{scope} key")
        return issued.plaintext

    return on_database(database_url, create)


def issue_customer_token(database_url: str, customer_id: str, *, tenant: str = "default", ttl_s: int = 3600) -> str:
    """A signed customer token for ``customer_id``, with the tenant's secret (made on first use)."""
    from identity.tokens import issue_token_for

    return on_database(
        database_url, lambda conn: issue_token_for(conn, tenant=tenant, customer_id=customer_id, ttl_s=ttl_s)
    )


def free_port() -> int:
    """A TCP port that is free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_config(
    directory: Path,
    *,
    extra_graphs: dict[str, str] | None = None,
    in_memory: bool = False,
    cors_origins: list[str] | None = None,
    source: Path | None = None,
) -> Path:
    """The project's langgraph.json with absolute paths, plus ``extra_graphs``.

    ``in_memory`` drops our app and the Postgres checkpointer, for `langgraph dev` as an in-memory anchor;
    ``cors_origins`` opens the API to browsers on those origins (closed by default); ``source`` is the config to
    start from (default: the project's).
    """
    source = source or ROOT / "langgraph.json"
    base = source.resolve().parent
    config = json.loads(source.read_text())
    for graph_id, entry in config["graphs"].items():
        path = entry["path"] if isinstance(entry, dict) else entry
        file_part, _, export = path.partition(":")
        absolute = f"{(base / file_part).resolve()}:{export}"
        config["graphs"][graph_id] = {**entry, "path": absolute} if isinstance(entry, dict) else absolute
    config["graphs"].update(extra_graphs or {})
    for section in ("auth", "checkpointer"):
        if section in config and str(config[section].get("path", "")).startswith("."):
            file_part, _, export = config[section]["path"].partition(":")
            config[section]["path"] = f"{(base / file_part).resolve()}:{export}"
    config.pop("env", None)
    if in_memory:
        config.pop("checkpointer", None)
        config.pop("http", None)
        config.pop("store", None)
    if cors_origins and "http" in config:
        config["http"]["cors"] = {"allow_origins": cors_origins, "allow_credentials": True}
    directory.mkdir(parents=True, exist_ok=True)
    name = "langgraph.inmem.json" if in_memory else "langgraph.cors.json" if cors_origins else "langgraph.test.json"
    target = directory / name
    target.write_text(json.dumps(config, indent=2))
    return target


@dataclass
class ServerProcess:
    """One `support-agent serve` process on a given database."""

    database_url: str
    config_path: Path
    log_path: Path
    port: int = field(default_factory=free_port)
    extra_env: dict[str, str] = field(default_factory=dict)
    seed: bool = False
    workers: int = 1
    process: subprocess.Popen[bytes] | None = None
    health_path: str = "health"
    admin_key: str = ""
    """An admin key of tenant ``default``, made before the server starts (``headers`` sends it)."""

    @property
    def headers(self) -> dict[str, str]:
        """Headers that authenticate as an admin of tenant ``default``."""
        return {"Authorization": f"Bearer {self.admin_key}"} if self.admin_key else {}

    def key_headers(self, *, tenant: str = "default", scope: KeyScope = "admin") -> dict[str, str]:
        """Headers with a new key of ``tenant`` and ``scope``."""
        return {"Authorization": f"Bearer {create_api_key(self.database_url, tenant=tenant, scope=scope)}"}

    def customer_headers(self, customer_id: str, *, tenant: str = "default") -> dict[str, str]:
        """Headers with a signed token of ``customer_id``, as a customer's own client sends."""
        token = issue_customer_token(self.database_url, customer_id, tenant=tenant)
        return {"Authorization": f"Bearer {token}"}

    @property
    def url(self) -> str:
        """Base URL of the server."""
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        """The command line that starts the server."""
        command = [str(Path(sys.executable).parent / "support-agent"), "serve", "--port", str(self.port)]
        command += ["--workers", str(self.workers)]
        return command if self.seed else [*command, "--no-seed"]

    def _serving(self) -> bool:
        # With several workers the first one answers health checks while the others still load their models.
        if self.workers > 1 and f"workers serving: {self.workers}/{self.workers}" not in self.log_path.read_text():
            return False
        return httpx.get(f"{self.url}/{self.health_path}", timeout=1.0).status_code == 200

    def start(self, *, timeout_s: float = 120.0) -> ServerProcess:
        """Create an admin key, start the process and wait until its health route answers."""
        if not self.admin_key:
            self.admin_key = create_api_key(self.database_url, name="test admin")
        env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "AEGRA_CONFIG": str(self.config_path),
            "LOG_LEVEL": "WARNING",
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            "LANGSMITH_TRACING": "false",
            **self.extra_env,
        }
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.command(), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"server exited with {self.process.returncode}:\n{self.log_path.read_text()[-4000:]}"
                )
            try:
                if self._serving():
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        self.kill()
        raise TimeoutError(f"server did not answer within {timeout_s}s:\n{self.log_path.read_text()[-4000:]}")

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after 30 s; then SIGKILL to whatever of its session is left.

        The process leads a session of its own (``start_new_session``), so a child that outlived a clean stop is
        found by its group and does not stay behind, orphaned, holding a port. ``kill`` leaves the group alone:
        the crash tests check what the children do when their parent dies.
        """
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)

    def kill(self) -> None:
        """SIGKILL: the process gets no chance to clean up."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@dataclass
class LangGraphDevProcess(ServerProcess):
    """`langgraph dev` (in-memory runtime) serving the same graph, as a reference point."""

    health_path: str = "ok"

    def command(self) -> list[str]:
        """`langgraph dev` without browser or reloader."""
        return [
            str(Path(sys.executable).parent / "langgraph"),
            "dev",
            "--port",
            str(self.port),
            "--no-browser",
            "--no-reload",
            "--allow-blocking",
            "--config",
            str(self.config_path),
        ]

    def start(self, *, timeout_s: float = 120.0) -> ServerProcess:
        """Start with LangSmith and version checks off (no network here)."""
        self.extra_env = {"LANGSMITH_TEST_TRACKING": "false", "LANGGRAPH_NO_VERSION_CHECK": "true", **self.extra_env}
        return super().start(timeout_s=timeout_s)


@dataclass
class StudioProcess(LangGraphDevProcess):
    """`support-agent studio` (what `make studio` runs): `langgraph dev` with blocking calls refused."""

    def command(self) -> list[str]:
        """The CLI's studio command on this config, without the reloader."""
        support_agent = str(Path(sys.executable).parent / "support-agent")
        return [support_agent, "studio", "--port", str(self.port), "--config", str(self.config_path), "--no-reload"]
