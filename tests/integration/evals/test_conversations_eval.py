"""The conversation-scenario suite through the real server: every shipped scenario passes.

The same runner is `support-agent eval conversations`; here it drives the test session's server.
"""

from __future__ import annotations

import pytest

from evals.conversations import DEFAULT_DATA, Driver, run_suite, validate
from evals.jsonl import read_jsonl
from server.launcher import ServerProcess

pytestmark = pytest.mark.integration


async def test_every_scenario_passes_through_the_real_server(live_server: ServerProcess) -> None:
    scenarios = read_jsonl(DEFAULT_DATA, required=("name", "steps"))
    validate(scenarios, DEFAULT_DATA)
    driver = Driver(live_server.url, live_server.headers, live_server.customer_headers)
    try:
        metrics = await run_suite(driver, scenarios)
    finally:
        await driver.close()
    assert metrics["passed"] == metrics["n"], "\n".join(
        f"{f['scenario']} (step {f['step']}): {f['problem']}" for f in metrics["failures"]
    )
