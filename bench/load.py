"""Sustained load: conversations x turns; errors, turn latency, server RSS growth and peak Postgres sessions.

Run with `support-agent bench load` (starts a server on a fresh embedded database) or `--url` with `--database-url`
to load a running server. Prints the errors (0 expected), p50/p95 turn latency, the server's resident memory before
and after the measured turns (growth over 10% suggests a leak) and the most sessions Postgres held for the server's
database, next to the pool settings that bound them (see docs/architecture.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

import psutil
import psycopg
import typer
from langgraph_sdk import get_client

from bench.turns import QUESTIONS, LoadResult
from server.launcher import ServerProcess, create_api_key, write_config

MAX_RSS_GROWTH = 0.10
_POLL_S = 0.2


async def _conversation(url: str, headers: dict[str, str], index: int, turns: int, result: LoadResult) -> None:
    client = get_client(url=url, headers=headers)
    thread_id = (await client.threads.create())["thread_id"]
    for turn in range(turns):
        started = time.perf_counter()
        try:
            output = await client.runs.wait(
                thread_id,
                "support",
                input={"messages": [{"role": "user", "content": QUESTIONS[(index + turn) % len(QUESTIONS)]}]},  # type: ignore[dict-item]
                context={"customer_id": f"load-{index}"},
                raise_error=True,
            )
        except Exception as exc:  # noqa: BLE001 - every failure counts as an error in the figures
            result.errors.append(f"{type(exc).__name__}: {exc}")
            continue
        if not isinstance(output, dict) or not output.get("messages"):
            result.errors.append(f"empty output on turn {turn}")
            continue
        result.latencies.append(time.perf_counter() - started)


async def _drive(url: str, headers: dict[str, str], *, conversations: int, turns: int) -> LoadResult:
    result = LoadResult()
    started = time.perf_counter()
    await asyncio.gather(*(_conversation(url, headers, i, turns, result) for i in range(conversations)))
    result.wall_s = time.perf_counter() - started
    return result


def _server_rss(pid: int) -> int:
    """Resident bytes of the server and its worker processes."""
    root = psutil.Process(pid)
    total = 0
    for process in [root, *root.children(recursive=True)]:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += process.memory_info().rss
    return total


def _listening_pid(port: int) -> int:
    for conn in psutil.net_connections(kind="tcp"):
        if conn.laddr and conn.laddr.port == port and conn.status == psutil.CONN_LISTEN and conn.pid:
            return int(conn.pid)
    raise typer.BadParameter(f"no process listens on port {port}")


async def _peak_sessions(database_url: str, stop: asyncio.Event) -> int:
    """The most backends connected to the database (this poller's own session excluded) until ``stop``."""
    peak = 0
    async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
        while not stop.is_set():
            cur = await conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            row = await cur.fetchone()
            peak = max(peak, int(row[0]) if row else 0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=_POLL_S)
    return peak


async def _measure(
    url: str, headers: dict[str, str], database_url: str, pid: int, *, conversations: int, turns: int
) -> dict[str, Any]:
    # Models, caches and pools fill on first use; growth is measured from the steady state.
    await _drive(url, headers, conversations=conversations, turns=2)
    rss_before = _server_rss(pid)
    stop = asyncio.Event()
    poller = asyncio.create_task(_peak_sessions(database_url, stop))
    try:
        result = await _drive(url, headers, conversations=conversations, turns=turns)
    finally:
        stop.set()
        peak = await poller
    rss_after = _server_rss(pid)
    for error in result.errors[:5]:
        typer.echo(f"  error: {error}", err=True)
    return {
        **result.summary(),
        "rss_before_mb": round(rss_before / 2**20, 1),
        "rss_after_mb": round(rss_after / 2**20, 1),
        "rss_growth_pct": round(100 * (rss_after - rss_before) / rss_before, 2),
        "peak_pg_sessions": peak,
    }


def pool_bounds() -> dict[str, int]:
    """The connection pools of one server process (see docs/architecture.md)."""
    from aegra_api.settings import settings as aegra

    from db.pool import LOCK_POOL_MAX_SIZE, POOL_MAX_SIZE

    bounds = {
        "aegra_sqlalchemy": aegra.pool.SQLALCHEMY_POOL_SIZE + aegra.pool.SQLALCHEMY_MAX_OVERFLOW,
        "langgraph_checkpointer_store": aegra.pool.LANGGRAPH_MAX_POOL_SIZE,
        "ours": POOL_MAX_SIZE,
        "run_locks": LOCK_POOL_MAX_SIZE,
        "probe_and_sweep": 2,
    }
    return {**bounds, "per_process": sum(bounds.values())}


def main(
    conversations: Annotated[int, typer.Option(help="Concurrent conversations.")] = 50,
    turns: Annotated[int, typer.Option(help="Turns per conversation.")] = 10,
    url: Annotated[str | None, typer.Option(help="Load this running server instead of starting one.")] = None,
    database_url: Annotated[str | None, typer.Option(help="With --url: the server's database (key, sessions).")] = None,
    workers: Annotated[int, typer.Option(help="Server processes when the bench starts the server.")] = 1,
) -> None:
    """Print errors, p50/p95 turn latency, server RSS growth and peak Postgres sessions under sustained load."""
    server: ServerProcess | None = None
    if url is not None:
        if database_url is None:
            raise typer.BadParameter("--url needs --database-url (for an API key and pg_stat_activity)")
        headers = {"Authorization": f"Bearer {create_api_key(database_url, name='bench load')}"}
        pid = _listening_pid(int(url.rsplit(":", 1)[1].split("/")[0]))
    else:
        from db.runtime import resolve_database_url
        from settings import Settings

        work = Path(tempfile.mkdtemp(prefix="bench-load-"))
        database_url = resolve_database_url(Settings(data_dir=work))
        server = ServerProcess(database_url, write_config(work), work / "server.log", seed=True, workers=workers)
        server.start(timeout_s=300)
        assert server.process is not None
        url, headers, pid = server.url, server.headers, server.process.pid
    try:
        figures = asyncio.run(_measure(url, headers, database_url, pid, conversations=conversations, turns=turns))
    finally:
        if server is not None:
            server.stop()
    bounds = pool_bounds()
    print(f"{conversations} conversations x {turns} turns ({workers} worker(s)): {figures}")
    print(f"pool bounds per server process: {bounds}")
    print(json.dumps({"conversations": conversations, "turns_each": turns, **figures, "pool_bounds": bounds}))
    if figures["errors"] or figures["rss_growth_pct"] > 100 * MAX_RSS_GROWTH:
        raise typer.Exit(1)
