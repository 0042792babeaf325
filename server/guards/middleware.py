"""Pure ASGI middleware in front of every route (ours and Aegra's): refuse malformed or unbounded input with a 4xx.

It reads a request's body once (up to a size limit), parses JSON bodies once and walks them once; responses,
streaming ones included, pass through untouched. Refusals use the server's error shape and name the field.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import Headers
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.types import ASGIApp, Receive, Scope, Send

from server.asgi_body import BodyTooLarge, read_body, remember_json, replay, rewritten
from server.errors import send_json_error
from server.guards import history_filter
from server.guards.aegra_bodies import aegra_body_problem
from server.guards.json_checks import scan_json
from server.guards.problem import Problem
from server.guards.query_checks import (
    IntegerParams,
    has_long_number,
    integer_params,
    integer_problem,
    query_pairs,
    request_line_problem,
)
from server.guards.sizes import metadata_problem
from server.guards.store_checks import store_problem
from settings import Settings

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True, slots=True, kw_only=True)
class GuardLimits:
    """The bounds the guard enforces (``settings.py`` and ``.env.example`` document each)."""

    max_body_bytes: int
    max_upload_body_bytes: int
    max_json_depth: int
    max_metadata_bytes: int
    max_store_value_bytes: int

    @classmethod
    def from_settings(cls, settings: Settings) -> GuardLimits:
        """The limits configured in ``settings``."""
        return cls(
            max_body_bytes=settings.max_body_bytes,
            max_upload_body_bytes=settings.max_upload_body_bytes,
            max_json_depth=settings.max_json_depth,
            max_metadata_bytes=settings.max_metadata_bytes,
            max_store_value_bytes=settings.max_store_value_bytes,
        )


def _header(scope: Scope, name: bytes) -> bytes:
    for key, value in scope["headers"]:
        if key.lower() == name:
            return bytes(value)
    return b""


def _is_json(content_type: bytes) -> bool:
    # FastAPI parses a body without a content type as JSON too.
    return not content_type or b"json" in content_type.lower()


def parse_json(raw: bytes, *, max_depth: int) -> tuple[Any, Problem | None]:
    """The parsed body, or the problem that stopped parsing it."""
    try:
        return json.loads(raw), None
    except RecursionError:
        return None, Problem("body", f"JSON is nested deeper than {max_depth} levels")
    except json.JSONDecodeError as exc:
        return None, Problem("body", f"is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})")
    except UnicodeDecodeError:
        return None, Problem("body", "is not UTF-8 text")
    except ValueError:  # an integer literal of thousands of digits (Python's int-to-str limit)
        return None, Problem("body", "a number is too long")


async def multipart_problem(scope: Scope, raw: bytes) -> Problem | None:
    """Why a multipart body cannot be parsed (Starlette would answer a bare 400), or None."""

    async def stream() -> AsyncGenerator[bytes]:
        yield raw

    try:
        form = await MultiPartParser(Headers(scope=scope), stream()).parse()
    except MultiPartException as exc:
        return Problem("body", f"is not valid multipart/form-data ({exc.message})")
    await form.close()
    return None


def body_problem(method: str, path: str, raw: bytes, body: Any, limits: GuardLimits) -> Problem | None:
    """Everything wrong with a parsed JSON body: one walk for depth, text and numbers, then per-route limits."""
    problem = scan_json(body, max_depth=limits.max_json_depth, check_text=b"\\u" in raw)
    if problem is None:
        problem = metadata_problem(body, limit=limits.max_metadata_bytes, upper_bound=len(raw))
    if problem is None:
        problem = aegra_body_problem(method, path, body)
    if problem is None and path.startswith("/store/"):
        problem = store_problem(path, body, max_value_bytes=limits.max_store_value_bytes, body_bytes=len(raw))
    return problem


class InputGuard:
    """Refuse requests with NUL bytes, lone surrogates, out-of-range integers, deep or oversized bodies."""

    def __init__(self, app: ASGIApp, *, limits: GuardLimits) -> None:
        self.app = app
        self.limits = limits
        self._integer_params: list[IntegerParams] | None = None

    def _routes_integer_params(self, scope: Scope) -> list[IntegerParams]:
        if self._integer_params is None:
            # The routes are complete once the first request arrives (Aegra adds its own at start-up).
            app: Any = scope.get("app")
            self._integer_params = integer_params(app.openapi()) if hasattr(app, "openapi") else []
        return self._integer_params

    async def _read_body(self, scope: Scope, receive: Receive) -> bytes | None:
        """The whole body (None when the client went away); BodyTooLarge past the limit."""
        multipart = _header(scope, b"content-type").lower().startswith(b"multipart/")
        limit = self.limits.max_upload_body_bytes if multipart else self.limits.max_body_bytes
        declared = _header(scope, b"content-length")
        if declared.isdigit() and int(declared) > limit:
            raise BodyTooLarge(limit)
        return await read_body(receive, limit=limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the request line and body; refuse, or replay the body to the app."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        pairs = query_pairs(scope["query_string"])
        problem = request_line_problem(path, pairs)
        if problem is None and has_long_number(path, scope["query_string"]):
            problem = integer_problem(scope, pairs, self._routes_integer_params(scope))
        if scope["method"] not in _BODY_METHODS:
            if problem is not None:
                await _refuse(send, problem)
            elif scope["method"] == "GET" and history_filter.HISTORY_PATH.match(path):
                await self._history_get(scope, receive, send, pairs)
            else:
                await self.app(scope, receive, send)
            return
        try:
            raw = await self._read_body(scope, receive)
        except BodyTooLarge as exc:
            problem = Problem("body", f"request body is larger than {exc.args[0]} bytes", status=413)
            await _refuse(send, problem)
            return
        if raw is None:
            return
        body: Any = None
        content_type = _header(scope, b"content-type")
        if problem is None and raw and _is_json(content_type):
            body, problem = parse_json(raw, max_depth=self.limits.max_json_depth)
            if problem is None:
                remember_json(scope, raw, body)  # the guards further in reuse it
                problem = body_problem(scope["method"], path, raw, body, self.limits)
        elif problem is None and content_type.lower().startswith(b"multipart/form-data"):
            problem = await multipart_problem(scope, raw)
        if problem is not None:
            await _refuse(send, problem)
            return
        if scope["method"] == "POST" and history_filter.HISTORY_PATH.match(path) and isinstance(body, dict):
            if await self._history_post(scope, receive, send, body):
                return
            if "metadata" in body:
                body.pop("metadata")
                scope, raw = rewritten(scope, body)
        await self.app(scope, replay(raw, receive), send)

    async def _history_post(self, scope: Scope, receive: Receive, send: Send, body: dict[str, Any]) -> bool:
        """Answer a POST history request with a non-empty ``metadata`` filter; False when there is none to honour."""
        metadata = body.get("metadata")
        limit = body.get("limit", 10) if body.get("limit") is not None else 10
        if not isinstance(metadata, dict) or not metadata or not _valid_limit(limit):
            return False  # no filter, `{}` (dropped by the caller), or a request Aegra itself refuses
        fetch = history_filter.post_pages(self.app, scope, receive, body)
        await history_filter.answer_filtered(fetch, send, metadata=metadata, limit=limit, before=body.get("before"))
        return True

    async def _history_get(self, scope: Scope, receive: Receive, send: Send, pairs: list[tuple[str, str]]) -> None:
        """GET history: honour a ``metadata`` filter in front of Aegra, drop an empty one."""
        given = dict(pairs)
        raw_filter = given.get("metadata")
        try:
            metadata = json.loads(raw_filter) if raw_filter else None
            limit = int(given.get("limit", "10"))
        except ValueError:
            metadata = None  # Aegra answers a malformed filter or limit with 422
            limit = 10
        if isinstance(metadata, dict) and metadata and _valid_limit(limit):
            fetch = history_filter.get_pages(self.app, scope, receive, pairs)
            before = given.get("before")
            await history_filter.answer_filtered(fetch, send, metadata=metadata, limit=limit, before=before)
            return
        if metadata == {}:
            scope = {**scope, "query_string": history_filter.without_params(pairs, {"metadata"})}
        await self.app(scope, receive, send)


def _valid_limit(limit: Any) -> bool:
    return isinstance(limit, int) and not isinstance(limit, bool) and 1 <= limit <= 1000


async def _refuse(send: Send, problem: Problem) -> None:
    await send_json_error(send, problem.status, problem.text(), problem.details())
