from __future__ import annotations

from dataclasses import dataclass

from langgraph.graph import StateGraph
from typing_extensions import TypedDict

from server.runs.context_schema import install_context_schema_cache


class _State(TypedDict):
    value: int


@dataclass
class _ContextA:
    customer_id: str = "anonymous"


@dataclass
class _ContextB:
    tenant: str = "default"


def _graph(context: type) -> object:
    builder = StateGraph(_State, context_schema=context)
    builder.add_node("noop", lambda state: state)
    builder.set_entry_point("noop")
    return builder.compile()


def test_each_context_class_keeps_its_own_schema_and_it_is_built_once() -> None:
    install_context_schema_cache()
    install_context_schema_cache()  # idempotent: no wrapper around a wrapper
    first, second, other = _graph(_ContextA), _graph(_ContextA), _graph(_ContextB)
    schema = first.get_context_jsonschema()  # type: ignore[attr-defined]
    assert schema is not None and set(schema["properties"]) == {"customer_id"}
    assert second.get_context_jsonschema() is schema  # type: ignore[attr-defined]
    assert set(other.get_context_jsonschema()["properties"]) == {"tenant"}  # type: ignore[attr-defined]
