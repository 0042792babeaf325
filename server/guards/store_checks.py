"""Pure checks of store requests that LangGraph's store raises on (a 500 before): namespace labels and filters.

Labels may not be empty or hold a dot (LangGraph joins labels with dots); a search filter maps a key to a value or
to ``{"$op": value}`` with one of the operators the Postgres store implements.
"""

from __future__ import annotations

from typing import Any

from server.guards.problem import Problem
from server.guards.sizes import size_problem

FILTER_OPERATORS = frozenset({"$eq", "$ne", "$gt", "$gte", "$lt", "$lte"})
_NAMESPACE_FIELDS = {
    "/store/items": ("namespace",),
    "/store/items/search": ("namespace_prefix",),
    "/store/namespaces": ("prefix", "suffix"),
}


def label_problem(name: str, labels: Any) -> Problem | None:
    """An empty label, or one with a dot, in a namespace list (other shapes are left to the route's validation)."""
    if not isinstance(labels, list):
        return None
    for index, label in enumerate(labels):
        if not isinstance(label, str):
            continue
        if not label:
            return Problem(f"{name}[{index}]", "namespace labels cannot be empty")
        if "." in label:
            return Problem(f"{name}[{index}]", "namespace labels cannot contain a dot")
    return None


def filter_problem(filters: Any) -> Problem | None:
    """A search filter value that is an object of anything but supported operators."""
    if not isinstance(filters, dict):
        return None
    for key, condition in filters.items():
        if not isinstance(condition, dict):
            continue
        for operator in condition:
            if operator not in FILTER_OPERATORS:
                return Problem(
                    f"filter.{key}",
                    f"unsupported operator {operator!r}; use a value, or one of {', '.join(sorted(FILTER_OPERATORS))}",
                )
    return None


def store_problem(path: str, body: Any, *, max_value_bytes: int, body_bytes: int) -> Problem | None:
    """What is wrong with a store request's JSON body (namespaces, filter, value size), or None."""
    fields = _NAMESPACE_FIELDS.get(path.rstrip("/"))
    if fields is None or not isinstance(body, dict):
        return None
    for name in fields:
        if problem := label_problem(name, body.get(name)):
            return problem
    if path.rstrip("/") == "/store/items/search":
        return filter_problem(body.get("filter"))
    if path.rstrip("/") == "/store/items" and "value" in body:
        return size_problem("value", body["value"], limit=max_value_bytes, upper_bound=body_bytes)
    return None
