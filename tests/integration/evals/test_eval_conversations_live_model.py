"""`support-agent eval conversations --model openai:...` against the scripted OpenAI-compatible server, offline.

The command starts its own server answering with the given model, runs the chosen scenario and prints the
per-scenario table and the metrics JSON; the scripted server shows that the model was the one asked.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.openai_stub import OpenAIStub, Reply

pytestmark = pytest.mark.integration

SCENARIO = "tickets: a customer with no tickets is told so"


@pytest.fixture
def stub() -> Iterator[OpenAIStub]:
    with OpenAIStub() as server:
        server.defaults["intent"] = Reply(json.dumps({"intent": "ticket_status", "confidence": 0.9}))
        server.defaults["answer"] = Reply("You have no open tickets right now.")
        yield server


def test_the_scenario_suite_runs_against_a_configured_model_and_prints_the_table(stub: OpenAIStub) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LANGSMITH_") and k != "LLM_MODEL"}
    env |= {"OPENAI_BASE_URL": stub.base_url, "OPENAI_API_KEY": "sk-test-not-used", "LANGSMITH_TRACING": "false"}
    done = subprocess.run(
        [sys.executable, "-m", "cli", "eval", "conversations", "--model", "openai:stub-model", "--only", SCENARIO],
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    metrics = json.loads(lines[-1])
    assert metrics["n"] == 1 and set(metrics["results"]) == {SCENARIO}
    table = "\n".join(lines[:-1])
    verdict = "PASS" if metrics["results"][SCENARIO] else "FAIL"
    assert any(line.startswith(SCENARIO) and f"  {verdict}" in line for line in table.splitlines()), table
    assert f"passed {metrics['passed']}/1 with model openai:stub-model" in table
    answers = stub.of_kind("answer")
    assert answers and answers[0].body["model"] == "stub-model"
    assert metrics["passed"] == 1, metrics["failures"]
