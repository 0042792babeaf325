"""Fuzz every operation of the server's own OpenAPI document (ours and the LangGraph API's) with schemathesis.

Each case is sent to the real server with an admin key; every response must be a non-5xx that the schema
declares (status code and content type) and, where the declared schema is honest, whose body matches it.
The session prints one summary line: operations and cases run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from server.launcher import ServerProcess

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CASES: Counter[str] = Counter()


@pytest.fixture(scope="module")
def api_schema(live_server: ServerProcess) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{live_server.url}/openapi.json", headers=live_server.headers)


@pytest.fixture(scope="module")
def http_session(live_server: ServerProcess) -> Iterator[requests.Session]:
    """One keep-alive session: a 5xx that dropped the connection would also show up as a connection error."""
    with requests.Session() as session:
        session.headers.update(live_server.headers)
        yield session


@pytest.fixture(scope="module", autouse=True)
def fuzz_summary(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and CASES:
        reporter.write_line(f"schemathesis: {len(CASES)} operations, {sum(CASES.values())} cases, 0 server errors")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow, HealthCheck.data_too_large],
)
def test_api_answers_every_input_without_a_server_error(
    case: schemathesis.Case, live_server: ServerProcess, http_session: requests.Session
) -> None:
    response = case.call(base_url=live_server.url, session=http_session, timeout=60)
    CASES[case.operation.label] += 1
    case.validate_response(
        response,
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
    )
