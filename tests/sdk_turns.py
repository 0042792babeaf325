"""What server tests say through langgraph-sdk and read back: a customer turn, the reply, facts in the store."""

from __future__ import annotations

from typing import Any

from tests.waiting import wait_until


def ask(text: str) -> dict[str, Any]:
    """A run input holding one customer message."""
    return {"messages": [{"role": "user", "content": text}]}


def last_reply(result: Any) -> str:
    """The text of the last message of a ``runs.wait`` result."""
    assert isinstance(result, dict), result
    return str(result["messages"][-1]["content"])


async def facts_in_store(
    client: Any, namespace: tuple[str, ...], keys: set[str], *, timeout_s: float = 120
) -> list[dict[str, Any]]:
    """The memory writer runs after the reply: poll the store (through the API) until ``keys`` are there."""

    async def stored() -> list[dict[str, Any]] | None:
        items: list[dict[str, Any]] = (await client.store.search_items(list(namespace), limit=50))["items"]
        return items if keys <= {item["key"] for item in items} else None

    return await wait_until(stored, timeout_s=timeout_s, poll_s=0.5, what=f"the facts {sorted(keys)} are in the store")
