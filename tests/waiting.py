"""The one way tests wait: poll a named condition until a deadline that stays generous on a loaded machine."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Final

# Two cores shared by several test suites make a server take tens of seconds for what takes one when idle.
DEFAULT_TIMEOUT_S: Final = 120.0
# A server's start-up loads models: 20 s when idle, over 300 s measured with seven suites on two cores.
SERVER_START_TIMEOUT_S: Final = 900.0


async def wait_until[T](
    condition: Callable[[], T | Awaitable[T]],
    *,
    what: str,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    poll_s: float = 0.1,
) -> T:
    """Poll ``condition`` (sync or async) until it returns a truthy value, and return that value.

    Raises AssertionError naming ``what`` (the condition, in words) and the last value seen after ``timeout_s``.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value  # type: ignore[return-value]  # awaited above when it was awaitable
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout_s:.0f}s waiting until {what} (last value: {value!r})")
        await asyncio.sleep(poll_s)


async def wait_until_steady[T](
    read: Callable[[], T | Awaitable[T]],
    *,
    what: str,
    accept: Callable[[T], bool] = lambda value: True,
    reads: int = 3,
    timeout_s: float = DEFAULT_TIMEOUT_S,
    poll_s: float = 0.5,
) -> T:
    """Poll ``read`` until it returns the same accepted value ``reads`` times in a row, and return that value.

    For background work that has no completion signal (memory writes after a turn): it is done when what it
    changes has stopped changing. Raises AssertionError naming ``what`` and the last values read.
    """
    seen: list[T] = []

    async def steady() -> bool:
        value = read()
        if inspect.isawaitable(value):
            value = await value
        seen.append(value)  # type: ignore[arg-type]  # awaited above when it was awaitable
        recent = seen[-reads:]
        return len(recent) == reads and all(item == recent[-1] for item in recent) and accept(recent[-1])

    try:
        await wait_until(steady, what=what, timeout_s=timeout_s, poll_s=poll_s)
    except AssertionError as exc:
        raise AssertionError(f"{exc}; last reads: {seen[-reads:]!r}") from None
    return seen[-1]
