"""Something on every console page: a customer with an escalated conversation, and the URL of each page."""

from __future__ import annotations

import uuid

import httpx
from langgraph_sdk import get_client

from server.launcher import ServerProcess, run_coroutine


def escalate(server: ServerProcess, customer_id: str, words: str) -> str:
    """A thread of ``customer_id`` that the bot handed to a person; returns the thread id."""

    async def run() -> str:
        client = get_client(url=server.url, headers=server.customer_headers(customer_id))
        thread = await client.threads.create(metadata={"customer_id": customer_id})
        await client.runs.wait(thread["thread_id"], "support", input={"messages": [{"role": "user", "content": words}]})
        return str(thread["thread_id"])

    return run_coroutine(run)


def pages_to_visit(server: ServerProcess) -> dict[str, str]:
    customer_id = f"pages-{uuid.uuid4().hex[:8]}"
    created = httpx.post(
        f"{server.url}/customers",
        json={"id": customer_id, "name": "Paula Pages", "tier": "premium", "email": "paula@example.test"},
        headers=server.headers,
        timeout=60,
    )
    assert created.status_code == 201, created.text
    thread_id = escalate(server, customer_id, "My invoice is wrong and I want to speak to a human, please.")
    inbox = httpx.get(f"{server.url}/inbox", headers=server.headers, timeout=60).json()["items"]
    handoff = next(item for item in inbox if item["thread_id"] == thread_id)
    article = httpx.get(f"{server.url}/kb/articles", headers=server.headers, timeout=60).json()["articles"][0]
    return {
        "inbox": "/console/inbox",
        "handoff": f"/console/inbox/{handoff['id']}",
        "conversations": "/console/conversations",
        "conversation": f"/console/conversations/{thread_id}",
        "customers": "/console/customers",
        "customer": f"/console/customers/{customer_id}",
        "kb": "/console/kb?q=refund",
        "kb-article": f"/console/kb/articles/{article['article_id']}",
        "analytics": "/console/analytics",
        "playground": "/console/playground",
    }
