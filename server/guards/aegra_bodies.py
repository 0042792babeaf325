"""Valid-looking bodies that Aegra 0.11 itself crashes on (a 500), refused here with a 422 naming the field.

``PATCH /threads/{id}/runs/{run_id}`` declares ``status`` as any string, then raises ``ValueError`` for one that
is not a run status.
"""

from __future__ import annotations

import re
from typing import Any

from server.guards.problem import Problem

RUN_STATUSES = ("pending", "running", "error", "success", "timeout", "interrupted")
_RUN_PATH = re.compile(r"^/threads/[^/]+/runs/[^/]+/?$")


def aegra_body_problem(method: str, path: str, body: Any) -> Problem | None:
    """The problem Aegra would have raised as a 500 for this request body, or None."""
    if method == "PATCH" and _RUN_PATH.match(path) and isinstance(body, dict):
        status = body.get("status")
        if isinstance(status, str) and status not in RUN_STATUSES:
            return Problem("status", f"is not a run status; one of {', '.join(RUN_STATUSES)}")
    return None
