"""Terminal chat over the LangGraph API (`support-agent chat`), streaming the agent's replies."""

from __future__ import annotations

from typing import Any

from langgraph_sdk import get_client
from rich.console import Console

console = Console(soft_wrap=True)
ASSISTANT_ID = "support"


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""


async def run_chat(url: str, *, token: str, thread_id: str | None) -> None:
    """Read lines from the terminal and stream the agent's answers until EOF or /quit.

    ``token`` is the customer's signed token: the server takes the customer from it, so the run names no customer.
    """
    client = get_client(url=url, headers={"Authorization": f"Bearer {token}"})
    if thread_id:
        thread = await client.threads.get(thread_id)
        console.print(f"[dim]resuming thread {thread['thread_id']}[/dim]")
        state = await client.threads.get_state(thread_id)
        values = state.get("values") or {}
        for message in values.get("messages", []) if isinstance(values, dict) else []:
            who = "you" if message.get("type") == "human" else "agent"
            console.print(f"[bold]{who}>[/bold] {_text(message.get('content'))}")
    else:
        thread = await client.threads.create()
        console.print(f"[dim]new thread {thread['thread_id']} (resume with --thread {thread['thread_id']})[/dim]")
    while True:
        try:
            line = console.input("[bold cyan]you>[/bold cyan] ").strip()
        except (EOFError, KeyboardInterrupt):
            break
        if not line:
            continue
        if line in ("/quit", "/exit"):
            break
        console.print("[bold green]agent>[/bold green] ", end="")
        async for part in client.runs.stream(
            thread["thread_id"],
            ASSISTANT_ID,
            input={"messages": [{"role": "user", "content": line}]},  # type: ignore[dict-item]
            stream_mode="messages-tuple",
        ):
            if part.event == "messages" and isinstance(part.data, list) and part.data:
                chunk = part.data[0]
                if chunk.get("type") in ("AIMessageChunk", "ai"):
                    console.print(_text(chunk.get("content")), end="")
            elif part.event == "error":
                console.print(f"[red]{part.data}[/red]", end="")
        console.print()
