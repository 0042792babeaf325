"""Pure checks of parsed JSON in one pass: nesting depth, NUL bytes and lone surrogates, numbers Postgres can hold.

Postgres refuses NUL in text and jsonb, UTF-8 cannot encode a lone surrogate, and the LangGraph API stores
integers in int64 columns; each of these used to surface as a 500 deep inside a query.
"""

from __future__ import annotations

import math
import re
from typing import Any

from server.guards.problem import Problem

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
_BAD_CHARACTER = re.compile("[\x00\ud800-\udfff]")


def text_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored (a NUL byte or a lone surrogate), or None when it can."""
    found = _BAD_CHARACTER.search(text)
    if found is None:
        return None
    if found.group() == "\x00":
        return "contains a NUL byte (\\u0000)"
    return f"contains a lone surrogate (\\u{ord(found.group()):04x}); send UTF-8 text"


def int64_problem(value: int) -> str | None:
    """Why ``value`` does not fit a 64-bit signed integer, or None when it does."""
    if INT64_MIN <= value <= INT64_MAX:
        return None
    return f"integer is outside the 64-bit range [{INT64_MIN}, {INT64_MAX}]"


def field_name(parent: str, key: str | int) -> str:
    """The dotted name of a child: ``a.b`` for a key, ``a[2]`` for an index; a top-level key stands alone."""
    if isinstance(key, int):
        return f"{parent or 'body'}[{key}]"
    return f"{parent}.{key}" if parent else key


def scan_json(value: Any, *, max_depth: int, check_text: bool = True, root: str = "") -> Problem | None:
    r"""The first problem found in a parsed JSON document, walking it once (iteratively: no recursion limit).

    Args:
        value: What ``json.loads`` returned.
        max_depth: Deepest nesting of objects and arrays allowed (the top-level object is depth 1).
        check_text: Look for NUL bytes and lone surrogates in strings and keys. In JSON text both can only
            come from a ``\u`` escape, so a caller that saw no escape in the raw body may skip this.
        root: The name of ``value`` itself in messages (empty for a whole body).
    """
    stack: list[tuple[Any, str, int]] = [(value, root, 0)]
    while stack:
        item, name, depth = stack.pop()
        if isinstance(item, str):
            if check_text and (why := text_problem(item)):
                return Problem(name or "body", why)
        elif isinstance(item, bool) or item is None:
            continue
        elif isinstance(item, int):
            if why := int64_problem(item):
                return Problem(name or "body", why)
        elif isinstance(item, float):
            if not math.isfinite(item):
                return Problem(name or "body", "number is outside the range of a double")
        elif isinstance(item, dict | list):
            if depth + 1 > max_depth:
                return Problem(name or "body", f"JSON is nested deeper than {max_depth} levels")
            if isinstance(item, dict):
                for key, child in item.items():
                    child_name = field_name(name, key)
                    if check_text and (why := text_problem(key)):
                        return Problem(child_name, f"key {why}")
                    stack.append((child, child_name, depth + 1))
            else:
                stack.extend((child, field_name(name, index), depth + 1) for index, child in enumerate(item))
    return None
