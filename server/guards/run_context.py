"""The run context a client may send to the support graph: only ``graph.state.Context``'s keys, each typed.

LangGraph builds the ``Context`` dataclass from the run's ``context`` without checking types, so a bad value
(``customer_id=123``, ``channel="pigeon"``) used to surface as a failed run; here it is a 422 naming the key.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from graph.clock import parse_instant
from graph.state import Channel
from identity.model import CUSTOMER_ID_PATTERN, TENANT_PATTERN
from server.guards.problem import Problem

CONTEXT_GRAPHS = frozenset({"support"})
"""Graphs (langgraph.json ids) whose context schema is ``graph.state.Context``."""
MODEL_PATTERN = r"^(offline|[a-z][a-z0-9_-]*:[A-Za-z0-9_.:/@-]{1,200})$"
PERSONA_PATTERN = r"^[a-z0-9_-]{1,64}$"


class RunContext(BaseModel):
    """``graph.state.Context`` as a client may send it: every key optional, no other keys, strict types."""

    model_config = ConfigDict(extra="forbid", strict=True)

    customer_id: str = Field(default="anonymous", pattern=CUSTOMER_ID_PATTERN.pattern)
    tenant: str = Field(default="default", pattern=TENANT_PATTERN.pattern)
    channel: Channel = "chat"
    persona: str | None = Field(default=None, pattern=PERSONA_PATTERN)
    model: str | None = Field(default=None, pattern=MODEL_PATTERN, description='"offline" or "provider:model"')
    now: str | None = Field(default=None, max_length=64, description="ISO-8601 time")

    @field_validator("persona")
    @classmethod
    def _known_persona(cls, value: str | None) -> str | None:
        from prompts.loader import available_personas

        known = available_personas()
        if value is not None and value not in known:
            raise ValueError(f"unknown persona; one of {', '.join(known)}")
        return value

    @field_validator("now")
    @classmethod
    def _iso_time(cls, value: str | None) -> str | None:
        if value is not None:
            parse_instant(value)  # ValueError names the problem
        return value


def run_context_problem(context: Any) -> Problem | None:
    """Why a run's ``context`` is not a valid support context, naming the key; None when it is (or is absent)."""
    if context is None:
        return None
    if not isinstance(context, dict):
        return Problem("context", "must be an object")
    try:
        RunContext.model_validate(context)
    except ValidationError as exc:
        error = exc.errors(include_url=False, include_context=False, include_input=False)[0]
        key = ".".join(str(part) for part in error["loc"])
        message = "is not a context key" if error["type"] == "extra_forbidden" else error["msg"]
        return Problem(f"context.{key}", message)
    return None
