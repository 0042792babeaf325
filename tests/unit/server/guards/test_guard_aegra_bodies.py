from __future__ import annotations

from fastapi import FastAPI

from server.guards.aegra_bodies import aegra_body_problem
from server.guards.openapi_errors import document_error_responses


def test_run_status_must_be_a_run_status() -> None:
    path = "/threads/t1/runs/r1"
    problem = aegra_body_problem("PATCH", path, {"run_id": "r1", "status": "sleepy"})
    assert problem is not None and problem.field == "status" and "interrupted" in problem.message
    assert aegra_body_problem("PATCH", path, {"run_id": "r1", "status": "interrupted"}) is None
    assert aegra_body_problem("POST", path, {"status": "sleepy"}) is None


def test_every_operation_declares_the_error_response_once_and_keeps_its_own() -> None:
    app = FastAPI()

    @app.get("/things/{thing_id}", responses={404: {"description": "no such thing"}})
    async def thing(thing_id: str) -> dict[str, str]:
        return {}

    document_error_responses(app)
    responses = app.openapi()["paths"]["/things/{thing_id}"]["get"]["responses"]
    assert {"200", "404", "422", "default"} <= set(responses)
    assert responses["default"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse")
    assert app.openapi() is app.openapi()
