"""`make run` (`support-agent serve`): "ready" and the URLs appear only once the port answers; the log is plain.

The server runs as `make run` starts it, with its output piped (not a terminal), as in a log file.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from server.launcher import ROOT, free_port
from server.ready_banner import answers_ready
from tests.conftest import create_database

pytestmark = pytest.mark.integration

START_TIMEOUT_S = 300.0


def test_serve_says_ready_only_when_serving_and_logs_plain_text(pg_server_url: str) -> None:
    _, database_url = create_database(pg_server_url, prefix="srv")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DATABASE_URL": database_url, "LANGSMITH_TRACING": "false"}
    env.pop("LOG_LEVEL", None)  # as `make run`: the command's own default
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "support-agent"), "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert process.stdout is not None
    lines: queue.Queue[tuple[bytes, bool]] = queue.Queue()

    def read() -> None:
        assert process.stdout is not None
        for raw in process.stdout:
            # The moment "ready" is printed, the server must already answer.
            lines.put((raw, raw.startswith(b"ready") and answers_ready(base)))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    log: list[bytes] = []
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        serving_when_ready: bool | None = None
        while serving_when_ready is None and time.monotonic() < deadline:
            assert process.poll() is None, b"".join(log).decode(errors="replace")
            try:
                raw, serving = lines.get(timeout=1.0)
            except queue.Empty:
                continue
            log.append(raw)
            if raw.startswith(b"ready"):
                serving_when_ready = serving
        assert serving_when_ready is True, b"".join(log).decode(errors="replace")
        before_ready = b"".join(log[:-1])
        assert f"{base}/docs".encode() not in before_ready  # the URLs come with "ready", not at launch
        # Some traffic for the log: probes, a refused request, a malformed one.
        with httpx.Client(base_url=base, timeout=30) as http:
            assert http.get("/health").status_code == 200
            assert http.post("/threads/search", json={}).status_code in (401, 403)
            assert http.post("/threads", content=b"{not json").status_code in (400, 401, 403, 422)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        reader.join(timeout=10)
    while not lines.empty():
        log.append(lines.get()[0])
    text = b"".join(log).decode(errors="replace")
    assert f"{base}/docs" in text
    assert "\x1b[" not in text  # no ANSI colour codes in a log file
    assert " object at 0x" not in text and "IngestSummary(" not in text  # no internal reprs (the seed line)
    assert "seeded knowledge.ingest:" in text
    assert "no crash recovery" not in text  # our recovery covers one-host mode (README)
