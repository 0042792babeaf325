"""The conversation-scenario suite as LangSmith pytest evals: one test per scenario, with feedback.

Offline by default; with LANGSMITH_API_KEY each scenario is logged to a LangSmith experiment with its
steps as inputs and its failures as outputs. `LLM_MODEL` chooses the model the server answers with.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langsmith import testing as t

from evals.conversations import DEFAULT_DATA, Driver, start_server, validate
from evals.jsonl import read_jsonl

os.environ.setdefault("LANGSMITH_TEST_TRACKING", "false" if not os.environ.get("LANGSMITH_API_KEY") else "true")

SCENARIOS = read_jsonl(DEFAULT_DATA, required=("name", "steps"))
validate(SCENARIOS, DEFAULT_DATA)


@pytest.fixture(scope="module")
def server() -> Iterator[Any]:
    running = start_server(Path(tempfile.mkdtemp(prefix="eval-conversations-")), model=os.environ.get("LLM_MODEL"))
    try:
        yield running
    finally:
        running.stop()


@pytest.mark.langsmith
@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["name"] for s in SCENARIOS])
def test_conversation_scenario(server: Any, scenario: dict[str, Any]) -> None:
    t.log_inputs({"scenario": scenario["name"], "steps": scenario["steps"]})

    async def run() -> list[dict[str, Any]]:
        driver = Driver(server.url, server.headers, server.customer_headers)
        try:
            return [failure.as_dict() for failure in await driver.run(scenario)]
        finally:
            await driver.close()

    failures = asyncio.run(run())
    t.log_outputs({"failures": failures})
    t.log_feedback(key="passed", score=float(not failures))
    assert not failures, failures
