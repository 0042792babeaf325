"""`support-agent serve` on the embedded Postgres: a SIGTERM to the command alone stops that Postgres too.

pgserver stops the embedded Postgres at exit (atexit). Python's default SIGTERM ends a process without running atexit,
and uvicorn re-raises a SIGTERM after its graceful shutdown, so a service manager's stop (or `kill PID`) left Postgres
running with the dead PID in `.handle_pids.json`; only Ctrl-C stopped it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from server.launcher import ROOT, free_port
from server.ready_banner import answers_ready
from tests.waiting import SERVER_START_TIMEOUT_S, wait_until

pytestmark = pytest.mark.integration


def _postmaster(pgdata: Path) -> psutil.Process | None:
    """The Postgres server running on ``pgdata``, from its ``postmaster.pid``."""
    try:
        pid = int((pgdata / "postmaster.pid").read_text().split()[0])
        return psutil.Process(pid)
    except (FileNotFoundError, IndexError, ValueError, psutil.NoSuchProcess):
        return None


def _running(process: psutil.Process) -> bool:
    try:
        return bool(process.status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False


def test_sigterm_to_serve_stops_its_embedded_postgres(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    models = ROOT / ".data" / "models"  # the exported ONNX graphs, shared rather than exported again
    models.mkdir(parents=True, exist_ok=True)
    (data_dir / "models").symlink_to(models)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # DATABASE_URL empty, not unset: a developer's .env must not point this server at another database.
    env = {**os.environ, "DATA_DIR": str(data_dir), "DATABASE_URL": "", "LANGSMITH_TRACING": "false"}
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "support-agent"), "serve", "--port", str(port), "--no-seed"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    pgdata = data_dir / "pg"
    postgres: psutil.Process | None = None
    try:

        def serving() -> bool:
            assert process.poll() is None, f"serve exited with {process.returncode}:\n{log_path.read_text()[-3000:]}"
            return answers_ready(base)

        asyncio.run(wait_until(serving, what="serve answers /ready", timeout_s=SERVER_START_TIMEOUT_S, poll_s=0.5))
        postgres = _postmaster(pgdata)
        assert postgres is not None and _running(postgres), f"no embedded Postgres in {pgdata}"

        process.send_signal(signal.SIGTERM)  # to the command alone, as `kill PID` or a service manager does
        status = process.wait(timeout=120)
        assert status == 128 + signal.SIGTERM, log_path.read_text()[-3000:]
        stopped = postgres
        asyncio.run(wait_until(lambda: not _running(stopped), what="the embedded Postgres stopped", timeout_s=60))
        assert not (pgdata / "postmaster.pid").exists()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        if postgres is not None and _running(postgres):
            postgres.terminate()
