"""JSON error bodies in the same shape as the LangGraph API's (``error``, ``message``, ``details``)."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import Send

_ERROR_NAMES = {
    400: "bad_request",
    404: "not_found",
    409: "conflict",
    413: "payload_too_large",
    422: "validation_error",
    429: "too_many_requests",
}


def error_body(status: int, message: str, details: Any = None) -> dict[str, Any]:
    """The JSON body of an error response."""
    return {"error": _ERROR_NAMES.get(status, "error"), "message": message, "details": details}


async def send_json_error(
    send: Send, status: int, message: str, details: Any = None, *, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    """Answer a raw ASGI request with a JSON error (and extra ``headers``, e.g. Retry-After)."""
    payload = json.dumps(error_body(status, message, details)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
