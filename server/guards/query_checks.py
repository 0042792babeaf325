"""Pure checks of the request line: NUL bytes, lone surrogates, and integer parameters beyond int64.

Which parameters are integers comes from the app's OpenAPI document (every route, ours and Aegra's), so a
free-text parameter holding a long number (a search for a card number) is never mistaken for one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import Scope

from server.guards.json_checks import int64_problem, text_problem
from server.guards.problem import Problem

_LONG_NUMBER = re.compile(r"\d{19,}")
"""int64 holds every integer of up to 18 digits: shorter numbers need no route lookup."""
_INTEGER = re.compile(r"\s*[+-]?\d+\s*")


def query_pairs(query_string: bytes) -> list[tuple[str, str]]:
    """The query string's name/value pairs, decoded as Starlette decodes them."""
    return parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)


def request_line_problem(path: str, pairs: Sequence[tuple[str, str]]) -> Problem | None:
    """A NUL byte or lone surrogate in the (percent-decoded) path or in a query parameter's name or value."""
    if why := text_problem(path):
        return Problem("path", why)
    for name, value in pairs:
        if why := text_problem(name):
            return Problem("query", f"a parameter name {why}")
        if why := text_problem(value):
            return Problem(f"query.{name}", why)
    return None


def has_long_number(path: str, query_string: bytes) -> bool:
    """Whether the path or query holds a run of digits too long to be sure it fits int64."""
    return bool(_LONG_NUMBER.search(path) or _LONG_NUMBER.search(query_string.decode("latin-1")))


def _integer_text_problem(text: str) -> str | None:
    digits = text.strip().lstrip("+-").lstrip("0")
    # Past 19 digits it cannot fit, and int() of a very long string is refused (and slow) anyway.
    return int64_problem(2**63) if len(digits) > 19 else int64_problem(int(text))


def _is_integer_schema(schema: dict[str, Any]) -> bool:
    if schema.get("type") == "integer":
        return True
    if schema.get("type") == "array" and _is_integer_schema(schema.get("items", {})):
        return True
    return any(_is_integer_schema(option) for option in schema.get("anyOf", []) + schema.get("oneOf", []))


@dataclass(frozen=True, slots=True)
class IntegerParams:
    """The integer-typed parameters of one operation (method and path template)."""

    method: str
    path: re.Pattern[str]
    path_names: frozenset[str]
    query_names: frozenset[str]


def integer_params(openapi: dict[str, Any]) -> list[IntegerParams]:
    """For each operation of an OpenAPI document with integer path or query parameters, their names.

    The document is the app's own (``app.openapi()``): it lists every route, ours and Aegra's, however FastAPI
    nests included routers internally.
    """
    found: list[IntegerParams] = []
    for template, operations in openapi.get("paths", {}).items():
        pattern = re.compile("^" + re.sub(r"\\{(\w+)\\}", r"(?P<\1>[^/]+)", re.escape(template)) + "/?$")
        for method, operation in operations.items():
            if not isinstance(operation, dict):
                continue
            names: dict[str, set[str]] = {"path": set(), "query": set()}
            for parameter in operation.get("parameters", []):
                where = parameter.get("in")
                if where in names and _is_integer_schema(parameter.get("schema", {})):
                    names[where].add(parameter["name"])
            if names["path"] or names["query"]:
                found.append(
                    IntegerParams(method.upper(), pattern, frozenset(names["path"]), frozenset(names["query"]))
                )
    return found


def integer_problem(scope: Scope, pairs: Sequence[tuple[str, str]], params: Sequence[IntegerParams]) -> Problem | None:
    """An integer path or query parameter of the operation ``scope`` calls that is outside int64."""
    for entry in params:
        match = entry.path.match(scope["path"])
        if match is None or entry.method != scope["method"]:
            continue
        for name in entry.path_names:
            value = match.group(name)
            if _INTEGER.fullmatch(value) and (why := _integer_text_problem(value)):
                return Problem(f"path.{name}", why)
        for name, value in pairs:
            if name in entry.query_names and _INTEGER.fullmatch(value) and (why := _integer_text_problem(value)):
                return Problem(f"query.{name}", why)
        return None
    return None
