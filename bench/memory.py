"""Memory over a long conversation: one N-turn thread through the support graph on (embedded) Postgres.

Run with `support-agent bench memory`. Prints the prompt tokens the model received per turn (target:
turn 200 <= 1.3x turn 20, i.e. the running summary keeps the prompt bounded), the checkpoint bytes each
turn added, and whether the facts the customer gave at turn 1 are still recalled near the end. ``--llm-stub``
runs in LLM mode against the scripted OpenAI-compatible server (tests/openai_stub.py): the model writes the
summaries and extracts the memories, and the prompt tokens are the ones the server was sent.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any, cast

import psycopg
import typer
from langgraph.types import Durability

CUSTOMER = "bench-memory-customer"
FIRST_MESSAGE = "Hi! We're on the Business plan, I use Nimbus Scribe on Android, and please email me rather than call."
# Turn t asks CYCLE[t % 10]: turns 20 and 200 ask the same question, so their prompts compare like for like,
# and turns 198-200 ask back every fact given at turn 1.
CYCLE = (
    "What plan am I on?",
    "How do I reset my password?",
    "How do I download my invoices?",
    "How can I export all my notes?",
    "How do I turn on two-factor authentication?",
    "How long does shipping take for the Scribe pen?",
    "How do I install the app on Linux?",
    "Where is my data stored?",
    "How do you prefer to contact me?",
    "Which products do I use?",
)
EXPECTED_FACTS = {
    "plan": "You're on the Business plan.",
    "product": "You use Nimbus Scribe.",
    "channel": "You prefer to be contacted by email.",
}
_BYTES_SQL = """
SELECT (SELECT coalesce(sum(length(blob)), 0) FROM checkpoint_blobs WHERE thread_id = %(t)s)
     + (SELECT coalesce(sum(length(blob)), 0) FROM checkpoint_writes WHERE thread_id = %(t)s)
     + (SELECT coalesce(sum(length(checkpoint::text) + length(metadata::text)), 0) FROM checkpoints
        WHERE thread_id = %(t)s)
"""


def _checkpoint_bytes(url: str, thread: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(_BYTES_SQL, {"t": thread}).fetchone()
    return int(row[0]) if row else 0


async def _conversation(url: str, turns: int, durability: Durability) -> dict[str, Any]:
    from langchain_core.messages import HumanMessage
    from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
    from langgraph.store.postgres.aio import AsyncPostgresStore

    from graph.builder import build_graph
    from graph.memory import get_memory_writer
    from graph.state import Context, InputState

    thread = "bench-memory-thread"
    prompt_tokens: dict[int, int] = {}
    added: list[int] = []
    latencies: list[float] = []
    recalled: dict[str, bool] = {}
    async with AsyncPostgresSaver.from_conn_string(url) as saver, AsyncPostgresStore.from_conn_string(url) as store:
        await saver.setup()
        await store.setup()
        graph = build_graph(checkpointer=saver, store=store)
        config: Any = {"configurable": {"thread_id": thread}}
        before = _checkpoint_bytes(url, thread)
        for turn in range(1, turns + 1):
            text = FIRST_MESSAGE if turn == 1 else CYCLE[turn % len(CYCLE)]
            started = time.perf_counter()
            values = await graph.ainvoke(
                InputState(messages=[HumanMessage(text)]),
                config,
                context=Context(customer_id=CUSTOMER),
                durability=durability,
            )
            latencies.append(time.perf_counter() - started)
            await get_memory_writer().flush()  # in production this lands milliseconds after the reply
            answer = values["messages"][-1]
            usage = getattr(answer, "usage_metadata", None) or {}
            prompt_tokens[turn] = int(usage.get("input_tokens", 0))
            after = _checkpoint_bytes(url, thread)
            added.append(after - before)
            before = after
            if turn > turns - 3:
                reply = str(answer.content)
                recalled |= {kind: fact in reply for kind, fact in EXPECTED_FACTS.items() if fact in reply}
            if turn % 20 == 0 or turn == 1:
                typer.echo(
                    f"turn {turn:4d}: prompt tokens {prompt_tokens[turn]:5d}, checkpoint +{added[-1]:7d} B, "
                    f"messages kept {len(values['messages']):3d}, summary {len(values.get('summary', '')):4d} chars, "
                    f"{latencies[-1] * 1000:6.0f} ms"
                )
    return {"prompt_tokens": prompt_tokens, "added": added, "latencies": latencies, "recalled": recalled}


def main(
    turns: Annotated[int, typer.Option(help="Turns in the conversation (>= 20).")] = 200,
    durability: Annotated[
        str, typer.Option(help="Checkpoint durability: async (LangGraph default) or exit.")
    ] = "async",
    llm_stub: Annotated[
        bool, typer.Option(help="LLM mode against the scripted OpenAI-compatible server (summaries by the model).")
    ] = False,
) -> None:
    """Run one long conversation and print prompt growth, checkpoint growth and fact recall."""
    if not llm_stub:
        _run(turns, durability)
        return
    import os

    from tests.openai_stub import OpenAIStub

    with OpenAIStub() as stub:
        os.environ |= {"LLM_MODEL": "openai:stub-model", "OPENAI_BASE_URL": stub.base_url, "OPENAI_API_KEY": "sk-stub"}
        _run(turns, durability)
        kinds = sorted({request.kind for request in stub.requests})
        typer.echo(
            "requests the scripted model server answered: "
            + ", ".join(f"{kind} {len(stub.of_kind(kind))}" for kind in kinds)
        )


def _run(turns: int, durability: str) -> None:
    from db.embedded import start_embedded_postgres
    from db.migrations import migrate
    from knowledge.ingest import seed_knowledge_base

    if turns < 20:
        raise typer.BadParameter("turns must be at least 20 (turn 20 is the baseline)")
    if durability not in ("sync", "async", "exit"):
        raise typer.BadParameter("durability must be sync, async or exit")
    work = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    url = start_embedded_postgres(work / "pg", database="bench_memory")
    migrate(url)
    import os

    os.environ["DATABASE_URL"] = url
    from settings import get_settings

    get_settings.cache_clear()
    seeded = asyncio.run(seed_knowledge_base(url))
    typer.echo(f"seeded KB: {seeded.added} articles, {seeded.chunks} chunks; {turns} turns, durability={durability}")
    result = asyncio.run(_conversation(url, turns, cast(Durability, durability)))
    tokens: dict[int, int] = result["prompt_tokens"]
    added: list[int] = result["added"]
    ratio = tokens[turns] / tokens[20] if tokens[20] else float("inf")
    steady = added[20:] or added
    latencies = sorted(result["latencies"][1:])
    recalled = {kind: bool(result["recalled"].get(kind)) for kind in EXPECTED_FACTS}
    typer.echo(
        f"prompt tokens: turn 20 = {tokens[20]}, turn {turns} = {tokens[turns]}, ratio = {ratio:.2f} (target <= 1.3)"
    )
    typer.echo(
        f"prompt tokens over all turns: min {min(tokens.values())}, median {statistics.median(tokens.values()):.0f}, "
        f"max {max(tokens.values())}"
    )
    typer.echo(
        f"checkpoint bytes added per turn (after turn 20): mean {statistics.mean(steady):.0f}, "
        f"median {statistics.median(steady):.0f}, max {max(steady)}; total {sum(added)}"
    )
    typer.echo(
        f"turn latency: p50 {latencies[len(latencies) // 2] * 1000:.0f} ms, "
        f"p95 {latencies[int(len(latencies) * 0.95) - 1] * 1000:.0f} ms (single conversation)"
    )
    typer.echo(
        f"facts from turn 1 recalled at turns {turns - 2}-{turns}: {sum(recalled.values())}/{len(recalled)} {recalled}"
    )
    typer.echo(
        json.dumps(
            {
                "n": turns,
                "prompt_tokens_turn20": tokens[20],
                f"prompt_tokens_turn{turns}": tokens[turns],
                "prompt_ratio": round(ratio, 3),
                "checkpoint_bytes_per_turn_mean": round(statistics.mean(steady)),
                "facts_recalled": sum(recalled.values()),
                "facts_total": len(recalled),
            }
        )
    )


if __name__ == "__main__":
    typer.run(main)
