"""`support-agent chat`: a terminal conversation over the LangGraph API, resumable by thread id.

The real CLI runs as a subprocess against the real server; what it prints must be what the server sent.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from server.launcher import ROOT, ServerProcess, free_port

pytestmark = pytest.mark.integration

CHAT = str(Path(sys.executable).parent / "support-agent")


def _run_chat(lines: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CHAT, "chat", *args],
        input=lines,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        timeout=300,
    )


def _chat(server: ServerProcess, lines: str, *extra: str, url: bool = True) -> str:
    # The customer token is issued from the server's database; without --url the CLI finds the server by PORT.
    env = {"DATABASE_URL": server.database_url, "PORT": str(server.port)}
    done = _run_chat(lines, *(["--url", server.url] if url else []), *extra, env=env)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


def test_chat_prints_verbatim_then_resumes_and_streams_again(live_server: ServerProcess) -> None:
    typed = "How do I reset my password? [/b] [bold]not markup[/bold]"
    first = _chat(live_server, f"{typed}\n/quit\n", "--customer", "cli-customer", url=False)
    match = re.search(r"--thread ([0-9a-f-]{36})", first)
    assert match, first
    assert "agent>" in first and "password" in first.lower()
    # Sources are cited as [article-id]: markup would have swallowed the brackets and the id.
    cited = re.search(r"Sources: \[([\w-]+)\] ", first)
    assert cited, first

    resumed = _chat(
        live_server, "What about two-factor codes?\n/quit\n", "--customer", "cli-customer", "--thread", match.group(1)
    )
    assert typed in resumed  # the history is shown again, brackets and all (a "[/b]" crashed the resume)
    assert f"[{cited.group(1)}]" in resumed
    new_answer = resumed.rsplit("agent> ", 1)[-1]
    assert resumed.count("agent> ") >= 2 and new_answer.strip()  # the resumed thread streams a new answer too


def test_chat_against_a_server_that_is_down_says_so_in_one_line() -> None:
    port = free_port()
    for args, env in ((["--url", f"http://127.0.0.1:{port}"], {}), ([], {"PORT": str(port)})):
        done = _run_chat("hello\n/quit\n", *args, "--token", "not-needed", env=env)
        assert done.returncode == 1
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and f"127.0.0.1:{port}" in lines[0], done.stderr
        assert "Traceback" not in done.stderr and done.stdout == ""
