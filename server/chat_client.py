"""Terminal chat over the LangGraph API (`support-agent chat`), streaming the agent's replies.

Everything the server sends is printed verbatim as ``rich.text.Text``: answers cite sources as ``[article-id]``
and customers type brackets, which Rich markup would swallow or fail on (``[/b]`` raised ``MarkupError``).
"""

from __future__ import annotations

import os
from typing import Any

import httpx
from langgraph_sdk import get_client
from rich.console import Console
from rich.text import Text

console = Console(soft_wrap=True, markup=False, highlight=False)
ASSISTANT_ID = "support"
DEFAULT_PORT = 8123
_UNREACHABLE_TIMEOUT_S = 5.0


class ChatError(Exception):
    """The chat cannot go on; the message is one line for the terminal."""


class ServerUnavailable(ChatError):
    """The server does not answer at the chat's URL."""


def default_url(host: str | None = None) -> str:
    """``http://HOST:PORT`` from the environment (PORT, else 8123); a wildcard bind is reached on loopback."""
    host = host or os.environ.get("HOST") or "127.0.0.1"
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    return f"http://{host}:{os.environ.get('PORT') or DEFAULT_PORT}"


def check_server(url: str) -> None:
    """Raise :class:`ServerUnavailable` unless the server's ``/live`` answers (before any token is issued)."""
    try:
        httpx.get(f"{url.rstrip('/')}/live", timeout=_UNREACHABLE_TIMEOUT_S)
    except httpx.HTTPError as exc:
        raise ServerUnavailable(
            f"no support-agent server answers at {url} ({type(exc).__name__}); start it with `make run`"
        ) from exc


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return ""


def _say(who: str, style: str, text: str = "", *, end: str = "\n") -> None:
    console.print(Text.assemble((f"{who}> ", style), text), end=end)


async def _stream_answer(client: Any, thread_id: str, line: str) -> None:
    _say("agent", "bold green", end="")
    async for part in client.runs.stream(
        thread_id,
        ASSISTANT_ID,
        input={"messages": [{"role": "user", "content": line}]},
        stream_mode="messages-tuple",
    ):
        if part.event == "messages" and isinstance(part.data, list) and part.data:
            chunk = part.data[0]
            if chunk.get("type") in ("AIMessageChunk", "ai"):
                console.print(Text(_text(chunk.get("content"))), end="")
        elif part.event == "error":
            console.print(Text(str(part.data), style="red"), end="")
    console.print()


async def run_chat(url: str, *, token: str, thread_id: str | None) -> None:
    """Read lines from the terminal and stream the agent's answers until EOF or /quit.

    ``token`` is the customer's signed token: the server takes the customer from it, so the run names no customer.
    A new thread and a resumed one (``thread_id``, its history shown first) stream the same way.
    Raises :class:`ChatError` when the server stops answering or refuses a request (e.g. an unknown thread).
    """
    client = get_client(url=url, headers={"Authorization": f"Bearer {token}"})
    try:
        await _converse(client, thread_id)
    except httpx.TransportError as exc:
        raise ServerUnavailable(f"lost the connection to {url} ({type(exc).__name__})") from exc
    except httpx.HTTPStatusError as exc:
        raise ChatError(f"the server refused: {exc.response.status_code} {exc.response.text[:200]}") from exc


async def _converse(client: Any, thread_id: str | None) -> None:
    if thread_id:
        thread = await client.threads.get(thread_id)
        console.print(Text(f"resuming thread {thread['thread_id']}", style="dim"))
        state = await client.threads.get_state(thread_id)
        values = state.get("values") or {}
        for message in values.get("messages", []) if isinstance(values, dict) else []:
            who = "you" if message.get("type") == "human" else "agent"
            _say(who, "bold", _text(message.get("content")))
    else:
        thread = await client.threads.create()
        console.print(
            Text(f"new thread {thread['thread_id']} (resume with --thread {thread['thread_id']})", style="dim")
        )
    while True:
        try:
            line = console.input(Text("you> ", style="bold cyan")).strip()
        except (EOFError, KeyboardInterrupt):
            break
        if not line:
            continue
        if line in ("/quit", "/exit"):
            break
        await _stream_answer(client, thread["thread_id"], line)
