"""Turn latency over HTTP: N concurrent conversations x M turns, ours on Postgres vs `langgraph dev` in memory.

Run with `support-agent bench turns`. Prints p50/p95 turn latency, turns/s and errors for our server
(Aegra on Postgres, offline responder), then for the same graph under `langgraph dev` (in-memory
runtime and checkpointer) as the anchor, and the ratio of the two p50s. ``--llm-stub`` runs both in LLM
mode against the scripted OpenAI-compatible server and adds the time to the first streamed answer token.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

import typer
from langgraph_sdk import get_client

from bench.cpu import CpuMeter, postmaster_pid
from server.launcher import LangGraphDevProcess, ServerProcess, write_config

QUESTIONS = (
    "How do I reset my password?",
    "I was charged twice this month, can you help?",
    "How can I export all my data?",
    "Is there an outage right now? The app will not load.",
    "How do I cancel my subscription and get a refund?",
    "Where is my hardware order? It has not arrived.",
    "How do I connect the Slack integration?",
    "How do I turn on two-factor authentication?",
)


@dataclass
class LoadResult:
    """Latencies of every turn (seconds), errors and wall time of one load run."""

    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    wall_s: float = 0.0

    def summary(self) -> dict[str, float]:
        """p50/p95 in ms, turns/s and the error count."""
        ordered = sorted(self.latencies)
        p95 = ordered[max(0, int(round(0.95 * len(ordered))) - 1)] if ordered else float("nan")
        return {
            "p50_ms": round(1000 * statistics.median(ordered), 1) if ordered else float("nan"),
            "p95_ms": round(1000 * p95, 1),
            "turns_per_s": round(len(ordered) / self.wall_s, 2) if self.wall_s else 0.0,
            "turns": len(ordered),
            "errors": len(self.errors),
        }


async def _conversation(url: str, index: int, turns: int, result: LoadResult, headers: dict[str, str]) -> None:
    client = get_client(url=url, headers=headers)
    thread_id = (await client.threads.create())["thread_id"]
    for turn in range(turns):
        question = QUESTIONS[(index + turn) % len(QUESTIONS)]
        started = time.perf_counter()
        try:
            output = await client.runs.wait(
                thread_id,
                "support",
                input={"messages": [{"role": "user", "content": question}]},  # type: ignore[dict-item]
                context={"customer_id": f"bench-{index}"},
                raise_error=True,
            )
        except Exception as exc:  # noqa: BLE001 - every failure counts as an error in the figures
            result.errors.append(f"{type(exc).__name__}: {exc}")
            continue
        elapsed = time.perf_counter() - started
        if not isinstance(output, dict) or not output.get("messages"):
            result.errors.append(f"empty output on turn {turn}")
            continue
        result.latencies.append(elapsed)


async def drive(url: str, *, conversations: int, turns: int, headers: dict[str, str] | None = None) -> LoadResult:
    """Run ``conversations`` concurrent conversations of ``turns`` sequential turns each."""
    result = LoadResult()
    started = time.perf_counter()
    await asyncio.gather(*(_conversation(url, i, turns, result, headers or {}) for i in range(conversations)))
    result.wall_s = time.perf_counter() - started
    return result


async def _warm_up(url: str, conversations: int, headers: dict[str, str]) -> None:
    # Each worker process embeds an article's sentences and fits its caches on first use; the measured turns
    # are the steady state, so every worker sees every question first (connections are spread over workers).
    await drive(url, conversations=conversations, turns=len(QUESTIONS), headers=headers)


async def first_token_ms(url: str, headers: dict[str, str], *, samples: int = 10) -> float:
    """Median time from sending a message to the first answer token on the ``messages-tuple`` stream (ms)."""
    client = get_client(url=url, headers=headers)
    times: list[float] = []
    for index in range(samples):
        thread_id = (await client.threads.create())["thread_id"]
        started = time.perf_counter()
        async for part in client.runs.stream(
            thread_id,
            "support",
            input={"messages": [{"role": "user", "content": QUESTIONS[index % len(QUESTIONS)]}]},  # type: ignore[dict-item]
            context={"customer_id": f"ttft-{index}"},
            stream_mode="messages-tuple",
        ):
            if part.event.startswith("messages") and isinstance(part.data, list) and part.data[0].get("content"):
                times.append((time.perf_counter() - started) * 1000)
                break
    return round(statistics.median(times), 1) if times else float("nan")


def _measure(server: ServerProcess, *, conversations: int, turns: int, ttft: bool = False) -> dict[str, float]:
    server.start(timeout_s=300)
    try:
        asyncio.run(_warm_up(server.url, conversations, server.headers))
        pid = server.process.pid if server.process else None
        meter = CpuMeter(pid, postmaster_pid(server.database_url)).start()
        result = asyncio.run(drive(server.url, conversations=conversations, turns=turns, headers=server.headers))
        cpu = meter.per_turn(len(result.latencies) + len(result.errors))
        first = {"ttft_p50_ms": asyncio.run(first_token_ms(server.url, server.headers))} if ttft else {}
    finally:
        server.stop()
    for error in result.errors[:5]:
        typer.echo(f"  error: {error}", err=True)
    return {**result.summary(), **cpu, **first}


def main(
    conversations: Annotated[int, typer.Option(help="Concurrent conversations.")] = 20,
    turns: Annotated[int, typer.Option(help="Turns per conversation.")] = 5,
    anchor: Annotated[bool, typer.Option(help="Also measure `langgraph dev` (in-memory) as the anchor.")] = True,
    workers: Annotated[int, typer.Option(help="Our server processes (`serve --workers`); the anchor has one.")] = 1,
    llm_stub: Annotated[
        bool, typer.Option(help="LLM mode against the scripted OpenAI-compatible server; adds time to first token.")
    ] = False,
) -> None:
    """Print turn latency for our server and for the in-memory anchor, and their p50 ratio."""
    if llm_stub:
        from tests.openai_stub import OpenAIStub

        with OpenAIStub() as stub:
            env = {"LLM_MODEL": "openai:stub-model", "OPENAI_BASE_URL": stub.base_url, "OPENAI_API_KEY": "sk-stub"}
            _run(conversations, turns, anchor, workers, env)
        return
    _run(conversations, turns, anchor, workers, {})


def _run(conversations: int, turns: int, anchor: bool, workers: int, env: dict[str, str]) -> None:
    from db.migrations import migrate
    from db.runtime import resolve_database_url
    from settings import Settings

    work = Path(tempfile.mkdtemp(prefix="bench-turns-"))
    database_url = resolve_database_url(Settings(data_dir=work))
    migrate(database_url)
    ours = _measure(
        ServerProcess(database_url, write_config(work), work / "ours.log", seed=True, workers=workers, extra_env=env),
        conversations=conversations,
        turns=turns,
        ttft=bool(env),
    )
    print(f"ours (Aegra + Postgres, {workers} worker(s)): {conversations} conversations x {turns} turns: {ours}")
    figures: dict[str, object] = {"conversations": conversations, "turns": turns, "workers": workers, "ours": ours}
    if anchor:
        reference = _measure(
            LangGraphDevProcess(database_url, write_config(work, in_memory=True), work / "anchor.log", extra_env=env),
            conversations=conversations,
            turns=turns,
            ttft=bool(env),
        )
        print(f"anchor (langgraph dev, in-memory): {reference}")
        figures["anchor"] = reference
        figures["p50_ratio"] = round(ours["p50_ms"] / reference["p50_ms"], 3)
        print(f"p50 ratio ours/anchor: {figures['p50_ratio']}")
        if env:
            figures["ttft_ratio"] = round(ours["ttft_p50_ms"] / reference["ttft_p50_ms"], 3)
            print(f"time to first token ours/anchor: {figures['ttft_ratio']}")
    print(json.dumps(figures))
