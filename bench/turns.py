"""Turn latency over HTTP: N concurrent conversations x M turns, ours on Postgres vs `langgraph dev` in memory.

Run with `support-agent bench turns`. Prints p50/p95 turn latency, turns/s and errors for our server
(Aegra on Postgres, offline responder), then for the same graph under `langgraph dev` (in-memory
runtime and checkpointer) as the anchor, and the ratio of the two p50s. ``--llm-stub`` runs both in LLM
mode against the scripted OpenAI-compatible server and adds the time to the first streamed answer token.
``--replicas N`` measures N Redis-mode replicas on one Postgres and one Redis (a ``redis-server`` of its own on
loopback) instead of one server, the conversations spread over them.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated

import typer
from langgraph_sdk import get_client

from bench.cpu import CpuMeter, postmaster_pid
from bench.profile import Sampler, summarise
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

OPENINGS = ("", "Hi,", "Hello there.", "Good morning!", "Hey team,", "Quick question:", "Hi support,", "Hello again.")
CLOSINGS = (
    "",
    "I am on the Pro plan.",
    "I tried the help page already.",
    "This is for our team account.",
    "Using the web app.",
    "I am on Windows 11.",
    "Sent from my phone.",
    "We use it every day.",
)
"""Neutral words around a question: 512 distinct messages, so that no cache keyed by the text answers for a model
(the encoder's vectors, the redaction of a message the run guard saw): real customers rarely send a text twice."""


def message(index: int, *, repeat: bool = False) -> str:
    """The ``index``-th message of a run: a question, and with ``repeat`` off, a distinct wording of it."""
    question = QUESTIONS[index % len(QUESTIONS)]
    if repeat:
        return question
    opening = OPENINGS[(index // len(QUESTIONS)) % len(OPENINGS)]
    closing = CLOSINGS[(index // (len(QUESTIONS) * len(OPENINGS))) % len(CLOSINGS)]
    return " ".join(part for part in (opening, question, closing) if part)


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


_SENT = itertools.count()
"""Messages sent by this process so far: each turn takes the next wording (warm-up and measured turns alike)."""


async def _conversation(
    url: str, index: int, turns: int, result: LoadResult, headers: dict[str, str], repeat: bool
) -> None:
    client = get_client(url=url, headers=headers)
    thread_id = (await client.threads.create())["thread_id"]
    for turn in range(turns):
        question = message(index + turn, repeat=True) if repeat else message(next(_SENT))
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


async def drive(
    url: str | Sequence[str],
    *,
    conversations: int,
    turns: int,
    headers: dict[str, str] | None = None,
    repeat: bool = False,
) -> LoadResult:
    """Run ``conversations`` concurrent conversations of ``turns`` sequential turns each (spread over ``url``s).

    ``repeat`` sends the 8 questions word for word (caches keyed by the text then answer); by default every
    message is worded differently.
    """
    urls = [url] if isinstance(url, str) else list(url)
    result = LoadResult()
    started = time.perf_counter()
    await asyncio.gather(
        *(_conversation(urls[i % len(urls)], i, turns, result, headers or {}, repeat) for i in range(conversations))
    )
    result.wall_s = time.perf_counter() - started
    return result


async def _warm_up(url: str | Sequence[str], conversations: int, headers: dict[str, str], repeat: bool) -> None:
    # Each worker process embeds an article's sentences and fits its caches on first use; the measured turns
    # are the steady state, so every worker sees every question first (connections are spread over workers).
    await drive(url, conversations=conversations, turns=len(QUESTIONS), headers=headers, repeat=repeat)


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


@dataclass(frozen=True)
class Load:
    """What one measurement sends, the same for every server measured: passed down whole, not field by field."""

    conversations: int
    turns: int
    repeat: bool = False
    """Send the 8 questions word for word instead of 512 wordings."""
    ttft: bool = False
    """Also measure the time to the first answer token (LLM mode)."""
    profile: Path | None = None
    """py-spy samples the servers during the measured turns; raw stacks here."""


def _measure_servers(servers: list[ServerProcess], load: Load, *, redis_pid: int | None = None) -> dict[str, float]:
    """Start ``servers`` one after the other, warm them up, then measure turns spread over all of them.

    With ``load.profile``, py-spy samples the servers during the measured turns and a summary is printed.
    """
    try:
        for server in servers:
            server.start(timeout_s=600)
        urls, headers = [server.url for server in servers], servers[0].headers
        asyncio.run(_warm_up(urls, load.conversations, headers, load.repeat))
        pids = [server.process.pid for server in servers if server.process]
        sampler = Sampler(pids, load.profile).start() if load.profile else None
        meter = CpuMeter(pids, postmaster_pid(servers[0].database_url), redis_pid).start()
        result = asyncio.run(
            drive(urls, conversations=load.conversations, turns=load.turns, headers=headers, repeat=load.repeat)
        )
        measured = len(result.latencies) + len(result.errors)
        cpu = meter.per_turn(measured)
        if sampler is not None:
            print("\n".join(summarise(sampler.stop(), turns=measured, rate_hz=sampler.rate_hz).lines()))
        machine_load = round(os.getloadavg()[0], 2)  # the machine is shared: what else ran shows here
        first = {"ttft_p50_ms": asyncio.run(first_token_ms(urls[0], headers))} if load.ttft else {}
    finally:
        for server in servers:
            server.stop()
    for error in result.errors[:5]:
        typer.echo(f"  error: {error}", err=True)
    return {**result.summary(), **cpu, "load_avg_1m": machine_load, **first}


def main(
    conversations: Annotated[int, typer.Option(help="Concurrent conversations.")] = 20,
    turns: Annotated[int, typer.Option(help="Turns per conversation.")] = 5,
    anchor: Annotated[bool, typer.Option(help="Also measure `langgraph dev` (in-memory) as the anchor.")] = True,
    workers: Annotated[int, typer.Option(help="Our server processes (`serve --workers`); the anchor has one.")] = 1,
    replicas: Annotated[
        int, typer.Option(help="Redis-mode replicas on loopback, one Postgres and one Redis (0: one server).")
    ] = 0,
    llm_stub: Annotated[
        bool, typer.Option(help="LLM mode against the scripted OpenAI-compatible server; adds time to first token.")
    ] = False,
    profile: Annotated[
        Path | None, typer.Option(help="py-spy samples our server(s) during the measured turns: raw stacks here.")
    ] = None,
    repeat: Annotated[
        bool, typer.Option(help="Send the 8 questions word for word (text-keyed caches answer), not 512 wordings.")
    ] = False,
) -> None:
    """Print turn latency for our server and for the in-memory anchor, and their p50 ratio."""
    load = Load(conversations, turns, repeat=repeat, ttft=llm_stub, profile=profile)
    if llm_stub:
        from tests.openai_stub import OpenAIStub

        with OpenAIStub() as stub:
            env = {"LLM_MODEL": "openai:stub-model", "OPENAI_BASE_URL": stub.base_url, "OPENAI_API_KEY": "sk-stub"}
            _run(load, anchor=anchor, workers=workers, replicas=replicas, env=env)
        return
    _run(load, anchor=anchor, workers=workers, replicas=replicas, env={})


def _run(load: Load, *, anchor: bool, workers: int, replicas: int, env: dict[str, str]) -> None:
    from db.migrations import migrate
    from db.runtime import resolve_database_url
    from settings import Settings

    work = Path(tempfile.mkdtemp(prefix="bench-turns-"))
    database_url = resolve_database_url(Settings(data_dir=work))
    migrate(database_url)
    if replicas:
        ours = _measure_replicas(database_url, work, replicas, load, workers=workers, env=env)
        label = f"{replicas} Redis-mode replica(s) of {workers} worker(s)"
    else:
        server = ServerProcess(
            database_url, write_config(work), work / "ours.log", seed=True, workers=workers, extra_env=env
        )
        ours = _measure_servers([server], load)
        label = f"{workers} worker(s)"
    print(f"ours (Aegra + Postgres, {label}): {load.conversations} conversations x {load.turns} turns: {ours}")
    figures: dict[str, object] = {
        "conversations": load.conversations,
        "turns": load.turns,
        "workers": workers,
        "replicas": replicas,
        "repeat": load.repeat,
        "ours": ours,
    }
    if anchor:
        reference = _measure_servers(
            [LangGraphDevProcess(database_url, write_config(work, in_memory=True), work / "anchor.log", extra_env=env)],
            replace(load, profile=None),  # the profile is of our server
        )
        print(f"anchor (langgraph dev, in-memory): {reference}")
        figures["anchor"] = reference
        figures["p50_ratio"] = round(ours["p50_ms"] / reference["p50_ms"], 3)
        print(f"p50 ratio ours/anchor: {figures['p50_ratio']}")
        if load.ttft:
            figures["ttft_ratio"] = round(ours["ttft_p50_ms"] / reference["ttft_p50_ms"], 3)
            print(f"time to first token ours/anchor: {figures['ttft_ratio']}")
    print(json.dumps(figures))


def _measure_replicas(
    database_url: str, work: Path, count: int, load: Load, *, workers: int, env: dict[str, str]
) -> dict[str, float]:
    from tests.redis_server import RedisProcess

    redis = RedisProcess(work).start()
    try:
        config = write_config(work)
        servers = [
            ServerProcess(
                database_url,
                config,
                work / f"replica{index}.log",
                seed=index == 0,  # the first seeds alone; the others start on the seeded database
                workers=workers,
                extra_env={"REDIS_URL": redis.url, **env},
            )
            for index in range(count)
        ]
        return _measure_servers(servers, load, redis_pid=redis.process.pid if redis.process else None)
    finally:
        redis.kill()
