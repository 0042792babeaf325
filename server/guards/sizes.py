"""How big a JSON value is once stored, and the size limits on free-form JSON fields (metadata, store values)."""

from __future__ import annotations

import json
from typing import Any

from server.guards.problem import Problem


def json_size(value: Any) -> int:
    """Bytes of ``value`` as compact UTF-8 JSON (about what Postgres stores for it as jsonb)."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def size_problem(name: str, value: Any, *, limit: int, upper_bound: int | None = None) -> Problem | None:
    """413 when ``value`` serialises to more than ``limit`` bytes.

    ``upper_bound`` (the size of the whole raw body it came from) skips the serialisation when it cannot be over.
    """
    if upper_bound is not None and upper_bound <= limit:
        return None
    size = json_size(value)
    if size <= limit:
        return None
    return Problem(name, f"is {size} bytes of JSON; the limit is {limit}", status=413)


def metadata_problem(body: Any, *, limit: int, upper_bound: int) -> Problem | None:
    """A top-level ``metadata`` object (threads, runs, assistants, crons) larger than ``limit`` bytes."""
    if not isinstance(body, dict) or "metadata" not in body:
        return None
    return size_problem("metadata", body["metadata"], limit=limit, upper_bound=upper_bound)
