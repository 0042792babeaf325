"""Declare in the OpenAPI document what every operation may answer besides its own responses: an error.

Any route can answer 401/403 (identity), 413/422 (this package's guards) or 404/409 in the server's error shape
(``server/errors.py``, the LangGraph API's ``AgentProtocolError``); a client generated from the document, and
schemathesis, should expect it. Operations keep their own declared responses; only a ``default`` is added.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["error", "message"],
    "properties": {
        "error": {"type": "string", "description": "Error type, e.g. validation_error"},
        "message": {"type": "string", "description": "What is wrong, naming the field"},
        "details": {"description": "More about the error, e.g. {'field': 'metadata.tags[2]'}"},
    },
}


def with_error_default(openapi: dict[str, Any]) -> dict[str, Any]:
    """``openapi`` with a ``default`` error response on every operation that has none."""
    openapi.setdefault("components", {}).setdefault("schemas", {})["ErrorResponse"] = ERROR_SCHEMA
    default = {
        "description": "An error in the server's error shape (401, 403, 404, 409, 413, 422, ...)",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
    }
    for operations in openapi.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict) and "responses" in operation:
                operation["responses"].setdefault("default", default)
    return openapi


def document_error_responses(app: FastAPI) -> None:
    """Make ``app.openapi()`` declare the error response (built once, on first use, when every route is in)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = with_error_default(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
