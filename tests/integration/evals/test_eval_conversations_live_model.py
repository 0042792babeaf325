"""`support-agent eval conversations --model openai:...` against the scripted OpenAI-compatible server.

The command starts its own server answering with the given model, runs the chosen scenario and prints the
per-scenario table and the metrics JSON; the scripted server shows that the model was the one asked. With
LANGSMITH_API_KEY the run is uploaded as an experiment: here to a loopback stand-in for the LangSmith API.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from evals.conversations_qa import DATASET
from tests.langsmith_capture import LangSmithCapture
from tests.openai_stub import OpenAIStub, Reply

pytestmark = pytest.mark.integration

SCENARIO = "tickets: a customer with no tickets is told so"


@pytest.fixture
def stub() -> Iterator[OpenAIStub]:
    with OpenAIStub() as server:
        server.defaults["intent"] = Reply(json.dumps({"intent": "ticket_status", "confidence": 0.9}))
        server.defaults["answer"] = Reply("You have no open tickets right now.")
        yield server


def _eval(stub: OpenAIStub, **env: str) -> dict[str, Any]:
    """Run the CLI on SCENARIO; check the table against the metrics JSON, and return the metrics."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("LANGSMITH_") and k != "LLM_MODEL"}
    environment |= {"OPENAI_BASE_URL": stub.base_url, "OPENAI_API_KEY": "sk-test-not-used"}
    environment |= {"LANGSMITH_TRACING": "false", **env}
    done = subprocess.run(
        [sys.executable, "-m", "cli", "eval", "conversations", "--model", "openai:stub-model", "--only", SCENARIO],
        env=environment,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.strip().splitlines()
    metrics: dict[str, Any] = json.loads(lines[-1])
    assert metrics["n"] == 1 and set(metrics["results"]) == {SCENARIO}
    table = "\n".join(lines[:-1])
    verdict = "PASS" if metrics["results"][SCENARIO] else "FAIL"
    assert any(line.startswith(SCENARIO) and f"  {verdict}" in line for line in table.splitlines()), table
    assert f"passed {metrics['passed']}/1 with model openai:stub-model" in table
    answers = stub.of_kind("answer")
    assert answers and answers[0].body["model"] == "stub-model"
    return metrics


def test_the_scenario_suite_runs_against_a_configured_model_and_prints_the_table(stub: OpenAIStub) -> None:
    metrics = _eval(stub)
    assert metrics["passed"] == 1, metrics["failures"]
    assert "experiment" not in metrics


def test_with_a_langsmith_key_the_run_is_uploaded_as_an_experiment_with_feedback(stub: OpenAIStub) -> None:
    with LangSmithCapture() as langsmith:
        metrics = _eval(stub, LANGSMITH_API_KEY="lsv2-dummy-key-not-used", LANGSMITH_ENDPOINT=langsmith.url)
    assert metrics["passed"] == 1, metrics["failures"]
    [dataset] = langsmith.datasets.values()
    assert dataset["name"] == DATASET
    assert [example["inputs"] for example in langsmith.examples] == [{"scenario": SCENARIO}]
    [experiment] = langsmith.sessions.values()
    assert experiment["name"] == metrics["experiment"] and experiment["reference_dataset_id"] == dataset["id"]
    assert experiment["extra"]["metadata"]["model"] == "openai:stub-model"
    feedback = [json.loads(r.body) for r in langsmith.requests if r.method == "POST" and r.path == "/feedback"]
    assert [(f["key"], f["score"]) for f in feedback] == [("passed", 1.0)]
