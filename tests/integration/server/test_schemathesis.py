"""Fuzz every operation of the server's own OpenAPI document (ours and the LangGraph API's) with schemathesis.

Each case goes to the real server with an admin key, on one keep-alive session; every response must be a
non-5xx that the document declares (status code and content type) and whose body matches the declared schema.
The test prints one summary line: operations and cases run, failures found.

schemathesis' lazy pytest plugin (``from_fixture``) does not run under pytest 9 (it sets ``Function._nodeid``),
and the schema exists only once the live server runs, so the test walks the operations itself with
schemathesis' own per-operation Hypothesis tests (examples, coverage and fuzzing phases).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.pytest.lazy import get_all_tests
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from server.launcher import ServerProcess

pytestmark = [pytest.mark.integration, pytest.mark.slow]

EXAMPLES_PER_OPERATION = 5
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Aegra declares its SSE responses (runs/stream, runs/{id}/stream, stream/events, join with stream) as
# `text/event-stream` with schema {"type": "string"}; schemathesis validates each parsed event against it and
# every event (an object with `event` and `data`) fails. The stream's status and content type are still checked.
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
SSE_CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance]


@pytest.fixture(scope="module")
def http_session(live_server: ServerProcess) -> Iterator[requests.Session]:
    """One keep-alive session: a 5xx that dropped the connection shows up as a connection error too."""
    with requests.Session() as session:
        session.headers.update(live_server.headers)
        yield session


def test_every_operation_answers_every_input_as_documented(
    live_server: ServerProcess,
    http_session: requests.Session,
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
) -> None:
    schema = schemathesis.openapi.from_url(f"{live_server.url}/openapi.json", headers=live_server.headers)
    cases: Counter[str] = Counter()

    def call_and_check(case: schemathesis.Case) -> None:
        response = case.call(base_url=live_server.url, session=http_session, timeout=120)
        cases[case.operation.label] += 1
        content_type = response.headers.get("content-type") or [""]  # schemathesis keeps every header's values
        streamed = content_type[0].startswith("text/event-stream")
        case.validate_response(response, checks=SSE_CHECKS if streamed else CHECKS)

    tests = get_all_tests(
        schema=schema,
        test_func=call_and_check,
        settings=settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            print_blob=False,
        ),
        seed=None,
        as_strategy_kwargs=None,
        given_kwargs=None,
    )
    failures: list[str] = []
    operations = 0
    for result in tests:
        if not isinstance(result, Ok):
            failures.append(f"schema error: {result.err()}")
            continue
        operation, run = result.ok()
        operations += 1
        try:
            run()
        except Exception as exc:  # every operation runs; all failures are reported together below
            failures.append(f"{operation.label}: {exc}")
    summary = (
        f"schemathesis: {operations} operations, {sum(cases.values())} cases "
        f"({EXAMPLES_PER_OPERATION} fuzzed examples per operation plus examples and coverage), "
        f"{len(failures)} failing operations"
    )
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        with capsys.disabled():
            reporter.write_line(summary)
    document = http_session.get(f"{live_server.url}/openapi.json").json()
    assert operations == sum(len(set(ops) & HTTP_METHODS) for ops in document["paths"].values())  # nothing skipped
    assert not failures, summary + "\n\n" + "\n\n".join(failures)
