"""Build each graph's context JSON schema once, not on every run.

Aegra asks the graph for its context schema on every run to filter the run's ``context``, and LangGraph answers
by building a pydantic ``TypeAdapter`` for our ``Context`` dataclass each time: ~5% of the event loop's time at
20 concurrent conversations. A schema class does not change while the process runs, so its schema is kept.
"""

from __future__ import annotations

from typing import Any

_schemas: dict[Any, dict[str, Any] | None] = {}


def install_context_schema_cache() -> None:
    """Memoise ``Pregel.get_context_jsonschema`` per context schema class (Aegra only reads the result)."""
    from langgraph.pregel.main import Pregel

    build = Pregel.get_context_jsonschema
    if getattr(build, "_support_cached", False):
        return

    def get_context_jsonschema(self: Pregel[Any, Any, Any, Any]) -> dict[str, Any] | None:
        schema_class = self.context_schema
        if schema_class not in _schemas:
            _schemas[schema_class] = build(self)
        return _schemas[schema_class]

    get_context_jsonschema._support_cached = True  # type: ignore[attr-defined]
    Pregel.get_context_jsonschema = get_context_jsonschema  # type: ignore[method-assign]
