"""`support-agent chat`: a terminal conversation over the LangGraph API, resumable by thread id."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from server.launcher import ROOT, ServerProcess

pytestmark = pytest.mark.integration


def _chat(server: ServerProcess, lines: str, *extra: str) -> str:
    done = subprocess.run(
        [str(Path(sys.executable).parent / "support-agent"), "chat", "--url", server.url, *extra],
        input=lines,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": server.database_url},  # the customer token is issued from this database
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_chat_then_resume(live_server: ServerProcess) -> None:
    first = _chat(live_server, "How do I reset my password?\n/quit\n", "--customer", "cli-customer")
    match = re.search(r"--thread ([0-9a-f-]{36})", first)
    assert match, first
    assert "agent>" in first and "password" in first.lower()
    resumed = _chat(live_server, "/quit\n", "--customer", "cli-customer", "--thread", match.group(1))
    assert "How do I reset my password?" in resumed  # the history is shown again
